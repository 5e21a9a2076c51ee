//! `--input-format` and the flags of a source adapter for `replay` and `report`: which decoder reads
//! the input's lines, and the glue that hands what it decodes to the engine line by line.

use std::collections::BTreeMap;

use clap::{Args, ValueEnum};

use super::duration;
use crate::decode::adapter::{Mapped, SourceAdapter};
use crate::decode::amazon_connect::{
    ContactEventsAdapter, ContactEventsOptions, Feed as ConnectFeed,
};
use crate::decode::amazon_connect_ctr::{ContactRecordsAdapter, ContactRecordsOptions};
use crate::decode::asterisk::{QueueLogAdapter, QueueLogOptions};
use crate::decode::freeswitch::{CallcenterAdapter, CallcenterOptions};
use crate::decode::twilio::{ActivityMeaning, TaskRouterAdapter, TaskRouterOptions};
use crate::decode::DecodeLimits;
use crate::event::{Event, Id, Millis, RejectReason, DEFAULT_TENANT};
use crate::tenants::Tenants;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum InputFormat {
    /// The callboard JSON v1 contract, one event per line (spec/events.md).
    CallboardV1,
    /// An Asterisk queue_log: `epoch|callid|queuename|agent|EVENT|data…` lines, or realtime-table
    /// rows as JSON (docs/sources/asterisk.md).
    AsteriskQueueLog,
    /// FreeSWITCH mod_callcenter events (`CUSTOM callcenter::info`) as JSON, one per line
    /// (docs/sources/freeswitch.md).
    FreeswitchCallcenter,
    /// Amazon Connect contact events (EventBridge, `detail-type` "Amazon Connect Contact Event") as
    /// JSON, one per line, which tell the calls; agent events (the agent event stream) mixed in add
    /// agents' status, rings and holds (docs/sources/amazon_connect.md).
    AmazonConnectContactEvents,
    /// Amazon Connect contact records (CTR), one JSON object per line as Kinesis or Firehose deliver
    /// them: for backfill and reconciliation only, never live (a record exists only after its contact
    /// ended and may be re-sent days later). The newest LastUpdateTimestamp of a ContactId wins; the
    /// events come at the end of the input (docs/sources/amazon_connect_ctr.md).
    AmazonConnectCtr,
    /// The Amazon Connect agent event stream (Kinesis, `EventType` LOGIN, LOGOUT, STATE_CHANGE,
    /// HEART_BEAT) as JSON, one per line, alone: it tells calls from the agents' side and cannot see
    /// abandons; contact events are skipped (docs/sources/amazon_connect.md).
    AmazonConnectAgentEvents,
    /// Twilio TaskRouter events, one JSON object per line: Event Streams CloudEvents or workspace
    /// event callbacks re-encoded as JSON (docs/sources/twilio.md).
    TwilioTaskrouter,
}

#[derive(Args, Debug, Clone)]
pub struct SourceArgs {
    /// Format of the input's lines.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = InputFormat::CallboardV1)]
    pub input_format: InputFormat,
    /// A tenant (contact center). An adapter's input (asterisk_queue_log, freeswitch_callcenter, …)
    /// belongs to the one named (one PBX is one tenant; default `default`); `report --brokers` covers
    /// only the tenants named (repeatable; default every tenant). Settings (time zone, thresholds)
    /// come from the configuration.
    #[arg(long, value_name = "NAME")]
    pub tenant: Vec<String>,
    /// asterisk_queue_log: queues.conf `wrapuptime` of every queue; freeswitch_callcenter: agents'
    /// `wrap-up-time` (default 0, as both PBXs'): each call's call.completed is made this long after
    /// its end, as neither source signals the end of wrap-up.
    #[arg(long, value_name = "DURATION", value_parser = duration::millis)]
    pub wrap_up: Option<Millis>,
    /// asterisk_queue_log: `wrapuptime` of one queue, QUEUE=DURATION (repeatable), e.g. support=30s.
    #[arg(long, value_name = "QUEUE=DURATION", value_parser = queue_wrap_up)]
    pub queue_wrap_up: Vec<(String, Millis)>,
    /// freeswitch_callcenter: `wrap-up-time` of one agent, AGENT=DURATION (repeatable), e.g.
    /// 1001@default=10s.
    #[arg(long, value_name = "AGENT=DURATION", value_parser = agent_wrap_up)]
    pub agent_wrap_up: Vec<(String, Millis)>,
    /// asterisk_queue_log: a member interface and the member name call lines give it, INTERFACE=NAME
    /// (repeatable), e.g. SIP/1001=Sathish, so both are one agent. Pairs shown on login lines
    /// (AGENTLOGIN, AGENTCALLBACKLOGIN) are learned without it.
    #[arg(long, value_name = "INTERFACE=NAME", value_parser = member)]
    pub member: Vec<(String, String)>,
    /// asterisk_queue_log: the IANA time zone of realtime rows' `time` (local time without an offset);
    /// default the tenant's configured time zone. File lines carry epoch seconds and need none.
    #[arg(long, value_name = "ZONE")]
    pub source_time_zone: Option<chrono_tz::Tz>,
    /// amazon_connect_contact_events, amazon_connect_agent_events: the name of a queue or agent ARN
    /// (or of its last id segment), ARN=NAME (repeatable); an ARN not named is known by its last id
    /// segment (agent events alone: by the record's queue name or agent user name).
    #[arg(long, value_name = "ARN=NAME", value_parser = arn_name)]
    pub arn_name: Vec<(String, String)>,
    /// twilio_taskrouter: a task channel whose tasks are calls (repeatable; default voice).
    #[arg(long, value_name = "CHANNEL")]
    pub task_channel: Vec<String>,
    /// twilio_taskrouter: what a worker activity (name or sid) means, ACTIVITY=available|not_ready|
    /// offline (repeatable), e.g. Idle=available. Unnamed ones are learned from activity events, else
    /// Available is available, Offline offline and any other not ready.
    #[arg(long, value_name = "ACTIVITY=MEANING", value_parser = activity)]
    pub activity: Vec<(String, ActivityMeaning)>,
}

