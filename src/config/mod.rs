//! Configuration: a TOML file, then `CALLBOARD_` environment overrides (`__` between sections), then
//! command-line flags, over defaults. Validated once, with errors that name the file, the field and
//! what to do; turned into the plain settings each component takes. No component sees this type.

mod access;
mod alerts;
mod delivery;
mod duration;
mod env;
mod explain;
mod labour;
mod levels;
mod origin;
mod qa;
mod quota;
mod source;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use alerts::{AlertConfig, AlertingConfig};
pub use delivery::{DailyReportConfig, DeliveryConfig, SmtpConfig, WebhookConfig};
pub use duration::Duration;
pub use explain::explain;
pub use levels::{LevelsConfig, LimitConfig, LinesConfig};
pub use quota::QuotaConfig;
pub use source::{
    AmazonConnectSourceConfig, AsteriskSourceConfig, FreeswitchSourceConfig, SourceConfig,
    SourceFormat, TenantFrom, TwilioSourceConfig,
};

use crate::center::callers::CallerLimits;
use crate::center::settings::{
    CenterSettings, Completions, QueueSettings, RollingWindow, HOUR, MINUTE, SECOND,
};
use crate::decode::DecodeLimits;
use crate::event::{Id, Millis};
use crate::kpi::ServiceLevelFormula;

/// Letters, digits and `_`, not empty: a name that also serves as a label value (quotas, alert rules).
fn is_word(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {origin}: {source}")]
    Read {
        origin: String,
        source: std::io::Error,
    },
    #[error("{origin}: {message}")]
    Parse { origin: String, message: String },
    #[error("{origin}: {field}: {problem}")]
    Invalid {
        origin: String,
        field: String,
        problem: String,
    },
    #[error("environment variable {variable}: {problem}")]
    Environment { variable: String, problem: String },
}

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// How events are ordered, deduplicated, windowed and bounded.
    pub engine: EngineConfig,
    /// Defaults for every tenant.
    pub defaults: TenantConfig,
    /// Thresholds and targets of every queue not configured otherwise.
    pub queue_defaults: QueueConfig,
    /// Per-queue overrides for every tenant (a tenant's own `queues` win).
    pub queues: BTreeMap<String, QueueConfig>,
    /// Per-tenant settings, by tenant name.
    pub tenants: BTreeMap<String, TenantConfig>,
    /// Where events come from.
    pub kafka: KafkaConfig,
    /// The topics read (`[[sources]]`), each in its format; none: `kafka.topic` in callboard's own.
    pub sources: Vec<SourceConfig>,
    /// The HTTP port for /metrics, the API and the wallboard.
    pub http: HttpConfig,
    /// Per-agent exposition.
    pub agents: AgentsConfig,
    /// Call quotas (`[[quotas]]`): progress and pace per agent over the shift.
    pub quotas: Vec<QuotaConfig>,
    /// Alert rules (`[[alerts]]`), on top of the built-in ones.
    pub alerts: Vec<AlertConfig>,
    /// Where alerts go: Kafka, Alertmanager, a webhook.
    pub alerting: AlertingConfig,
    /// Who may read what over HTTP.
    pub access: access::AccessConfig,
    /// Where daily reports go: the mail server, and the topic sent days are recorded in.
    pub delivery: DeliveryConfig,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct EngineConfig {
    /// How far behind the latest event time an event may arrive and still count as in order.
    pub lateness: Duration,
    /// A repeated event id within this horizon is a duplicate.
    pub dedup_horizon: Duration,
    /// Calls with no event for this long are dropped (and counted), keeping memory bounded.
    pub call_expiry: Duration,
    /// Rolling windows of every figure.
    pub windows: Vec<Duration>,
    /// Report interval: 15m or 30m, aligned to the hour in each tenant's time zone.
    pub interval: Duration,
    /// Largest message accepted, in bytes.
    pub max_message_bytes: usize,
    /// How often each worker publishes snapshots (the freshness of /metrics, the API and alerts).
    pub snapshot_interval: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            lateness: Duration(CenterSettings::DEFAULT_LATENESS_MS),
            dedup_horizon: Duration(CenterSettings::DEFAULT_DEDUP_HORIZON_MS),
            call_expiry: Duration(CenterSettings::DEFAULT_CALL_EXPIRY_MS),
            windows: CenterSettings::default_rolling_windows()
                .iter()
                .map(|window| Duration(window.length_ms))
                .collect(),
            interval: Duration(CenterSettings::DEFAULT_INTERVAL_MS),
            max_message_bytes: DecodeLimits::DEFAULT_MAX_MESSAGE_BYTES,
            snapshot_interval: Duration(SECOND),
        }
    }
}

