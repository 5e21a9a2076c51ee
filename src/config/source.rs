//! Sources in configuration (`[[sources]]`): the Kafka topics callboard reads, each in its own format,
//! and how a message's tenant is known. Without any, `[kafka] topic` is the one source, in callboard's
//! own format (`spec/events.md`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{ConfigError, Duration, KafkaConfig};

/// What a source's messages are.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub enum SourceFormat {
    /// callboard's JSON events (v1): each names its tenant.
    #[default]
    CallboardV1,
    /// Asterisk `queue_log` lines or realtime rows (`docs/sources/asterisk.md`).
    AsteriskQueueLog,
    /// FreeSWITCH `mod_callcenter` events as JSON (`docs/sources/freeswitch.md`).
    FreeswitchCallcenter,
    /// Twilio TaskRouter events as JSON (`docs/sources/twilio.md`).
    TwilioTaskrouter,
    /// Amazon Connect contact events (EventBridge) as JSON, with the agent event stream mixed in or not
    /// (`docs/sources/amazon_connect.md`).
    AmazonConnectContactEvents,
    /// The Amazon Connect agent event stream alone (it cannot see abandons).
    AmazonConnectAgentEvents,
}

impl SourceFormat {
    const ALL: [SourceFormat; 6] = [
        SourceFormat::CallboardV1,
        SourceFormat::AsteriskQueueLog,
        SourceFormat::FreeswitchCallcenter,
        SourceFormat::TwilioTaskrouter,
        SourceFormat::AmazonConnectContactEvents,
        SourceFormat::AmazonConnectAgentEvents,
    ];
}

impl TryFrom<String> for SourceFormat {
    type Error = String;

    /// A format by name; contact records (CTR) are refused with the reason, as they cannot be live.
    fn try_from(name: String) -> Result<Self, Self::Error> {
        if let Some(format) = SourceFormat::ALL
            .into_iter()
            .find(|known| known.as_str() == name)
        {
            return Ok(format);
        }
        if name == "amazon_connect_ctr" {
            return Err("amazon_connect_ctr cannot be a live source: Connect writes a contact record \
                        only after the contact ends and may send it again days later, so every event \
                        would arrive after its interval closed. Read contact events live \
                        (amazon_connect_contact_events) and contact records with `callboard report \
                        --input-format amazon_connect_ctr` (docs/sources/amazon_connect.md)"
                .into());
        }
        let known: Vec<&str> = SourceFormat::ALL
            .iter()
            .map(|known| known.as_str())
            .collect();
        Err(format!(
            "unknown format `{name}`, expected one of {}",
            known.join(", ")
        ))
    }
}

impl SourceFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::CallboardV1 => "callboard_v1",
            SourceFormat::AsteriskQueueLog => "asterisk_queue_log",
            SourceFormat::FreeswitchCallcenter => "freeswitch_callcenter",
            SourceFormat::TwilioTaskrouter => "twilio_taskrouter",
            SourceFormat::AmazonConnectContactEvents => "amazon_connect_contact_events",
            SourceFormat::AmazonConnectAgentEvents => "amazon_connect_agent_events",
        }
    }

    /// The allowed lateness its tenants need at least (an adapter dates some events back).
    pub fn required_lateness_ms(self) -> crate::event::Millis {
        match self {
            SourceFormat::CallboardV1 => 0,
            SourceFormat::AsteriskQueueLog => {
                crate::decode::asterisk::QueueLogAdapter::REQUIRED_LATENESS_MS
            }
            SourceFormat::FreeswitchCallcenter => {
                crate::decode::freeswitch::CallcenterAdapter::REQUIRED_LATENESS_MS
            }
            SourceFormat::TwilioTaskrouter => {
                crate::decode::twilio::TaskRouterAdapter::REQUIRED_LATENESS_MS
            }
            SourceFormat::AmazonConnectContactEvents | SourceFormat::AmazonConnectAgentEvents => {
                crate::decode::amazon_connect::ContactEventsAdapter::REQUIRED_LATENESS_MS
            }
        }
    }

    /// Whether a source adapter reads it (the tenant comes from the source, not the message).
    pub fn adapted(self) -> bool {
        !matches!(self, SourceFormat::CallboardV1)
    }
}

/// Where a message's tenant comes from when the format does not carry it.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TenantFrom {
    /// The Kafka message key.
    Key,
}

