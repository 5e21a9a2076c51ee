use super::*;

fn query(pairs: &[(&str, &str)]) -> IntervalQuery {
    let text: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    serde_urlencoded::from_str(&text.join("&")).unwrap()
}

fn days(from: &str, to: &str) -> Option<(String, String)> {
    Some((from.to_string(), to.to_string()))
}

#[test]
fn a_date_is_one_day_and_a_range_ends_before_to() {
    let one = wanted(&query(&[("date", "2026-11-27")])).unwrap();
    assert_eq!(
        one,
        Wanted {
            kind: Kind::Queue,
            days: days("2026-11-27", "2026-11-28")
        }
    );
    // The last day of a month and of a year roll over.
    let end = wanted(&query(&[("date", "2026-12-31"), ("kind", "agent_day")])).unwrap();
    assert_eq!(
        end,
        Wanted {
            kind: Kind::AgentDay,
            days: days("2026-12-31", "2027-01-01")
        }
    );
    let range = wanted(&query(&[("from", "2026-11-01"), ("to", "2026-12-01")])).unwrap();
    assert_eq!(range.days, days("2026-11-01", "2026-12-01"));
    assert_eq!(wanted(&query(&[])).unwrap().days, None);
}

#[test]
fn bad_days_and_kinds_say_what_is_wrong() {
    let problem = |pairs: &[(&str, &str)]| wanted(&query(pairs)).unwrap_err();
    assert_eq!(
        problem(&[("date", "27.11.2026")]),
        "date `27.11.2026` is not a YYYY-MM-DD date"
    );
    assert_eq!(
        problem(&[("date", "2026-02-30")]),
        "date `2026-02-30` is not a YYYY-MM-DD date"
    );
    assert_eq!(
        problem(&[("from", "2026-11-01")]),
        "from and to go together (to is the first day not included)"
    );
    assert_eq!(
        problem(&[("from", "2026-11-02"), ("to", "2026-11-02")]),
        "to (2026-11-02) must be after from (2026-11-02): to is the first day not included"
    );
    assert_eq!(
        problem(&[
            ("date", "2026-11-02"),
            ("from", "2026-11-01"),
            ("to", "2026-11-03")
        ]),
        "give either date or from and to, not both"
    );
    assert_eq!(
        problem(&[("kind", "delivery")]),
        "kind `delivery` is not queue, agent, queue_day or agent_day"
    );
}

fn queue_record(queue: &str, start: &str, offered: u64) -> Vec<u8> {
    format!(
        r#"{{"schema":1,"kind":"queue","date":"{}","tenant":"acme","queue":"{queue}","interval_start":"{start}","offered":{offered},"service_level":0.5,"asa_seconds":null}}"#,
        &start[..10]
    )
    .into_bytes()
}

fn store() -> std::sync::Arc<IntervalStore> {
    let store = IntervalStore::new();
    for (queue, start, offered) in [
        ("sales", "2026-11-26T09:00:00Z", 1),
        ("sales", "2026-11-27T09:00:00Z", 2),
        ("support", "2026-11-27T09:00:00Z", 3),
    ] {
        let key = format!("acme/queue/{queue}/{start}");
        store
            .apply(&key, Some(&queue_record(queue, start, offered)))
            .unwrap();
    }
    store
}

fn column(table: &Table, name: &str) -> Vec<Cell> {
    let at = table
        .header
        .iter()
        .position(|column| *column == name)
        .unwrap();
    table.rows.iter().map(|row| row[at].clone()).collect()
}

#[test]
fn past_rows_come_from_the_store_in_report_columns_and_today_from_the_board_over_them() {
    let store = store();
    let open = Scope::open();
    let past = table(
        &store,
        "acme",
        Kind::Queue,
        ("2026-11-26", "2026-11-27"),
        None,
        &open,
    );
    assert_eq!(past.header, QUEUE_HEADER);
    assert_eq!(past.rows.len(), 1);
    assert_eq!(column(&past, "offered"), [Cell::Count(1)]);
    assert_eq!(column(&past, "service_level"), [Cell::Number(0.5)]);
    assert_eq!(column(&past, "asa_seconds"), [Cell::Empty]);
    assert_eq!(column(&past, "handled"), [Cell::Empty]);
    // Today on the board: sales 09:00 with 5 offered (newer than the topic's 2) and 09:15 still open.
    let mut board = Table {
        header: &QUEUE_HEADER,
        rows: Vec::new(),
    };
    for (start, offered) in [("2026-11-27T09:00:00Z", 5), ("2026-11-27T09:15:00Z", 1)] {
        let mut row = vec![Cell::Empty; QUEUE_HEADER.len()];
        row[0] = Cell::Text("acme".into());
        row[1] = Cell::Text("sales".into());
        row[2] = Cell::Text(start.into());
        row[3] = Cell::Count(offered);
        board.rows.push(row);
    }
    let today = Some(("2026-11-27", &board));
    let merged = table(
        &store,
        "acme",
        Kind::Queue,
        ("2026-11-26", "2026-11-28"),
        today,
        &open,
    );
    let texts = |cells: Vec<Cell>| -> Vec<String> {
        cells.iter().map(|cell| text(cell).to_string()).collect()
    };
    assert_eq!(
        texts(column(&merged, "interval_start")),
        [
            "2026-11-26T09:00:00Z",
            "2026-11-27T09:00:00Z",
            "2026-11-27T09:15:00Z",
            "2026-11-27T09:00:00Z"
        ]
    );
    assert_eq!(
        column(&merged, "offered"),
        [
            Cell::Count(1),
            Cell::Count(5),
            Cell::Count(1),
            Cell::Count(3)
        ]
    );
    // A day before today does not take the board's rows.
    let yesterday = table(
        &store,
        "acme",
        Kind::Queue,
        ("2026-11-26", "2026-11-27"),
        today,
        &open,
    );
    assert_eq!(yesterday.rows.len(), 1);
}

#[test]
fn a_token_narrowed_to_queues_sees_only_their_rows() {
    use crate::access::Token;
    use crate::alert::rule::Glob;
    let token = Token {
        name: "support".into(),
        sha256: [0; 32],
        tenants: vec![Glob("*".into())],
        queues: vec![Glob("sup*".into())],
        teams: Vec::new(),
        reads: Vec::new(),
    };
    let scope = Scope(Some(std::sync::Arc::new(token)));
    let rows = table(
        &store(),
        "acme",
        Kind::Queue,
        ("2026-11-27", "2026-11-28"),
        None,
        &scope,
    );
    assert_eq!(column(&rows, "queue"), [Cell::Text("support".into())]);
}
