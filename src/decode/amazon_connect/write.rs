//! Domain events → Amazon Connect contact events (EventBridge, `detail-type` "Amazon Connect Contact
//! Event") as JSON lines, as Connect would have published them: for `callboard simulate --format
//! amazon_connect_contact_events` and the equivalence test against the v1 day. Pure; events in time
//! order in, lines appended to a buffer.
//!
//! Each queue stay is one contact, as in Connect: a call's first contact has the call's id, and a
//! transfer creates a new contact (`<call>-t<n>`, `initiationMethod` TRANSFER) whose
//! `initialContactId` is the call, so a reader chains them into one call. Queue and agent ARNs end in
//! the simulated queue and agent names (`…/queue/<name>`, `…/agent/<name>`), so a reader without an
//! ARN → name map shows the names v1 shows.
//!
//! What the contact feed cannot carry is not written: rings, holds (talk includes them), agent
//! logins, states and breaks (they are Connect's separate agent event stream), outbound calls,
//! surveys, skill changes. INITIATED events are not written either: they carry nothing a reader
//! counts.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::decode::time::rfc3339;
use crate::event::{DequeueReason, Event, EventKind, Id, Millis};

const REGION: &str = "eu-west-1";
const ACCOUNT: &str = "111122223333";
const INSTANCE_ARN: &str = "arn:aws:connect:eu-west-1:111122223333:instance/sim-instance";

/// One contact: a call's stay in one queue and the agent that took it.
#[derive(Debug, Clone)]
struct Contact {
    id: String,
    previous: Option<String>,
    queue: Id,
    enqueued_at: Millis,
    agent: Option<(Id, Millis)>,
    disconnected_at: Option<Millis>,
}

/// Writes events as contact events.
#[derive(Debug, Default)]
pub struct ContactEventsWriter {
    /// Each call's current contact.
    current: HashMap<Id, Contact>,
    /// Contacts whose agent is in after-contact work, by call and agent: their COMPLETED is due.
    after_contact_work: HashMap<(Id, Id), Contact>,
    /// Contacts a call has had so far (the next transfer's suffix).
    contacts_of: HashMap<Id, u32>,
    next_event: u64,
}

fn queue_arn(queue: &str) -> String {
    format!("{INSTANCE_ARN}/queue/{queue}")
}

fn agent_arn(agent: &str) -> String {
    format!("{INSTANCE_ARN}/agent/{agent}")
}

/// The envelope's `time`: whole seconds, as EventBridge writes it.
fn envelope_time(time: Millis) -> String {
    rfc3339(time - time.rem_euclid(1_000)).replace(".000Z", "Z")
}

impl ContactEventsWriter {
    pub fn new() -> Self {
        ContactEventsWriter::default()
    }

