//! Closed intervals out (issue 16), against a real Kafka-protocol broker process (tansu): the service
//! runs over yesterday's simulated day and produces every queue and agent interval of it, and each
//! day summary, to `call-intervals` (a topic it creates itself). The oracle is `callboard report` (the
//! real binary) over the same events: the topic's newest record per key equals its rows, row for row.
//! A late event (beyond its interval's close, within the windows the center holds) re-produces exactly
//! the rows it changed; a restart sends nothing again and still serves yesterday from the topic.
//! Needs `tansu` on PATH.

mod common;
#[allow(dead_code)]
#[path = "faults/harness.rs"]
mod harness;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use callboard::center::settings::{HOUR, MINUTE};
use callboard::event::{Event, EventKind};
use callboard::sim::{simulate, SimOptions};
use common::wall_clock_ms;
use harness::{produce, scratch, wait_for, Broker, Instance, Outgoing, Setup, ALERT_TOPIC, TOPIC};
use serde_json::Value;

const INTERVALS: &str = "call-intervals";
const DAY: i64 = 24 * HOUR;

/// Yesterday (UTC), midnight to midnight: one center of 12 agents on 2 queues.
fn yesterday() -> (String, Vec<Event>) {
    let start = (wall_clock_ms().div_euclid(DAY) - 1) * DAY;
    let date = chrono::DateTime::from_timestamp_millis(start)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string();
    let options = SimOptions {
        seed: 16,
        tenant: "acme".to_string(),
        start,
        hours: 24,
        agents: 12,
        queues: 2,
        peak_calls_per_hour: 90.0,
        ..SimOptions::default()
    };
    let mut events = Vec::new();
    simulate(&options, |event| {
        if event.time < start + DAY {
            events.push(event);
        }
    });
    (date, events)
}

fn write_jsonl(path: &Path, events: &[Event]) {
    let mut text = Vec::new();
    for event in events {
        callboard::decode::json_v1::encode(event, &mut text);
        text.push(b'\n');
    }
    std::fs::write(path, text).unwrap();
}

/// `callboard report --by BY --format FORMAT` over `input`, as text.
fn report(input: &Path, config: &Path, by: &str, format: &str) -> String {
    harness::report_text(input, config, &["--by", by, "--format", format])
}

