//! Domain events → TaskRouter Event Streams CloudEvents (`com.twilio.taskrouter.*`) as JSON lines, as
//! a workspace would have published them: for `callboard simulate --format twilio_taskrouter` and the
//! equivalence test against the v1 day. Pure; events in time order in, lines appended to a buffer.
//!
//! Each queue stay is one voice task (`WT…`) whose `task_attributes` carry the call's `call_sid`, as
//! `<Enqueue>` writes them; queues and workers are named by the simulated names (`task_queue_name`,
//! `worker_name`). A call rings as `reservation.created` and is answered as `reservation.accepted`;
//! its end is `task.wrapup`, its after-call work's end `task.completed`; an abandon is
//! `task.canceled` with reason `hangup`, a time-out `Task TTL Exceeded`. A transfer is a cold transfer
//! to a queue, as Flex makes it: `task.transfer-initiated` and `task.wrapup` on the agent's task, a
//! new task (same `call_sid`) in the target queue, and `task.transfer-completed` on the first task when
//! the new one is accepted (`task.transfer-failed` when it is abandoned). Agent states are
//! `worker.activity.update`: `Available`, `Offline` (logout) or the break's reason as the activity.
//!
//! What TaskRouter cannot carry is not written: holds (they are the voice call's, not the task's;
//! talk includes them), agent logins apart from their first activity (and their skills), outbound
//! calls, surveys.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::decode::adapter::fnv1a;
use crate::decode::time::rfc3339;
use crate::event::{Availability, DequeueReason, Event, EventKind, Id, Millis};

const ACCOUNT: &str = "AC0000000000000000000000000000s1m0";
const WORKSPACE: &str = "WS0000000000000000000000000000s1m0";

/// A Twilio-like sid: two letters and 32 hex digits, the same for the same name.
fn sid(prefix: &str, name: &str) -> String {
    let low = fnv1a(name.as_bytes());
    let high = fnv1a(format!("{name}#").as_bytes());
    format!("{prefix}{high:016x}{low:016x}")
}

/// One task: a call's stay in one queue.
#[derive(Debug, Clone)]
struct Task {
    sid: String,
    queue: Id,
    /// The reservation of the worker it rings at or was accepted by.
    reservation: Option<(Id, String)>,
}

/// A transfer started on the agent's task, to be told done (or failed) on that task when the
/// transferred call's new task is accepted (or abandoned).
#[derive(Debug, Clone)]
struct Transfer {
    sid: String,
    task: Task,
    to_queue: Id,
}

/// Writes events as TaskRouter CloudEvents.
#[derive(Debug, Default)]
pub struct TaskRouterWriter {
    /// Each call's task waiting or in talk.
    current: HashMap<Id, Task>,
    /// Tasks in wrap-up by call and worker: their `task.completed` is due.
    wrapping: HashMap<(Id, Id), Task>,
    transfers: HashMap<Id, Transfer>,
    next_sid: u64,
}

impl TaskRouterWriter {
    pub fn new() -> Self {
        TaskRouterWriter::default()
    }

    fn new_sid(&mut self, prefix: &str) -> String {
        self.next_sid += 1;
        format!("{prefix}{:032x}", self.next_sid)
    }

