//! What the adapters' tests share: events shown as one line a person can read and compare.

use crate::event::{Availability, Event, EventKind};

/// 2026-11-23 09:00:00 UTC, the morning the adapters' tests are set in.
pub const NINE: i64 = 1_795_424_400;

/// `HH:MM:SS type fields…` of an event, for assertions a person can read.
pub fn show(event: &Event) -> String {
    let seconds = event.time.div_euclid(1_000) - NINE;
    let millis = event.time.rem_euclid(1_000);
    let clock = format!(
        "{:02}:{:02}:{:02}{}",
        9 + seconds / 3_600,
        seconds / 60 % 60,
        seconds % 60,
        if millis == 0 {
            String::new()
        } else {
            format!(".{millis:03}")
        }
    );
    let fields = match &event.kind {
        EventKind::CallQueued { call, queue, .. } => format!("{call} {queue}"),
        EventKind::CallRinging { call, queue, agent }
        | EventKind::CallAnswered { call, queue, agent } => format!("{call} {queue} {agent}"),
        EventKind::CallAbandoned { call, queue } => format!("{call} {queue}"),
        EventKind::CallDequeued {
            call,
            queue,
            reason,
        } => format!("{call} {queue} {}", reason.as_str()),
        EventKind::CallTransferred { call, agent, .. }
        | EventKind::CallHeld { call, agent }
        | EventKind::CallResumed { call, agent }
        | EventKind::CallEnded { call, agent }
        | EventKind::CallCompleted { call, agent, .. } => format!("{call} {agent}"),
        EventKind::AgentLogin { agent, queues, .. } => match queues {
            Some(queues) => format!("{agent} [{}]", queues.join(",")),
            None => agent.to_string(),
        },
        EventKind::AgentQueues { agent, queues } => format!("{agent} [{}]", queues.join(",")),
        EventKind::AgentLogout { agent } => agent.to_string(),
        EventKind::AgentState {
            agent,
            availability,
        } => match availability {
            Availability::Available => format!("{agent} available"),
            Availability::NotReady { reason } => {
                format!("{agent} not_ready {}", reason.as_deref().unwrap_or("-"))
            }
        },
        other => format!("{other:?}"),
    };
    format!("{clock} {} {fields}", event.kind.type_name())
}

/// The caller each `call.queued` names, in order.
pub fn callers(events: &[Event]) -> Vec<Option<String>> {
    (events.iter())
        .filter_map(|event| match &event.kind {
            EventKind::CallQueued { caller, .. } => Some(caller.as_ref().map(|id| id.to_string())),
            _ => None,
        })
        .collect()
}
