//! `callboard report` as a whole process over a realistic 1,000,000-event day, pinned to one core and
//! then to two: the goals are at least 2,000,000 events/s on one core, including reading the file, and
//! at least 1.8 times that on two (the report reads, decodes and applies on every core it is given).
//! Run: `cargo bench --bench report_run` (options after `--`: `--events N`, `--runs N`).
//!
//! The file is written once by `callboard simulate` (with disorder and one-second times, as ACDs send)
//! and kept under `target/bench-data`. Each run is timed from spawn to exit; the median is the figure.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_callboard");

struct Options {
    events: u64,
    runs: usize,
}

fn options() -> Options {
    let mut options = Options {
        events: 1_000_000,
        runs: 5,
    };
    let args: Vec<String> = std::env::args().collect();
    for pair in args.windows(2) {
        match pair[0].as_str() {
            "--events" => options.events = pair[1].parse().expect("--events takes a count"),
            "--runs" => options.runs = pair[1].parse().expect("--runs takes a count"),
            _ => {}
        }
    }
    options
}

/// The simulated day, written on first use.
fn day_file(events: u64) -> PathBuf {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&directory).expect("create target/bench-data");
    let path = directory.join(format!("day-{events}-disorder3-seconds.jsonl"));
    if !path.exists() {
        eprintln!("writing {} with callboard simulate …", path.display());
        let partial = path.with_extension("partial");
        let file = std::fs::File::create(&partial).expect("create the day file");
        let status = Command::new(BINARY)
            .args(["simulate", "--seed", "7", "--events", &events.to_string()])
            .args(["--disorder", "3", "--second-resolution"])
            .stdout(file)
            .status()
            .expect("run callboard simulate");
        assert!(status.success(), "callboard simulate failed: {status}");
        std::fs::rename(&partial, &path).expect("keep the day file");
    }
    path
}

fn lines_in(path: &Path) -> u64 {
    let bytes = std::fs::read(path).expect("read the day file");
    bytes.iter().filter(|&&byte| byte == b'\n').count() as u64
}

/// `taskset -c CORES` when the machine has it, so the process gets those cores, as the goals state.
fn pinned(cores: &str) -> Command {
    let has_taskset = Command::new("taskset")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if has_taskset {
        let mut command = Command::new("taskset");
        command.args(["-c", cores, BINARY]);
        command
    } else {
        eprintln!("taskset not found: the report runs unpinned");
        Command::new(BINARY)
    }
}

fn run_once(path: &Path, cores: &str) -> (Duration, String) {
    let started = Instant::now();
    let output = pinned(cores)
        .args(["report", "--input"])
        .arg(path)
        .args(["--interval", "15m", "--format", "csv"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("run callboard report");
    let elapsed = started.elapsed();
    assert!(
        output.status.success(),
        "callboard report failed: {}",
        output.status
    );
    (
        elapsed,
        String::from_utf8_lossy(&output.stderr).trim().to_string(),
    )
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing and only wants it to build.
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    let options = options();
    let path = day_file(options.events);
    let events = lines_in(&path);
    let size_mib = std::fs::metadata(&path).map_or(0.0, |meta| meta.len() as f64 / 1048576.0);
    let mut summary = String::new();
    let mut medians = Vec::new();
    for (cores, label) in [("0", "one core"), ("0,1", "two cores")] {
        let mut times = Vec::new();
        for run in 1..=options.runs {
            let (elapsed, stderr) = run_once(&path, cores);
            println!(
                "{label}, run {run}: {:.3} s, {:.0} events/s",
                elapsed.as_secs_f64(),
                events as f64 / elapsed.as_secs_f64()
            );
            times.push(elapsed);
            summary = stderr;
        }
        times.sort();
        let median = times[times.len() / 2].as_secs_f64();
        println!(
            "callboard report over {events} events ({size_mib:.0} MiB), {label}, {} runs: median {median:.3} s \
             = {:.0} events/s, fastest {:.3} s",
            options.runs,
            events as f64 / median,
            times[0].as_secs_f64(),
        );
        medians.push(median);
    }
    println!("report: {summary}");
    let one_core_rate = events as f64 / medians[0];
    let speedup = medians[0] / medians[1];
    println!(
        "one core {one_core_rate:.0} events/s (goal >= 2,000,000{}); two cores {speedup:.2}x one core (goal >= 1.8{})",
        if one_core_rate >= 2_000_000.0 { ", met" } else { ", BELOW GOAL" },
        if speedup >= 1.8 { ", met" } else { ", BELOW GOAL" },
    );
}