fn arn_name(text: &str) -> Result<(String, String), String> {
    pair(text, "ARN=NAME")
}

fn pair(text: &str, shape: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() && !value.is_empty() => {
            Ok((key.to_string(), value.to_string()))
        }
        _ => Err(format!("expected {shape}, got `{text}`")),
    }
}

fn queue_wrap_up(text: &str) -> Result<(String, Millis), String> {
    let (queue, wrap_up) = pair(text, "QUEUE=DURATION")?;
    Ok((queue, duration::millis(&wrap_up)?))
}

fn agent_wrap_up(text: &str) -> Result<(String, Millis), String> {
    let (agent, wrap_up) = pair(text, "AGENT=DURATION")?;
    Ok((agent, duration::millis(&wrap_up)?))
}

/// `(name, duration)` pairs as a map of ids.
fn wrap_ups(pairs: &[(String, Millis)]) -> BTreeMap<Id, Millis> {
    pairs
        .iter()
        .map(|(name, ms)| (Id::from(name.as_str()), *ms))
        .collect()
}

fn activity(text: &str) -> Result<(String, ActivityMeaning), String> {
    let (activity, meaning) = pair(text, "ACTIVITY=available|not_ready|offline")?;
    let meaning = match meaning.as_str() {
        "available" => ActivityMeaning::Available,
        "not_ready" => ActivityMeaning::NotReady,
        "offline" => ActivityMeaning::Offline,
        other => {
            return Err(format!(
                "`{other}`: expected available, not_ready or offline"
            ))
        }
    };
    Ok((activity, meaning))
}

fn member(text: &str) -> Result<(String, String), String> {
    pair(text, "INTERFACE=NAME")
}

impl SourceArgs {
    /// The tenant an adapter's input belongs to: the first `--tenant`, else [`DEFAULT_TENANT`].
    pub fn tenant(&self) -> &str {
        self.tenant.first().map_or(DEFAULT_TENANT, String::as_str)
    }

    /// The adapter's options; `zone` is the tenant's configured time zone.
    pub fn queue_log_options(&self, zone: chrono_tz::Tz, limits: DecodeLimits) -> QueueLogOptions {
        let ids = |pairs: &[(String, String)]| -> BTreeMap<Id, Id> {
            pairs
                .iter()
                .map(|(key, value)| (Id::from(key.as_str()), Id::from(value.as_str())))
                .collect()
        };
        QueueLogOptions {
            tenant: Id::from(self.tenant()),
            time_zone: self.source_time_zone.unwrap_or(zone),
            wrap_up_ms: self.wrap_up.unwrap_or(0),
            queue_wrap_up_ms: wrap_ups(&self.queue_wrap_up),
            members: ids(&self.member),
            limits,
        }
    }

    /// The mod_callcenter adapter's options.
    pub fn callcenter_options(&self, limits: DecodeLimits) -> CallcenterOptions {
        CallcenterOptions {
            tenant: Id::from(self.tenant()),
            wrap_up_ms: self.wrap_up.unwrap_or(0),
            agent_wrap_up_ms: wrap_ups(&self.agent_wrap_up),
            limits,
        }
    }
}

impl SourceArgs {
    /// The Amazon Connect adapter's options, `lifecycle` owning the calls.
    pub fn connect_options(
        &self,
        lifecycle: ConnectFeed,
        limits: DecodeLimits,
    ) -> ContactEventsOptions {
        ContactEventsOptions {
            tenant: Id::from(self.tenant()),
            lifecycle,
            names: (self.arn_name.iter())
                .map(|(arn, name)| (arn.clone(), Id::from(name.as_str())))
                .collect(),
            limits,
            ..ContactEventsOptions::default()
        }
    }

