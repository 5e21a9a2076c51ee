//! The real `callboard` binary: `report` over a scenario salted with garbage, `replay`, `check-config`
//! and a missing input, with exit codes, stdout and the stderr summary compared with values worked out
//! by hand (the scenario's figures are worked in `tests/scenarios.rs`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The queue report header, copied from `spec/metrics.md`.
const SPEC_QUEUE_HEADER: &str = "tenant,queue,interval_start,offered,answered,answered_within_threshold,abandoned,short_abandoned,dequeued,handled,service_level,abandon_rate,asa_seconds,aht_seconds,avg_talk_seconds,avg_hold_seconds,avg_wrap_up_seconds,max_wait_seconds";

/// service_level.jsonl's one row, as worked out in `tests/scenarios.rs`: offered 10, answered 4 (3
/// within 20 s), abandoned 5 (1 short), dequeued 1, handled 4; service level 3 / (4 + 5 − 1) = 0.375,
/// abandon rate 5 / 10, ASA 65 / 4, AHT 620 / 4, talk 510 / 4, hold 30 / 4, wrap-up 80 / 4, max wait 40.
const SERVICE_LEVEL_ROW: &str =
    "acme,billing,2026-11-23T09:00:00Z,10,4,3,5,1,1,4,0.375,0.5,16.25,155,127.5,7.5,20,40";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn scenario(file: &str) -> PathBuf {
    root().join("tests/scenarios").join(file)
}

/// Runs the binary in the crate root with `stdin` piped in, without any `CALLBOARD_` override or log
/// filter the caller's environment may hold.
fn callboard(args: &[&str], stdin: &[u8]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_callboard"));
    command
        .args(args)
        .current_dir(root())
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, _) in std::env::vars() {
        if name.starts_with("CALLBOARD_") {
            command.env_remove(name);
        }
    }
    let mut child = command.spawn().expect("callboard starts");
    let mut pipe = child.stdin.take().expect("stdin piped");
    let input = stdin.to_vec();
    // Written from another thread so a child that writes while it reads cannot deadlock with us.
    let writer = std::thread::spawn(move || pipe.write_all(&input));
    let output = child.wait_with_output().expect("callboard runs");
    writer.join().unwrap().expect("stdin written");
    output
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The one summary line of `report` and `replay` on stderr.
/// `callboard report` with `args`, which must succeed: its rows (without the header) and summary line.
fn report_rows(args: &[&str]) -> (Vec<String>, String) {
    let output = callboard(args, b"");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let rows = text(&output.stdout)
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect();
    (rows, summary(&output))
}

fn summary(output: &Output) -> String {
    let stderr = text(&output.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("events applied"))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    lines[0].to_string()
}

