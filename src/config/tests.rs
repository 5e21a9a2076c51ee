//! Configuration loading: the example file, precedence, every validation error, and garbage.

use proptest::prelude::*;

use super::*;

fn no_env() -> Vec<(String, String)> {
    Vec::new()
}

fn error_of(text: &str) -> String {
    parse(text, "test.toml", no_env()).unwrap_err().to_string()
}

#[test]
fn the_example_file_loads_and_resolves() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/callboard.toml");
    let config = load(&path, no_env()).unwrap();
    let acme = config.center_settings("acme");
    assert_eq!(acme.time_zone, chrono_tz::Europe::Berlin);
    assert_eq!(
        acme.rolling_windows
            .iter()
            .map(|w| w.name.as_str())
            .collect::<Vec<_>>(),
        ["15m", "30m", "1h"]
    );
    // sales comes from [queues.sales]: 30 s, 90 %.
    let sales = &acme.queues[&Id::from("sales")];
    assert_eq!(
        (sales.threshold_ms, sales.service_level_target),
        (30_000, 0.90)
    );
    // support: the tenant's formula and patience over the defaults' 20 s threshold.
    let support = &acme.queues[&Id::from("support")];
    assert_eq!(
        support.service_level_formula,
        ServiceLevelFormula::AllOutcomes
    );
    assert_eq!(
        (support.threshold_ms, support.patience_ms),
        (20_000, Some(120_000))
    );
    // Another tenant gets UTC and the global overrides only.
    let other = config.center_settings("globex");
    assert_eq!(other.time_zone, chrono_tz::UTC);
    assert!(
        other.queues.contains_key(&Id::from("sales"))
            && !other.queues.contains_key(&Id::from("support"))
    );
    assert_eq!(
        config.kafka.dead_letter_topic.as_deref(),
        Some("call-events-dead")
    );
    assert!(explain(&config).contains("queue support: target 80% within 20s"));
}

#[test]
fn environment_beats_file_beats_defaults() {
    let file = "[kafka]\nbrokers = \"file:9092\"\n[engine]\nlateness = \"5s\"\n";
    let env = vec![
        (
            "CALLBOARD_KAFKA__BROKERS".to_string(),
            "env:9092".to_string(),
        ),
        ("CALLBOARD_KAFKA__WORKERS".to_string(), "3".to_string()),
        (
            "CALLBOARD_QUEUE_DEFAULTS__THRESHOLD".to_string(),
            "30s".to_string(),
        ),
        ("UNRELATED".to_string(), "x".to_string()),
    ];
    let config = parse(file, "test.toml", env).unwrap();
    assert_eq!(config.kafka.brokers, "env:9092");
    assert_eq!(config.kafka.workers, Some(3));
    assert_eq!(config.engine.lateness, Duration(5_000));
    assert_eq!(
        config.center_settings("x").queue_defaults.threshold_ms,
        30_000
    );
    assert_eq!(config.kafka.topic, "call-events");
}

