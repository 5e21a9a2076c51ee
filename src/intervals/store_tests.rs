use super::*;

fn queue_row(queue: &str, start: &str, offered: u64) -> Vec<u8> {
    let date = &start[..10];
    format!(
        r#"{{"schema":1,"kind":"queue","date":"{date}","tenant":"acme","queue":"{queue}","interval_start":"{start}","offered":{offered}}}"#
    )
    .into_bytes()
}

fn offered(rows: &[Arc<Value>]) -> Vec<(String, u64)> {
    (rows.iter())
        .map(|row| {
            let start = row["interval_start"].as_str().unwrap().to_string();
            (start, row["offered"].as_u64().unwrap())
        })
        .collect()
}

#[test]
fn the_newest_record_of_a_key_wins_and_a_tombstone_removes_it() {
    let store = IntervalStore::new();
    let key = "acme/queue/sales/2026-11-27T09:00:00Z";
    store
        .apply(key, Some(&queue_row("sales", "2026-11-27T09:00:00Z", 4)))
        .unwrap();
    store
        .apply(key, Some(&queue_row("sales", "2026-11-27T09:00:00Z", 5)))
        .unwrap();
    assert_eq!(store.len(), 1);
    assert_eq!(store.record(key).unwrap()["offered"], 5);
    store.apply(key, None).unwrap();
    assert!(store.record(key).is_none());
    assert!(store.is_empty());
}

#[test]
fn rows_are_those_of_the_kind_from_the_first_day_up_to_but_not_including_the_last() {
    let store = IntervalStore::new();
    let rows = [
        ("sales", "2026-11-26T23:45:00Z", 1),
        ("sales", "2026-11-27T09:15:00Z", 3),
        ("sales", "2026-11-27T09:00:00Z", 2),
        ("billing", "2026-11-27T10:00:00Z", 7),
        ("sales", "2026-11-28T00:00:00Z", 9),
    ];
    for (queue, start, count) in rows {
        let key = format!("acme/queue/{queue}/{start}");
        store
            .apply(&key, Some(&queue_row(queue, start, count)))
            .unwrap();
    }
    let day = |date: &str| "acme/queue_day/sales/".to_string() + date;
    let summary =
        br#"{"schema":1,"kind":"queue_day","date":"2026-11-27","queue":"sales","offered":5}"#;
    store.apply(&day("2026-11-27"), Some(summary)).unwrap();
    // The 27th alone: billing before sales, each by interval start; the day row is another kind.
    let got = store.rows("acme", Kind::Queue, "2026-11-27", "2026-11-28");
    assert_eq!(
        offered(&got),
        [
            ("2026-11-27T10:00:00Z".to_string(), 7),
            ("2026-11-27T09:00:00Z".to_string(), 2),
            ("2026-11-27T09:15:00Z".to_string(), 3),
        ]
    );
    assert_eq!(
        store
            .rows("acme", Kind::Queue, "2026-11-26", "2026-11-29")
            .len(),
        5
    );
    let days = store.rows("acme", Kind::QueueDay, "2026-11-27", "2026-11-28");
    assert_eq!(days.len(), 1);
    assert_eq!(days[0]["offered"], 5);
    assert!(store
        .rows("globex", Kind::Queue, "2026-11-27", "2026-11-28")
        .is_empty());
    assert!(store.knows_tenant("acme") && !store.knows_tenant("globex"));
}

#[test]
fn days_before_the_cutoff_are_dropped_and_not_taken_again() {
    let store = IntervalStore::new();
    for start in ["2026-11-25T09:00:00Z", "2026-11-26T09:00:00Z"] {
        let key = format!("acme/queue/sales/{start}");
        store
            .apply(&key, Some(&queue_row("sales", start, 1)))
            .unwrap();
    }
    store.forget_before("2026-11-26");
    assert_eq!(store.len(), 1);
    assert!(store
        .record("acme/queue/sales/2026-11-25T09:00:00Z")
        .is_none());
    let old = "acme/queue/sales/2026-11-24T09:00:00Z";
    store
        .apply(old, Some(&queue_row("sales", "2026-11-24T09:00:00Z", 1)))
        .unwrap();
    assert!(store.record(old).is_none());
    assert_eq!(store.len(), 1);
}

#[test]
fn delivery_markers_are_kept_and_found_by_tenant_and_date() {
    let store = IntervalStore::new();
    let marker =
        br#"{"schema":1,"kind":"delivery","date":"2026-11-27","sent_at":"2026-11-28T07:00:03Z"}"#;
    store
        .apply("acme/delivery/daily/2026-11-27", Some(marker))
        .unwrap();
    assert!(store.delivered("acme", "2026-11-27"));
    assert!(!store.delivered("acme", "2026-11-28"));
    assert!(!store.delivered("globex", "2026-11-27"));
    let record = store.record("acme/delivery/daily/2026-11-27").unwrap();
    assert_eq!(record["sent_at"], "2026-11-28T07:00:03Z");
}

#[test]
fn garbage_is_refused_with_its_reason_and_changes_nothing() {
    let store = IntervalStore::new();
    let key = "acme/queue/sales/2026-11-27T09:00:00Z";
    let cases: [(&[u8], RecordError); 7] = [
        (b"not json", RecordError::NotAnObject),
        (b"[1,2]", RecordError::NotAnObject),
        (
            br#"{"kind":"queue","date":"2026-11-27"}"#,
            RecordError::NoSchema,
        ),
        (
            br#"{"schema":2,"kind":"queue","date":"2026-11-27"}"#,
            RecordError::UnknownSchema(2),
        ),
        (
            br#"{"schema":1,"kind":"team","date":"2026-11-27"}"#,
            RecordError::UnknownKind,
        ),
        (
            br#"{"schema":1,"kind":"queue","date":"27/11/2026"}"#,
            RecordError::BadDate,
        ),
        (
            br#"{"schema":1,"kind":"queue","date":"2026-11-31"}"#,
            RecordError::BadDate,
        ),
    ];
    for (payload, reason) in cases {
        assert_eq!(store.apply(key, Some(payload)), Err(reason));
    }
    assert!(store.is_empty());
    // A tombstone for a key never seen, and an empty key, are harmless.
    assert_eq!(store.apply("", None), Ok(()));
    assert_eq!(
        store.apply("", Some(b"\xff\xfe")),
        Err(RecordError::NotAnObject)
    );
}

#[test]
fn a_value_is_held_when_the_newest_record_of_its_key_has_it_whatever_its_spacing() {
    let store = IntervalStore::new();
    let key = "acme/queue/sales/2026-11-27T09:00:00Z";
    store
        .apply(key, Some(&queue_row("sales", "2026-11-27T09:00:00Z", 4)))
        .unwrap();
    let same = String::from_utf8(queue_row("sales", "2026-11-27T09:00:00Z", 4)).unwrap();
    assert!(store.holds(key, &same));
    assert!(store.holds(key, &same.replace(",", ", ")));
    let other = String::from_utf8(queue_row("sales", "2026-11-27T09:00:00Z", 5)).unwrap();
    assert!(!store.holds(key, &other));
    assert!(!store.holds("acme/queue/sales/2026-11-27T09:15:00Z", &same));
    assert!(!store.holds(key, "not json"));
}
