//! Domain events → mod_callcenter events as JSON lines, as FreeSWITCH would have sent them: for
//! `callboard simulate --format freeswitch_callcenter` and the equivalence test against the v1 day.
//! Pure; events in time order in, lines appended to a buffer.
//!
//! What mod_callcenter cannot carry is dropped: holds, `call.completed` (the reader synthesises it
//! from `wrap-up-time`), outbound calls, surveys, logins (the status change says them), not-ready
//! reasons (every one is `On Break`). A call's end writes `bridge-agent-end` and then
//! `member-queue-end` (`Terminated`), as the module does; a transfer ends the bridge alike. Caller
//! numbers are fakes, `555-01xx`.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::event::{Availability, DequeueReason, Event, EventKind, Id};

/// Writes events as mod_callcenter JSON lines.
#[derive(Debug, Default)]
pub struct CallcenterWriter {
    /// Each call's current queue stay: its queue and member uuid.
    stays: HashMap<Id, (Id, String)>,
    next_stay: u64,
}

impl CallcenterWriter {
    pub fn new() -> Self {
        CallcenterWriter::default()
    }

    /// Appends the lines of `event` (none for what mod_callcenter cannot carry) to `out`.
    pub fn write(&mut self, event: &Event, out: &mut Vec<u8>) {
        let time = event.time;
        let mut line = |action: &str, headers: &[(&str, &str)]| {
            let mut map = Map::new();
            let mut put = |name: &str, value: String| {
                map.insert(name.to_string(), Value::String(value));
            };
            put("Event-Name", "CUSTOM".into());
            put("Event-Subclass", "callcenter::info".into());
            put("Event-Date-Timestamp", (time * 1_000).to_string());
            put("CC-Action", action.into());
            for (name, value) in headers {
                put(name, (*value).to_string());
            }
            out.extend_from_slice(Value::Object(map).to_string().as_bytes());
            out.push(b'\n');
        };
        match &event.kind {
            EventKind::CallQueued { call, queue, .. } => {
                let member = format!("{call}-m{}", self.next_stay);
                self.next_stay += 1;
                let number = format!("55501{:02}", self.next_stay % 100);
                let headers = [
                    ("CC-Queue", queue.as_str()),
                    ("CC-Member-UUID", member.as_str()),
                    ("CC-Member-Session-UUID", call.as_str()),
                    ("CC-Member-CID-Number", number.as_str()),
                ];
                line("member-queue-start", &headers);
                self.stays.insert(call.clone(), (queue.clone(), member));
            }
            EventKind::CallRinging { call, agent, .. }
            | EventKind::CallAnswered { call, agent, .. } => {
                let Some((queue, member)) = self.stays.get(call) else {
                    return;
                };
                let action = match event.kind {
                    EventKind::CallRinging { .. } => "agent-offering",
                    _ => "bridge-agent-start",
                };
                let headers = [
                    ("CC-Queue", queue.as_str()),
                    ("CC-Agent", agent.as_str()),
                    ("CC-Member-UUID", member.as_str()),
                    ("CC-Member-Session-UUID", call.as_str()),
                ];
                line(action, &headers);
            }
            EventKind::CallEnded { call, agent }
            | EventKind::CallTransferred { call, agent, .. } => {
                let Some((queue, member)) = self.stays.remove(call) else {
                    return;
                };
                let mut headers = vec![
                    ("CC-Queue", queue.as_str()),
                    ("CC-Agent", agent.as_str()),
                    ("CC-Member-UUID", member.as_str()),
                    ("CC-Member-Session-UUID", call.as_str()),
                ];
                line("bridge-agent-end", &headers);
                headers.push(("CC-Cause", "Terminated"));
                line("member-queue-end", &headers);
            }
            EventKind::CallAbandoned { call, .. } | EventKind::CallDequeued { call, .. } => {
                let Some((queue, member)) = self.stays.remove(call) else {
                    return;
                };
                let reason = match &event.kind {
                    EventKind::CallDequeued {
                        reason: DequeueReason::Timeout,
                        ..
                    } => "TIMEOUT",
                    EventKind::CallDequeued {
                        reason: DequeueReason::ExitKey,
                        ..
                    } => "EXIT_WITH_KEY",
                    EventKind::CallDequeued { .. } => "NONE",
                    _ => "BREAK_OUT",
                };
                let headers = [
                    ("CC-Queue", queue.as_str()),
                    ("CC-Member-UUID", member.as_str()),
                    ("CC-Member-Session-UUID", call.as_str()),
                    ("CC-Cause", "Cancel"),
                    ("CC-Cancel-Reason", reason),
                ];
                line("member-queue-end", &headers);
            }
            EventKind::AgentState {
                agent,
                availability,
            } => {
                let status = match availability {
                    Availability::Available => "Available",
                    Availability::NotReady { .. } => "On Break",
                };
                let headers = [("CC-Agent", agent.as_str()), ("CC-Agent-Status", status)];
                line("agent-status-change", &headers);
            }
            EventKind::AgentLogout { agent } => {
                let headers = [
                    ("CC-Agent", agent.as_str()),
                    ("CC-Agent-Status", "Logged Out"),
                ];
                line("agent-status-change", &headers);
            }
            _ => {}
        }
    }
}
