use super::*;
use crate::center::settings::CenterSettings;
use crate::center::Center;
use crate::decode::{json_v1, DecodeLimits};

fn at(text: &str) -> Millis {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp_millis()
}

/// One agent on `sales` from 09:00 UTC: c1 waits 30 s, talks 4 min 30 s and wraps up a minute
/// (completed 09:11); c2 abandons at 09:20:10 after 10 s. Nothing after.
fn center() -> Center {
    let settings = CenterSettings {
        keep_agent_intervals: true,
        interval_retention_days: None,
        ..CenterSettings::default()
    };
    let mut center = Center::new("acme".into(), settings);
    let lines = [
        r#"{"type":"agent.login","time":"2026-11-27T09:00:00Z","tenant":"acme","agent":"a1","queues":["sales"]}"#,
        r#"{"type":"agent.state","time":"2026-11-27T09:00:00Z","tenant":"acme","agent":"a1","state":"available"}"#,
        r#"{"type":"call.queued","time":"2026-11-27T09:05:00Z","tenant":"acme","call":"c1","queue":"sales"}"#,
        r#"{"type":"call.answered","time":"2026-11-27T09:05:30Z","tenant":"acme","call":"c1","queue":"sales","agent":"a1"}"#,
        r#"{"type":"call.ended","time":"2026-11-27T09:10:00Z","tenant":"acme","call":"c1","agent":"a1"}"#,
        r#"{"type":"call.completed","time":"2026-11-27T09:11:00Z","tenant":"acme","call":"c1","agent":"a1"}"#,
        r#"{"type":"call.queued","time":"2026-11-27T09:20:00Z","tenant":"acme","call":"c2","queue":"sales"}"#,
        r#"{"type":"call.abandoned","time":"2026-11-27T09:20:10Z","tenant":"acme","call":"c2","queue":"sales"}"#,
    ];
    let mut rejections = Vec::new();
    for (tag, line) in lines.iter().enumerate() {
        let event = json_v1::decode(line.as_bytes(), &DecodeLimits::default()).unwrap();
        center.ingest(event, tag as u64, &mut rejections);
    }
    center.flush(&mut rejections);
    assert!(rejections.is_empty());
    center
}

/// Closed up to `closing`, with the floor complete from its first event, events (as if) up to there.
fn until(closing: Millis) -> Closed {
    Closed {
        complete_from: Millis::MIN,
        closing,
        events_until: closing,
    }
}

/// The records of [`center`]'s floor closed up to `closing`, with the default settings.
fn records_until(closing: Millis) -> Vec<Record> {
    let center = center();
    let (floor, _) = center.projection();
    closed_records("acme", &floor, &CenterSettings::default(), until(closing))
}

fn values(records: &[Record]) -> BTreeMap<String, serde_json::Value> {
    (records.iter())
        .map(|record| {
            let value = serde_json::from_str(&record.value).unwrap();
            (record.key.clone(), value)
        })
        .collect()
}

#[test]
fn intervals_ended_by_the_closing_instant_give_the_report_rows() {
    let records = records_until(at("2026-11-27T09:30:00Z"));
    let keys: Vec<&str> = records.iter().map(|r| r.key.as_str()).collect();
    // 09:30 has not ended; the day has not: no day rows.
    assert_eq!(
        keys,
        [
            "acme/queue/sales/2026-11-27T09:00:00Z",
            "acme/queue/sales/2026-11-27T09:15:00Z",
            "acme/agent/a1/2026-11-27T09:00:00Z",
            "acme/agent/a1/2026-11-27T09:15:00Z",
        ]
    );
    // Worked by hand: c2 offered and abandoned after 10 s, nothing answered.
    assert_eq!(
        records[1].value,
        r#"{"schema":1,"kind":"queue","date":"2026-11-27","tenant":"acme","queue":"sales","interval_start":"2026-11-27T09:15:00Z","offered":1,"answered":0,"answered_within_threshold":0,"abandoned":1,"short_abandoned":0,"dequeued":0,"handled":0,"service_level":0,"abandon_rate":1,"asa_seconds":null,"aht_seconds":null,"avg_talk_seconds":null,"avg_hold_seconds":null,"avg_wrap_up_seconds":null,"max_wait_seconds":10}"#
    );
    let values = values(&records);
    let first = &values["acme/queue/sales/2026-11-27T09:00:00Z"];
    assert_eq!(first["answered"], 1);
    assert_eq!(first["answered_within_threshold"], 0);
    assert_eq!(first["asa_seconds"], 30);
    assert_eq!(first["aht_seconds"], 330); // 270 s talk + 60 s wrap-up
                                           // a1 09:00–09:15: available 330 + 240 s, talk 270 s, wrap-up 60 s; occupancy 330 / 900.
    let agent = &values["acme/agent/a1/2026-11-27T09:00:00Z"];
    assert_eq!(agent["kind"], "agent");
    assert_eq!(agent["handled"], 1);
    assert_eq!(agent["available_seconds"], 570);
    assert_eq!(agent["talk_seconds"], 270);
    assert_eq!(agent["wrap_up_seconds"], 60);
    assert_eq!(agent["logged_in_seconds"], 900);
    assert_eq!(agent["occupancy"], 0.366667);
    // 09:15–09:30: still available since 09:11, with no event since: credited up to the close.
    let idle = &values["acme/agent/a1/2026-11-27T09:15:00Z"];
    assert_eq!(idle["available_seconds"], 900);
    assert_eq!(idle["occupancy"], 0);
}

