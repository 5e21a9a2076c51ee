//! `callboard report --brokers --from --to` against a real Kafka-protocol broker process (tansu with
//! its sqlite engine): five simulated days of two tenants, produced with their event times as Kafka
//! timestamps, reported over 2026-10-31..2026-11-03 (a month boundary, and the end of summer time in
//! America/New_York on 1 November) equal the report of the same events from a file, restricted by
//! this test to the rows whose interval starts within each tenant's local range. A topic whose
//! retention deleted the range's start fails with one line naming the partition.
//! Needs `tansu` on PATH (`.ci/run` installs it once).

mod common;

use std::process::Output;
use std::time::{Duration, Instant};

use callboard::center::settings::MINUTE;
use callboard::decode::json_v1;
use callboard::event::Event;
use callboard::sim::{simulate, SimOptions};
use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use common::broker::Broker;
use common::{callboard_command, free_port, scratch, wall_clock_ms};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::ClientConfig;

const TOPIC: &str = "call-events";

fn create_topic(brokers: &str, topic: &str, partitions: i32, config: &[(&str, &str)]) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("broker.address.family", "v4")
        .create()
        .unwrap();
    let mut new_topic = NewTopic::new(topic, partitions, TopicReplication::Fixed(1));
    for (key, value) in config {
        new_topic = new_topic.set(key, value);
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let results = runtime
        .block_on(admin.create_topics(&[new_topic], &AdminOptions::new()))
        .unwrap();
    for result in results {
        result.unwrap();
    }
}

/// Produces each event as JSON v1 keyed by tenant, stamped with its event time.
fn produce(brokers: &str, topic: &str, events: &[Event]) {
    let records = events.iter().map(|event| {
        let mut line = Vec::new();
        json_v1::encode(event, &mut line);
        (Some(event.tenant.as_bytes().to_vec()), line, event.time)
    });
    produce_raw(brokers, topic, records);
}

/// Produces records as given: key, payload, timestamp.
fn produce_raw(
    brokers: &str,
    topic: &str,
    records: impl IntoIterator<Item = (Option<Vec<u8>>, Vec<u8>, i64)>,
) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("broker.address.family", "v4")
        .set("linger.ms", "20")
        .set("queue.buffering.max.messages", "500000")
        .create()
        .unwrap();
    for (key, payload, timestamp) in records {
        let mut record = BaseRecord::<Vec<u8>, Vec<u8>>::to(topic)
            .payload(&payload)
            .timestamp(timestamp);
        if let Some(key) = &key {
            record = record.key(key);
        }
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((_, unsent)) => {
                    producer.poll(Duration::from_millis(10));
                    record = unsent;
                }
            }
        }
    }
    producer.flush(Duration::from_secs(120)).unwrap();
}

fn utc(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp_millis()
}

/// Five days of two centers: acme in New York from its local midnight of 30 October, globex in
/// Berlin (the `[defaults]` zone) from its own; time-ordered as a feed sends them.
fn five_days() -> Vec<Event> {
    let mut all = Vec::new();
    for (seed, tenant, start) in [
        (11, "acme", "2026-10-30T04:00:00Z"),
        (12, "globex", "2026-10-29T23:00:00Z"),
    ] {
        let options = SimOptions {
            seed,
            tenant: tenant.to_string(),
            start: utc(start),
            hours: 5 * 24,
            agents: 12,
            queues: 2,
            peak_calls_per_hour: 60.0,
            ..SimOptions::default()
        };
        simulate(&options, |event| all.push(event));
    }
    all.sort_by_key(|event| event.time);
    all
}

const CONFIG: &str = "[defaults]\ntime_zone = \"Europe/Berlin\"\n\n[tenants.acme]\ntime_zone = \"America/New_York\"\n\n\
[kafka.properties]\n\"broker.address.family\" = \"v4\"\n";

/// `callboard report` with `args`; its output whatever the exit.
fn report(args: &[&str]) -> Output {
    let mut command = callboard_command();
    command.arg("report").args(args);
    command.output().expect("callboard runs")
}