/// A tenant (contact center). In `[defaults]` every field applies to all tenants.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TenantConfig {
    /// IANA time zone (`Europe/Berlin`): `today` and report intervals follow it. Default UTC.
    pub time_zone: Option<String>,
    /// Local hour at which the tenant's day starts (0 = midnight; 4 for centers that cut over at 04:00).
    pub day_start_hour: Option<u32>,
    /// Local opening hours, `"08:00-20:00"` (`"22:00-06:00"` spans midnight): a feed silent in them
    /// alerts. Left out, the floor counts as open while any agent is logged in.
    pub open_hours: Option<String>,
    /// Does the feed send `call.completed`? `"sent"` (default): each handle ends at its own completion.
    /// `"absent"`: the feed has none, and a handle ends at the agent's next state, logout or answer.
    pub completions: Option<String>,
    /// Calls one agent may work at once (consultations, second lines, chat); default 8. An answer
    /// beyond it is rejected as `inconsistent`.
    pub max_calls_per_agent: Option<usize>,
    /// Callers awaiting a callback the tenant keeps (default 10000; past it, the longest waiting are
    /// let go).
    pub callbacks_max: Option<usize>,
    /// Callers the tenant remembers for a day, for repeat callers (default 20000; past it, those quiet
    /// longest are let go). Each is in the partition's state snapshot: at 20000, a 2,000-agent center's
    /// snapshot stays near half of Kafka's default 1 MB message limit, compressed.
    pub callers_max: Option<usize>,
    /// Which calls go to quality review; left out, none are sampled.
    pub qa_sampling: Option<qa::QaSamplingConfig>,
    /// Hourly costs and the budget; left out, no labour figures.
    pub labour: Option<labour::LabourConfig>,
    /// Queue overrides for this tenant only.
    pub queues: BTreeMap<String, QueueConfig>,
    /// The longest an agent should stay in a state (`wrap_up = "2m"`, `ringing = "20s"`, `on_call =
    /// "20m"`) or in not ready for a reason (`break = "15m"`, `lunch = "1h"`): amber from it, red from
    /// twice it, or `{ warning = "15m", critical = "20m" }`. A tenant's keys add to or replace the
    /// defaults'.
    pub state_limits: BTreeMap<String, LimitConfig>,
    /// The daily report: at a local time, by mail and/or to chat webhooks (a tenant's replaces the
    /// defaults' whole).
    pub daily_report: Option<DailyReportConfig>,
}

