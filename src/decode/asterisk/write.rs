//! Domain events → `queue_log` lines, as Asterisk would have written them: for `callboard simulate
//! --format asterisk_queue_log` and the equivalence test against the v1 day. Pure; events in time
//! order in, lines appended to a buffer.
//!
//! What queue_log cannot carry is dropped: holds, `call.completed` (wrap-up: the reader synthesises it
//! from `wrapuptime`), outbound calls, surveys. Agents log in with AGENTCALLBACKLOGIN (`name`,
//! `name@agents`) and join their queues as members `Local/<name>@agents` (ADDMEMBER names the
//! interface, as with `log_membername_as_agent = no`), so a reader must learn the interface → name map
//! from the login line. A state change writes PAUSEALL or UNPAUSEALL and then one PAUSE or UNPAUSE per
//! queue, as Asterisk does. Caller ids are fakes, `555-01xx`.

use std::collections::HashMap;
use std::io::Write;

use crate::event::{Availability, DequeueReason, Event, EventKind, Id, Millis};

/// A call as the writer needs to remember it for the durations queue_log lines carry.
#[derive(Debug, Clone, Default)]
struct CallMemory {
    queue: Id,
    queued_at: Millis,
    /// The agent it rings at and since when.
    ringing: Option<(Id, Millis)>,
    answered_at: Millis,
}

/// Writes events as `queue_log` lines.
#[derive(Debug, Default)]
pub struct QueueLogWriter {
    calls: HashMap<Id, CallMemory>,
    agent_queues: HashMap<Id, Vec<Id>>,
    connects: u64,
}

fn seconds(ms: Millis) -> Millis {
    ms.div_euclid(1_000)
}

impl QueueLogWriter {
    pub fn new() -> Self {
        QueueLogWriter::default()
    }

    /// Appends the lines of `event` (none for what queue_log cannot carry) to `out`.
    pub fn write(&mut self, event: &Event, out: &mut Vec<u8>) {
        let time = event.time;
        let mut line = |call: &str, queue: &str, agent: &str, verb: &str, data: &[&str]| {
            let _ = write!(out, "{}|{call}|{queue}|{agent}|{verb}", seconds(time));
            for field in data {
                out.push(b'|');
                out.extend_from_slice(field.as_bytes());
            }
            out.push(b'\n');
        };
        match &event.kind {
            EventKind::CallQueued { call, queue, .. } => {
                let memory = self.calls.entry(call.clone()).or_default();
                memory.queue = queue.clone();
                memory.queued_at = time;
                memory.ringing = None;
                let caller = format!("555-01{:02}", (time / 1_000) % 100);
                line(call, queue, "NONE", "ENTERQUEUE", &["", &caller, "1"]);
            }
            EventKind::CallRinging { call, agent, .. } => {
                self.calls.entry(call.clone()).or_default().ringing = Some((agent.clone(), time));
            }
            EventKind::CallAnswered { call, queue, agent } => {
                let memory = self.calls.entry(call.clone()).or_default();
                memory.answered_at = time;
                let ring = match &memory.ringing {
                    Some((ringing_at, since)) if ringing_at == agent => seconds(time - since),
                    _ => 0,
                };
                let hold = seconds(time - memory.queued_at).to_string();
                self.connects += 1;
                let bridged = format!("{}.{}", seconds(time), self.connects);
                line(
                    call,
                    queue,
                    agent,
                    "CONNECT",
                    &[&hold, &bridged, &ring.to_string()],
                );
            }
            EventKind::CallAbandoned { call, queue } => {
                let wait = self.wait_seconds(call, time);
                self.calls.remove(call);
                line(call, queue, "NONE", "ABANDON", &["1", "1", &wait]);
            }
            EventKind::CallDequeued {
                call,
                queue,
                reason,
            } => {
                let wait = self.wait_seconds(call, time);
                self.calls.remove(call);
                match reason {
                    DequeueReason::ExitKey => {
                        line(call, queue, "NONE", "EXITWITHKEY", &["0", "1", "1", &wait])
                    }
                    DequeueReason::Timeout => {
                        line(call, queue, "NONE", "EXITWITHTIMEOUT", &["1", "1", &wait])
                    }
                    _ => line(call, queue, "NONE", "EXITEMPTY", &["1", "1", &wait]),
                }
            }
            // Outbound calls (never queued) are not in queue_log.
            EventKind::CallTransferred { call, .. } | EventKind::CallEnded { call, .. }
                if !self.calls.contains_key(call) => {}
            EventKind::CallTransferred { call, agent, .. } => {
                let (queue, hold, talk) = self.hold_and_talk(call, time);
                line(
                    call,
                    &queue,
                    agent,
                    "BLINDTRANSFER",
                    &["200", "transfers", &hold, &talk, "1"],
                );
            }
            EventKind::CallEnded { call, agent } => {
                let (queue, hold, talk) = self.hold_and_talk(call, time);
                self.calls.remove(call);
                line(call, &queue, agent, "COMPLETECALLER", &[&hold, &talk, "1"]);
            }
            EventKind::AgentLogin { agent, queues, .. } => {
                let interface = format!("Local/{agent}@agents");
                let exten = format!("{agent}@agents");
                line("NONE", "NONE", agent, "AGENTCALLBACKLOGIN", &[&exten]);
                let queues = queues.clone().unwrap_or_default();
                for queue in &queues {
                    line("MANAGER", queue, &interface, "ADDMEMBER", &[""]);
                }
                self.agent_queues.insert(agent.clone(), queues);
            }
            EventKind::AgentLogout { agent } => {
                let exten = format!("{agent}@agents");
                line(
                    "NONE",
                    "NONE",
                    agent,
                    "AGENTCALLBACKLOGOFF",
                    &[&exten, "0", ""],
                );
                self.agent_queues.remove(agent);
            }
            EventKind::AgentState {
                agent,
                availability,
            } => {
                let (all, each, reason) = match availability {
                    Availability::Available => ("UNPAUSEALL", "UNPAUSE", ""),
                    Availability::NotReady { reason } => {
                        ("PAUSEALL", "PAUSE", reason.as_deref().unwrap_or(""))
                    }
                };
                line("NONE", "NONE", agent, all, &[reason]);
                for queue in self.agent_queues.get(agent).into_iter().flatten() {
                    line("NONE", queue, agent, each, &[reason]);
                }
            }
            // Not in queue_log: hold, wrap-up's end, outbound, surveys, skill changes.
            EventKind::CallHeld { .. }
            | EventKind::CallResumed { .. }
            | EventKind::CallCompleted { .. }
            | EventKind::CallDialed { .. }
            | EventKind::CallConnected { .. }
            | EventKind::AgentQueues { .. }
            | EventKind::SurveyCompleted { .. }
            | EventKind::QaScored { .. } => {}
        }
    }

    fn wait_seconds(&self, call: &Id, time: Millis) -> String {
        let queued_at = self.calls.get(call).map_or(time, |memory| memory.queued_at);
        seconds(time - queued_at).to_string()
    }

    /// A finished call's queue, `holdtime` (its wait in the queue) and `calltime` (its talk, in
    /// seconds).
    fn hold_and_talk(&self, call: &Id, time: Millis) -> (Id, String, String) {
        let memory = self.calls.get(call).cloned().unwrap_or_default();
        let hold = seconds(memory.answered_at - memory.queued_at);
        let talk = seconds(time - memory.answered_at);
        let queue = if memory.queue.is_empty() {
            Id::from("NONE")
        } else {
            memory.queue
        };
        (queue, hold.to_string(), talk.to_string())
    }
}
