//! `/api/v1/tenants/{tenant}/intervals` over days: past rows from the intervals topic read back.

use super::*;

/// The board's acme (today 2026-11-23) and, in the store, a row of acme's 2026-11-22 and one of globex,
/// a tenant this instance does not own.
fn with_history() -> HttpState {
    let state = state();
    let rows = [
        ("acme", "billing", "2026-11-22T08:00:00Z", 7),
        ("globex", "support", "2026-11-22T08:00:00Z", 3),
    ];
    for (tenant, queue, start, offered) in rows {
        let value = format!(
            r#"{{"schema":1,"kind":"queue","date":"{}","tenant":"{tenant}","queue":"{queue}","interval_start":"{start}","offered":{offered},"answered":0,"service_level":null}}"#,
            &start[..10]
        );
        let key = format!("{tenant}/queue/{queue}/{start}");
        state.intervals.apply(&key, Some(value.as_bytes())).unwrap();
    }
    state
}

#[tokio::test]
async fn a_past_day_is_served_from_the_topic_in_the_report_columns() {
    let state = with_history();
    let uri = "/api/v1/tenants/acme/intervals?date=2026-11-22&format=csv";
    let (status, body) = get(&state, uri).await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], report::QUEUE_HEADER.join(","));
    // Columns the record lacks are empty.
    assert_eq!(
        lines[1],
        "acme,billing,2026-11-22T08:00:00Z,7,0,,,,,,,,,,,,,"
    );
    assert_eq!(lines.len(), 2);
    // A range from the 22nd up to, not including, the 23rd is the same day.
    let range = "/api/v1/tenants/acme/intervals?from=2026-11-22&to=2026-11-23&format=csv";
    assert_eq!(get(&state, range).await.1, body);
    // A tenant known only from the topic is served too.
    let (status, body) = get(&state, "/api/v1/tenants/globex/intervals?date=2026-11-22").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json_of(body.lines().next().unwrap())["offered"], 3);
}

#[tokio::test]
async fn bad_days_and_unknown_tenants_are_clear_errors() {
    let state = with_history();
    let (status, body) = get(&state, "/api/v1/tenants/acme/intervals?date=2026-13-01").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(&body)["error"],
        "date `2026-13-01` is not a YYYY-MM-DD date"
    );
    let (status, body) = get(&state, "/api/v1/tenants/acme/intervals?kind=team").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("kind `team`"), "{body}");
    let (status, _) = get(&state, "/api/v1/tenants/nobody/intervals?date=2026-11-22").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Today is served by the instance that owns the tenant only.
    let (status, _) = get(&state, "/api/v1/tenants/globex/intervals").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