/// A queue's thresholds and targets; any field left out comes from `[queue_defaults]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct QueueConfig {
    /// Answered within this wait counts as answered in time (default 20s).
    pub threshold: Option<Duration>,
    /// Abandons after a shorter wait are short abandons (default 5s); must be below the threshold.
    pub short_abandon: Option<Duration>,
    /// Service-level target as a fraction (default 0.8).
    pub service_level_target: Option<f64>,
    /// abandons_count_against (default), abandons_ignored_within_threshold, all_outcomes or
    /// abandons_within_threshold_count_for (see spec/metrics.md).
    pub service_level_formula: Option<String>,
    /// Window whose arrival rate and AHT feed the required-agents figure (default 30m).
    pub staffing_window: Option<Duration>,
    /// Mean caller patience: with it, staffing uses Erlang A.
    pub patience: Option<Duration>,
    /// Where the board turns the queue's figures amber and red (`[queue_defaults.levels]`).
    pub levels: LevelsConfig,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct KafkaConfig {
    /// Bootstrap brokers, comma-separated.
    pub brokers: String,
    /// Topic of call events (key = tenant).
    pub topic: String,
    /// Consumer group shared by every callboard instance.
    pub group_id: String,
    /// Topic rejected messages are forwarded to, with their reason in a header.
    pub dead_letter_topic: Option<String>,
    /// Worker threads, each a group member (default: the number of cores).
    pub workers: Option<usize>,
    /// Longest replay on partition assignment (state is rebuilt from at most this far back).
    pub max_replay: Duration,
    /// Find the replay start by time (offsets_for_times); set false for brokers without it.
    pub replay_by_time: bool,
    /// A compacted topic each partition's state is written to (keyed by partition, with the offset it
    /// reflects), so a restart loads it and replays only what came after. Unset: restarts replay.
    pub state_topic: Option<String>,
    /// How often a partition's state is written (also on revoke and at shutdown).
    pub state_every: Duration,
    /// Where the calls chosen for quality review go, keyed by tenant (default `call-qa-samples`; "" sends
    /// none). Only a service with a `qa_sampling` policy publishes.
    pub qa_samples_topic: String,
    /// The compacted topic closed report intervals go to (key `tenant/kind/subject/start`, value the
    /// report row as JSON with `schema` and `kind`; default `call-intervals`; "" produces none). The
    /// service creates it with `cleanup.policy=compact` if missing, and reads it back to serve past days.
    pub intervals_topic: String,
    /// librdkafka properties passed through: TLS, SASL (e.g. `"security.protocol" = "SASL_SSL"`).
    pub properties: BTreeMap<String, String>,
    /// Properties whose value is the content of a file (a mounted secret), e.g. `"sasl.password" =
    /// "/run/secrets/kafka-password"`: the secret need not sit in the configuration.
    pub property_files: BTreeMap<String, String>,
    /// Properties whose value is an environment variable's, e.g. `"sasl.password" = "KAFKA_PASSWORD"`.
    pub property_env: BTreeMap<String, String>,
}

