//! The service: Kafka in (workers), snapshots on the board, HTTP out. Start, reload and stop in the
//! order STYLE.md gives: stop fetching → apply what was fetched → commit → final snapshot → stop HTTP.
//! `run` adds the signals (SIGTERM/SIGINT stop, SIGHUP reloads thresholds, targets and quotas).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::alert::runner::{Rules, Runner};
use crate::alert::sink::{self, SinkHandle};
use crate::board::Board;
use crate::center::snapshot::CenterSnapshot;
use crate::config::{Config, SourceConfig, SourceFormat};
use crate::decode::amazon_connect::{ContactEventsOptions, Feed as ConnectFeed};
use crate::decode::asterisk::QueueLogOptions;
use crate::decode::freeswitch::CallcenterOptions;
use crate::decode::twilio::TaskRouterOptions;
use crate::event::Id;
use crate::export::door::{Rules as AccessRules, Scope};
use crate::export::http::{self, HttpState};
use crate::export::metrics::{self, ExpositionSettings, KpiCollector};
use crate::export::tls::Certificates;
use crate::export::{intervals_topic, samples_topic};
use crate::ingest::intervals_reader;
use crate::ingest::source::{Format, Source};
use crate::ingest::{self, Clock, IngestSettings, Shared};
use crate::intervals::store::IntervalStore;
use crate::telemetry::Telemetry;
use crate::tenants::SettingsOf;

/// A running service.
pub struct Service {
    pub board: Arc<Board>,
    pub telemetry: Arc<Telemetry>,
    /// The intervals topic read back (empty without one): the delivery task looks its markers up here.
    pub intervals: Arc<IntervalStore>,
    /// The address HTTP listens on (useful when configured with port 0).
    pub address: SocketAddr,
    config: Arc<RwLock<Arc<Config>>>,
    rules: Rules,
    /// Who may read what over HTTP; a reload swaps it.
    access: AccessRules,
    /// The certificate HTTPS serves, read again on a reload; `None` for plain HTTP.
    tls: Option<Arc<Certificates>>,
    reloads: Arc<AtomicU64>,
    alerts: JoinHandle<()>,
    sinks: Vec<JoinHandle<()>>,
    stop_alerts: CancellationToken,
    workers: Vec<std::thread::JoinHandle<()>>,
    http: JoinHandle<std::io::Result<()>>,
    stop_fetching: CancellationToken,
    stop_http: CancellationToken,
    grace: Duration,
}

/// The Kafka settings the configuration asks for.
pub fn ingest_settings(config: &Config, clock: Clock) -> IngestSettings {
    IngestSettings {
        brokers: config.kafka.brokers.clone(),
        sources: config
            .sources()
            .iter()
            .map(|source| ingest_source(config, source))
            .collect(),
        group_id: config.kafka.group_id.clone(),
        dead_letter_topic: config.kafka.dead_letter_topic.clone(),
        properties: config
            .kafka
            .properties
            .iter()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect(),
        workers: config
            .kafka
            .workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)),
        replay_ms: config.replay_ms(),
        replay_by_time: config.kafka.replay_by_time,
        limits: config.decode_limits(),
        clock,
        snapshot_interval: Duration::from_millis(config.engine.snapshot_interval.0.max(10) as u64),
        settle_after: Duration::from_millis(config.engine.lateness.0.max(0) as u64),
        state_topic: config.kafka.state_topic.clone(),
        state_every: Duration::from_millis(config.kafka.state_every.0.max(1_000) as u64),
    }
}

/// Wrap-up times by queue or agent, as an adapter takes them.
fn wrap_ups(
    durations: &std::collections::BTreeMap<String, crate::config::Duration>,
) -> std::collections::BTreeMap<Id, crate::event::Millis> {
    durations
        .iter()
        .map(|(name, wrap_up)| (Id::from(name.as_str()), wrap_up.0))
        .collect()
}