    /// Appends the CloudEvents of `event` (none for what TaskRouter cannot carry) to `out`.
    pub fn write(&mut self, event: &Event, out: &mut Vec<u8>) {
        let time = event.time;
        match &event.kind {
            EventKind::CallQueued { call, queue, .. } => {
                let task = Task {
                    sid: self.new_sid("WT"),
                    queue: queue.clone(),
                    reservation: None,
                };
                // Created by the workflow, then routed to its queue.
                let created = self.task_fields(call, &task, false);
                self.line(out, "task.created", time, created);
                let entered = self.task_fields(call, &task, true);
                self.line(out, "task-queue.entered", time, entered);
                self.current.insert(call.clone(), task);
            }
            EventKind::CallRinging { call, agent, .. } => {
                let reservation = self.new_sid("WR");
                let Some(task) = self.current.get_mut(call) else {
                    return;
                };
                task.reservation = Some((agent.clone(), reservation));
                let task = task.clone();
                self.reservation(out, "reservation.created", time, call, &task);
            }
            EventKind::CallAnswered { call, agent, .. } => {
                let rings_here = matches!(
                    self.current.get(call).and_then(|task| task.reservation.as_ref()),
                    Some((ringing, _)) if ringing == agent
                );
                if !rings_here {
                    // Answered without a ring (M/M/N): the reservation is made and accepted at once.
                    let ringing = Event {
                        kind: EventKind::CallRinging {
                            call: call.clone(),
                            queue: Id::default(),
                            agent: agent.clone(),
                        },
                        ..event.clone()
                    };
                    self.write(&ringing, out);
                }
                let Some(task) = self.current.get(call).cloned() else {
                    return;
                };
                self.reservation(out, "reservation.accepted", time, call, &task);
                if let Some(transfer) = self.transfers.remove(call) {
                    self.transfer_line(out, "task.transfer-completed", time, call, &transfer);
                }
            }
            EventKind::CallEnded { call, agent }
            | EventKind::CallTransferred { call, agent, .. } => {
                let Some(task) = self.current.remove(call) else {
                    return;
                };
                if let EventKind::CallTransferred {
                    to_queue: Some(to_queue),
                    ..
                } = &event.kind
                {
                    let transfer = Transfer {
                        sid: self.new_sid("TT"),
                        task: task.clone(),
                        to_queue: to_queue.clone(),
                    };
                    self.transfer_line(out, "task.transfer-initiated", time, call, &transfer);
                    self.transfers.insert(call.clone(), transfer);
                }
                let fields = self.task_fields(call, &task, true);
                self.line(out, "task.wrapup", time, fields);
                self.wrapping.insert((call.clone(), agent.clone()), task);
            }
            EventKind::CallCompleted { call, agent, .. } => {
                // Outbound calls were never written: nothing to complete.
                let Some(task) = self.wrapping.remove(&(call.clone(), agent.clone())) else {
                    return;
                };
                let fields = self.task_fields(call, &task, true);
                self.line(out, "task.completed", time, fields);
            }
            EventKind::CallAbandoned { call, .. } | EventKind::CallDequeued { call, .. } => {
                let Some(task) = self.current.remove(call) else {
                    return;
                };
                if task.reservation.is_some() {
                    self.reservation(out, "reservation.canceled", time, call, &task);
                }
                let reason = match &event.kind {
                    EventKind::CallAbandoned { .. } => "hangup",
                    EventKind::CallDequeued {
                        reason: DequeueReason::Timeout,
                        ..
                    } => "Task TTL Exceeded",
                    _ => "canceled by the application",
                };
                let mut fields = self.task_fields(call, &task, true);
                fields.insert("task_canceled_reason".into(), json!(reason));
                self.line(out, "task.canceled", time, fields);
                if let Some(transfer) = self.transfers.remove(call) {
                    self.transfer_line(out, "task.transfer-failed", time, call, &transfer);
                }
            }
            EventKind::AgentState {
                agent,
                availability,
            } => {
                let activity = match availability {
                    Availability::Available => "Available",
                    Availability::NotReady { reason } => reason.as_deref().unwrap_or("Break"),
                };
                self.activity(out, time, agent, activity);
            }
            EventKind::AgentLogout { agent } => self.activity(out, time, agent, "Offline"),
            // Not in TaskRouter: holds, a login before its first activity, skill changes, outbound
            // calls, surveys.
            EventKind::CallHeld { .. }
            | EventKind::CallResumed { .. }
            | EventKind::AgentLogin { .. }
            | EventKind::AgentQueues { .. }
            | EventKind::CallDialed { .. }
            | EventKind::CallConnected { .. }
            | EventKind::SurveyCompleted { .. }
            | EventKind::QaScored { .. } => {}
        }
    }

    /// A voice task's fields, with its queue when `in_queue`.
    fn task_fields(&self, call: &Id, task: &Task, in_queue: bool) -> Map<String, Value> {
        let attributes = json!({
            "call_sid": sid("CA", call),
            "direction": "inbound",
            "from": "+15555550100",
            "to": "+15555550199",
        });
        let mut fields = Map::new();
        fields.insert("task_sid".into(), json!(task.sid));
        fields.insert("task_attributes".into(), json!(attributes.to_string()));
        fields.insert("task_channel_unique_name".into(), json!("voice"));
        fields.insert("workflow_name".into(), json!("Assign to Anyone"));
        if in_queue {
            fields.insert("task_queue_sid".into(), json!(sid("WQ", &task.queue)));
            fields.insert("task_queue_name".into(), json!(task.queue.as_str()));
        }
        fields
    }