impl Default for KafkaConfig {
    fn default() -> Self {
        KafkaConfig {
            brokers: "127.0.0.1:9092".to_string(),
            topic: "call-events".to_string(),
            group_id: "callboard".to_string(),
            dead_letter_topic: None,
            workers: None,
            max_replay: Duration(26 * HOUR),
            replay_by_time: true,
            state_topic: None,
            qa_samples_topic: "call-qa-samples".to_string(),
            intervals_topic: "call-intervals".to_string(),
            state_every: Duration(5 * MINUTE),
            properties: BTreeMap::new(),
            property_files: BTreeMap::new(),
            property_env: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Address of /metrics, /livez, /readyz, the API and the wallboard.
    pub listen: String,
    /// How long shutdown waits for work in flight before giving up.
    pub shutdown_grace: Duration,
    /// Serve HTTPS with this certificate chain (PEM, the server's own first) and `tls_key`; SIGHUP
    /// reads both again. Without them the port serves plain HTTP.
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub tls_key: Option<PathBuf>,
    /// Origins (`https://grafana.example.com`) whose pages may call the API from a browser; none: no
    /// CORS header is ever sent.
    pub cors_origins: Vec<String>,
    /// Days of closed intervals `/api/v1/tenants/{t}/intervals?date=` serves from the intervals topic
    /// (held in memory; older records are dropped as the days turn).
    pub interval_days: u32,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen: "127.0.0.1:9464".to_string(),
            shutdown_grace: Duration(20 * SECOND),
            tls_cert: None,
            tls_key: None,
            cors_origins: Vec::new(),
            interval_days: 62,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AgentsConfig {
    /// Export per-agent series (switch off for very large centers).
    pub export: bool,
    /// Agents logged out (and unconfigured queues quiet) this long stop being exported.
    pub idle_expiry: Duration,
}

impl Default for AgentsConfig {
    fn default() -> Self {
        AgentsConfig {
            export: true,
            idle_expiry: Duration(HOUR),
        }
    }
}

/// Largest configuration file read: anything bigger is a mistake (a log, a database), not a config.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// Reads, overrides from `env` and validates the file at `path`.
pub fn load(
    path: &Path,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Config, ConfigError> {
    let origin = path.display().to_string();
    let read_error = |source| ConfigError::Read {
        origin: origin.clone(),
        source,
    };
    let size = std::fs::metadata(path).map_err(read_error)?.len();
    if size > MAX_FILE_BYTES {
        let message =
            format!("{size} bytes is not a configuration file (at most {MAX_FILE_BYTES})");
        return Err(ConfigError::Parse { origin, message });
    }
    let text = std::fs::read_to_string(path).map_err(read_error)?;
    parse(&text, &origin, env)
}

/// Parses `text` (named `origin` in errors), applies `env` overrides and validates.
pub fn parse(
    text: &str,
    origin: &str,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Config, ConfigError> {
    let parse_error = |error: toml::de::Error| ConfigError::Parse {
        origin: origin.to_string(),
        message: describe(text, &error),
    };
    let mut table: toml::Table = text.parse().map_err(parse_error)?;
    let env: Vec<(String, String)> = env.into_iter().collect();
    env::apply(&mut table, env.iter().cloned())?;
    let mut config: Config =
        serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|error| {
            let field = error.path().to_string();
            let problem = error.into_inner().message().to_string();
            ConfigError::Invalid {
                origin: origin.to_string(),
                field,
                problem,
            }
        })?;
    config.validate(origin)?;
    config.kafka.read_secrets(&env, origin)?;
    config.read_delivery_secrets(&env, origin)?;
    Ok(config)
}

impl KafkaConfig {
    /// Sets the properties named by `property_files` and `property_env` from the file or variable (the
    /// value, trailing line break dropped). Errors name the property and where it was to come from,
    /// never a value.
    fn read_secrets(&mut self, env: &[(String, String)], origin: &str) -> Result<(), ConfigError> {
        let invalid = |field: String, problem: String| ConfigError::Invalid {
            origin: origin.to_string(),
            field,
            problem,
        };
        for (property, path) in &self.property_files {
            let field = format!("kafka.property_files.{property}");
            let text = std::fs::read_to_string(path)
                .map_err(|error| invalid(field.clone(), format!("cannot read {path}: {error}")))?;
            let value = text.trim_end_matches(['\n', '\r']).to_string();
            if value.is_empty() {
                return Err(invalid(field, format!("{path} is empty")));
            }
            self.properties.insert(property.clone(), value);
        }
        for (property, variable) in &self.property_env {
            let field = format!("kafka.property_env.{property}");
            let value = (env.iter())
                .find(|(name, _)| name == variable)
                .map(|(_, value)| value.clone())
                .filter(|value| !value.is_empty())
                .ok_or_else(|| {
                    invalid(
                        field,
                        format!("the environment variable {variable} is not set"),
                    )
                })?;
            self.properties.insert(property.clone(), value);
        }
        Ok(())
    }
}

/// A TOML error with its line and column.
fn describe(text: &str, error: &toml::de::Error) -> String {
    match error.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            let column = span.start
                - text[..span.start.min(text.len())]
                    .rfind('\n')
                    .map_or(0, |at| at + 1)
                + 1;
            format!("line {line}, column {column}: {}", error.message())
        }
        None => error.message().to_string(),
    }
}

impl Config {
    fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        let invalid = |field: &str, problem: String| ConfigError::Invalid {
            origin: origin.to_string(),
            field: field.to_string(),
            problem,
        };
        let engine = &self.engine;
        if engine.windows.is_empty() || engine.windows.iter().any(|window| window.0 <= 0) {
            return Err(invalid(
                "engine.windows",
                "give at least one window, each longer than 0 (e.g. [\"15m\", \"1h\"])".into(),
            ));
        }
        let mut distinct = engine.windows.clone();
        distinct.sort();
        distinct.dedup();
        if distinct.len() != engine.windows.len() {
            return Err(invalid("engine.windows", "a window is listed twice".into()));
        }
        if engine.interval.0 != 15 * MINUTE && engine.interval.0 != 30 * MINUTE {
            return Err(invalid(
                "engine.interval",
                format!("must be 15m or 30m, got {}", engine.interval),
            ));
        }
        let shortest = distinct[0];
        if engine.lateness.0 < 0 || engine.lateness >= shortest {
            return Err(invalid(
                "engine.lateness",
                format!(
                    "({}) must be shorter than the shortest window ({shortest})",
                    engine.lateness
                ),
            ));
        }
        if !(10..=60_000).contains(&engine.snapshot_interval.0) {
            return Err(invalid(
                "engine.snapshot_interval",
                format!("({}) must be from 10ms to 60s", engine.snapshot_interval),
            ));
        }
        if self.http.tls_cert.is_some() != self.http.tls_key.is_some() {
            return Err(invalid(
                "http.tls_cert",
                "give tls_cert and tls_key together (both PEM files), or neither for plain HTTP"
                    .into(),
            ));
        }
        if let Some(problem) =
            (self.http.cors_origins.iter()).find_map(|o| origin::origin_problem(o))
        {
            return Err(invalid("http.cors_origins", problem));
        }
        if !(SECOND..=24 * HOUR).contains(&self.kafka.state_every.0) {
            return Err(invalid(
                "kafka.state_every",
                format!("({}) must be from 1s to 24h", self.kafka.state_every),
            ));
        }
        if self.kafka.state_topic.as_deref() == Some(self.kafka.topic.as_str()) {
            return Err(invalid(
                "kafka.state_topic",
                "must not be the events topic (use a compacted topic of its own)".to_string(),
            ));
        }
        let taken = [Some(&self.kafka.topic), self.kafka.state_topic.as_ref()];
        if taken.contains(&Some(&self.kafka.intervals_topic)) {
            return Err(invalid(
                "kafka.intervals_topic",
                "must not be the events or state topic (use a compacted topic of its own)"
                    .to_string(),
            ));
        }
        if self.http.interval_days == 0 || self.http.interval_days > 3660 {
            return Err(invalid(
                "http.interval_days",
                format!("({}) must be from 1 to 3660", self.http.interval_days),
            ));
        }
        if engine.max_message_bytes < 256 {
            return Err(invalid(
                "engine.max_message_bytes",
                format!("({}) must be at least 256", engine.max_message_bytes),
            ));
        }
        if self.kafka.topic.is_empty()
            || self.kafka.group_id.is_empty()
            || self.kafka.brokers.is_empty()
        {
            return Err(invalid(
                "kafka",
                "brokers, topic and group_id must not be empty".into(),
            ));
        }
        if self.kafka.dead_letter_topic.as_deref() == Some(self.kafka.topic.as_str()) {
            return Err(invalid(
                "kafka.dead_letter_topic",
                format!("is the event topic `{}`: rejected messages would be read again forever; name another topic", self.kafka.topic),
            ));
        }
        if let Some(key) = ["bootstrap.servers", "group.id"]
            .into_iter()
            .find(|key| self.kafka.properties.contains_key(*key))
        {
            return Err(invalid(
                &format!("kafka.properties.{key}"),
                "set kafka.brokers and kafka.group_id instead".into(),
            ));
        }
        if self.kafka.workers == Some(0) {
            return Err(invalid(
                "kafka.workers",
                "must be at least 1 (or left out for one per core)".into(),
            ));
        }
        if self.http.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(invalid(
                "http.listen",
                format!(
                    "`{}` is not an address like 127.0.0.1:9464",
                    self.http.listen
                ),
            ));
        }
        source::validate_sources(&self.sources(), &self.kafka, origin)?;
        for (index, quota) in self.quotas.iter().enumerate() {
            quota.validate(index, origin)?;
        }
        quota::validate_unique(&self.quotas, origin)?;
        self.alerting.validate(origin)?;
        alerts::validate_rules(&self.alerts, &self.engine.windows, origin)?;
        self.validate_tenant("defaults", &self.defaults, origin)?;
        for (name, tenant) in &self.tenants {
            self.validate_tenant(&format!("tenants.{name}"), tenant, origin)?;
        }
        self.resolve_queue(&QueueConfig::default(), "queue_defaults", origin)?;
        for (name, queue) in &self.queues {
            self.resolve_queue(queue, &format!("queues.{name}"), origin)?;
        }
        self.access
            .access()
            .map_err(|(field, problem)| invalid(&field, problem))?;
        self.validate_delivery(origin)?;
        Ok(())
    }