/// A configured source as the workers read it.
fn ingest_source(config: &Config, source: &SourceConfig) -> Source {
    let format = match source.format {
        SourceFormat::CallboardV1 => Format::CallboardV1,
        SourceFormat::AsteriskQueueLog => {
            let asterisk = &source.asterisk;
            Format::AsteriskQueueLog {
                tenant: source.tenant.as_deref().map(Id::from),
                options: QueueLogOptions {
                    wrap_up_ms: asterisk.wrap_up.map_or(0, |wrap_up| wrap_up.0),
                    queue_wrap_up_ms: wrap_ups(&asterisk.queue_wrap_up),
                    members: asterisk
                        .members
                        .iter()
                        .map(|(interface, name)| {
                            (Id::from(interface.as_str()), Id::from(name.as_str()))
                        })
                        .collect(),
                    limits: config.decode_limits(),
                    ..QueueLogOptions::default()
                },
                row_time_zone: source.row_time_zone(),
            }
        }
        SourceFormat::FreeswitchCallcenter => {
            let freeswitch = &source.freeswitch;
            Format::FreeswitchCallcenter {
                tenant: source.tenant.as_deref().map(Id::from),
                options: CallcenterOptions {
                    wrap_up_ms: freeswitch.wrap_up.map_or(0, |wrap_up| wrap_up.0),
                    agent_wrap_up_ms: wrap_ups(&freeswitch.agent_wrap_up),
                    limits: config.decode_limits(),
                    ..CallcenterOptions::default()
                },
            }
        }
        SourceFormat::TwilioTaskrouter => Format::TwilioTaskrouter {
            tenant: source.tenant.as_deref().map(Id::from),
            options: TaskRouterOptions::configured(
                Id::default(),
                &source.twilio.channels,
                &source.twilio.activities,
                config.decode_limits(),
            ),
        },
        SourceFormat::AmazonConnectContactEvents | SourceFormat::AmazonConnectAgentEvents => {
            let connect = &source.amazon_connect;
            let defaults = ContactEventsOptions::default();
            Format::AmazonConnect {
                tenant: source.tenant.as_deref().map(Id::from),
                options: ContactEventsOptions {
                    lifecycle: if source.format == SourceFormat::AmazonConnectAgentEvents {
                        ConnectFeed::AgentEvents
                    } else {
                        ConnectFeed::ContactEvents
                    },
                    names: (connect.names.iter())
                        .map(|(arn, name)| (arn.clone(), Id::from(name.as_str())))
                        .collect(),
                    channels: if connect.channels.is_empty() {
                        defaults.channels.clone()
                    } else {
                        connect.channels.clone()
                    },
                    limits: config.decode_limits(),
                    ..defaults
                },
            }
        }
    };
    Source {
        topic: source.topic.clone(),
        format,
    }
}

/// Starts a delivery task for each configured alert sink.
fn start_sinks(
    config: &Config,
    ingest: &IngestSettings,
    address: SocketAddr,
    telemetry: &Telemetry,
) -> anyhow::Result<(Vec<SinkHandle>, Vec<JoinHandle<()>>)> {
    let alerting = &config.alerting;
    let external_url = alerting
        .external_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}"));
    let dropped = &telemetry.alert_notifications_dropped;
    let capacity = alerting.queue_capacity;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .context("cannot create the HTTP client for alert sinks")?;
    let (mut handles, mut tasks) = (Vec::new(), Vec::new());
    if !alerting.kafka_topic.is_empty() {
        let producer = sink::kafka::producer(&ingest.brokers, &ingest.properties)
            .context("cannot create the Kafka producer for alerts")?;
        let (handle, queue) = SinkHandle::new("kafka", capacity, dropped.clone());
        tasks.push(tokio::spawn(sink::kafka::run(
            queue,
            producer,
            alerting.kafka_topic.clone(),
            external_url.clone(),
        )));
        handles.push(handle);
    }
    if let Some(url) = &alerting.alertmanager_url {
        let (handle, queue) = SinkHandle::new("alertmanager", capacity, dropped.clone());
        let settings = sink::alertmanager::Settings {
            url: url.clone(),
            external_url: external_url.clone(),
            resend_interval: Duration::from_millis(alerting.resend_interval.0.max(1) as u64),
        };
        tasks.push(tokio::spawn(sink::alertmanager::run(
            queue,
            client.clone(),
            settings,
        )));
        handles.push(handle);
    }
    if let Some(url) = &alerting.webhook_url {
        let (handle, queue) = SinkHandle::new("webhook", capacity, dropped.clone());
        tasks.push(tokio::spawn(sink::webhook::run(
            queue,
            client,
            url.clone(),
            external_url,
            alerting.webhook_format,
        )));
        handles.push(handle);
    }
    Ok((handles, tasks))
}