    fn reservation(
        &mut self,
        out: &mut Vec<u8>,
        event_type: &str,
        time: Millis,
        call: &Id,
        task: &Task,
    ) {
        let Some((agent, reservation)) = &task.reservation else {
            return;
        };
        let mut fields = self.task_fields(call, task, true);
        fields.insert("reservation_sid".into(), json!(reservation));
        fields.insert("worker_sid".into(), json!(sid("WK", agent)));
        fields.insert("worker_name".into(), json!(agent.as_str()));
        self.line(out, event_type, time, fields);
    }

    fn transfer_line(
        &mut self,
        out: &mut Vec<u8>,
        event_type: &str,
        time: Millis,
        call: &Id,
        transfer: &Transfer,
    ) {
        let mut fields = self.task_fields(call, &transfer.task, true);
        let status = match event_type {
            "task.transfer-initiated" => "initiated",
            "task.transfer-completed" => "completed",
            _ => "failed",
        };
        fields.insert("task_transfer_sid".into(), json!(transfer.sid));
        fields.insert("transfer_type".into(), json!("QUEUE"));
        fields.insert("transfer_mode".into(), json!("COLD"));
        fields.insert("transfer_to".into(), json!(sid("WQ", &transfer.to_queue)));
        fields.insert("transfer_status".into(), json!(status));
        if let Some((agent, reservation)) = &transfer.task.reservation {
            fields.insert(
                "transfer_initiating_worker_sid".into(),
                json!(sid("WK", agent)),
            );
            fields.insert(
                "transfer_initiating_reservation_sid".into(),
                json!(reservation),
            );
        }
        self.line(out, event_type, time, fields);
    }

    fn activity(&mut self, out: &mut Vec<u8>, time: Millis, agent: &Id, activity: &str) {
        let mut fields = Map::new();
        fields.insert("worker_sid".into(), json!(sid("WK", agent)));
        fields.insert("worker_name".into(), json!(agent.as_str()));
        fields.insert("worker_activity_sid".into(), json!(sid("WA", activity)));
        fields.insert("worker_activity_name".into(), json!(activity));
        self.line(out, "worker.activity.update", time, fields);
    }