fn stdout_lines(output: &Output, what: &str) -> Vec<String> {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{what}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The first instant of local date `date` in `zone`, by chrono-tz directly (midnight exists in both
/// zones on every day used here).
fn midnight(zone: Tz, date: &str) -> i64 {
    let date: NaiveDate = date.parse().unwrap();
    zone.from_local_datetime(&date.and_hms_opt(0, 0, 0).unwrap())
        .single()
        .unwrap()
        .timestamp_millis()
}

/// The file report's rows (header kept) whose interval starts within the tenant's local range
/// [from, to), its zone New York for acme and Berlin for any other.
fn rows_in_range(lines: &[String], from: &str, to: &str, tenants: &[&str]) -> Vec<String> {
    let header = &lines[0];
    let columns: Vec<&str> = header.split(',').collect();
    let start_column = columns.iter().position(|c| *c == "interval_start").unwrap();
    let mut kept = vec![header.clone()];
    for line in &lines[1..] {
        let cells: Vec<&str> = line.split(',').collect();
        let tenant = cells[0];
        if !tenants.is_empty() && !tenants.contains(&tenant) {
            continue;
        }
        let zone = if tenant == "acme" {
            chrono_tz::America::New_York
        } else {
            chrono_tz::Europe::Berlin
        };
        let start = utc(cells[start_column]);
        if midnight(zone, from) <= start && start < midnight(zone, to) {
            kept.push(line.clone());
        }
    }
    kept
}

/// Equal row lists, or a failure listing only the rows that differ.
fn assert_same_rows(actual: &[String], expected: &[String], what: &str) {
    if actual != expected {
        let missing: Vec<&String> = expected
            .iter()
            .filter(|row| !actual.contains(row))
            .collect();
        let extra: Vec<&String> = actual
            .iter()
            .filter(|row| !expected.contains(row))
            .collect();
        panic!(
            "--by {what}: {} rows, {} expected\nmissing from kafka ({}): {:#?}\nonly from kafka ({}): {:#?}",
            actual.len(),
            expected.len(),
            missing.len(),
            &missing[..missing.len().min(15)],
            extra.len(),
            &extra[..extra.len().min(15)]
        );
    }
}

#[test]
fn a_range_read_from_kafka_reports_as_the_file_of_the_same_events_does() {
    let dir = scratch("report-range");
    let broker = Broker::start(&dir);
    create_topic(&broker.address, TOPIC, 3, &[]);
    let events = five_days();
    produce(&broker.address, TOPIC, &events);
    let mut file = Vec::new();
    for event in &events {
        json_v1::encode(event, &mut file);
        file.push(b'\n');
    }
    let input = dir.join("events.jsonl");
    std::fs::write(&input, &file).unwrap();
    let config = dir.join("callboard.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let (input, config) = (input.to_str().unwrap(), config.to_str().unwrap());
    let kafka = ["--brokers", &broker.address, "--from", "2026-10-31"];
    let kafka = [&kafka[..], &["--to", "2026-11-03", "--config", config]].concat();

    for by in ["queue", "agent"] {
        let from_file = stdout_lines(
            &report(&["--input", input, "--config", config, "--by", by]),
            "file",
        );
        let expected = rows_in_range(&from_file, "2026-10-31", "2026-11-03", &[]);
        let started = Instant::now();
        let output = report(&[&kafka[..], &["--by", by]].concat());
        let from_kafka = stdout_lines(&output, "kafka");
        eprintln!(
            "--by {by}: {} of {} file rows in range; kafka read in {:?}: {}",
            expected.len() - 1,
            from_file.len() - 1,
            started.elapsed(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
        // Both tenants have rows in the range, and some outside it: the comparison is not vacuous.
        for tenant in ["acme", "globex"] {
            let prefix = format!("{tenant},");
            assert!(
                expected.iter().any(|row| row.starts_with(&prefix)),
                "{tenant} rows"
            );
        }
        assert!(expected.len() < from_file.len(), "rows outside the range");
        assert_same_rows(&from_kafka, &expected, by);
    }

    // Daily scorecards: each day of the range is whole, so equal to the file's days in the range.
    let by_day = ["--by", "agent", "--period", "day"];
    let from_file = stdout_lines(
        &report(&[&["--input", input, "--config", config][..], &by_day].concat()),
        "file scorecards",
    );
    let days = ["2026-10-31", "2026-11-01", "2026-11-02"];
    let mut expected = vec![from_file[0].clone()];
    expected.extend(
        (from_file[1..].iter())
            .filter(|row| days.contains(&row.split(',').nth(4).unwrap()))
            .cloned(),
    );
    assert!(expected.len() > 1 && expected.len() < from_file.len());
    let from_kafka = stdout_lines(&report(&[&kafka[..], &by_day].concat()), "scorecards");
    assert_same_rows(&from_kafka, &expected, "agent --period day");

    // Restricted to one tenant.
    let from_file = stdout_lines(&report(&["--input", input, "--config", config]), "file");
    let expected = rows_in_range(&from_file, "2026-10-31", "2026-11-03", &["acme"]);
    let from_kafka = stdout_lines(
        &report(&[&kafka[..], &["--tenant", "acme"]].concat()),
        "acme",
    );
    assert_same_rows(&from_kafka, &expected, "queue --tenant acme");
    // Each of the three New York days has rows, across the month boundary.
    let acme_days: std::collections::BTreeSet<String> = (expected[1..].iter())
        .map(|row| {
            let start = utc(row.split(',').nth(2).unwrap());
            let local = chrono_tz::America::New_York
                .timestamp_millis_opt(start)
                .unwrap();
            local.date_naive().to_string()
        })
        .collect();
    assert_eq!(
        acme_days.into_iter().collect::<Vec<_>>(),
        ["2026-10-31", "2026-11-01", "2026-11-02"]
    );
}

#[test]
fn a_range_older_than_the_topics_retention_fails_naming_the_partition() {
    let dir = scratch("report-range-retention");
    let port = free_port();
    let topic = "short-lived";
    let now = wall_clock_ms();
    let broker = Broker::start_on(&dir, port);
    // One hour of retention: records stamped three hours ago go, those of ten minutes ago stay.
    create_topic(
        &broker.address,
        topic,
        1,
        &[("cleanup.policy", "delete"), ("retention.ms", "3600000")],
    );
    let queued = |at: i64, call: &str| {
        let line = format!(
            r#"{{"v":1,"type":"call.queued","time":"{}","tenant":"acme","call":"{call}","queue":"support"}}"#,
            callboard::decode::time::rfc3339(at)
        );
        callboard::decode::json_v1::decode(line.as_bytes(), &Default::default()).unwrap()
    };
    let today = chrono::DateTime::from_timestamp_millis(now)
        .unwrap()
        .date_naive();
    let tomorrow = today.succ_opt().unwrap();
    let tomorrow_at = |hour: u32| {
        let at = tomorrow.and_hms_opt(hour, 0, 0).unwrap().and_utc();
        at.timestamp_millis()
    };
    let events = [
        queued(now - 180 * MINUTE, "c1"),
        queued(now - 170 * MINUTE, "c2"),
        queued(now - 10 * MINUTE, "c3"),
        queued(tomorrow_at(0), "c4"),
        queued(tomorrow_at(6), "c5"),
    ];
    produce(&broker.address, topic, &events);
    // Garbage among tomorrow's records: counted as rejected, never a crash.
    let garbage: [&[u8]; 4] = [b"\0\xff\xfe", b"{\"v\":1,\"type\":", b"[]", b""];
    produce_raw(
        &broker.address,
        topic,
        garbage
            .iter()
            .map(|payload| (None, payload.to_vec(), tomorrow_at(3))),
    );
    // tansu applies retention in its maintenance, at start and every ten minutes: restart it.
    drop(broker);
    let broker = Broker::start_on(&dir, port);
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &broker.address)
        .set("broker.address.family", "v4")
        .create()
        .unwrap();
    let started = Instant::now();
    let low = loop {
        let (low, _) = consumer
            .fetch_watermarks(topic, 0, Duration::from_secs(10))
            .unwrap();
        if low > 0 || started.elapsed() > Duration::from_secs(30) {
            break low;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(low, 2, "tansu deleted the two records older than an hour");

    let yesterday = today.pred_opt().unwrap().to_string();
    let day_after = tomorrow.succ_opt().unwrap().to_string();
    let tomorrow = tomorrow.to_string();
    let args = [
        "--brokers",
        &broker.address,
        "--topic",
        topic,
        "--from",
        &yesterday,
        "--to",
        &tomorrow,
    ];
    let config = dir.join("callboard.toml");
    std::fs::write(
        &config,
        "[kafka.properties]\n\"broker.address.family\" = \"v4\"\n",
    )
    .unwrap();
    let output = report(&[&args[..], &["--config", config.to_str().unwrap()]].concat());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(output.stdout.is_empty());
    let kept = callboard::decode::time::rfc3339(now - 10 * MINUTE);
    let expected = format!(
        "callboard: the range starts before the topic's retention: partition 0 keeps records only from \
         {kept}, the range asked starts at {yesterday}T00:00:00.000Z"
    );
    assert_eq!(
        stderr.trim_end().lines().last(),
        Some(expected.as_str()),
        "{stderr}"
    );

    // Tomorrow's range starts after the first record kept: it is read, and only its two calls count.
    // The lead-in starts five minutes ago, after c3: the default (four hours before midnight) would
    // take c3 in when the test runs after 20:10 UTC.
    let lead_in = format!("{}ms", tomorrow_at(0) - (now - 5 * MINUTE));
    let output = report(&[
        "--brokers",
        &broker.address,
        "--topic",
        topic,
        "--from",
        &tomorrow,
        "--to",
        &day_after,
        "--lead-in",
        &lead_in,
        "--config",
        config.to_str().unwrap(),
    ]);
    let lines = stdout_lines(&output, "after retention");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("2 events applied, 4 rejected"), "{stderr}");
    let starts: Vec<&str> = (lines[1..].iter())
        .map(|row| row.split(',').nth(2).unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            format!("{tomorrow}T00:00:00Z"),
            format!("{tomorrow}T06:00:00Z")
        ],
        "{lines:?}"
    );

    // A topic that does not exist.
    let output = report(&[
        "--brokers",
        &broker.address,
        "--topic",
        "no-such-topic",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-02",
        "--config",
        config.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(66), "{stderr}");
    assert!(stderr.contains("no-such-topic"), "{stderr}");
}

#[test]
fn bad_range_flags_are_refused_before_any_broker_is_asked() {
    // Nothing listens on this port: each refusal comes from the flags alone.
    let brokers = format!("127.0.0.1:{}", free_port());
    for (args, code, says) in [
        (
            vec!["--from", "2026-11-01", "--to", "2026-11-08"],
            2,
            "--input",
        ),
        (
            vec!["--brokers", &brokers, "--from", "2026-11-01"],
            2,
            "--to",
        ),
        (
            vec![
                "--brokers",
                &brokers,
                "--from",
                "1 Nov",
                "--to",
                "2026-11-08",
            ],
            2,
            "YYYY-MM-DD",
        ),
        (
            vec![
                "--brokers",
                &brokers,
                "--from",
                "2026-11-08",
                "--to",
                "2026-11-01",
            ],
            64,
            "must be after",
        ),
        (
            vec![
                "--brokers",
                &brokers,
                "--from",
                "2026-11-01",
                "--to",
                "2026-11-01",
            ],
            64,
            "--to 2026-11-02",
        ),
        (
            vec![
                "--input",
                "-",
                "--brokers",
                &brokers,
                "--from",
                "2026-11-01",
                "--to",
                "2026-11-02",
            ],
            2,
            "cannot be used with",
        ),
        (vec!["--input", "-", "--from", "2026-11-01"], 2, "--brokers"),
        (
            vec![
                "--input",
                "-",
                "--input-format",
                "asterisk_queue_log",
                "--tenant",
                "a",
                "--tenant",
                "b",
            ],
            64,
            "give it once",
        ),
    ] {
        let output = report(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

/// `callboard simulate` with `args`, its stdout after a zero exit.
fn simulate_command(args: &[&str]) -> Vec<u8> {
    let mut command = callboard_command();
    command.arg("simulate").args(args);
    let output = command.output().expect("callboard runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "simulate: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

#[test]
fn a_simulated_day_produced_with_its_event_times_is_found_by_its_date() {
    let dir = scratch("report-range-simulated");
    let broker = Broker::start(&dir);
    create_topic(&broker.address, TOPIC, 3, &[]);
    create_topic(&broker.address, "produced-now", 1, &[]);
    let day = ["--seed", "5", "--tenant", "globex", "--hours", "24"];
    let to_kafka = [
        "--brokers",
        &broker.address,
        "--topic",
        TOPIC,
        "--stamp",
        "event",
    ];
    simulate_command(&[&day[..], &to_kafka].concat());
    let now = ["--brokers", &broker.address, "--topic", "produced-now"];
    simulate_command(&[&day[..], &now].concat());
    let input = dir.join("day.jsonl");
    std::fs::write(&input, simulate_command(&day)).unwrap();
    let config = dir.join("callboard.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let (input, config) = (input.to_str().unwrap(), config.to_str().unwrap());

    // The simulated day starts at 2026-11-23T00:00Z: Berlin's 23 November is all of it but its last hour.
    let from_file = stdout_lines(&report(&["--input", input, "--config", config]), "file");
    let expected = rows_in_range(&from_file, "2026-11-23", "2026-11-24", &[]);
    assert!(expected.len() > 50, "{} rows", expected.len());
    let range = [
        "--from",
        "2026-11-23",
        "--to",
        "2026-11-24",
        "--config",
        config,
    ];
    let kafka = ["--brokers", &broker.address, "--topic", TOPIC];
    let from_kafka = stdout_lines(&report(&[&kafka[..], &range].concat()), "event times");
    assert_same_rows(&from_kafka, &expected, "queue, simulated with event times");
    // Stamped when produced (today), the same records are not on 23 November.
    let kafka = ["--brokers", &broker.address, "--topic", "produced-now"];
    let from_kafka = stdout_lines(&report(&[&kafka[..], &range].concat()), "produced times");
    assert_eq!(from_kafka, &expected[..1], "the header alone");
}