#[test]
fn a_closed_day_gives_summaries_with_ratios_of_the_sums() {
    let records = records_until(at("2026-11-28T00:00:00Z"));
    let values = values(&records);
    let day = &values["acme/queue_day/sales/2026-11-27"];
    assert_eq!(day["kind"], "queue_day");
    assert_eq!(day["date"], "2026-11-27");
    assert_eq!(day["interval_start"], "2026-11-27T00:00:00Z");
    assert_eq!(day["offered"], 2);
    assert_eq!(day["abandoned"], 1);
    // 0 in time of 1 answered + 1 abandoned; 1 abandoned of 2; the longest wait 30 s.
    assert_eq!(day["service_level"], 0);
    assert_eq!(day["abandon_rate"], 0.5);
    assert_eq!(day["max_wait_seconds"], 30);
    // a1 logged in 09:00–24:00 = 54 000 s, 330 s of it busy: occupancy 330 / 54 000.
    let agent = &values["acme/agent_day/a1/2026-11-27"];
    assert_eq!(agent["logged_in_seconds"], 54_000);
    assert_eq!(agent["available_seconds"], 53_670);
    assert_eq!(agent["handled"], 1);
    assert_eq!(agent["occupancy"], 0.006111);
    // 60 agent intervals from 09:00 to 24:00, two queue intervals, and the two day rows.
    assert_eq!(records.len(), 60 + 2 + 2);
}

#[test]
fn a_floor_without_agent_intervals_gives_queue_rows_only() {
    let mut center = Center::new("acme".into(), CenterSettings::default());
    let line = r#"{"type":"call.queued","time":"2026-11-27T09:05:00Z","tenant":"acme","call":"c1","queue":"sales"}"#;
    let event = json_v1::decode(line.as_bytes(), &DecodeLimits::default()).unwrap();
    center.ingest(event, 0, &mut Vec::new());
    center.flush(&mut Vec::new());
    let (floor, _) = center.projection();
    let records = closed_records(
        "acme",
        &floor,
        &CenterSettings::default(),
        until(at("2026-11-27T09:15:00Z")),
    );
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].key, "acme/queue/sales/2026-11-27T09:00:00Z");
    // Before the interval ends, nothing.
    assert!(closed_records(
        "acme",
        &floor,
        &CenterSettings::default(),
        until(at("2026-11-27T09:14:59Z"))
    )
    .is_empty());
}