    /// One CloudEvent of `event_type` at `time` whose payload holds `fields`.
    fn line(
        &mut self,
        out: &mut Vec<u8>,
        event_type: &str,
        time: Millis,
        mut fields: Map<String, Value>,
    ) {
        let event_sid = self.new_sid("EV");
        let timestamp = rfc3339(time);
        fields.insert("sid".into(), json!(event_sid));
        fields.insert("eventtype".into(), json!(event_type));
        fields.insert("account_sid".into(), json!(ACCOUNT));
        fields.insert("workspace_sid".into(), json!(WORKSPACE));
        fields.insert("timestamp".into(), json!(timestamp));
        let cloud_event = json!({
            "specversion": "1.0",
            "type": format!("com.twilio.taskrouter.{event_type}"),
            "source": format!("/v1/Workspaces/{WORKSPACE}"),
            "id": event_sid.replacen("EV", "CE", 1),
            "time": timestamp,
            "dataschema": "https://events-schemas.twilio.com/TaskRouter.WDSEvent/4",
            "datacontenttype": "application/json",
            "data": {
                "sid": event_sid,
                "timestamp": timestamp,
                "product_name": "TaskRouter",
                "payload_type": "application/json",
                "payload": Value::Object(fields),
            },
        });
        out.extend_from_slice(cloud_event.to_string().as_bytes());
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Direction;

    /// 2026-11-23 09:00:00 UTC.
    const NINE: Millis = 1_795_424_400_000;

    fn event(seconds: i64, kind: EventKind) -> Event {
        Event {
            time: NINE + seconds * 1_000,
            tenant: Id::from("acme"),
            id: None,
            kind,
        }
    }

    /// `type task [queue] [worker] [reason] [transfer_to]` of each CloudEvent, sids by their prefix.
    fn shown(lines: &[u8]) -> Vec<String> {
        let text = std::str::from_utf8(lines).unwrap();
        let mut tasks: Vec<String> = Vec::new();
        text.lines()
            .map(|line| {
                let value: Value = serde_json::from_str(line).unwrap();
                let payload = &value["data"]["payload"];
                let event_type = value["type"].as_str().unwrap();
                let mut fields = vec![event_type
                    .strip_prefix("com.twilio.taskrouter.")
                    .unwrap()
                    .to_string()];
                if let Some(task) = payload["task_sid"].as_str() {
                    if !tasks.iter().any(|known| known == task) {
                        tasks.push(task.to_string());
                    }
                    let number = tasks.iter().position(|known| known == task).unwrap() + 1;
                    fields.push(format!("T{number}"));
                }
                for name in [
                    "task_queue_name",
                    "worker_name",
                    "worker_activity_name",
                    "task_canceled_reason",
                ] {
                    if let Some(text) = payload[name].as_str() {
                        fields.push(text.to_string());
                    }
                }
                if payload["transfer_to"].as_str() == Some(sid("WQ", "sales").as_str()) {
                    fields.push("to sales".to_string());
                }
                fields.join(" ")
            })
            .collect()
    }

    #[test]
    fn a_cold_transfer_is_told_on_the_first_task_and_the_call_continues_as_a_new_task() {
        let (call, ana, ben) = (Id::from("c1"), Id::from("ana"), Id::from("ben"));
        let queued = |queue: &str| EventKind::CallQueued {
            caller: None,
            call: call.clone(),
            queue: Id::from(queue),
            priority: None,
            direction: Direction::Inbound,
        };
        let completed = |agent: &Id| EventKind::CallCompleted {
            call: call.clone(),
            agent: agent.clone(),
            outcome: None,
            disposition: None,
        };
        let events = [
            event(
                0,
                EventKind::AgentState {
                    agent: ana.clone(),
                    availability: Availability::Available,
                },
            ),
            event(1, queued("support")),
            event(
                2,
                EventKind::CallRinging {
                    call: call.clone(),
                    queue: Id::from("support"),
                    agent: ana.clone(),
                },
            ),
            event(
                5,
                EventKind::CallAnswered {
                    call: call.clone(),
                    queue: Id::from("support"),
                    agent: ana.clone(),
                },
            ),
            event(
                9,
                EventKind::CallHeld {
                    call: call.clone(),
                    agent: ana.clone(),
                },
            ),
            event(
                60,
                EventKind::CallTransferred {
                    call: call.clone(),
                    agent: ana.clone(),
                    to_queue: Some(Id::from("sales")),
                    to_agent: None,
                },
            ),
            event(62, queued("sales")),
            // Answered without a ring: the reservation is made and accepted at once.
            event(
                70,
                EventKind::CallAnswered {
                    call: call.clone(),
                    queue: Id::from("sales"),
                    agent: ben.clone(),
                },
            ),
            event(75, completed(&ana)),
            event(
                90,
                EventKind::CallEnded {
                    call: call.clone(),
                    agent: ben.clone(),
                },
            ),
            event(95, completed(&ben)),
            event(
                96,
                EventKind::AgentState {
                    agent: ana.clone(),
                    availability: Availability::NotReady {
                        reason: Some(Id::from("lunch")),
                    },
                },
            ),
            event(97, EventKind::AgentLogout { agent: ben }),
        ];
        let mut writer = TaskRouterWriter::new();
        let mut lines = Vec::new();
        for event in &events {
            writer.write(event, &mut lines);
        }
        assert_eq!(
            shown(&lines),
            [
                "worker.activity.update ana Available",
                "task.created T1",
                "task-queue.entered T1 support",
                "reservation.created T1 support ana",
                "reservation.accepted T1 support ana",
                "task.transfer-initiated T1 support to sales",
                "task.wrapup T1 support",
                "task.created T2",
                "task-queue.entered T2 sales",
                "reservation.created T2 sales ben",
                "reservation.accepted T2 sales ben",
                "task.transfer-completed T1 support to sales",
                "task.completed T1 support",
                "task.wrapup T2 sales",
                "task.completed T2 sales",
                "worker.activity.update ana lunch",
                "worker.activity.update ben Offline",
            ]
        );
        // Both tasks carry the call's one call_sid.
        let text = String::from_utf8(lines).unwrap();
        let call_sid = sid("CA", "c1");
        let voice_tasks = text
            .lines()
            .filter(|line| line.contains("task_sid"))
            .count();
        assert_eq!(text.matches(call_sid.as_str()).count(), voice_tasks);
    }
}