    /// Whether any tenant has calls sampled for quality review.
    pub fn samples_calls(&self) -> bool {
        self.defaults.qa_sampling.is_some()
            || self
                .tenants
                .values()
                .any(|tenant| tenant.qa_sampling.is_some())
    }

    /// Who may read what over HTTP (the configuration was validated).
    pub fn access(&self) -> crate::access::Access {
        self.access.access().unwrap_or_default()
    }

    fn validate_tenant(
        &self,
        path: &str,
        tenant: &TenantConfig,
        origin: &str,
    ) -> Result<(), ConfigError> {
        let invalid = |field: &str, problem: String| ConfigError::Invalid {
            origin: origin.to_string(),
            field: format!("{path}.{field}"),
            problem,
        };
        if let Some(zone) = &tenant.time_zone {
            if zone.parse::<chrono_tz::Tz>().is_err() {
                return Err(invalid("time_zone", format!("`{zone}` is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)")));
            }
        }
        if let Some(labour) = &tenant.labour {
            labour
                .settings()
                .map_err(|(field, problem)| invalid(&format!("labour.{field}"), problem))?;
        }
        if let Some(sampling) = &tenant.qa_sampling {
            sampling
                .policy()
                .map_err(|(field, problem)| invalid(&format!("qa_sampling.{field}"), problem))?;
        }
        if tenant.day_start_hour.is_some_and(|hour| hour > 23) {
            return Err(invalid(
                "day_start_hour",
                "must be an hour from 0 to 23".into(),
            ));
        }
        if let Some(hours) = &tenant.open_hours {
            if parse_open_hours(hours).is_none() {
                return Err(invalid(
                    "open_hours",
                    format!("`{hours}` is not a span of local times like \"08:00-20:00\""),
                ));
            }
        }
        if let Some(completions) = &tenant.completions {
            if Completions::parse(completions).is_none() {
                return Err(invalid(
                    "completions",
                    format!("`{completions}` is neither \"sent\" nor \"absent\" (does the feed send call.completed?)"),
                ));
            }
        }
        if tenant
            .max_calls_per_agent
            .is_some_and(|limit| !(1..=MAX_CALLS_PER_AGENT_LIMIT).contains(&limit))
        {
            return Err(invalid(
                "max_calls_per_agent",
                format!("must be from 1 to {MAX_CALLS_PER_AGENT_LIMIT}"),
            ));
        }
        for (key, value) in [
            ("callbacks_max", tenant.callbacks_max),
            ("callers_max", tenant.callers_max),
        ] {
            if value.is_some_and(|count| !(1..=CALLERS_MAX_LIMIT).contains(&count)) {
                return Err(invalid(
                    key,
                    format!("must be from 1 to {CALLERS_MAX_LIMIT}"),
                ));
            }
        }
        levels::state_limits(&self.defaults.state_limits, Some(&tenant.state_limits))
            .map_err(|(key, problem)| invalid(&format!("state_limits.{key}"), problem))?;
        for (name, queue) in &tenant.queues {
            let over_global = self
                .queues
                .get(name)
                .cloned()
                .unwrap_or_default()
                .overridden_by(queue);
            self.resolve_queue(&over_global, &format!("{path}.queues.{name}"), origin)?;
        }
        Ok(())
    }

