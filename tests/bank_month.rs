//! A real bank's month through the real binary: the "Anonymous Bank" call-center log of February 1999
//! (tests/data/bank/README.md) converted to events by tests/reference/bank_to_events.py, reported by
//! `callboard report --interval 15m --format csv`, and compared cell by cell with
//! tests/reference/bank_report.py, which recomputes the same report call by call from the raw log.
//!
//! The log is real data with one-second clocks: many events share an instant, and agents answer a second
//! call while the first is still going. A valid feed like this must be applied without one rejection, and
//! every queue figure must equal the per-call recomputation.
//!
//! The log itself is public third-party data kept outside the repository: the test looks for it at
//! `$BANK_MONTH_LOG` (not `CALLBOARD_…`: the binary reads those as configuration), then in
//! tests/data/bank/, then in ../shared/data/bank/ beside the checkout, and says so and passes when none
//! has it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const LOG_FILE: &str = "anonymous_bank_1999_02.txt.gz";
/// Figures are printed with six decimals at most; two values within this are the same figure.
const TOLERANCE: f64 = 1.5e-6;

fn month_log() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("BANK_MONTH_LOG") {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "BANK_MONTH_LOG={} is no file",
            path.display()
        );
        return Some(path);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        root.join("tests/data/bank").join(LOG_FILE),
        root.join("../shared/data/bank").join(LOG_FILE),
    ]
    .into_iter()
    .find(|path| path.is_file())
}

fn reference_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(name)
}

fn succeeded(what: &str, output: Output) -> Output {
    assert!(
        output.status.success(),
        "{what} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// `(applied, rejected)` from the summary line the CLI prints on stderr.
fn summary(stderr: &str) -> (u64, u64) {
    let line = stderr
        .lines()
        .find(|line| line.starts_with("callboard: ") && line.contains(" events applied, "))
        .unwrap_or_else(|| panic!("no summary line on stderr: {stderr}"));
    let numbers: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .take(2)
        .map(|part| part.parse().unwrap())
        .collect();
    (numbers[0], numbers[1])
}

type Rows = BTreeMap<(String, String, String), Vec<String>>;

/// Report rows by (tenant, queue, interval start); the header must be the one both sides print.
fn rows(csv: &str, header: &str) -> Rows {
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(header), "report header");
    lines
        .map(|line| {
            let cells: Vec<String> = line.split(',').map(str::to_string).collect();
            assert_eq!(cells.len(), header.split(',').count(), "row {line}");
            let key = (cells[0].clone(), cells[1].clone(), cells[2].clone());
            (key, cells[3..].to_vec())
        })
        .collect()
}

fn same_cell(engine: &str, reference: &str) -> bool {
    match (engine.parse::<f64>(), reference.parse::<f64>()) {
        (Ok(a), Ok(b)) => (a - b).abs() <= TOLERANCE,
        _ => engine == reference,
    }
}

#[test]
fn a_bank_month_is_applied_whole_and_its_report_equals_a_per_call_recomputation() {
    let Some(log) = month_log() else {
        eprintln!(
            "bank_month: skipped, {LOG_FILE} is neither at $BANK_MONTH_LOG nor in tests/data/bank/ \
             nor in ../shared/data/bank/ (see tests/data/bank/README.md)"
        );
        return;
    };
    let dir = std::env::temp_dir().join(format!("callboard-bank-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let events = dir.join("events.jsonl");

    // The recomputation reads the raw log on its own, meanwhile.
    let reference = Command::new("python3")
        .arg(reference_script("bank_report.py"))
        .arg(&log)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs tests/reference/bank_report.py");
    succeeded(
        "bank_to_events.py",
        Command::new("python3")
            .arg(reference_script("bank_to_events.py"))
            .arg(&log)
            .arg("--output")
            .arg(&events)
            .output()
            .expect("python3 runs tests/reference/bank_to_events.py"),
    );
    let events_sent = std::fs::read_to_string(&events).unwrap().lines().count() as u64;
    let report = succeeded(
        "callboard report",
        Command::new(env!("CARGO_BIN_EXE_callboard"))
            .args(["report", "--input"])
            .arg(&events)
            .args(["--interval", "15m", "--format", "csv"])
            .output()
            .unwrap(),
    );
    let reference = succeeded("bank_report.py", reference.wait_with_output().unwrap());
    std::fs::remove_dir_all(&dir).ok();

    let stderr = String::from_utf8_lossy(&report.stderr);
    let (applied, rejected) = summary(&stderr);
    let reference_csv = String::from_utf8(reference.stdout).unwrap();
    let header = reference_csv.lines().next().unwrap();
    let expected = rows(&reference_csv, header);
    let actual = rows(&String::from_utf8(report.stdout).unwrap(), header);

    // A row one side lacks is an interval where it counted nothing: zeros and undefined ratios.
    let columns: Vec<&str> = header.split(',').skip(3).collect();
    let nothing: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(index, _)| if index < 7 { "0" } else { "" }.to_string())
        .collect();
    let keys: BTreeSet<_> = expected.keys().chain(actual.keys()).collect();
    let mut differing_by_column = vec![0usize; columns.len()];
    let mut examples = Vec::new();
    for key in keys {
        let engine = actual.get(key).unwrap_or(&nothing);
        let recomputed = expected.get(key).unwrap_or(&nothing);
        for (column, (a, b)) in engine.iter().zip(recomputed).enumerate() {
            if !same_cell(a, b) {
                differing_by_column[column] += 1;
                if examples.len() < 20 {
                    examples.push(format!(
                        "{} {} {}: {} engine {a:?}, per call {b:?}",
                        key.0, key.1, key.2, columns[column]
                    ));
                }
            }
        }
    }
    let differing: usize = differing_by_column.iter().sum();
    let by_column: Vec<String> = columns
        .iter()
        .zip(&differing_by_column)
        .filter(|(_, count)| **count > 0)
        .map(|(column, count)| format!("{column} {count}"))
        .collect();
    eprintln!(
        "bank_month: {events_sent} events sent, {applied} applied, {rejected} rejected; \
         {} engine rows, {} per-call rows, {differing} differing cells ({})",
        actual.len(),
        expected.len(),
        by_column.join(", ")
    );
    assert!(
        rejected == 0 && applied == events_sent && differing == 0,
        "{rejected} events rejected, {applied} of {events_sent} applied, {differing} cells differ \
         from the per-call recomputation\n{stderr}\n{}",
        examples.join("\n")
    );
}