    /// Appends the contact events of `event` (none for what the contact feed cannot carry) to `out`.
    pub fn write(&mut self, event: &Event, out: &mut Vec<u8>) {
        let time = event.time;
        match &event.kind {
            EventKind::CallQueued { call, queue, .. } => {
                let count = self.contacts_of.entry(call.clone()).or_insert(0);
                *count += 1;
                let id = match *count {
                    1 => call.to_string(),
                    n => format!("{call}-t{}", n - 1),
                };
                let previous = self.current.get(call).map(|contact| contact.id.clone());
                let contact = Contact {
                    id,
                    previous,
                    queue: queue.clone(),
                    enqueued_at: time,
                    agent: None,
                    disconnected_at: None,
                };
                self.line(out, "QUEUED", call, &contact, time, None);
                self.current.insert(call.clone(), contact);
            }
            EventKind::CallAnswered { call, agent, .. } => {
                let Some(contact) = self.current.get_mut(call) else {
                    return;
                };
                contact.agent = Some((agent.clone(), time));
                let contact = contact.clone();
                self.line(out, "CONNECTED_TO_AGENT", call, &contact, time, None);
            }
            EventKind::CallEnded { call, agent }
            | EventKind::CallTransferred { call, agent, .. } => {
                let Some(mut contact) = self.current.remove(call) else {
                    return;
                };
                contact.disconnected_at = Some(time);
                // An agent's transfer ends the agent's contact; Connect names who hung up.
                let reason = match &event.kind {
                    EventKind::CallTransferred { .. } => "AGENT_DISCONNECT",
                    _ => "CUSTOMER_DISCONNECT",
                };
                self.line(out, "DISCONNECTED", call, &contact, time, Some(reason));
                if matches!(event.kind, EventKind::CallTransferred { .. }) {
                    // The next contact's QUEUED names this one as its previous contact.
                    let mut transferred = contact.clone();
                    transferred.agent = None;
                    self.current.insert(call.clone(), transferred);
                } else {
                    self.contacts_of.remove(call);
                }
                self.after_contact_work
                    .insert((call.clone(), agent.clone()), contact);
            }
            EventKind::CallCompleted { call, agent, .. } => {
                // Outbound calls were never written: nothing to complete.
                let Some(contact) = self
                    .after_contact_work
                    .remove(&(call.clone(), agent.clone()))
                else {
                    return;
                };
                self.line(out, "COMPLETED", call, &contact, time, None);
            }
            EventKind::CallAbandoned { call, .. } | EventKind::CallDequeued { call, .. } => {
                let Some(mut contact) = self.current.remove(call) else {
                    return;
                };
                contact.disconnected_at = Some(time);
                self.contacts_of.remove(call);
                let reason = match &event.kind {
                    EventKind::CallAbandoned { .. } => "CUSTOMER_DISCONNECT",
                    EventKind::CallDequeued {
                        reason: DequeueReason::Timeout,
                        ..
                    } => "CONTACT_FLOW_DISCONNECT",
                    _ => "OTHER",
                };
                self.line(out, "DISCONNECTED", call, &contact, time, Some(reason));
                // Without after-contact work, COMPLETED follows at once with the same data.
                self.line(out, "COMPLETED", call, &contact, time, Some(reason));
            }
            // Not in the contact feed: rings, holds, agents' sessions and states, outbound, surveys.
            EventKind::CallRinging { .. }
            | EventKind::CallHeld { .. }
            | EventKind::CallResumed { .. }
            | EventKind::CallDialed { .. }
            | EventKind::CallConnected { .. }
            | EventKind::AgentLogin { .. }
            | EventKind::AgentLogout { .. }
            | EventKind::AgentState { .. }
            | EventKind::AgentQueues { .. }
            | EventKind::SurveyCompleted { .. }
            | EventKind::QaScored { .. } => {}
        }
    }