    /// `queue` over `[queue_defaults]` over the built-in defaults, validated as a whole.
    fn resolve_queue(
        &self,
        queue: &QueueConfig,
        path: &str,
        origin: &str,
    ) -> Result<QueueSettings, ConfigError> {
        let merged = self.queue_defaults.clone().overridden_by(queue);
        let defaults = QueueSettings::default();
        let invalid = |field: &str, problem: String| ConfigError::Invalid {
            origin: origin.to_string(),
            field: format!("{path}.{field}"),
            problem,
        };
        let formula = match &merged.service_level_formula {
            None => defaults.service_level_formula,
            Some(name) => ServiceLevelFormula::parse(name).ok_or_else(|| {
                let known: Vec<_> = ServiceLevelFormula::ALL
                    .iter()
                    .map(|formula| formula.as_str())
                    .collect();
                invalid(
                    "service_level_formula",
                    format!("`{name}` is not one of {}", known.join(", ")),
                )
            })?,
        };
        let settings = QueueSettings {
            threshold_ms: merged
                .threshold
                .map_or(defaults.threshold_ms, |duration| duration.0),
            short_abandon_ms: merged
                .short_abandon
                .map_or(defaults.short_abandon_ms, |duration| duration.0),
            service_level_target: merged
                .service_level_target
                .unwrap_or(defaults.service_level_target),
            service_level_formula: formula,
            staffing_window_ms: merged
                .staffing_window
                .map_or(defaults.staffing_window_ms, |duration| duration.0),
            patience_ms: merged.patience.map(|duration| duration.0),
            lines: defaults.lines.clone(),
        };
        if settings.threshold_ms <= 0 {
            return Err(invalid("threshold", "must be longer than 0".into()));
        }
        if settings.short_abandon_ms >= settings.threshold_ms {
            return Err(invalid(
                "short_abandon",
                format!(
                    "({}) must be shorter than the threshold ({}): short abandons are a subset of abandons within the threshold",
                    Duration(settings.short_abandon_ms),
                    Duration(settings.threshold_ms)
                ),
            ));
        }
        if !(settings.service_level_target > 0.0 && settings.service_level_target <= 1.0) {
            return Err(invalid(
                "service_level_target",
                format!(
                    "must be a fraction above 0 and at most 1, got {}",
                    settings.service_level_target
                ),
            ));
        }
        if settings.staffing_window_ms <= 0
            || settings.patience_ms.is_some_and(|patience| patience <= 0)
        {
            return Err(invalid(
                "staffing_window",
                "durations must be longer than 0".into(),
            ));
        }
        let lines = (merged.levels)
            .lines(settings.service_level_target, settings.threshold_ms)
            .map_err(|(field, problem)| invalid(&format!("levels.{field}"), problem))?;
        Ok(QueueSettings { lines, ..settings })
    }

