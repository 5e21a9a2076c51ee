use super::*;
use crate::report::QUEUE_HEADER;

/// A queue row in `QUEUE_HEADER` order; the figures not summed are left empty.
#[allow(clippy::too_many_arguments)]
fn row(
    queue: &str,
    start: &str,
    offered: u64,
    answered: u64,
    within: u64,
    abandoned: u64,
    short: u64,
    dequeued: u64,
    handled: u64,
    aht: Option<f64>,
) -> Vec<Cell> {
    let mut cells = vec![
        Cell::Text("acme".into()),
        Cell::Text(queue.into()),
        Cell::Text(start.into()),
        Cell::Count(offered),
        Cell::Count(answered),
        Cell::Count(within),
        Cell::Count(abandoned),
        Cell::Count(short),
        Cell::Count(dequeued),
        Cell::Count(handled),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        aht.into(),
    ];
    cells.resize(QUEUE_HEADER.len(), Cell::Empty);
    cells
}

fn day(formulas: BTreeMap<String, ServiceLevelFormula>) -> DayReport {
    DayReport {
        tenant: "acme".into(),
        date: "2026-11-30".parse().unwrap(),
        queues: Table {
            header: &QUEUE_HEADER,
            rows: vec![
                row(
                    "sales",
                    "2026-11-30T08:00:00Z",
                    10,
                    8,
                    6,
                    2,
                    1,
                    0,
                    8,
                    Some(120.0),
                ),
                row(
                    "sales",
                    "2026-11-30T08:15:00Z",
                    5,
                    5,
                    5,
                    0,
                    0,
                    0,
                    4,
                    Some(90.0),
                ),
                row(
                    "support",
                    "2026-11-30T08:00:00Z",
                    4,
                    2,
                    1,
                    1,
                    0,
                    1,
                    2,
                    Some(300.0),
                ),
            ],
        },
        scorecards: Table {
            header: &crate::report::AGENT_HEADER,
            rows: Vec::new(),
        },
        formulas,
        default_formula: ServiceLevelFormula::AbandonsCountAgainst,
    }
}