#[test]
fn agent_intervals_are_dropped_with_the_queue_intervals_of_days_not_kept() {
    let settings = CenterSettings {
        keep_agent_intervals: true,
        interval_retention_days: Some(1),
        closed_intervals: true,
        ..CenterSettings::default()
    };
    let mut center = Center::new("acme".into(), settings);
    let lines = [
        r#"{"type":"agent.login","time":"2026-11-27T09:00:00Z","tenant":"acme","agent":"a1","queues":["sales"]}"#,
        r#"{"type":"call.queued","time":"2026-11-27T09:05:00Z","tenant":"acme","call":"c1","queue":"sales"}"#,
        r#"{"type":"agent.logout","time":"2026-11-27T09:20:00Z","tenant":"acme","agent":"a1"}"#,
        // Two days on: the 27th is neither today nor yesterday.
        r#"{"type":"call.queued","time":"2026-11-29T09:05:00Z","tenant":"acme","call":"c2","queue":"sales"}"#,
    ];
    for (tag, line) in lines.iter().enumerate() {
        let event = json_v1::decode(line.as_bytes(), &DecodeLimits::default()).unwrap();
        center.ingest(event, tag as u64, &mut Vec::new());
    }
    center.flush(&mut Vec::new());
    let (floor, _) = center.projection();
    let records = closed_records(
        "acme",
        &floor,
        &CenterSettings::default(),
        until(at("2026-11-30T00:00:00Z")),
    );
    let keys: Vec<&str> = records.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "acme/queue/sales/2026-11-29T09:00:00Z",
            "acme/queue_day/sales/2026-11-29"
        ]
    );
}

#[test]
fn intervals_and_days_begun_before_the_floor_is_complete_are_not_closed_records() {
    let center = center();
    let (floor, _) = center.projection();
    // As if the run read its partition from 09:10: the 09:00 interval and the day may lack events.
    let closed = Closed {
        complete_from: at("2026-11-27T09:10:00Z"),
        ..until(at("2026-11-28T00:00:00Z"))
    };
    let records = closed_records("acme", &floor, &CenterSettings::default(), closed);
    let keys: Vec<&str> = records.iter().map(|r| r.key.as_str()).take(2).collect();
    assert_eq!(
        keys,
        [
            "acme/queue/sales/2026-11-27T09:15:00Z",
            "acme/agent/a1/2026-11-27T09:15:00Z"
        ]
    );
    // The agent's intervals 09:15 to 24:00 and the queue's 09:15: no day rows.
    assert_eq!(records.len(), 59 + 1);
}

#[test]
fn time_in_a_state_is_credited_up_to_the_latest_event_not_past_it() {
    let center = center();
    let (floor, _) = center.projection();
    // Closed by the wall clock at 10:00, the last event at 09:20:10: a1 is available from 09:11, so
    // 09:15 holds 5 min 10 s and nothing after it is known.
    let closed = Closed {
        events_until: at("2026-11-27T09:20:10Z"),
        ..until(at("2026-11-27T10:00:00Z"))
    };
    let values = values(&closed_records(
        "acme",
        &floor,
        &CenterSettings::default(),
        closed,
    ));
    let agent_rows: Vec<&String> = values
        .keys()
        .filter(|key| key.contains("/agent/"))
        .collect();
    assert_eq!(agent_rows.len(), 2);
    let last = &values["acme/agent/a1/2026-11-27T09:15:00Z"];
    assert_eq!(last["available_seconds"], 310);
}

#[test]
fn every_value_holds_schema_kind_and_date_then_the_reports_columns_in_order() {
    let records = records_until(at("2026-11-28T00:00:00Z"));
    let kinds: Vec<&str> = (records.iter())
        .map(|record| record.key.split('/').nth(1).unwrap())
        .collect();
    for kind in ["queue", "queue_day", "agent", "agent_day"] {
        assert!(kinds.contains(&kind), "no {kind} record");
    }
    for record in &records {
        let value: serde_json::Value = serde_json::from_str(&record.value).unwrap();
        let kind = value["kind"].as_str().unwrap();
        let columns: &[&str] = match kind {
            "agent" => &AGENT_HEADER,
            "agent_day" => &SCORECARD_HEADER,
            _ => &QUEUE_HEADER,
        };
        let keys: Vec<&str> = ["schema", "kind", "date"]
            .iter()
            .chain(columns)
            .copied()
            .collect();
        assert_eq!(value["schema"], SCHEMA);
        assert_eq!(Some(kind), record.key.split('/').nth(1));
        let object = value.as_object().unwrap();
        assert_eq!(object.len(), keys.len(), "{}", record.value);
        // In header order: each key's quoted name comes after the one before it.
        let places: Vec<usize> = (keys.iter())
            .map(|key| record.value.find(&format!("\"{key}\":")).unwrap())
            .collect();
        assert!(places.is_sorted(), "{}", record.value);
    }
}