    /// The TaskRouter adapter's options.
    pub fn task_router_options(&self, limits: DecodeLimits) -> TaskRouterOptions {
        TaskRouterOptions::configured(
            Id::from(self.tenant()),
            &self.task_channel,
            self.activity
                .iter()
                .map(|(activity, meaning)| (activity, meaning)),
            limits,
        )
    }
}

/// Decodes each line of the input and hands the events to the tenants.
pub enum Feed {
    CallboardV1,
    Adapted {
        adapter: Box<dyn SourceAdapter>,
        /// What the summary calls the adapter's records (`queue_log`, `mod_callcenter`).
        records: &'static str,
        /// The allowed lateness the adapter's tenant needs.
        least_lateness_ms: Millis,
        events: Vec<Event>,
        /// Records without callboard meaning (CONFIGRELOAD, custom verbs, other FreeSWITCH events).
        skipped: u64,
    },
}

impl Feed {
    pub fn new(args: &SourceArgs, zone: chrono_tz::Tz, limits: DecodeLimits) -> Feed {
        let (adapter, records, least_lateness_ms): (Box<dyn SourceAdapter>, _, _) =
            match args.input_format {
                InputFormat::CallboardV1 => return Feed::CallboardV1,
                InputFormat::AsteriskQueueLog => (
                    Box::new(QueueLogAdapter::new(args.queue_log_options(zone, limits))),
                    "queue_log",
                    QueueLogAdapter::REQUIRED_LATENESS_MS,
                ),
                InputFormat::AmazonConnectContactEvents => (
                    Box::new(ContactEventsAdapter::new(
                        args.connect_options(ConnectFeed::ContactEvents, limits),
                    )),
                    "Amazon Connect",
                    ContactEventsAdapter::REQUIRED_LATENESS_MS,
                ),
                InputFormat::AmazonConnectAgentEvents => (
                    Box::new(ContactEventsAdapter::new(
                        args.connect_options(ConnectFeed::AgentEvents, limits),
                    )),
                    "Amazon Connect",
                    ContactEventsAdapter::REQUIRED_LATENESS_MS,
                ),
                InputFormat::AmazonConnectCtr => (
                    Box::new(ContactRecordsAdapter::new(ContactRecordsOptions {
                        tenant: Id::from(args.tenant()),
                        limits,
                        ..ContactRecordsOptions::default()
                    })),
                    "contact",
                    ContactRecordsAdapter::REQUIRED_LATENESS_MS,
                ),
                InputFormat::FreeswitchCallcenter => (
                    Box::new(CallcenterAdapter::new(args.callcenter_options(limits))),
                    "mod_callcenter",
                    CallcenterAdapter::REQUIRED_LATENESS_MS,
                ),
                InputFormat::TwilioTaskrouter => (
                    Box::new(TaskRouterAdapter::new(args.task_router_options(limits))),
                    "TaskRouter",
                    TaskRouterAdapter::REQUIRED_LATENESS_MS,
                ),
            };
        Feed::Adapted {
            adapter,
            records,
            least_lateness_ms,
            events: Vec::with_capacity(8),
            skipped: 0,
        }
    }

    /// The allowed lateness the input needs at least (an adapter dates some events back).
    pub fn least_lateness_ms(&self) -> Millis {
        match self {
            Feed::CallboardV1 => 0,
            Feed::Adapted {
                least_lateness_ms, ..
            } => *least_lateness_ms,
        }
    }

    /// One line, tagged with its number.
    pub fn line(&mut self, line: &[u8], tag: u64, tenants: &mut Tenants) {
        match self {
            Feed::CallboardV1 => {
                tenants.ingest_json(line, tag);
            }
            Feed::Adapted {
                adapter,
                events,
                skipped,
                ..
            } => match adapter.adapt_into(line, events) {
                Ok(mapped) => {
                    *skipped += u64::from(mapped == Mapped::Skipped);
                    for event in events.drain(..) {
                        tenants.ingest(event, tag);
                    }
                }
                Err(error) => tenants.count_undecodable(error.reason),
            },
        }
    }

    /// The end of the input: what an adapter still holds (completions waiting for their wrap-up, a
    /// contact record's events), batch by batch.
    pub fn finish(&mut self, tag: u64, tenants: &mut Tenants) {
        if let Feed::Adapted {
            adapter, events, ..
        } = self
        {
            loop {
                adapter.finish(events);
                if events.is_empty() {
                    break;
                }
                for event in events.drain(..) {
                    tenants.ingest(event, tag);
                }
            }
        }
    }

    /// The line the summary on stderr ends with: skipped records, for an adapter.
    pub fn summary(&self) -> String {
        match self {
            Feed::CallboardV1 => String::new(),
            Feed::Adapted {
                adapter,
                skipped,
                records,
                ..
            } => {
                format!(
                    ", {skipped} {records} records skipped (no callboard meaning){}",
                    adapter.summary()
                )
            }
        }
    }
}

/// A line over the size limit, skipped by the reader: counted as a decoder counts it.
pub fn too_large(tenants: &mut Tenants) {
    tenants.count_undecodable(RejectReason::TooLarge);
}