/// The closed intervals topic: its reader (a thread, stopped with the workers by `stops.0`) and its
/// producer (a task, stopped with the alerts by `stops.1`), which first creates the topic if missing
/// (in the background: a start never waits on the broker for it).
fn start_intervals(
    ingest: &IngestSettings,
    topic: String,
    board: &Arc<Board>,
    store: &Arc<IntervalStore>,
    days: u32,
    stops: (CancellationToken, CancellationToken),
) -> anyhow::Result<(std::thread::JoinHandle<()>, JoinHandle<()>)> {
    let client = ingest::client_config(ingest);
    let reader = intervals_reader::spawn(
        client.clone(),
        topic.clone(),
        Arc::clone(store),
        days,
        stops.0,
    )
    .context("cannot start the intervals reader")?;
    let producer = crate::alert::sink::kafka::producer(&ingest.brokers, &ingest.properties)
        .context("cannot create the Kafka producer for closed intervals")?;
    let (board, store) = (Arc::clone(board), Arc::clone(store));
    let interval = ingest.snapshot_interval;
    let task = tokio::spawn(async move {
        intervals_topic::create_if_missing(&client, &topic).await;
        intervals_topic::run(board, store, producer, topic, interval, stops.1).await;
    });
    Ok((reader, task))
}

/// Starts the daily report task; the tenants' plans are those of the configuration at start.
fn start_daily_reports(
    config: &Config,
    ingest: &IngestSettings,
    board: &Arc<Board>,
    store: &Arc<IntervalStore>,
    stop: CancellationToken,
) -> anyhow::Result<JoinHandle<()>> {
    use crate::deliver::{smtp::Mailer, task};
    let mailer = (config.delivery.smtp.as_ref())
        .map(|smtp| Mailer::new(&smtp.settings()))
        .transpose()
        .map_err(anyhow::Error::msg)
        .context("cannot set up the mail server for daily reports ([delivery.smtp])")?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .context("cannot create the HTTP client for daily report webhooks")?;
    let plans = config.clone();
    let plan_of: task::PlanOf = Arc::new(move |tenant: &str| {
        (plans.daily_report(tenant)).map(|plan| (plan, plans.center_settings(tenant)))
    });
    let edges = task::Edges {
        store: Arc::clone(store),
        producer: sink::kafka::producer(&ingest.brokers, &ingest.properties)
            .context("cannot create the Kafka producer for daily report markers")?,
        topic: config.kafka.intervals_topic.clone(),
        mailer,
        client,
    };
    Ok(tokio::spawn(task::run(
        Arc::clone(board),
        plan_of,
        edges,
        task::EVERY,
        stop,
    )))
}

