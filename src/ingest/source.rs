//! A source topic's format, and the reader a partition of it gets: a message (key and payload) in,
//! domain events out. callboard's own events decode one to one; an adapter (Asterisk `queue_log`,
//! FreeSWITCH `mod_callcenter`, Twilio TaskRouter, Amazon Connect) keeps one small state per tenant, which lives with the partition (held and resumed with it).

use std::collections::HashMap;

use chrono_tz::Tz;

use crate::decode::adapter::{Mapped, SourceAdapter};
use crate::decode::amazon_connect::{
    ContactEventsAdapter, ContactEventsOptions, Feed as ConnectFeed,
};
use crate::decode::asterisk::{QueueLogAdapter, QueueLogOptions};
use crate::decode::freeswitch::{CallcenterAdapter, CallcenterOptions};
use crate::decode::twilio::{TaskRouterAdapter, TaskRouterOptions};
use crate::decode::{json_v1, DecodeError, DecodeLimits};
use crate::event::{Event, Id, Millis, RejectReason};
use crate::tenants::SettingsOf;

/// Tenants one partition of an adapted topic may carry (keys beyond are refused, so a key flood
/// cannot grow the adapters without bound).
const MAX_TENANTS_PER_PARTITION: usize = 1_000;

/// One topic and how its messages are read.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub topic: String,
    pub format: Format,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Format {
    CallboardV1,
    AsteriskQueueLog {
        /// The tenant of every message, or `None`: the message key names it.
        tenant: Option<Id>,
        /// The adapter's options but the tenant and the rows' zone.
        options: QueueLogOptions,
        /// Zone of realtime rows; `None`: the tenant's configured time zone.
        row_time_zone: Option<Tz>,
    },
    FreeswitchCallcenter {
        /// The tenant of every message, or `None`: the message key names it.
        tenant: Option<Id>,
        /// The adapter's options but the tenant.
        options: CallcenterOptions,
    },
    TwilioTaskrouter {
        /// The tenant of every message (one workspace), or `None`: the message key names it.
        tenant: Option<Id>,
        /// The adapter's options but the tenant.
        options: TaskRouterOptions,
    },
    AmazonConnect {
        /// The tenant of every message (one Connect instance), or `None`: the message key names it.
        tenant: Option<Id>,
        /// The adapter's options but the tenant; `lifecycle` is the format (contact events, or the
        /// agent event stream alone).
        options: ContactEventsOptions,
    },
}

impl Format {
    pub fn name(&self) -> &'static str {
        match self {
            Format::CallboardV1 => "callboard_v1",
            Format::AsteriskQueueLog { .. } => "asterisk_queue_log",
            Format::FreeswitchCallcenter { .. } => "freeswitch_callcenter",
            Format::TwilioTaskrouter { .. } => "twilio_taskrouter",
            Format::AmazonConnect { options, .. } => match options.lifecycle {
                ConnectFeed::ContactEvents => "amazon_connect_contact_events",
                ConnectFeed::AgentEvents => "amazon_connect_agent_events",
            },
        }
    }

    /// Whether a partition's state may be loaded from the state topic: an adapter's own state is not
    /// in it, so an adapted topic replays instead.
    pub fn restores_state(&self) -> bool {
        matches!(self, Format::CallboardV1)
    }
}

/// What one message was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// Its events (maybe none) were appended.
    Events,
    /// It carries no callboard meaning (`CONFIGRELOAD`, a custom verb): counted as skipped.
    Skipped,
}

/// The reader of one partition.
pub struct Reader {
    format: Format,
    settings_of: SettingsOf,
    adapters: HashMap<Id, Box<dyn SourceAdapter>>,
}

impl Reader {
    pub fn new(format: Format, settings_of: SettingsOf) -> Reader {
        Reader {
            format,
            settings_of,
            adapters: HashMap::new(),
        }
    }