fn close(actual: Option<f64>, expected: f64) {
    let actual = actual.expect("defined");
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

#[test]
fn headlines_sum_the_rows_of_each_queue_and_of_all() {
    let summary = summarize(&day(BTreeMap::new()));
    let [sales, support] = summary.queues.as_slice() else {
        panic!("two queues: {:?}", summary.queues)
    };
    // sales: 15 offered, 13 answered, 11 within, 2 abandoned (1 short): 11 / (13 + 2 - 1).
    assert_eq!((sales.offered, sales.answered), (15, 13));
    close(sales.service_level, 11.0 / 14.0);
    close(sales.abandon_rate, 2.0 / 15.0);
    // (120 s x 8 + 90 s x 4) / 12 handled.
    close(sales.aht_seconds, 110.0);
    // support: 1 within of 2 answered + 1 abandoned; 1 abandoned of 2 + 1 + 1 dequeued.
    close(support.service_level, 1.0 / 3.0);
    close(support.abandon_rate, 0.25);
    close(support.aht_seconds, 300.0);
    let total = &summary.total;
    assert_eq!(total.queue, None);
    assert_eq!((total.offered, total.answered), (19, 15));
    close(total.service_level, 12.0 / 17.0);
    close(total.abandon_rate, 3.0 / 19.0);
    close(total.aht_seconds, 1920.0 / 14.0);
}

#[test]
fn a_formula_the_rows_cannot_give_is_left_out_and_mixed_formulas_leave_the_total_out() {
    let formulas = BTreeMap::from([("support".to_string(), ServiceLevelFormula::AllOutcomes)]);
    let summary = summarize(&day(formulas));
    // all_outcomes: 1 within / (2 + 1 + 1 - 0).
    close(summary.queues[1].service_level, 0.25);
    assert_eq!(summary.total.service_level, None);
    let formulas = BTreeMap::from([(
        "sales".to_string(),
        ServiceLevelFormula::AbandonsIgnoredWithinThreshold,
    )]);
    assert_eq!(summarize(&day(formulas)).queues[0].service_level, None);
}

#[test]
fn the_mail_names_the_day_and_shows_every_queue_and_the_total() {
    let mail = mail(&day(BTreeMap::new()));
    assert_eq!(mail.subject, "callboard daily report: acme, 2026-11-30");
    let expected = "\
Daily report for acme, Monday 30 November 2026.

queue        offered  answered  service level  abandon rate       AHT
sales             15        13          78.6%         13.3%    1m 50s
support            4         2          33.3%         25.0%    5m 00s
all queues        19        15          70.6%         15.8%    2m 17s

Attached: queues-2026-11-30.csv, scorecards-2026-11-30.csv (each report interval of each queue; each agent's figures).
";
    assert_eq!(mail.body, expected);
    let names: Vec<&str> = mail
        .attachments
        .iter()
        .map(|file| file.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["queues-2026-11-30.csv", "scorecards-2026-11-30.csv"]
    );
    let queues = String::from_utf8(mail.attachments[0].csv.clone()).unwrap();
    let mut lines = queues.lines();
    assert_eq!(lines.next(), Some(QUEUE_HEADER.join(",").as_str()));
    assert_eq!(
        lines.next(),
        Some("acme,sales,2026-11-30T08:00:00Z,10,8,6,2,1,0,8,,,,120,,,,")
    );
    assert_eq!(lines.count(), 2);
    assert_eq!(
        String::from_utf8(mail.attachments[1].csv.clone()).unwrap(),
        format!("{}\n", crate::report::AGENT_HEADER.join(","))
    );
}

#[test]
fn an_empty_day_says_so_and_has_no_figures() {
    let mut empty = day(BTreeMap::new());
    empty.queues.rows.clear();
    let summary = summarize(&empty);
    assert!(summary.queues.is_empty());
    assert_eq!(summary.total.offered, 0);
    assert_eq!(summary.total.service_level, None);
    assert!(mail(&empty)
        .body
        .contains("No calls were counted on this day."));
}

#[test]
fn rows_of_the_wrong_shape_are_skipped_without_panicking() {
    let mut odd = day(BTreeMap::new());
    odd.queues
        .rows
        .push(vec![Cell::Count(3); QUEUE_HEADER.len()]);
    odd.queues.rows.push(vec![Cell::Empty; QUEUE_HEADER.len()]);
    assert_eq!(summarize(&odd).total.offered, 19);
}

mod garbage {
    use proptest::prelude::*;

    use super::super::*;
    use crate::deliver::chat::{summary_payload, ChatFormat};
    use crate::report::QUEUE_HEADER;

    fn any_cell() -> impl Strategy<Value = Cell> {
        prop_oneof![
            ".{0,12}".prop_map(Cell::Text),
            any::<u64>().prop_map(Cell::Count),
            any::<f64>().prop_map(Cell::Number),
            Just(Cell::Empty),
        ]
    }

    proptest! {
        /// Rows of any length and any cells (huge counts, NaN, infinities) never panic the summary,
        /// the mail or the chat payloads.
        #[test]
        fn any_rows_give_a_mail_and_payloads(rows in prop::collection::vec(prop::collection::vec(any_cell(), 0..20), 0..8)) {
            let day = DayReport {
                tenant: "acme".into(),
                date: "2026-11-30".parse().unwrap(),
                queues: Table { header: &QUEUE_HEADER, rows },
                scorecards: Table { header: &QUEUE_HEADER, rows: Vec::new() },
                formulas: BTreeMap::new(),
                default_formula: ServiceLevelFormula::AbandonsCountAgainst,
            };
            let mail = mail(&day);
            prop_assert!(mail.body.starts_with("Daily report for acme"));
            let summary = summarize(&day);
            for format in [ChatFormat::Json, ChatFormat::Slack, ChatFormat::Teams] {
                let _ = summary_payload(format, &summary).to_string();
            }
        }
    }
}