/// The report's rows as JSON values.
fn report_rows(input: &Path, config: &Path, by: &str) -> Vec<Value> {
    let text = report(input, config, by, "json");
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// Every record of the intervals topic up to its end now, in order, as (key, value).
fn read_intervals(brokers: &str) -> Vec<(String, Value)> {
    (harness::read_keyed(brokers, INTERVALS).into_iter())
        .map(|(key, _, payload)| (key, serde_json::from_slice(&payload).unwrap()))
        .collect()
}

/// The newest value of each key of `kind`, with only the report's columns (no schema, kind, date).
fn newest_rows(records: &[(String, Value)], kind: &str) -> Vec<Value> {
    let mut newest: BTreeMap<&str, &Value> = BTreeMap::new();
    for (key, value) in records {
        newest.insert(key, value);
    }
    let mut rows: Vec<Value> = (newest.into_values())
        .filter(|value| value["kind"] == kind)
        .map(|value| {
            let mut row = value.clone();
            for column in ["schema", "kind", "date"] {
                row.as_object_mut().unwrap().remove(column);
            }
            row
        })
        .collect();
    rows.sort_by_key(|row| row.to_string());
    rows
}

/// Rows of one side only, for a readable failure.
fn difference(expected: &[Value], got: &[Value]) -> String {
    let missing: Vec<&Value> = expected
        .iter()
        .filter(|row| !got.contains(row))
        .take(3)
        .collect();
    let extra: Vec<&Value> = got
        .iter()
        .filter(|row| !expected.contains(row))
        .take(3)
        .collect();
    format!(
        "{} expected, {} in the topic; missing (first 3): {missing:#?}; unexpected: {extra:#?}",
        expected.len(),
        got.len()
    )
}

fn sorted(mut rows: Vec<Value>) -> Vec<Value> {
    rows.sort_by_key(|row| row.to_string());
    rows
}

/// Sums of `column` over rows (a day summary, by hand from the report's intervals).
fn total(rows: &[Value], subject: (&str, &str), column: &str) -> u64 {
    (rows.iter())
        .filter(|row| row[subject.0] == subject.1)
        .map(|row| row[column].as_u64().unwrap())
        .sum()
}

#[test]
fn a_day_of_closed_intervals_equals_the_report_and_a_late_event_re_produces_only_its_rows() {
    let dir = scratch("intervals");
    let broker = Broker::start(&dir);
    broker.create_topics(&[(TOPIC, 2), (ALERT_TOPIC, 1)]);
    let (date, mut events) = yesterday();
    let setup = Setup {
        brokers: broker.address.clone(),
        group: "intervals".to_string(),
        workers: 1,
        dead_letter_topic: None,
        max_message_bytes: None,
        tenants: "[tenants.acme]\ntime_zone = \"UTC\"\n".to_string(),
    };
    let config = setup.write_config(&dir);
    let input = dir.join("day.jsonl");
    write_jsonl(&input, &events);
    produce(&broker.address, events.iter().cloned().map(Outgoing::Event));
    let mut instance = Instance::start(&dir, &setup);

    // Every row of the day is in the topic once the feed is quiet.
    let expected_queue = sorted(report_rows(&input, &config, "queue"));
    let expected_agent = sorted(report_rows(&input, &config, "agent"));
    assert!(
        expected_queue.len() > 100 && expected_agent.len() > 300,
        "a full day: {} queue rows, {} agent rows",
        expected_queue.len(),
        expected_agent.len()
    );
    let started = std::time::Instant::now();
    let mut records;
    loop {
        records = read_intervals(&broker.address);
        let (queue, agent) = (
            newest_rows(&records, "queue"),
            newest_rows(&records, "agent"),
        );
        if queue == expected_queue && agent == expected_agent {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            panic!(
                "the topic's rows differ from the report's after 2 minutes: queue {}, agent {}",
                difference(&expected_queue, &queue),
                difference(&expected_agent, &agent)
            );
        }
        std::thread::sleep(Duration::from_secs(2));
    }
    // Day summaries: counts summed over the report's intervals by hand, one per queue and agent.
    let queue_days = newest_rows(&records, "queue_day");
    let queues: Vec<&str> = queue_days
        .iter()
        .map(|row| row["queue"].as_str().unwrap())
        .collect();
    assert_eq!(queues.len(), 2);
    for row in &queue_days {
        let queue = ("queue", row["queue"].as_str().unwrap());
        for column in ["offered", "answered", "abandoned", "handled"] {
            assert_eq!(
                row[column],
                total(&expected_queue, queue, column),
                "{column} of {queue:?}"
            );
        }
        assert_eq!(row["interval_start"], format!("{date}T00:00:00Z"));
    }
    let agent_days = newest_rows(&records, "agent_day");
    let agents: std::collections::BTreeSet<&str> = expected_agent
        .iter()
        .map(|row| row["agent"].as_str().unwrap())
        .collect();
    assert_eq!(agent_days.len(), agents.len());
    for row in &agent_days {
        let agent = ("agent", row["agent"].as_str().unwrap());
        assert_eq!(
            row["handled"],
            total(&expected_agent, agent, "handled"),
            "{agent:?}"
        );
    }
    // An agent's day is its scorecard: the rows of `report --by agent --period day`.
    let by_day = ["--by", "agent", "--period", "day", "--format", "json"];
    let cards = harness::report_text(&input, &config, &by_day);
    let cards: Vec<Value> = (cards.lines())
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(
        agent_days,
        sorted(cards),
        "agent days against the scorecards"
    );

    // A late call offered 30 minutes before the last event: beyond its interval's close, within the
    // hour the center holds. Exactly its queue interval and the queue's day change.
    let last = events.last().unwrap().time;
    let late_time = last - 30 * MINUTE;
    let queue = queues[0].to_string();
    let late = Event {
        id: Some("late-1".into()),
        tenant: "acme".into(),
        time: late_time,
        kind: EventKind::CallQueued {
            call: "late-call".into(),
            queue: queue.as_str().into(),
            priority: None,
            direction: Default::default(),
            caller: None,
        },
    };
    let before = records.len();
    events.push(late.clone());
    write_jsonl(&input, &events);
    produce(&broker.address, [Outgoing::Event(late)]);
    let expected_queue = sorted(report_rows(&input, &config, "queue"));
    wait_for(
        "the late event's rows",
        Duration::from_secs(60),
        Duration::from_secs(2),
        || {
            records = read_intervals(&broker.address);
            newest_rows(&records, "queue") == expected_queue && records.len() >= before + 2
        },
    );
    std::thread::sleep(Duration::from_secs(5));
    records = read_intervals(&broker.address);
    let start = late_time - late_time.rem_euclid(15 * MINUTE);
    let start = chrono::DateTime::from_timestamp_millis(start).unwrap();
    let new_keys: Vec<&str> = records[before..]
        .iter()
        .map(|(key, _)| key.as_str())
        .collect();
    let mut new_keys = new_keys;
    new_keys.sort();
    assert_eq!(
        new_keys,
        [
            format!("acme/queue/{queue}/{}", start.format("%Y-%m-%dT%H:%M:%SZ")),
            format!("acme/queue_day/{queue}/{date}"),
        ]
    );
    assert_eq!(newest_rows(&records, "agent"), expected_agent);

    // Restart: nothing is sent again, and yesterday is served from the topic as the report has it.
    let produced = records.len();
    instance.terminate();
    let restarted = instance.restart(&dir, &setup);
    wait_for(
        "the restarted instance ready",
        Duration::from_secs(90),
        Duration::from_millis(500),
        || restarted.is_ready(),
    );
    let path = format!("/api/v1/tenants/acme/intervals?date={date}&format=csv");
    let expected_csv = report(&input, &config, "queue", "csv");
    let mut served = String::new();
    wait_for(
        "yesterday served",
        Duration::from_secs(30),
        Duration::from_millis(500),
        || {
            served = restarted.get(&path).unwrap_or_default();
            served == expected_csv
        },
    );
    let agents_path = format!("/api/v1/tenants/acme/intervals?date={date}&kind=agent&format=csv");
    assert_eq!(
        restarted.get(&agents_path).unwrap(),
        report(&input, &config, "agent", "csv")
    );
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(
        read_intervals(&broker.address).len(),
        produced,
        "a restart re-sends nothing"
    );
}
