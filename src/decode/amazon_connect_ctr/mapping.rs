//! A held contact → its domain events, in the causal order of one call (the table of
//! `docs/sources/amazon_connect_ctr.md`). Pure.
//!
//! Ids are those of the contact-events adapter for the same facts, `ac-<FNV-1a of the ContactId>-`
//! `q` queued, `a` answered, `e` the agent's part ended (ended or transferred), `x` left the queue,
//! `c` completed, plus `h` held and `r` resumed: a tenant fed both a contact's events and, later, its
//! record counts each fact once.

use super::record::{Contact, Names, Outcome};
use crate::decode::adapter::event_id;
use crate::event::{DequeueReason, Direction, Event, EventKind, Id, Millis};

const PREFIX: &str = "ac";

/// Appends the events of `contact` to `out`, in causal order.
pub fn events(contact: &Contact, names: &Names, tenant: &Id, out: &mut Vec<Event>) {
    let hash = contact.hash;
    let emit = |out: &mut Vec<Event>, time: Millis, suffix: &str, kind: EventKind| {
        out.push(Event {
            time,
            tenant: tenant.clone(),
            id: Some(event_id(PREFIX, hash, suffix)),
            kind,
        });
    };
    let call = contact.call.to_id();
    let queue = names.name(contact.queue).clone();
    let queued = EventKind::CallQueued {
        caller: None,
        call: call.clone(),
        queue: queue.clone(),
        priority: None,
        direction: Direction::Inbound,
    };
    emit(out, contact.queued_at, "q", queued);
    match &contact.outcome {
        Outcome::Abandoned { at } => {
            emit(out, *at, "x", EventKind::CallAbandoned { call, queue });
        }
        Outcome::Dequeued { at } => {
            let reason = DequeueReason::Other;
            emit(
                out,
                *at,
                "x",
                EventKind::CallDequeued {
                    call,
                    queue,
                    reason,
                },
            );
        }
        Outcome::Answered(answered) => {
            let agent = names.name(answered.agent).clone();
            let kind = EventKind::CallAnswered {
                call: call.clone(),
                queue,
                agent: agent.clone(),
            };
            emit(out, answered.at, "a", kind);
            // The record has the hold's total, not when it happened: one hold of that length just
            // before the agent's part ends (a transfer or conference puts the customer on hold
            // first). Talk and hold totals are exact; only their split across report intervals is
            // approximate.
            if answered.hold_ms > 0 {
                let held = EventKind::CallHeld {
                    call: call.clone(),
                    agent: agent.clone(),
                };
                emit(out, answered.left_at - answered.hold_ms, "h", held);
                let resumed = EventKind::CallResumed {
                    call: call.clone(),
                    agent: agent.clone(),
                };
                emit(out, answered.left_at, "r", resumed);
            }
            let left = if answered.transferred {
                EventKind::CallTransferred {
                    call: call.clone(),
                    agent: agent.clone(),
                    to_queue: None,
                    to_agent: None,
                }
            } else {
                EventKind::CallEnded {
                    call: call.clone(),
                    agent: agent.clone(),
                }
            };
            emit(out, answered.left_at, "e", left);
            let completed = EventKind::CallCompleted {
                call,
                agent,
                outcome: None,
                disposition: None,
            };
            emit(out, answered.completed_at, "c", completed);
        }
    }
}