#[test]
fn every_mistake_names_its_field() {
    let cases = [
        (
            "[queue_defaults]\nshort_abandon = \"25s\"",
            "queue_defaults.short_abandon",
        ),
        (
            "[tenants.acme]\ntime_zone = \"Mars/Olympus\"",
            "tenants.acme.time_zone",
        ),
        ("[queue_defaults]\nthreshold = \"20\"", "no unit"),
        ("[engine]\nlateness = 10", "ambiguous"),
        ("[engine]\nintervall = \"15m\"", "intervall"),
        ("[engine]\ninterval = \"20m\"", "engine.interval"),
        (
            "[queues.sales]\nservice_level_target = 1.5",
            "queues.sales.service_level_target",
        ),
        (
            "[queues.sales]\nservice_level_formula = \"cisco\"",
            "queues.sales.service_level_formula",
        ),
        ("[kafka]\nworkers = \"many\"", "workers"),
        (
            "[tenants.acme.queues.q]\nshort_abandon = \"30s\"",
            "tenants.acme.queues.q.short_abandon",
        ),
        ("[http]\nlisten = \"everywhere\"", "http.listen"),
        ("[engine]\nwindows = [\"15m\", \"15m\"]", "engine.windows"),
        ("engine = [", "line 1"),
        (
            "[kafka]\ntopic = \"events\"\ndead_letter_topic = \"events\"",
            "kafka.dead_letter_topic",
        ),
        (
            "[kafka.properties]\n\"group.id\" = \"x\"",
            "kafka.properties.group.id",
        ),
        (
            "[[quotas]]\nname = \"q\"\ncount = \"hugs\"\nper = \"hour\"\ntarget = 1",
            "quotas[0].count",
        ),
        (
            "[[quotas]]\nname = \"q\"\ncount = \"handled\"\nper = \"day\"\ntarget = 1",
            "quotas[0].per",
        ),
        (
            "[[quotas]]\nname = \"q\"\ncount = \"handled\"\nper = \"hour\"\ntarget = 0",
            "quotas[0].target",
        ),
        (
            "[[alerts]]\nname = \"x\"\nfigure = \"queue.happiness\"\nabove = 1",
            "alerts[0].figure",
        ),
        (
            "[[alerts]]\nname = \"x\"\nfigure = \"queue.service_level\"\nabove = 1\nbelow = 0",
            "alerts[0].above",
        ),
        (
            "[[alerts]]\nname = \"x\"\nfigure = \"queue.service_level\"\nbelow = 0.8\nclear = 0.7",
            "alerts[0].clear",
        ),
        (
            "[[alerts]]\nname = \"x\"\nfigure = \"queue.service_level\"\nbelow = 0.8\nwindow = \"2h\"",
            "alerts[0].window",
        ),
        (
            "[[alerts]]\nname = \"x\"\nfigure = \"queue.calls_waiting\"\nabove = 5\nwindow = \"15m\"",
            "alerts[0].window",
        ),
        (
            "[[alerts]]\nname = \"x\"\nfigure = \"agent.occupancy\"\nabove = 0.9\nrelative_to = \"target\"",
            "alerts[0].relative_to",
        ),
        (
            "[[alerts]]\nname = \"x\"\nfigure = \"agent.occupancy\"\nabove = 0.9\nseverity = \"doom\"",
            "alerts[0].severity",
        ),
        (
            "[[alerts]]\nname = \"x\"\nfigure = \"agent.occupancy\"\nabove = 0.9\nlabels = { tenant = \"x\" }",
            "alerts[0].labels.tenant",
        ),
        (
            "[[alerts]]\nname = \"x\"\nfigure = \"agent.occupancy\"\nabove = 0.9\n[[alerts]]\nname = \"x\"\nfigure = \"agent.occupancy\"\nabove = 0.8",
            "alerts[1].name",
        ),
        ("[alerting]\nresend_interval = \"10s\"", "alerting.resend_interval"),
        ("[alerting]\nalertmanager_url = \"localhost:9093\"", "alerting.alertmanager_url"),
        ("[tenants.acme]\nopen_hours = \"8-20\"", "tenants.acme.open_hours"),
    ];
    for (text, expected) in cases {
        let message = error_of(text);
        assert!(message.contains(expected), "{text:?} gave {message:?}");
        assert!(message.starts_with("test.toml"), "{message}");
    }
}