    /// The settings of `tenant`'s center: its own values over `[defaults]`, queues resolved.
    /// The sources read: `[[sources]]`, or `kafka.topic` in callboard's format when there are none.
    pub fn sources(&self) -> Vec<SourceConfig> {
        if self.sources.is_empty() {
            vec![SourceConfig::implied(&self.kafka)]
        } else {
            self.sources.clone()
        }
    }

    /// The engine's lateness, raised for a tenant an adapter feeds to what the adapter needs (a
    /// queue_log ring is dated back to when it began; with `tenant_from = "key"` any tenant may be one).
    fn lateness_ms(&self, tenant: &str) -> Millis {
        self.sources
            .iter()
            .filter(|source| {
                source.tenant.as_deref() == Some(tenant)
                    || source.tenant_from == Some(TenantFrom::Key)
            })
            .map(|source| source.format.required_lateness_ms())
            .fold(self.engine.lateness.0, Millis::max)
    }

    pub fn center_settings(&self, tenant: &str) -> CenterSettings {
        let own = self.tenants.get(tenant);
        let zone = own
            .and_then(|tenant| tenant.time_zone.clone())
            .or_else(|| self.defaults.time_zone.clone());
        let mut queue_names: BTreeMap<String, QueueConfig> = self.queues.clone();
        for (name, queue) in own.map(|tenant| &tenant.queues).into_iter().flatten() {
            let merged = queue_names
                .get(name)
                .cloned()
                .unwrap_or_default()
                .overridden_by(queue);
            queue_names.insert(name.clone(), merged);
        }
        let resolve = |queue: &QueueConfig| self.resolve_queue(queue, "", "").unwrap_or_default();
        CenterSettings {
            time_zone: zone
                .and_then(|zone| zone.parse().ok())
                .unwrap_or(chrono_tz::UTC),
            day_start_hour: own
                .and_then(|tenant| tenant.day_start_hour)
                .or(self.defaults.day_start_hour)
                .unwrap_or(0),
            rolling_windows: self
                .engine
                .windows
                .iter()
                .map(|window| RollingWindow::new(window.0))
                .collect(),
            interval_ms: self.engine.interval.0,
            lateness_ms: self.lateness_ms(tenant),
            dedup_horizon_ms: self.engine.dedup_horizon.0,
            call_expiry_ms: self.engine.call_expiry.0,
            // The intervals topic takes agent rows, and a late event may still change yesterday's.
            keep_agent_intervals: !self.kafka.intervals_topic.is_empty(),
            interval_retention_days: Some(u32::from(!self.kafka.intervals_topic.is_empty())),
            closed_intervals: !self.kafka.intervals_topic.is_empty(),
            queue_defaults: resolve(&QueueConfig::default()),
            queues: queue_names
                .iter()
                .map(|(name, queue)| (Id::from(name.as_str()), resolve(queue)))
                .collect(),
            quotas: self.quotas.iter().filter_map(QuotaConfig::quota).collect(),
            open_hours: own
                .and_then(|tenant| tenant.open_hours.as_deref())
                .or(self.defaults.open_hours.as_deref())
                .and_then(parse_open_hours),
            completions: own
                .and_then(|tenant| tenant.completions.as_deref())
                .or(self.defaults.completions.as_deref())
                .and_then(Completions::parse)
                .unwrap_or_default(),
            max_calls_per_agent: own
                .and_then(|tenant| tenant.max_calls_per_agent)
                .or(self.defaults.max_calls_per_agent)
                .unwrap_or(CenterSettings::DEFAULT_MAX_CALLS_PER_AGENT),
            state_limits: levels::state_limits(
                &self.defaults.state_limits,
                own.map(|tenant| &tenant.state_limits),
            )
            .unwrap_or_default(),
            labour: (own.and_then(|tenant| tenant.labour.as_ref()))
                .or(self.defaults.labour.as_ref())
                .and_then(|labour| labour.settings().ok())
                .map(std::sync::Arc::new),
            qa_sampling: (own.and_then(|tenant| tenant.qa_sampling.as_ref()))
                .or(self.defaults.qa_sampling.as_ref())
                .and_then(|sampling| sampling.policy().ok()),
            caller_limits: CallerLimits {
                callbacks: own
                    .and_then(|tenant| tenant.callbacks_max)
                    .or(self.defaults.callbacks_max)
                    .unwrap_or(CallerLimits::default().callbacks),
                callers: own
                    .and_then(|tenant| tenant.callers_max)
                    .or(self.defaults.callers_max)
                    .unwrap_or(CallerLimits::default().callers),
            },
        }
    }

