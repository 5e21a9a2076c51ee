//! Closed report intervals as records of the `call-intervals` topic: which intervals are closed and the
//! rows they give (`rows`), what of them is still to send (`sent`), and the store of the topic read back
//! (`store`) that the API serves past days from. Pure: the producer (`export::intervals_topic`) and the
//! reader (`ingest::intervals_reader`) are the I/O edges around it.

pub mod rows;
pub mod sent;
pub mod store;

/// The version of a record's JSON value; a reader skips values of a schema it does not know.
pub const SCHEMA: u64 = 1;

/// What a record of the topic is, as its key and its value's `kind` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A queue's report interval (the columns of `report --by queue`).
    Queue,
    /// An agent's report interval (the columns of `report --by agent`).
    Agent,
    /// A queue's day: its intervals' counts summed, ratios recomputed from the sums.
    QueueDay,
    /// An agent's day: its scorecard (the columns of `report --by agent --period day`).
    AgentDay,
    /// A "daily report sent" marker the delivery task writes (`tenant/delivery/daily/DATE`).
    Delivery,
}

impl Kind {
    pub const ROWS: [Kind; 4] = [Kind::Queue, Kind::Agent, Kind::QueueDay, Kind::AgentDay];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Queue => "queue",
            Kind::Agent => "agent",
            Kind::QueueDay => "queue_day",
            Kind::AgentDay => "agent_day",
            Kind::Delivery => "delivery",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        [Kind::Delivery]
            .into_iter()
            .chain(Kind::ROWS)
            .find(|kind| kind.name() == name)
    }

    /// The report's column naming the subject (`queue`, `agent`); none for delivery markers.
    pub fn subject_column(self) -> Option<&'static str> {
        match self {
            Kind::Queue | Kind::QueueDay => Some("queue"),
            Kind::Agent | Kind::AgentDay => Some("agent"),
            Kind::Delivery => None,
        }
    }
}

/// The record key: `tenant/kind/subject/start`, start being the RFC 3339 interval start, or the local
/// date for a day row.
pub fn key(tenant: &str, kind: Kind, subject: &str, start: &str) -> String {
    [tenant, kind.name(), subject, start].join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names_and_keys_read_left_to_right() {
        for kind in [Kind::Delivery].into_iter().chain(Kind::ROWS) {
            assert_eq!(Kind::parse(kind.name()), Some(kind));
        }
        assert_eq!(Kind::parse("queues"), None);
        assert_eq!(
            key("acme", Kind::QueueDay, "sales", "2026-11-27"),
            "acme/queue_day/sales/2026-11-27"
        );
    }
}