/// Binds HTTP, then starts the workers. The configuration was validated before anything was bound.
pub async fn start(config: Config, clock: Clock) -> anyhow::Result<Service> {
    let ingest = ingest_settings(&config, clock);
    let board = Board::new(ingest::worker_count(&ingest));
    let telemetry = Arc::new(Telemetry::new());
    let exposition = ExpositionSettings {
        export_agents: config.agents.export,
        idle_expiry_ms: config.agents.idle_expiry.0,
    };
    let collector = Arc::new(KpiCollector::new(Arc::clone(&board), exposition));
    let renderer_telemetry = Arc::clone(&telemetry);
    let stop_http = CancellationToken::new();
    let access = config.access();
    refuse_open_port(&config.http.listen, &access)?;
    let access: AccessRules = Arc::new(RwLock::new(Arc::new(access)));
    // Read back from the intervals topic (when there is one): past days for the API, the delivery
    // task's markers.
    let intervals = IntervalStore::new();
    let state = HttpState {
        board: Arc::clone(&board),
        metrics: Arc::new(move |scope: &Scope| {
            if scope.sees_everything() {
                metrics::render(&collector, &renderer_telemetry)
            } else {
                let narrow = |snapshot: &Arc<CenterSnapshot>| {
                    (scope.sees_tenant(&snapshot.tenant)).then(|| scope.narrow(snapshot))
                };
                metrics::render_scoped(&collector, &narrow, scope.sees_agents())
            }
        }),
        shutdown: stop_http.clone(),
        access: Arc::clone(&access),
        auth_failures: telemetry.http_auth_failures.clone(),
        cors_origins: config.http.cors_origins.iter().cloned().collect(),
        intervals: Arc::clone(&intervals),
    };
    let listener = tokio::net::TcpListener::bind(&config.http.listen)
        .await
        .with_context(|| format!("cannot listen on {} (http.listen)", config.http.listen))?;
    let address = listener.local_addr()?;
    let tls = match (&config.http.tls_cert, &config.http.tls_key) {
        (Some(cert), Some(key)) => Some(
            Certificates::load(cert, key).context("cannot serve HTTPS (http.tls_cert, tls_key)")?,
        ),
        _ => None,
    };
    let http = tokio::spawn(http::serve(
        listener,
        http::router(state),
        tls.clone(),
        stop_http.clone(),
    ));
    let grace = Duration::from_millis(config.http.shutdown_grace.0.max(0) as u64);
    let rules: Rules = Arc::new(RwLock::new(Arc::new(config.alert_rules())));
    let (handles, mut sinks) = start_sinks(&config, &ingest, address, &telemetry)?;
    // The alert loop's stop ends the samples too: both stop before the sinks drain.
    let stop_alerts = CancellationToken::new();
    if config.samples_calls() && !config.kafka.qa_samples_topic.is_empty() {
        let producer = crate::alert::sink::kafka::producer(&ingest.brokers, &ingest.properties)
            .context("cannot create the Kafka producer for review samples")?;
        sinks.push(tokio::spawn(samples_topic::run(
            Arc::clone(&board),
            producer,
            config.kafka.qa_samples_topic.clone(),
            ingest.snapshot_interval,
            stop_alerts.clone(),
        )));
    }
    let alerts = tokio::spawn(
        Runner {
            board: Arc::clone(&board),
            telemetry: Arc::clone(&telemetry),
            rules: Arc::clone(&rules),
            sinks: handles,
            interval: ingest.snapshot_interval,
        }
        .run(stop_alerts.clone()),
    );
    if config.sends_daily_reports() {
        sinks.push(start_daily_reports(
            &config,
            &ingest,
            &board,
            &intervals,
            stop_alerts.clone(),
        )?);
    }
    let (intervals_topic_name, interval_days) = (
        config.kafka.intervals_topic.clone(),
        config.http.interval_days,
    );
    let config = Arc::new(RwLock::new(Arc::new(config)));
    let current = Arc::clone(&config);
    let settings_of: SettingsOf = Arc::new(move |tenant: &str| {
        let config = current
            .read()
            .map(|config| Arc::clone(&config))
            .unwrap_or_default();
        config.center_settings(tenant)
    });
    let reloads = Arc::new(AtomicU64::new(0));
    let shared = Shared {
        board: Arc::clone(&board),
        telemetry: Arc::clone(&telemetry),
        settings_of,
        reloads: Arc::clone(&reloads),
    };
    let stop_fetching = CancellationToken::new();
    let mut workers = ingest::spawn(&ingest, &shared, stop_fetching.clone())?;
    if !intervals_topic_name.is_empty() {
        let stops = (stop_fetching.clone(), stop_alerts.clone());
        let (reader, producer) = start_intervals(
            &ingest,
            intervals_topic_name,
            &board,
            &intervals,
            interval_days,
            stops,
        )?;
        workers.push(reader);
        sinks.push(producer);
    }
    let topics: Vec<String> = ingest
        .sources
        .iter()
        .map(|source| format!("{} ({})", source.topic, source.format.name()))
        .collect();
    tracing::info!(%address, topics = topics.join(", "), group = ingest.group_id, workers = ingest::worker_count(&ingest), "callboard started");
    Ok(Service {
        board,
        telemetry,
        intervals,
        address,
        config,
        rules,
        access,
        tls,
        reloads,
        alerts,
        sinks,
        stop_alerts,
        workers,
        http,
        stop_fetching,
        stop_http,
        grace,
    })
}