    /// The alert rules in force: the built-in ones (unless switched off) and the configured ones.
    /// A built-in rule whose window is not configured is left out.
    pub fn alert_rules(&self) -> Vec<crate::alert::Rule> {
        alerts::effective(
            &self.alerts,
            self.alerting.default_rules,
            &self.alerting.enable,
        )
        .iter()
        .filter_map(|alert| alert.rule("alerts", "", &self.engine.windows).ok())
        .collect()
    }

    pub fn decode_limits(&self) -> DecodeLimits {
        DecodeLimits {
            max_message_bytes: self.engine.max_message_bytes,
        }
    }

    /// How far back a partition replays: the longest rolling window, or since the earliest day start any
    /// tenant may have (a day plus the largest time-zone lead), capped by `kafka.max_replay`.
    pub fn replay_ms(&self) -> Millis {
        let longest = self
            .engine
            .windows
            .iter()
            .map(|window| window.0)
            .max()
            .unwrap_or(HOUR);
        longest
            .max(24 * HOUR + 14 * HOUR)
            .min(self.kafka.max_replay.0)
            .max(longest)
    }
}

/// `"08:00-20:00"` as minutes of the day `(480, 1200)`; the two times must differ.
/// The highest `callbacks_max` and `callers_max` accepted: a caller kept is about a hundred bytes.
const CALLERS_MAX_LIMIT: usize = 10_000_000;
/// The highest `max_calls_per_agent` accepted: each call an agent works is a few hundred bytes.
const MAX_CALLS_PER_AGENT_LIMIT: usize = 100;

fn parse_open_hours(text: &str) -> Option<(u32, u32)> {
    let minute = |time: &str| {
        let (hour, minute) = time.trim().split_once(':')?;
        let (hour, minute): (u32, u32) = (hour.parse().ok()?, minute.parse().ok()?);
        (hour < 24 && minute < 60).then_some(hour * 60 + minute)
    };
    let (open, close) = text.split_once('-')?;
    let (open, close) = (minute(open)?, minute(close)?);
    (open != close).then_some((open, close))
}

impl QueueConfig {
    /// `self` with every field `other` sets replaced.
    fn overridden_by(mut self, other: &QueueConfig) -> QueueConfig {
        macro_rules! take {
            ($($field:ident),*) => { $( if other.$field.is_some() { self.$field = other.$field.clone(); } )* };
        }
        take!(
            threshold,
            short_abandon,
            service_level_target,
            service_level_formula,
            staffing_window,
            patience
        );
        self.levels = self.levels.overridden_by(&other.levels);
        self
    }
}