/// One `[[sources]]` entry.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    pub topic: String,
    #[serde(default)]
    pub format: SourceFormat,
    /// The whole topic is this tenant's.
    pub tenant: Option<String>,
    /// Or each message names its tenant here.
    pub tenant_from: Option<TenantFrom>,
    /// Options of the `asterisk_queue_log` format.
    #[serde(default)]
    pub asterisk: AsteriskSourceConfig,
    /// Options of the `freeswitch_callcenter` format.
    #[serde(default)]
    pub freeswitch: FreeswitchSourceConfig,
    /// Options of the `twilio_taskrouter` format.
    #[serde(default)]
    pub twilio: TwilioSourceConfig,
    /// Options of the `amazon_connect_contact_events` and `amazon_connect_agent_events` formats.
    #[serde(default)]
    pub amazon_connect: AmazonConnectSourceConfig,
}

/// `[sources.asterisk]`: what queue_log does not say and the adapter must be told.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AsteriskSourceConfig {
    /// queues.conf `wrapuptime` of every queue not named in `queue_wrap_up` (Asterisk's default 0).
    pub wrap_up: Option<Duration>,
    /// `wrapuptime` by queue.
    pub queue_wrap_up: BTreeMap<String, Duration>,
    /// Member interface → member name (`"SIP/1001" = "Sathish"`): one person, one agent.
    pub members: BTreeMap<String, String>,
    /// IANA zone of realtime rows' `time` (default: the tenant's time zone).
    pub time_zone: Option<String>,
}

/// `[sources.freeswitch]`: what mod_callcenter's events do not say and the adapter must be told.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FreeswitchSourceConfig {
    /// Agents' `wrap-up-time` (callcenter.conf) where `agent_wrap_up` names none (default 0).
    pub wrap_up: Option<Duration>,
    /// `wrap-up-time` by agent (`"1001@default" = "10s"`).
    pub agent_wrap_up: BTreeMap<String, Duration>,
}

/// `[sources.twilio]`: what TaskRouter events do not say.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TwilioSourceConfig {
    /// Task channels whose tasks are calls (default `["voice"]`).
    pub channels: Vec<String>,
    /// Worker activity (name or sid) → `available`, `not_ready` or `offline`; activities not named are
    /// learned from activity events, else `Available` is available, `Offline` offline, others not ready.
    pub activities: BTreeMap<String, crate::decode::twilio::ActivityMeaning>,
}

/// `[sources.amazon_connect]`: names for the ARNs Connect's events carry, and which channels are calls.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AmazonConnectSourceConfig {
    /// Queue or agent ARN (or its last id segment) → the name callboard shows; an ARN not named is
    /// known by its last id segment.
    pub names: BTreeMap<String, String>,
    /// Contact channels that are calls (default `["VOICE"]`).
    pub channels: Vec<String>,
}

impl SourceConfig {
    /// `[kafka] topic` as a source, when no `[[sources]]` are configured.
    pub fn implied(kafka: &KafkaConfig) -> SourceConfig {
        SourceConfig {
            topic: kafka.topic.clone(),
            format: SourceFormat::CallboardV1,
            tenant: None,
            tenant_from: None,
            asterisk: AsteriskSourceConfig::default(),
            freeswitch: FreeswitchSourceConfig::default(),
            twilio: TwilioSourceConfig::default(),
            amazon_connect: AmazonConnectSourceConfig::default(),
        }
    }

    /// The zone of realtime rows, parsed (validation refused what does not parse).
    pub fn row_time_zone(&self) -> Option<chrono_tz::Tz> {
        self.asterisk.time_zone.as_deref()?.parse().ok()
    }