#[test]
fn the_built_in_alert_rules_apply_unless_replaced_or_switched_off() {
    let config = parse("", "test.toml", no_env()).unwrap();
    let names: Vec<String> = config
        .alert_rules()
        .into_iter()
        .map(|rule| rule.name)
        .collect();
    assert_eq!(
        names,
        [
            "CallboardServiceLevelBelowTarget",
            "CallboardLongestWaitHigh",
            "CallboardAbandonRateHigh",
            "CallboardUnderstaffed",
            "CallboardAgentBehindQuota",
            "CallboardFeedSilent",
            "CallboardLagging",
        ]
    );
    let service_level = &config.alert_rules()[0];
    assert_eq!(service_level.window, "15m");
    assert_eq!(service_level.for_ms, 2 * MINUTE);
    assert_eq!((service_level.threshold, service_level.clear), (1.0, 1.025));

    let replaced = parse(
        "[[alerts]]\nname = \"CallboardLagging\"\nfigure = \"service.event_delay_seconds\"\nabove = 120\n\
         [[alerts]]\nname = \"NotReadyTooLong\"\nfigure = \"agent.state_seconds\"\nstate = \"not_ready\"\nabove = 900\n",
        "test.toml",
        no_env(),
    )
    .unwrap()
    .alert_rules();
    assert_eq!(replaced.len(), 8);
    let lagging = replaced
        .iter()
        .find(|rule| rule.name == "CallboardLagging")
        .unwrap();
    assert_eq!(lagging.threshold, 120.0);
    assert_eq!(replaced.last().unwrap().name, "NotReadyTooLong");

    let off = parse("[alerting]\ndefault_rules = false", "test.toml", no_env()).unwrap();
    assert!(off.alert_rules().is_empty());
}

#[test]
fn open_hours_are_local_minutes_and_may_span_midnight() {
    let config = parse(
        "[defaults]\nopen_hours = \"08:00-20:30\"\n[tenants.night]\nopen_hours = \"22:00-06:00\"",
        "test.toml",
        no_env(),
    )
    .unwrap();
    assert_eq!(config.center_settings("acme").open_hours, Some((480, 1230)));
    assert_eq!(
        config.center_settings("night").open_hours,
        Some((1320, 360))
    );
}

#[test]
fn a_missing_file_says_which() {
    let message = load(Path::new("/nonexistent/callboard.toml"), no_env())
        .unwrap_err()
        .to_string();
    assert!(message.contains("/nonexistent/callboard.toml"), "{message}");
}

#[test]
fn huge_and_deeply_nested_files_are_errors_not_crashes() {
    let path = std::env::temp_dir().join(format!("callboard-huge-{}.toml", std::process::id()));
    std::fs::write(&path, "# x\n".repeat(400_000)).unwrap();
    assert!(load(&path, no_env())
        .unwrap_err()
        .to_string()
        .contains("is not a configuration file"));
    let _ = std::fs::remove_file(&path);
    let nested = format!("a = {}1{}", "[".repeat(20_000), "]".repeat(20_000));
    assert!(parse(&nested, "nested.toml", no_env()).is_err());
}

#[test]
fn bad_environment_is_refused() {
    let env = vec![("CALLBOARD_ENGINE__LATENESS".to_string(), "soon".to_string())];
    assert!(parse("", "test.toml", env)
        .unwrap_err()
        .to_string()
        .contains("soon"));
}

proptest! {
    #[test]
    fn garbage_never_panics(text in "\\PC{0,200}") {
        let _ = parse(&text, "garbage.toml", no_env());
    }

    #[test]
    fn alert_shaped_garbage_never_panics(text in "\\[\\[alerts\\]\n((name|figure|window|above|below|clear|relative_to|for|severity|queue|labels) = (\"[^\"\n]{0,12}\"|-?[0-9.e]{1,6}|true|\\{\\})\n){0,6}") {
        let _ = parse(&text, "garbage.toml", no_env());
    }

    #[test]
    fn toml_shaped_garbage_never_panics(text in "(\\[[a-z_.]{1,20}\\]\n([a-z_]{1,12} = (\"[^\"\n]{0,10}\"|[0-9.-]{1,6}|true|\\[\\])\n){0,4}){0,4}") {
        let _ = parse(&text, "garbage.toml", no_env());
    }
}