/// Without tokens, and not declared open, the port serves only a loopback address: anyone who reaches it
/// reads every tenant.
fn refuse_open_port(listen: &str, access: &crate::access::Access) -> anyhow::Result<()> {
    if access.open || !access.tokens.is_empty() {
        return Ok(());
    }
    let loopback = match listen.parse::<SocketAddr>() {
        Ok(address) => address.ip().is_loopback(),
        Err(_) => listen.starts_with("localhost:"),
    };
    anyhow::ensure!(
        loopback,
        "http.listen = \"{listen}\" is not a loopback address, and no [[access.tokens]] are configured: \
         anyone who reaches the port would read every tenant. Add a token (`callboard token new --name \
         NAME` prints one with its config block), or set `[access] open = true` to serve it open on \
         purpose."
    );
    Ok(())
}

impl Service {
    /// Takes new queue thresholds, targets and quotas; anything else in `config` waits for a restart.
    pub fn reload(&self, config: Config) {
        if let Ok(mut current) = self.config.write() {
            if current.engine != config.engine
                || current.kafka != config.kafka
                || current.http != config.http
                || current.alerting != config.alerting
            {
                tracing::warn!("engine, kafka, http and alerting settings change only on restart; applying queue settings, quotas and alert rules now");
            }
            if let Ok(mut rules) = self.rules.write() {
                *rules = Arc::new(config.alert_rules());
            }
            // Tokens take effect at once; a revoked one's open streams end at their next tick. The
            // port's refusal to open without tokens is checked at start only.
            if let Ok(mut access) = self.access.write() {
                *access = Arc::new(config.access());
            }
            *current = Arc::new(config);
        }
        // A renewed certificate is served from the next handshake on; a broken one is refused.
        if let Some(certificates) = &self.tls {
            match certificates.reload() {
                Ok(()) => tracing::info!("TLS certificate reloaded"),
                Err(error) => {
                    tracing::error!(%error, "TLS certificate reload refused; serving the one in use")
                }
            }
        }
        self.reloads.fetch_add(1, Ordering::AcqRel);
        tracing::info!("configuration reloaded");
    }

    /// Stops fetching, lets each worker apply, commit and publish, then stops HTTP — within the grace.
    pub async fn stop(self) {
        self.stop_fetching.cancel();
        let workers = self.workers;
        let joined = tokio::task::spawn_blocking(move || {
            for worker in workers {
                let _ = worker.join();
            }
        });
        let started = std::time::Instant::now();
        if tokio::time::timeout(self.grace, joined).await.is_err() {
            tracing::warn!(grace = ?self.grace, "workers did not stop within the grace period; exiting anyway");
        }
        // The alert loop stops; its sinks deliver what is queued, within what is left of the grace.
        self.stop_alerts.cancel();
        let _ = self.alerts.await;
        let left = self.grace.saturating_sub(started.elapsed());
        let _ = tokio::time::timeout(left, futures::future::join_all(self.sinks)).await;
        self.stop_http.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.http).await;
        tracing::info!("callboard stopped");
    }
}

/// Runs until SIGTERM or SIGINT; SIGHUP reloads `config_path`, keeping the old configuration when the
/// new one is invalid.
pub async fn run(config: Config, config_path: Option<PathBuf>) -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let service = start(config, Clock::Wall).await?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut hangup = signal(SignalKind::hangup())?;
    loop {
        tokio::select! {
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
            _ = hangup.recv() => match &config_path {
                Some(path) => match crate::config::load(path, std::env::vars()) {
                    Ok(config) => service.reload(config),
                    Err(error) => tracing::error!(%error, "reload refused; keeping the running configuration"),
                },
                None => tracing::warn!("SIGHUP ignored: no --config file to reload"),
            },
        }
    }
    tracing::info!("shutting down");
    service.stop().await;
    Ok(())
}