// service_level.jsonl (30 valid events, one tenant) with, between its lines:
//   a truncated JSON object and binary bytes → malformed_json 2; an unknown type → unknown_type 1;
//   a time of "yesterday" → bad_time 1; a well-formed call.queued padded past 64 KiB → too_large 1
//   (it would add an offer if it got through); line 6 sent twice → duplicate 1 (same id);
//   an empty and a whitespace-only line → skipped, not counted (events.md rejects messages; a blank line
//   is none).
// So: 30 applied, 6 rejected, and the report is the scenario's alone.
#[test]
fn report_of_a_feed_with_garbage_equals_the_clean_report() {
    let clean = std::fs::read(scenario("service_level.jsonl")).unwrap();
    let lines: Vec<&[u8]> = clean
        .split(|&byte| byte == b'\n')
        .filter(|line| !line.is_empty())
        .collect();
    assert_eq!(lines.len(), 30);
    let oversize = format!(
        r#"{{"type":"call.queued","time":"2026-11-23T09:05:00Z","tenant":"acme","id":"big","call":"big","queue":"billing","pad":"{}"}}"#,
        "x".repeat(70_000)
    );
    assert!(oversize.len() > 64 * 1024);
    let garbage: [(usize, Vec<u8>); 8] = [
        (0, br#"{"type": "call.queued", "time": "2026-11-23T09:00:00Z", "tenant": "acme", "call": "#.to_vec()),
        (5, lines[5].to_vec()),
        (8, b"\x00\xff\xfe\x01\x80garbage\x7f".to_vec()),
        (12, br#"{"type":"call.teleported","time":"2026-11-23T09:03:00Z","tenant":"acme","call":"z2"}"#.to_vec()),
        (17, Vec::new()),
        (20, br#"{"type":"call.queued","time":"yesterday","tenant":"acme","call":"z3","queue":"billing"}"#.to_vec()),
        (24, b" \t ".to_vec()),
        (27, oversize.into_bytes()),
    ];
    let mut input = Vec::new();
    for (number, line) in lines.iter().enumerate() {
        input.extend_from_slice(line);
        input.push(b'\n');
        for (after, bad) in &garbage {
            if *after == number {
                input.extend_from_slice(bad);
                input.push(b'\n');
            }
        }
    }
    let args = [
        "report",
        "--input",
        "-",
        "--interval",
        "15m",
        "--format",
        "csv",
    ];
    let salted = callboard(&args, &input);
    assert_eq!(salted.status.code(), Some(0), "{}", text(&salted.stderr));
    assert_eq!(
        text(&salted.stdout),
        format!("{SPEC_QUEUE_HEADER}\n{SERVICE_LEVEL_ROW}\n")
    );
    assert_eq!(
        summary(&salted),
        "callboard: 30 events applied, 6 rejected (malformed_json 2, unknown_type 1, bad_time 1, too_large 1, duplicate 1)"
    );

    let plain = callboard(&args, &clean);
    assert_eq!(plain.status.code(), Some(0));
    assert_eq!(plain.stdout, salted.stdout);
    assert_eq!(summary(&plain), "callboard: 30 events applied, 0 rejected");
}

fn close(value: &serde_json::Value, expected: f64) {
    let actual = value
        .as_f64()
        .unwrap_or_else(|| panic!("{value} is a number"));
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

// replay prints the snapshot at the latest event time, 09:11:50 (c9's completion). Queue figures as in
// SERVICE_LEVEL_ROW; the 15m window (08:56:50, 09:11:50] holds every event, so its sums are
// answered waits 10 + 30 + 5 + 20 = 65 s, abandoned waits 3 + 40 + 15 + 8 + 5 = 71 s, talk 510 s,
// hold 30 s, wrap-up 80 s, and arrival rate 10 calls / 0.25 h = 40 per hour.
// a1 (no agent events: logged in from its first answer, 09:00:10, available between calls):
//   talk 09:00:10–09:01:00 and 09:01:30–09:03:10 = 50 + 100, hold 30, wrap-up 09:03:10–09:03:40 = 30,
//   available 09:03:40–09:06:05 = 145, talk 09:06:05–09:08:05 = 120, available 09:08:05–09:11:50 = 225
//   → session: available 370, talk 270, hold 30, wrap-up 30, logged in 700 s; handled 2 (c1 210 s,
//   c7 120 s): AHT 165; occupancy (270 + 30 + 30) / (330 + 370) = 33 / 70.
#[test]
fn replay_prints_the_final_snapshot_as_json() {
    let path = scenario("service_level.jsonl");
    let output = callboard(&["replay", "--input", path.to_str().unwrap()], b"");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(summary(&output), "callboard: 30 events applied, 0 rejected");
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let tenants = document["tenants"].as_array().unwrap();
    assert_eq!(tenants.len(), 1);
    let acme = &tenants[0];
    assert_eq!(acme["tenant"], "acme");
    assert_eq!(acme["now"], "2026-11-23T09:11:50.000Z");
    assert_eq!(acme["day_start"], "2026-11-23T00:00:00.000Z");
    assert_eq!(acme["events"]["applied"], 30);
    assert_eq!(acme["events"]["rejected"], 0);
    assert_eq!(acme["events"]["calls_in_flight"], 0);

    let billing = &acme["queues"][0];
    assert_eq!(billing["queue"], "billing");
    assert_eq!(billing["calls_waiting"], 0);
    assert_eq!(billing["service_level_formula"], "abandons_count_against");
    let window = billing["windows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|window| window["window"] == "15m")
        .expect("15m window");
    let counts = &window["counts"];
    for (name, expected) in [
        ("offered", 10),
        ("answered", 4),
        ("answered_within_threshold", 3),
        ("abandoned", 5),
        ("short_abandoned", 1),
        ("abandoned_within_threshold", 4),
        ("dequeued", 1),
        ("handled", 4),
        ("wait_answered_ms", 65_000),
        ("wait_abandoned_ms", 71_000),
        ("talk_ms", 510_000),
        ("hold_ms", 30_000),
        ("wrap_up_ms", 80_000),
        ("max_wait_ms", 40_000),
    ] {
        assert_eq!(counts[name], expected, "{name}");
    }
    close(&window["service_level"], 0.375);
    close(&window["abandon_rate"], 0.5);
    close(&window["asa_seconds"], 16.25);
    close(&window["average_abandon_seconds"], 14.2);
    close(&window["aht_seconds"], 155.0);
    close(&window["arrival_rate_per_hour"], 40.0);

    let a1 = acme["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|agent| agent["agent"] == "a1")
        .expect("a1");
    assert_eq!(a1["session_start"], "2026-11-23T09:00:10.000Z");
    let session = a1["windows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|window| window["window"] == "session")
        .expect("session");
    for (name, expected) in [
        ("available_ms", 370_000),
        ("talk_ms", 270_000),
        ("hold_ms", 30_000),
        ("wrap_up_ms", 30_000),
        ("not_ready_ms", 0),
        ("logged_in_ms", 700_000),
    ] {
        assert_eq!(session["times"][name], expected, "{name}");
    }
    assert_eq!(session["handled"], 2);
    close(&session["aht_seconds"], 165.0);
    close(&session["occupancy"], 33.0 / 70.0);
}

#[test]
fn check_config_accepts_the_example_and_names_file_field_and_problem() {
    let good = callboard(&["check-config", "config/callboard.toml"], b"");
    assert_eq!(good.status.code(), Some(0), "{}", text(&good.stderr));
    assert!(
        text(&good.stdout).starts_with("config/callboard.toml: ok\n"),
        "{}",
        text(&good.stdout)
    );

    let directory = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-check-config");
    std::fs::create_dir_all(&directory).unwrap();
    // (file contents, the field named, a phrase of the problem)
    let bad = [
        (
            "[engine]\nmax_message_bytes = 100\n",
            "engine.max_message_bytes",
            "at least 256",
        ),
        (
            "[queue_defaults]\ntreshold = \"20s\"\n",
            "queue_defaults.treshold",
            "unknown field",
        ),
        (
            "[queue_defaults]\nthreshold = \"soon\"\n",
            "queue_defaults.threshold",
            "not a duration",
        ),
    ];
    for (index, (contents, field, problem)) in bad.into_iter().enumerate() {
        let file = directory.join(format!("bad-{index}.toml"));
        std::fs::write(&file, contents).unwrap();
        let output = callboard(&["check-config", file.to_str().unwrap()], b"");
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(64), "{stderr}");
        let line = stderr
            .lines()
            .find(|line| line.contains(field))
            .unwrap_or_else(|| panic!("{field} named in {stderr}"));
        assert!(line.contains(file.to_str().unwrap()), "{line}");
        assert!(line.contains(problem), "{line}");
        assert!(output.stdout.is_empty());
    }
}

// cli.rs documents exit 66 for input that cannot be read.
#[test]
fn a_missing_input_file_is_a_clear_error_with_exit_66() {
    let missing = root().join("tests/scenarios/no-such-file.jsonl");
    for command in ["report", "replay"] {
        let output = callboard(&[command, "--input", missing.to_str().unwrap()], b"");
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(66), "{stderr}");
        assert!(
            stderr.contains(&format!("cannot open input {}", missing.display())),
            "{stderr}"
        );
        assert!(stderr.contains("No such file"), "{stderr}");
        assert!(output.stdout.is_empty());
    }
}

/// One call on queue billing: queued and answered by a1 at 09:00:00, conversation over at 09:02:00, no
/// `call.completed`; a1 is available again at 09:03:00.
const WITHOUT_COMPLETION: &str = r#"{"type":"agent.login","time":"2026-11-23T08:59:00Z","tenant":"acme","agent":"a1","queues":["billing"],"id":"n1"}
{"type":"agent.state","time":"2026-11-23T08:59:00Z","tenant":"acme","agent":"a1","state":"available","id":"n2"}
{"type":"call.queued","time":"2026-11-23T09:00:00Z","tenant":"acme","call":"c1","queue":"billing","id":"n3"}
{"type":"call.answered","time":"2026-11-23T09:00:00Z","tenant":"acme","call":"c1","queue":"billing","agent":"a1","id":"n4"}
{"type":"call.ended","time":"2026-11-23T09:02:00Z","tenant":"acme","call":"c1","agent":"a1","id":"n5"}
{"type":"agent.state","time":"2026-11-23T09:03:00Z","tenant":"acme","agent":"a1","state":"available","id":"n6"}
"#;

/// WITHOUT_COMPLETION's 09:00 row when the feed sends completions: offered 1, answered 1 (after 0 s,
/// within the threshold), nothing abandoned, handled 0 (the call is still in wrap-up, waiting for its
/// completion): service level 1 / 1, abandon rate 0 / 1, ASA 0 / 1, AHT and averages undefined, max wait 0.
const COMPLETIONS_SENT_ROW: &str = "acme,billing,2026-11-23T09:00:00Z,1,1,1,0,0,0,0,1,0,0,,,,,0";

/// The same with completions absent: a1's next agent.state (09:03:00) ends the handle, so handled 1 with
/// talk 09:00:00–09:02:00 = 120 s, hold 0, wrap-up 09:02:00–09:03:00 = 60 s: AHT 180 s.
const COMPLETIONS_ABSENT_ROW: &str =
    "acme,billing,2026-11-23T09:00:00Z,1,1,1,0,0,0,1,1,0,0,180,120,0,60,0";

/// `report` of `input` on stdin with `flags`: its CSV, after checking that nothing was rejected.
fn queue_report(flags: &[&str], input: &str) -> String {
    let args = [&["report", "--input", "-"], flags].concat();
    let output = callboard(&args, input.as_bytes());
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        summary(&output).ends_with(" 0 rejected"),
        "{}",
        summary(&output)
    );
    text(&output.stdout)
}

#[test]
fn completions_flag_says_whether_the_feed_ends_handles() {
    let sent = format!("{SPEC_QUEUE_HEADER}\n{COMPLETIONS_SENT_ROW}\n");
    let absent = format!("{SPEC_QUEUE_HEADER}\n{COMPLETIONS_ABSENT_ROW}\n");
    assert_eq!(queue_report(&[], WITHOUT_COMPLETION), sent, "default: sent");
    assert_eq!(
        queue_report(&["--completions", "sent"], WITHOUT_COMPLETION),
        sent
    );
    assert_eq!(
        queue_report(&["--completions", "absent"], WITHOUT_COMPLETION),
        absent
    );

    // Without the flag the tenant's configuration decides; the flag overrides it.
    let directory = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-completions");
    std::fs::create_dir_all(&directory).unwrap();
    let config = directory.join("absent.toml");
    std::fs::write(&config, "[tenants.acme]\ncompletions = \"absent\"\n").unwrap();
    let config = config.to_str().unwrap();
    assert_eq!(
        queue_report(&["--config", config], WITHOUT_COMPLETION),
        absent
    );
    assert_eq!(
        queue_report(
            &["--config", config, "--completions", "sent"],
            WITHOUT_COMPLETION
        ),
        sent
    );

    // replay takes it too: a1's session handled 1 with AHT 180 s, or nothing handled.
    for (flag, handled) in [("absent", 1), ("sent", 0)] {
        let output = callboard(
            &["replay", "--input", "-", "--completions", flag],
            WITHOUT_COMPLETION.as_bytes(),
        );
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let session = document["tenants"][0]["agents"][0]["windows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|window| window["window"] == "session")
            .expect("session")
            .clone();
        assert_eq!(session["handled"], handled, "{flag}");
        if handled == 1 {
            close(&session["aht_seconds"], 180.0);
        } else {
            assert!(session["aht_seconds"].is_null(), "{flag}: {session}");
        }
    }

    let wrong = callboard(&["report", "--input", "-", "--completions", "maybe"], b"");
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        text(&wrong.stderr).contains("sent"),
        "{}",
        text(&wrong.stderr)
    );
}

/// `--interval` reads the duration syntax of the configuration: 0.5h is 30m; other lengths are refused.
#[test]
fn report_interval_takes_the_duration_syntax() {
    let input = std::fs::read_to_string(scenario("service_level.jsonl")).unwrap();
    let thirty = queue_report(&["--interval", "30m"], &input);
    assert_eq!(queue_report(&["--interval", "0.5h"], &input), thirty);
    assert_eq!(queue_report(&["--interval", "1800s"], &input), thirty);
    for refused in ["1h", "15", "soon"] {
        let output = callboard(&["report", "--input", "-", "--interval", refused], b"");
        assert_eq!(output.status.code(), Some(2), "{refused}");
        assert!(text(&output.stderr).contains("--interval"), "{refused}");
    }
}

// The morning of tests/asterisk.rs through the command a manager runs: the same rows (worked out
// there), the rejections and skipped records on the summary line. Events applied: members 3 (Anna's
// login, state, queues) + 3 (Bert's); c1 5 (queued, ringing, answered, ended, completed); c2 3 (queued,
// ringing, abandoned); c3 2; c4 5 in sales (its transfer) + 5 in support; Anna's pause and unpause 2;
// c5 2 (queued, dequeued); c6 5; c7 3 + ended and completed at the restart 2; c8 queued + dequeued at
// the restart 2; c9 5; Bert's pause 1 → 48.
// The morning of tests/freeswitch.rs through the command a manager runs: the same rows (worked out
// there), the rejections and skipped records on the summary line. Events applied: logins and states
// of 1001 and 1002 4; c1 5 (queued, ringing, answered, ended, completed); c2 2; c3 2; c4 4; c5 4;
// 1001's break and return 2; c6 2; c7 4; c8 2; c9 2; c10 5; 1002's logout 1 → 39.
#[test]
fn report_reads_freeswitch_mod_callcenter_events() {
    let (rows, summary) = report_rows(&[
        "report",
        "--input",
        "tests/scenarios/freeswitch/morning.jsonl",
        "--input-format",
        "freeswitch_callcenter",
        "--tenant",
        "acme",
        "--agent-wrap-up",
        "1001@default=30s",
    ]);
    assert_eq!(
        rows,
        [
            "acme,sales@default,2026-11-23T09:00:00Z,3,2,1,0,0,1,2,0.5,0,17,150,150,0,0,30",
            "acme,sales@default,2026-11-23T09:15:00Z,3,1,1,1,1,1,1,1,0.333333,8,270,240,0,30,8",
            "acme,support@default,2026-11-23T09:00:00Z,3,1,1,1,0,1,1,0.5,0.333333,10,270,240,0,30,45",
            "acme,support@default,2026-11-23T09:15:00Z,1,1,1,0,0,0,1,1,0,15,180,180,0,0,15",
        ]
    );
    assert_eq!(
        summary,
        "callboard: 39 events applied, 5 rejected (malformed_json 1, duplicate 4), \
         3 mod_callcenter records skipped (no callboard meaning)"
    );
    let refused = callboard(
        &[
            "report",
            "--input",
            "-",
            "--input-format",
            "freeswitch_callcenter",
            "--agent-wrap-up",
            "1001",
        ],
        b"",
    );
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
}

#[test]
fn report_reads_an_asterisk_queue_log() {
    let (rows, summary) = report_rows(&[
        "report",
        "--input",
        "tests/scenarios/asterisk/morning.queue_log",
        "--input-format",
        "asterisk_queue_log",
        "--tenant",
        "acme",
        "--member",
        "SIP/1001=Anna",
        "--queue-wrap-up",
        "support=30s",
    ]);
    assert_eq!(
        rows,
        [
            "acme,sales,2026-11-23T09:00:00Z,4,2,1,1,0,1,2,0.333333,0.25,20,210,210,0,0,45",
            "acme,sales,2026-11-23T09:15:00Z,3,2,2,0,0,1,2,1,0,4.5,210,210,0,0,5",
            "acme,support,2026-11-23T09:00:00Z,2,1,1,1,1,0,1,1,0.5,8,270,240,0,30,8",
            "acme,support,2026-11-23T09:15:00Z,1,1,0,0,0,0,1,0,0,25,155,155,0,0,25",
        ]
    );
    assert_eq!(
        summary,
        "callboard: 48 events applied, 3 rejected (duplicate 2, unsupported_record 1), \
         3 queue_log records skipped (no callboard meaning)"
    );
    let refused = callboard(
        &[
            "report",
            "--input",
            "-",
            "--input-format",
            "asterisk_queue_log",
            "--member",
            "SIP/1001",
        ],
        b"",
    );
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
}