    /// One contact event of `contact` at `time`, with what the contact knows so far.
    fn line(
        &mut self,
        out: &mut Vec<u8>,
        event_type: &str,
        call: &Id,
        contact: &Contact,
        time: Millis,
        disconnect_reason: Option<&str>,
    ) {
        self.next_event += 1;
        let mut detail = Map::new();
        let mut put = |name: &str, value: Value| {
            detail.insert(name.to_string(), value);
        };
        put("eventType", json!(event_type));
        put("contactId", json!(contact.id));
        put("initialContactId", json!(call.as_str()));
        if let Some(previous) = &contact.previous {
            put("previousContactId", json!(previous));
        }
        put("channel", json!("VOICE"));
        let method = if contact.previous.is_some() {
            "TRANSFER"
        } else {
            "INBOUND"
        };
        put("initiationMethod", json!(method));
        put("instanceArn", json!(INSTANCE_ARN));
        put(
            "queueInfo",
            json!({
                "queueType": "STANDARD",
                "queueArn": queue_arn(&contact.queue),
                "enqueueTimestamp": rfc3339(contact.enqueued_at),
            }),
        );
        if let Some((agent, connected_at)) = &contact.agent {
            let mut agent_info = json!({
                "agentArn": agent_arn(agent),
                "connectedToAgentTimestamp": rfc3339(*connected_at),
            });
            if event_type == "COMPLETED" {
                let start = contact.disconnected_at.unwrap_or(time);
                agent_info["afterContactWorkStartTimestamp"] = json!(rfc3339(start));
                agent_info["afterContactWorkEndTimestamp"] = json!(rfc3339(time));
                agent_info["afterContactWorkDuration"] = json!((time - start) / 1_000);
            }
            put("agentInfo", agent_info);
        }
        if let Some(disconnected_at) = contact.disconnected_at {
            put("disconnectTimestamp", json!(rfc3339(disconnected_at)));
        }
        if let Some(reason) = disconnect_reason {
            put("disconnectReason", json!(reason));
        }
        let envelope = json!({
            "version": "0",
            "id": format!("sim-{:012x}", self.next_event),
            "detail-type": "Amazon Connect Contact Event",
            "source": "aws.connect",
            "account": ACCOUNT,
            "time": envelope_time(time),
            "region": REGION,
            "resources": [INSTANCE_ARN, format!("{INSTANCE_ARN}/contact/{}", contact.id)],
            "detail": Value::Object(detail),
        });
        out.extend_from_slice(envelope.to_string().as_bytes());
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::decode::test_support::NINE;

    fn at(seconds: i64) -> Millis {
        (NINE + seconds) * 1_000
    }

    fn event(seconds: i64, kind: EventKind) -> Event {
        Event {
            time: at(seconds),
            tenant: Id::from("acme"),
            id: None,
            kind,
        }
    }

    /// `eventType contactId initialContactId [previousContactId] [agent] [reason]` of each line.
    fn shown(lines: &[u8]) -> Vec<String> {
        let text = std::str::from_utf8(lines).unwrap();
        text.lines()
            .map(|line| {
                let value: Value = serde_json::from_str(line).unwrap();
                assert_eq!(value["detail-type"], "Amazon Connect Contact Event");
                let detail = &value["detail"];
                let mut fields = vec![
                    detail["eventType"].as_str().unwrap().to_string(),
                    detail["contactId"].as_str().unwrap().to_string(),
                    detail["initialContactId"].as_str().unwrap().to_string(),
                ];
                for field in [
                    &detail["previousContactId"],
                    &detail["agentInfo"]["agentArn"],
                    &detail["agentInfo"]["afterContactWorkEndTimestamp"],
                    &detail["disconnectReason"],
                ] {
                    if let Some(text) = field.as_str() {
                        fields.push(text.rsplit('/').next().unwrap().to_string());
                    }
                }
                fields.join(" ")
            })
            .collect()
    }

    #[test]
    fn a_transfer_is_a_new_contact_of_the_same_initial_contact_and_each_agent_completes_its_own() {
        let (call, ana) = (Id::from("c1"), Id::from("ana"));
        let events = [
            event(
                0,
                EventKind::CallQueued {
                    caller: None,
                    call: call.clone(),
                    queue: Id::from("support"),
                    priority: None,
                    direction: crate::event::Direction::Inbound,
                },
            ),
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
                60,
                EventKind::CallTransferred {
                    call: call.clone(),
                    agent: ana.clone(),
                    to_queue: Some(Id::from("sales")),
                    to_agent: None,
                },
            ),
            event(
                62,
                EventKind::CallQueued {
                    caller: None,
                    call: call.clone(),
                    queue: Id::from("sales"),
                    priority: None,
                    direction: crate::event::Direction::Inbound,
                },
            ),
            event(
                70,
                EventKind::CallCompleted {
                    call: call.clone(),
                    agent: ana.clone(),
                    outcome: None,
                    disposition: None,
                },
            ),
            event(
                75,
                EventKind::CallAbandoned {
                    call: call.clone(),
                    queue: Id::from("sales"),
                },
            ),
        ];
        let mut writer = ContactEventsWriter::new();
        let mut lines = Vec::new();
        for event in &events {
            writer.write(event, &mut lines);
        }
        assert_eq!(
            shown(&lines),
            [
                "QUEUED c1 c1",
                "CONNECTED_TO_AGENT c1 c1 ana",
                "DISCONNECTED c1 c1 ana AGENT_DISCONNECT",
                "QUEUED c1-t1 c1 c1",
                "COMPLETED c1 c1 ana 2026-11-23T09:01:10.000Z",
                "DISCONNECTED c1-t1 c1 c1 CUSTOMER_DISCONNECT",
                "COMPLETED c1-t1 c1 c1 CUSTOMER_DISCONNECT",
            ]
        );
    }
}