    fn validate(&self, field: &str, kafka: &KafkaConfig, origin: &str) -> Result<(), ConfigError> {
        let invalid = |name: &str, problem: String| ConfigError::Invalid {
            origin: origin.to_string(),
            field: format!("{field}.{name}"),
            problem,
        };
        if self.topic.is_empty() {
            return Err(invalid("topic", "must not be empty".into()));
        }
        for (other, name) in [
            (
                kafka.dead_letter_topic.as_deref(),
                "kafka.dead_letter_topic",
            ),
            (kafka.state_topic.as_deref(), "kafka.state_topic"),
        ] {
            if other == Some(self.topic.as_str()) {
                return Err(invalid(
                    "topic",
                    format!("`{}` is also {name}: name another topic", self.topic),
                ));
            }
        }
        if self.format != SourceFormat::TwilioTaskrouter
            && self.twilio != TwilioSourceConfig::default()
        {
            return Err(invalid(
                "twilio",
                "is for format = \"twilio_taskrouter\"".into(),
            ));
        }
        if !matches!(
            self.format,
            SourceFormat::AmazonConnectContactEvents | SourceFormat::AmazonConnectAgentEvents
        ) && self.amazon_connect != AmazonConnectSourceConfig::default()
        {
            return Err(invalid(
                "amazon_connect",
                "is for format = \"amazon_connect_contact_events\" or \"amazon_connect_agent_events\""
                    .into(),
            ));
        }
        if self.format != SourceFormat::AsteriskQueueLog
            && self.asterisk != AsteriskSourceConfig::default()
        {
            return Err(invalid(
                "asterisk",
                "is for format = \"asterisk_queue_log\"".into(),
            ));
        }
        if self.format != SourceFormat::FreeswitchCallcenter
            && self.freeswitch != FreeswitchSourceConfig::default()
        {
            return Err(invalid(
                "freeswitch",
                "is for format = \"freeswitch_callcenter\"".into(),
            ));
        }
        if !self.format.adapted() {
            if self.tenant.is_some() || self.tenant_from.is_some() {
                return Err(invalid(
                    "tenant",
                    "a callboard_v1 event names its own tenant: leave tenant and tenant_from out"
                        .into(),
                ));
            }
            return Ok(());
        }
        match (&self.tenant, self.tenant_from) {
            (Some(tenant), None) if !tenant.is_empty() && tenant.len() <= 128 => {}
            (None, Some(TenantFrom::Key)) => {}
            (Some(_), None) => {
                return Err(invalid("tenant", "must be 1 to 128 bytes".into()));
            }
            _ => {
                return Err(invalid(
                    "tenant",
                    "give either tenant = \"NAME\" (the whole topic is one center) or tenant_from = \"key\" (the message key names it)".into(),
                ));
            }
        }
        if let Some(zone) = &self.asterisk.time_zone {
            if zone.parse::<chrono_tz::Tz>().is_err() {
                return Err(invalid(
                    "asterisk.time_zone",
                    format!("`{zone}` is not an IANA time zone (e.g. Europe/Paris)"),
                ));
            }
        }
        let asterisk = &self.asterisk;
        if negative(
            asterisk
                .wrap_up
                .iter()
                .chain(asterisk.queue_wrap_up.values()),
        ) {
            return Err(invalid("asterisk.wrap_up", "must not be negative".into()));
        }
        if let Some((arn, name)) = (self.amazon_connect.names.iter())
            .find(|(arn, name)| arn.is_empty() || name.is_empty() || name.len() > 128)
        {
            return Err(invalid(
                "amazon_connect.names",
                format!("`{arn}` = `{name}`: an ARN and a name of 1 to 128 bytes"),
            ));
        }
        let freeswitch = &self.freeswitch;
        if negative(
            freeswitch
                .wrap_up
                .iter()
                .chain(freeswitch.agent_wrap_up.values()),
        ) {
            return Err(invalid("freeswitch.wrap_up", "must not be negative".into()));
        }
        Ok(())
    }
}

/// Whether any of `durations` is negative.
fn negative<'a>(mut durations: impl Iterator<Item = &'a Duration>) -> bool {
    durations.any(|duration| duration.0 < 0)
}

/// Every source valid, no topic read twice, no tenant named by two sources (a tenant's messages must
/// stay in one partition of one topic, or their order is lost).
pub(super) fn validate_sources(
    sources: &[SourceConfig],
    kafka: &KafkaConfig,
    origin: &str,
) -> Result<(), ConfigError> {
    let mut topics = BTreeMap::new();
    let mut tenants = BTreeMap::new();
    for (index, source) in sources.iter().enumerate() {
        let field = format!("sources[{index}]");
        source.validate(&field, kafka, origin)?;
        let invalid = |problem: String| ConfigError::Invalid {
            origin: origin.to_string(),
            field: field.clone(),
            problem,
        };
        if let Some(first) = topics.insert(source.topic.as_str(), index) {
            return Err(invalid(format!(
                "reads topic `{}` as sources[{first}] does: one source per topic",
                source.topic
            )));
        }
        if let Some(tenant) = &source.tenant {
            if let Some(first) = tenants.insert(tenant.as_str(), index) {
                return Err(invalid(format!(
                    "names tenant `{tenant}` as sources[{first}] does: a tenant's events must stay in one partition of one topic"
                )));
            }
        }
    }
    Ok(())
}