    /// Reads one message, appending its events to `out` (untouched when it is refused).
    pub fn read(
        &mut self,
        key: Option<&[u8]>,
        payload: &[u8],
        limits: &DecodeLimits,
        out: &mut Vec<Event>,
    ) -> Result<Read, DecodeError> {
        let source_tenant = match &self.format {
            Format::CallboardV1 => {
                out.push(json_v1::decode(payload, limits)?);
                return Ok(Read::Events);
            }
            Format::AsteriskQueueLog { tenant, .. }
            | Format::FreeswitchCallcenter { tenant, .. }
            | Format::TwilioTaskrouter { tenant, .. }
            | Format::AmazonConnect { tenant, .. } => tenant,
        };
        let tenant = match source_tenant {
            Some(tenant) => tenant.clone(),
            None => tenant_of_key(key)?,
        };
        if !self.adapters.contains_key(&tenant) && self.adapters.len() >= MAX_TENANTS_PER_PARTITION
        {
            return Err(DecodeError::new(
                RejectReason::UnsupportedRecord,
                format!("more than {MAX_TENANTS_PER_PARTITION} tenants in one partition"),
            ));
        }
        let (format, settings_of) = (&self.format, &self.settings_of);
        let adapter = self
            .adapters
            .entry(tenant.clone())
            .or_insert_with(|| new_adapter(format, tenant, settings_of, limits));
        Ok(match adapter.adapt_into(payload, out)? {
            Mapped::Skipped => Read::Skipped,
            _ => Read::Events,
        })
    }

    /// Completions whose wrap-up has passed by `now` (wall clock), so a quiet log still ends them.
    pub fn release_due(&mut self, now: Millis, out: &mut Vec<Event>) {
        for adapter in self.adapters.values_mut() {
            adapter.release_due(now, out);
        }
    }
}

/// The adapter of `tenant` on a topic in `format` (an adapted one).
fn new_adapter(
    format: &Format,
    tenant: Id,
    settings_of: &SettingsOf,
    limits: &DecodeLimits,
) -> Box<dyn SourceAdapter> {
    match format {
        Format::FreeswitchCallcenter { options, .. } => {
            Box::new(CallcenterAdapter::new(CallcenterOptions {
                tenant,
                limits: *limits,
                ..options.clone()
            }))
        }
        Format::AsteriskQueueLog {
            options,
            row_time_zone,
            ..
        } => Box::new(QueueLogAdapter::new(QueueLogOptions {
            time_zone: row_time_zone.unwrap_or_else(|| settings_of(&tenant).time_zone),
            tenant,
            limits: *limits,
            ..options.clone()
        })),
        Format::TwilioTaskrouter { options, .. } => {
            Box::new(TaskRouterAdapter::new(TaskRouterOptions {
                tenant,
                limits: *limits,
                ..options.clone()
            }))
        }
        Format::AmazonConnect { options, .. } => {
            Box::new(ContactEventsAdapter::new(ContactEventsOptions {
                tenant,
                limits: *limits,
                ..options.clone()
            }))
        }
        Format::CallboardV1 => unreachable!("callboard_v1 is decoded without an adapter"),
    }
}

