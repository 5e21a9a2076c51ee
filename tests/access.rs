//! Access from outside the process: `callboard token new` prints a secret whose SHA-256 (computed by
//! coreutils' `sha256sum`) is the hash in the block it prints, the block passes `check-config`, and
//! `callboard run` refuses a non-loopback port without tokens, saying how to fix it.

mod common;

use std::io::Write;
use std::process::Stdio;

use common::{callboard_command, succeeded};

/// A directory of this test process's own for the files a test writes.
fn scratch() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("callboard-access-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_new_token_is_a_secret_and_the_config_block_of_its_sha256() {
    let mut command = callboard_command();
    command.args([
        "token",
        "new",
        "--name",
        "floor-tv",
        "--tenants",
        "acme,north*",
    ]);
    let output = succeeded(command);
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let secret = lines[1].strip_prefix("# ").unwrap();
    assert_eq!(secret.len(), 64, "{text}");
    let mut sha256sum = std::process::Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("coreutils' sha256sum");
    sha256sum
        .stdin
        .take()
        .unwrap()
        .write_all(secret.as_bytes())
        .unwrap();
    let summed = String::from_utf8(sha256sum.wait_with_output().unwrap().stdout).unwrap();
    let expected = summed.split_whitespace().next().unwrap();
    assert!(text.contains(&format!("sha256 = \"{expected}\"")), "{text}");
    assert!(text.contains(r#"tenants = ["acme", "north*"]"#), "{text}");
    assert!(text.contains(r#"reads = ["wallboard"]"#), "{text}");
    assert!(!text[text.find("[[access.tokens]]").unwrap()..].contains(secret));
    let dir = scratch();
    let config = dir.join("with-token.toml");
    std::fs::write(
        &config,
        format!("[http]\nlisten = \"0.0.0.0:9464\"\n\n{text}"),
    )
    .unwrap();
    let mut check = callboard_command();
    check.args(["check-config", config.to_str().unwrap()]);
    let checked = String::from_utf8(succeeded(check).stdout).unwrap();
    assert!(
        checked.contains("http: 0.0.0.0:9464 (1 access token)"),
        "{checked}"
    );
}

/// A supervisor's token narrowed to a team and to queues: the block names both, and check-config takes it
/// with the HTTPS it is served over.
#[test]
fn a_new_token_narrowed_to_teams_and_queues_names_them_in_its_block() {
    let mut command = callboard_command();
    command.args([
        "token",
        "new",
        "--name",
        "north",
        "--tenants",
        "acme",
        "--teams",
        "north,east-*",
        "--queues",
        "bill*",
        "--reads",
        "api,agents",
    ]);
    let text = String::from_utf8(succeeded(command).stdout).unwrap();
    assert!(text.contains(r#"teams = ["north", "east-*"]"#), "{text}");
    assert!(text.contains(r#"queues = ["bill*"]"#), "{text}");
    assert!(text.contains(r#"reads = ["api", "agents"]"#), "{text}");
    let config = scratch().join("narrowed.toml");
    std::fs::write(
        &config,
        format!("[http]\nlisten = \"0.0.0.0:9464\"\ntls_cert = \"/etc/tls/tls.crt\"\ntls_key = \"/etc/tls/tls.key\"\n\n{text}"),
    )
    .unwrap();
    let mut check = callboard_command();
    check.args(["check-config", config.to_str().unwrap()]);
    let checked = String::from_utf8(succeeded(check).stdout).unwrap();
    assert!(
        checked.contains("http: 0.0.0.0:9464 (1 access token; HTTPS with /etc/tls/tls.crt)"),
        "{checked}"
    );
}

#[test]
fn run_refuses_a_port_others_reach_without_tokens_and_says_how_to_open_it() {
    let dir = scratch();
    let config = dir.join("open.toml");
    std::fs::write(&config, "[http]\nlisten = \"0.0.0.0:0\"\n").unwrap();
    let output = callboard_command()
        .args(["run", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    for said in [
        "not a loopback address",
        "callboard token new",
        "open = true",
    ] {
        assert!(stderr.contains(said), "{said}: {stderr}");
    }
}

/// A Kafka password read from a file reaches the configuration, and check-config never prints it.
#[test]
fn check_config_reads_a_kafka_secret_from_its_file_and_does_not_print_it() {
    let dir = scratch();
    let secret = dir.join("kafka-password");
    std::fs::write(&secret, "do-not-print-me\n").unwrap();
    let config = dir.join("sasl.toml");
    std::fs::write(
        &config,
        format!(
            "[kafka.properties]\n\"security.protocol\" = \"SASL_SSL\"\n\"sasl.mechanism\" = \"SCRAM-SHA-512\"\n\
             \"sasl.username\" = \"floor-app\"\n[kafka.property_files]\n\"sasl.password\" = \"{}\"\n",
            secret.display()
        ),
    )
    .unwrap();
    let mut check = callboard_command();
    check.args(["check-config", config.to_str().unwrap()]);
    let output = succeeded(check);
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(printed.contains(": ok"), "{printed}");
    assert!(!printed.contains("do-not-print-me"), "{printed}");
}
