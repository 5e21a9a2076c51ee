//! Events for the center's tests: tenant `acme`, times as RFC 3339 text.

use crate::event::{Event, EventKind, Id, Millis};

pub fn at(text: &str) -> Millis {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp_millis()
}

pub fn event(time: &str, kind: EventKind) -> Event {
    Event {
        time: at(time),
        tenant: Id::from("acme"),
        id: None,
        kind,
    }
}