/// The tenant a message key names: 1 to 128 bytes of UTF-8.
fn tenant_of_key(key: Option<&[u8]>) -> Result<Id, DecodeError> {
    match key.map(std::str::from_utf8) {
        Some(Ok(tenant)) if !tenant.is_empty() && tenant.len() <= 128 => Ok(Id::from(tenant)),
        _ => Err(DecodeError::new(
            RejectReason::MissingField,
            "the message key names no tenant (tenant_from = \"key\")",
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::center::settings::CenterSettings;
    use crate::event::EventKind;

    fn queue_log(tenant: Option<&str>) -> Reader {
        Reader::new(
            Format::AsteriskQueueLog {
                tenant: tenant.map(Id::from),
                options: QueueLogOptions::default(),
                row_time_zone: None,
            },
            Arc::new(|_: &str| CenterSettings::default()),
        )
    }

    const ENTER: &[u8] = b"1795424400|1795424400.1|support|NONE|ENTERQUEUE||5550100|1";

    #[test]
    fn a_queue_log_line_becomes_the_events_of_the_sources_tenant() {
        let mut reader = queue_log(Some("acme"));
        let mut out = Vec::new();
        let read = reader.read(None, ENTER, &DecodeLimits::default(), &mut out);
        assert_eq!(read, Ok(Read::Events));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].tenant.as_str(), "acme");
        assert!(matches!(out[0].kind, EventKind::CallQueued { .. }));
        assert_eq!(out[0].time, 1_795_424_400_000);
    }

    #[test]
    fn with_tenant_from_key_each_key_is_a_tenant_and_a_missing_key_is_refused() {
        let mut reader = queue_log(None);
        let mut out = Vec::new();
        let limits = DecodeLimits::default();
        reader
            .read(Some(b"north"), ENTER, &limits, &mut out)
            .unwrap();
        reader
            .read(Some(b"south"), ENTER, &limits, &mut out)
            .unwrap();
        let tenants: Vec<&str> = out.iter().map(|event| event.tenant.as_str()).collect();
        assert_eq!(tenants, ["north", "south"]);
        let refused = reader.read(None, ENTER, &limits, &mut out).unwrap_err();
        assert_eq!(refused.reason, RejectReason::MissingField);
        let refused = reader.read(Some(&[0xff, 0xfe]), ENTER, &limits, &mut out);
        assert_eq!(refused.unwrap_err().reason, RejectReason::MissingField);
        assert_eq!(out.len(), 2, "a refused message adds nothing");
    }

    #[test]
    fn records_without_meaning_are_skipped_and_garbage_is_refused() {
        let mut reader = queue_log(Some("acme"));
        let mut out = Vec::new();
        let limits = DecodeLimits::default();
        let skipped = reader.read(
            None,
            b"1795424400|NONE|NONE|NONE|CONFIGRELOAD|",
            &limits,
            &mut out,
        );
        assert_eq!(skipped, Ok(Read::Skipped));
        for garbage in [&b"\0\0\0\0"[..], b"not|a", b"{\"time\":", &[0xc3, 0x28]] {
            assert!(
                reader.read(None, garbage, &limits, &mut out).is_err(),
                "{garbage:?}"
            );
        }
        assert!(out.is_empty());
    }

    #[test]
    fn a_mod_callcenter_event_becomes_events_of_its_keys_tenant_with_one_adapter_each() {
        let mut reader = Reader::new(
            Format::FreeswitchCallcenter {
                tenant: None,
                options: CallcenterOptions {
                    wrap_up_ms: 10_000,
                    ..CallcenterOptions::default()
                },
            },
            Arc::new(|_: &str| CenterSettings::default()),
        );
        let limits = DecodeLimits::default();
        let mut out = Vec::new();
        let event = |action: &str, at: &str| {
            format!(
                r#"{{"Event-Name":"CUSTOM","Event-Subclass":"callcenter::info","CC-Action":"{action}","Event-Date-Timestamp":"{at}000000","CC-Queue":"support@default","CC-Agent":"1001@default","CC-Member-UUID":"m1","CC-Member-Session-UUID":"s1"}}"#
            )
        };
        // North's call is answered at 09:00:05 and ends at 09:01:05; south's agent answers another
        // call: its adapter is its own, so north's completion waits for north's own wrap-up (10 s).
        for (key, action, at) in [
            ("north", "bridge-agent-start", "1795424405"),
            ("north", "bridge-agent-end", "1795424465"),
            ("south", "bridge-agent-start", "1795424470"),
        ] {
            let read = reader.read(
                Some(key.as_bytes()),
                event(action, at).as_bytes(),
                &limits,
                &mut out,
            );
            assert_eq!(read, Ok(Read::Events));
        }
        let shown: Vec<(&str, &str, i64)> = out
            .iter()
            .map(|event| (event.tenant.as_str(), event.kind.type_name(), event.time))
            .collect();
        assert_eq!(
            shown,
            [
                ("north", "call.answered", 1_795_424_405_000),
                ("north", "call.ended", 1_795_424_465_000),
                ("south", "call.answered", 1_795_424_470_000),
            ]
        );
        out.clear();
        reader.release_due(1_795_424_475_000, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].tenant.as_str(), "north");
        assert_eq!(out[0].kind.type_name(), "call.completed");
        assert_eq!(out[0].time, 1_795_424_475_000);
        let heartbeat = br#"{"Event-Name":"HEARTBEAT"}"#;
        assert_eq!(
            reader.read(Some(b"north"), heartbeat, &limits, &mut out),
            Ok(Read::Skipped)
        );
        let truncated = reader.read(Some(b"north"), br#"{"Event-Name":"CUS"#, &limits, &mut out);
        assert_eq!(truncated.unwrap_err().reason, RejectReason::MalformedJson);
        let keyless = reader.read(None, heartbeat, &limits, &mut out);
        assert_eq!(keyless.unwrap_err().reason, RejectReason::MissingField);
    }

    #[test]
    fn callboard_v1_decodes_one_to_one() {
        let mut reader = Reader::new(
            Format::CallboardV1,
            Arc::new(|_: &str| CenterSettings::default()),
        );
        let mut out = Vec::new();
        let payload = br#"{"v":1,"type":"call.queued","time":"2026-11-23T09:00:00Z","tenant":"acme","call":"c1","queue":"support"}"#;
        assert_eq!(
            reader.read(None, payload, &DecodeLimits::default(), &mut out),
            Ok(Read::Events)
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].tenant.as_str(), "acme");
    }

    #[test]
    fn a_taskrouter_event_becomes_the_events_of_its_tenant_with_one_adapter_per_tenant() {
        let mut reader = Reader::new(
            Format::TwilioTaskrouter {
                tenant: None,
                options: TaskRouterOptions::default(),
            },
            Arc::new(|_: &str| CenterSettings::default()),
        );
        let limits = DecodeLimits::default();
        let entered = br#"{"EventType":"task-queue.entered","Sid":"EV1","Timestamp":"1795424400","TaskSid":"WT1","TaskChannelUniqueName":"voice","TaskQueueName":"support"}"#;
        let mut out = Vec::new();
        // The same task in two workspaces: each tenant's adapter queues it.
        for key in [&b"north"[..], b"south", b"north"] {
            assert_eq!(
                reader.read(Some(key), entered, &limits, &mut out),
                Ok(Read::Events)
            );
        }
        let tenants: Vec<&str> = out.iter().map(|event| event.tenant.as_str()).collect();
        assert_eq!(
            tenants,
            ["north", "south"],
            "north's repeat is one queue stay"
        );
        assert!(matches!(out[0].kind, EventKind::CallQueued { .. }));
        let chat = br#"{"EventType":"task.created","Timestamp":"1795424400","TaskSid":"WT2","TaskChannelUniqueName":"chat","TaskQueueName":"support"}"#;
        assert_eq!(
            reader.read(Some(b"north"), chat, &limits, &mut out),
            Ok(Read::Skipped)
        );
        let refused = reader.read(Some(b"north"), b"{\"EventType\":", &limits, &mut out);
        assert_eq!(refused.unwrap_err().reason, RejectReason::MalformedJson);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn a_connect_contact_event_becomes_events_of_the_sources_tenant_named_from_the_map() {
        let mut names = std::collections::BTreeMap::new();
        names.insert("q-support-0001".to_string(), Id::from("support"));
        let mut reader = Reader::new(
            Format::AmazonConnect {
                tenant: Some(Id::from("acme")),
                options: ContactEventsOptions {
                    names,
                    ..ContactEventsOptions::default()
                },
            },
            Arc::new(|_: &str| CenterSettings::default()),
        );
        let limits = DecodeLimits::default();
        let queued = br#"{"version":"0","id":"e1","detail-type":"Amazon Connect Contact Event","source":"aws.connect","time":"2026-11-23T09:01:00Z","detail":{"eventType":"QUEUED","contactId":"c1","initialContactId":"c1","channel":"VOICE","queueInfo":{"queueArn":"arn:aws:connect:eu-west-1:111122223333:instance/i-1/queue/q-support-0001","enqueueTimestamp":"2026-11-23T09:01:00.250Z"}}}"#;
        let mut out = Vec::new();
        // A redelivery gives the fact again under the same id (the engine drops it as a duplicate).
        for _ in 0..2 {
            assert_eq!(
                reader.read(None, queued, &limits, &mut out),
                Ok(Read::Events)
            );
        }
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].id, out[1].id);
        out.truncate(1);
        assert_eq!(out[0].tenant.as_str(), "acme");
        assert_eq!(out[0].time, 1_795_424_460_250);
        match &out[0].kind {
            EventKind::CallQueued { queue, .. } => assert_eq!(queue.as_str(), "support"),
            other => panic!("not a queue entry: {other:?}"),
        }
        let chat = br#"{"version":"0","id":"e2","detail-type":"Amazon Connect Contact Event","source":"aws.connect","time":"2026-11-23T09:01:00Z","detail":{"eventType":"QUEUED","contactId":"c2","channel":"CHAT","queueInfo":{"queueArn":"arn:q/q-support-0001"}}}"#;
        assert_eq!(
            reader.read(None, chat, &limits, &mut out),
            Ok(Read::Skipped)
        );
        let truncated = reader.read(None, br#"{"version":"0","detail":{"#, &limits, &mut out);
        assert_eq!(truncated.unwrap_err().reason, RejectReason::MalformedJson);
        assert_eq!(out.len(), 1);
    }
}
