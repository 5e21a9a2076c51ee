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
        ("[http]\ntls_cert = \"/etc/tls.crt\"", "http.tls_cert"),
        ("[http]\ncors_origins = [\"*\"]", "http.cors_origins"),
        ("[defaults.qa_sampling]\ncalls = 1000", "defaults.qa_sampling.calls"),
        ("[defaults.labour]\nhourly_cost = -1", "defaults.labour.hourly_cost"),
        (
            "[tenants.acme.labour]\nteam_hourly_cost = { north = nan }",
            "tenants.acme.labour.team_hourly_cost.north",
        ),
        ("[defaults.labour]\nworking_days = [\"someday\"]", "defaults.labour.working_days"),
        ("[defaults.labour]\nholidays = [\"25.12.2026\"]", "defaults.labour.holidays"),
        ("[defaults.labour]\nhours_per_day = 25", "defaults.labour.hours_per_day"),
        ("[defaults.qa_sampling]\nby_queue = true", "defaults.qa_sampling.calls"),
        (
            "[tenants.acme.qa_sampling]\ncalls = 3\nperiod = \"month\"",
            "tenants.acme.qa_sampling.period",
        ),
        (
            "[tenants.acme.qa_sampling]\ncalls = 3\nalways_survey_below = 4",
            "tenants.acme.qa_sampling.always_survey_below",
        ),
        ("[http]\ntls_key = \"/etc/tls.key\"", "http.tls_cert"),
        (
            "[[access.tokens]]\nname = \"tv\"\nsha256 = \"0b7b56abd47539f5e8a7ea411687c002039cef645c9e59de24933448cf1a74db\"\nreads = [\"api\"]\nqueues = [\"\"]",
            "access.tokens[0].queues",
        ),
        (
            "[[access.tokens]]\nname = \"tv\"\nsha256 = \"0b7b56abd47539f5e8a7ea411687c002039cef645c9e59de24933448cf1a74db\"\nreads = [\"api\"]\nteams = [\" \"]",
            "access.tokens[0].teams",
        ),
        ("[defaults]\ncallbacks_max = 0", "defaults.callbacks_max"),
        (
            "[[access.tokens]]\nname = \"tv\"\nsha256 = \"not-a-hash\"\nreads = [\"wallboard\"]",
            "access.tokens[0].sha256",
        ),
        (
            "[[access.tokens]]\nname = \"tv\"\nsha256 = \"0b7b56abd47539f5e8a7ea411687c002039cef645c9e59de24933448cf1a74db\"\nreads = [\"everything\"]",
            "access.tokens[0].reads",
        ),
        (
            "[[access.tokens]]\nname = \"tv\"\nsha256 = \"0b7b56abd47539f5e8a7ea411687c002039cef645c9e59de24933448cf1a74db\"",
            "access.tokens[0].reads",
        ),
        (
            "[[access.tokens]]\nname = \"\"\nsha256 = \"0b7b56abd47539f5e8a7ea411687c002039cef645c9e59de24933448cf1a74db\"\nreads = [\"api\"]",
            "access.tokens[0].name",
        ),
        (
            "[tenants.acme]\ncallers_max = 99999999999",
            "tenants.acme.callers_max",
        ),
        (
            "[[sources]]\ntopic = \"ql\"\nformat = \"asterisk_queue_log\"",
            "sources[0].tenant",
        ),
        (
            "[[sources]]\ntopic = \"ql\"\nformat = \"asterisk_queue_log\"\ntenant = \"a\"\ntenant_from = \"key\"",
            "sources[0].tenant",
        ),
        (
            "[[sources]]\ntopic = \"call-events\"\ntenant = \"a\"",
            "sources[0].tenant",
        ),
        (
            "[[sources]]\ntopic = \"ql\"\nformat = \"cisco\"",
            "format",
        ),
        (
            "[[sources]]\ntopic = \"ql\"\nformat = \"asterisk_queue_log\"\ntenant = \"a\"\n[sources.asterisk]\ntime_zone = \"Mars/Olympus\"",
            "sources[0].asterisk.time_zone",
        ),
        (
            "[[sources]]\ntopic = \"ql\"\nformat = \"asterisk_queue_log\"\ntenant = \"a\"\n[[sources]]\ntopic = \"ql\"",
            "sources[1]",
        ),
        (
            "[[sources]]\ntopic = \"q1\"\nformat = \"asterisk_queue_log\"\ntenant = \"a\"\n[[sources]]\ntopic = \"q2\"\nformat = \"asterisk_queue_log\"\ntenant = \"a\"",
            "sources[1]",
        ),
        (
            "[kafka]\ndead_letter_topic = \"ql\"\n[[sources]]\ntopic = \"ql\"\nformat = \"asterisk_queue_log\"\ntenant = \"a\"",
            "sources[0].topic",
        ),
        (
            "[[sources]]\ntopic = \"fs\"\nformat = \"freeswitch_callcenter\"",
            "sources[0].tenant",
        ),
        (
            "[[sources]]\ntopic = \"fs\"\nformat = \"freeswitch_callcenter\"\ntenant = \"a\"\n[sources.asterisk]\nwrap_up = \"5s\"",
            "sources[0].asterisk",
        ),
        (
            "[[sources]]\ntopic = \"ql\"\nformat = \"asterisk_queue_log\"\ntenant = \"a\"\n[sources.freeswitch]\nwrap_up = \"5s\"",
            "sources[0].freeswitch",
        ),
        (
            "[[sources]]\ntopic = \"fs\"\nformat = \"freeswitch_callcenter\"\ntenant_from = \"key\"\n[sources.freeswitch]\nagent_wrap_up = { \"1001@default\" = \"-5s\" }",
            "sources[0].freeswitch.agent_wrap_up",
        ),
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

#[test]
fn sources_default_to_the_kafka_topic_and_an_adapted_tenant_gets_the_lateness_its_adapter_needs() {
    let plain: Config = toml::from_str("[kafka]\ntopic = \"events\"").unwrap();
    let implied = plain.sources();
    assert_eq!(implied.len(), 1);
    assert_eq!(
        (implied[0].topic.as_str(), implied[0].format),
        ("events", SourceFormat::CallboardV1)
    );
    let text = "[engine]\nlateness = \"5s\"\n\
                [[sources]]\ntopic = \"events\"\n\
                [[sources]]\ntopic = \"pbx\"\nformat = \"asterisk_queue_log\"\ntenant = \"north\"\n\
                [sources.asterisk]\nwrap_up = \"30s\"\nmembers = { \"SIP/1001\" = \"Sathish\" }\n";
    let config: Config = toml::from_str(text).unwrap();
    config.validate("test").unwrap();
    assert_eq!(config.sources().len(), 2);
    assert_eq!(config.sources()[1].asterisk.wrap_up, Some(Duration(30_000)));
    // A queue_log ring is dated back up to a minute: its tenant's lateness is raised to 60 s; a
    // tenant of callboard's own events keeps the configured 5 s.
    assert_eq!(config.center_settings("north").lateness_ms, 60_000);
    assert_eq!(config.center_settings("acme").lateness_ms, 5_000);
}

#[test]
fn a_freeswitch_source_takes_wrap_up_times_and_its_tenant_the_lateness_its_adapter_needs() {
    let text = "[engine]\nlateness = \"500ms\"\n\
                [[sources]]\ntopic = \"cc\"\nformat = \"freeswitch_callcenter\"\ntenant = \"south\"\n\
                [sources.freeswitch]\nwrap_up = \"10s\"\nagent_wrap_up = { \"1001@default\" = \"30s\" }\n";
    let config: Config = toml::from_str(text).unwrap();
    config.validate("test").unwrap();
    let source = &config.sources()[0];
    assert_eq!(source.format, SourceFormat::FreeswitchCallcenter);
    assert_eq!(source.freeswitch.wrap_up, Some(Duration(10_000)));
    assert_eq!(
        source.freeswitch.agent_wrap_up.get("1001@default"),
        Some(&Duration(30_000))
    );
    // Records without Event-Date-Timestamp are dated by whole seconds: the tenant's lateness is
    // raised from 0.5 s to 1 s; another tenant keeps 0.5 s.
    assert_eq!(config.center_settings("south").lateness_ms, 1_000);
    assert_eq!(config.center_settings("acme").lateness_ms, 500);
}

#[test]
fn a_twilio_source_takes_its_channels_and_activities_and_refuses_what_is_not_its() {
    let text = "[engine]\nlateness = \"5s\"\n\
                [[sources]]\ntopic = \"taskrouter\"\nformat = \"twilio_taskrouter\"\ntenant_from = \"key\"\n\
                [sources.twilio]\nchannels = [\"voice\", \"callback\"]\n\
                activities = { Idle = \"available\", Lunch = \"not_ready\", Gone = \"offline\" }\n";
    let config: Config = toml::from_str(text).unwrap();
    config.validate("test").unwrap();
    let twilio = &config.sources()[0].twilio;
    assert_eq!(twilio.channels, ["voice", "callback"]);
    assert_eq!(
        twilio.activities.get("Idle"),
        Some(&crate::decode::twilio::ActivityMeaning::Available)
    );
    assert_eq!(
        twilio.activities.get("Gone"),
        Some(&crate::decode::twilio::ActivityMeaning::Offline)
    );
    // Event Streams is delivered unordered: any tenant of the topic gets a minute of lateness.
    assert_eq!(config.center_settings("north").lateness_ms, 60_000);
    for (text, field) in [
        (
            "[[sources]]\ntopic = \"tr\"\nformat = \"twilio_taskrouter\"",
            "sources[0].tenant",
        ),
        (
            "[[sources]]\ntopic = \"tr\"\nformat = \"twilio_taskrouter\"\ntenant = \"a\"\n[sources.asterisk]\nwrap_up = \"5s\"",
            "sources[0].asterisk",
        ),
        (
            "[[sources]]\ntopic = \"ql\"\nformat = \"asterisk_queue_log\"\ntenant = \"a\"\n[sources.twilio]\nchannels = [\"chat\"]",
            "sources[0].twilio",
        ),
        (
            "[[sources]]\ntopic = \"tr\"\nformat = \"twilio_taskrouter\"\ntenant = \"a\"\n[sources.twilio]\nactivities = { Idle = \"maybe\" }",
            "activities",
        ),
    ] {
        assert!(error_of(text).contains(field), "{text}: {}", error_of(text));
    }
}

#[test]
fn queue_levels_default_from_target_and_threshold_and_are_overridden_per_figure() {
    let text = "[queue_defaults]\nthreshold = \"30s\"\nservice_level_target = 0.9\n\
                [queue_defaults.levels]\nabandon_rate = { warning = 0.03, critical = 0.06 }\n\
                [queues.sales.levels]\ncalls_waiting = { warning = 5, critical = 10 }\n\
                [tenants.acme.queues.sales.levels]\nlongest_wait = { warning = \"45s\", critical = \"2m\" }\n";
    let config: Config = toml::from_str(text).unwrap();
    config.validate("test").unwrap();
    let acme = config.center_settings("acme");
    let sales = &acme.queue("sales").lines;
    // The target is the service level's warning line, ten points under it the critical one.
    assert_eq!(sales.service_level.warning, 0.9);
    assert!((sales.service_level.critical - 0.8).abs() < 1e-9);
    assert_eq!(
        (
            sales.longest_wait_seconds.warning,
            sales.longest_wait_seconds.critical
        ),
        (45.0, 120.0)
    );
    let calls_waiting = sales.calls_waiting.unwrap();
    assert_eq!((calls_waiting.warning, calls_waiting.critical), (5.0, 10.0));
    assert_eq!(
        (sales.abandon_rate.warning, sales.abandon_rate.critical),
        (0.03, 0.06)
    );
    // Another tenant's sales keeps the global queue's lines; the longest wait defaults to 1× and 3×
    // the threshold.
    let globex = config.center_settings("globex");
    let other = &globex.queue("sales").lines;
    assert_eq!(
        (
            other.longest_wait_seconds.warning,
            other.longest_wait_seconds.critical
        ),
        (30.0, 90.0)
    );
    assert!(other.calls_waiting.is_some());
    assert_eq!(acme.queue("billing").lines.calls_waiting, None);
    for (text, field) in [
        (
            "[queue_defaults.levels]\nservice_level = { warning = 0.7, critical = 0.8 }",
            "queue_defaults.levels.service_level",
        ),
        (
            "[queues.a.levels]\nabandon_rate = { warning = 5, critical = 10 }",
            "levels.abandon_rate",
        ),
        (
            "[queues.a.levels]\nlongest_wait = { warning = \"2m\", critical = \"1m\" }",
            "levels.longest_wait",
        ),
        (
            "[queues.a.levels]\ncalls_waiting = { warning = 5 }",
            "critical",
        ),
        ("[queues.a.levels]\nqueue_depth = 3", "queue_depth"),
    ] {
        assert!(error_of(text).contains(field), "{text}: {}", error_of(text));
    }
}

#[test]
fn state_limits_take_a_duration_or_both_lines_and_a_tenant_adds_to_the_defaults() {
    let text = "[defaults.state_limits]\nbreak = \"15m\"\nwrap_up = \"2m\"\n\
                [tenants.acme.state_limits]\nlunch = { warning = \"1h\", critical = \"70m\" }\nwrap_up = \"3m\"\n";
    let config: Config = toml::from_str(text).unwrap();
    config.validate("test").unwrap();
    let limits = config.center_settings("acme").state_limits;
    let lines = |state: &str, reason: Option<&str>| {
        limits
            .of(state, reason)
            .map(|lines| (lines.warning, lines.critical))
    };
    // A bare duration is amber from it and red from twice it.
    assert_eq!(lines("not_ready", Some("break")), Some((900.0, 1_800.0)));
    assert_eq!(lines("not_ready", Some("lunch")), Some((3_600.0, 4_200.0)));
    assert_eq!(lines("wrap_up", None), Some((180.0, 360.0)), "acme's own");
    assert_eq!(lines("not_ready", Some("training")), None);
    let globex = config.center_settings("globex").state_limits;
    assert_eq!(
        globex.of("wrap_up", None).map(|lines| lines.warning),
        Some(120.0)
    );
    assert!(globex.of("not_ready", Some("lunch")).is_none());
    for (text, field) in [
        (
            "[defaults.state_limits]\nbreak = \"0s\"",
            "state_limits.break",
        ),
        ("[defaults.state_limits]\nbreak = 15", "state_limits"),
        (
            "[tenants.a.state_limits]\nringing = { warning = \"30s\", critical = \"20s\" }",
            "tenants.a.state_limits.ringing",
        ),
        (
            "[defaults.state_limits]\nlogged_out = \"8h\"",
            "state_limits.logged_out",
        ),
    ] {
        assert!(error_of(text).contains(field), "{text}: {}", error_of(text));
    }
}

#[test]
fn an_amazon_connect_source_takes_its_names_and_refuses_contact_records_as_a_live_source() {
    let text = "[[sources]]\ntopic = \"connect\"\nformat = \"amazon_connect_contact_events\"\ntenant = \"acme\"\n\
                [sources.amazon_connect]\nchannels = [\"VOICE\", \"CHAT\"]\n\
                names = { \"q-support-0001\" = \"support\" }\n";
    let config: Config = toml::from_str(text).unwrap();
    config.validate("test").unwrap();
    let connect = &config.sources()[0].amazon_connect;
    assert_eq!(connect.channels, ["VOICE", "CHAT"]);
    assert_eq!(
        connect.names.get("q-support-0001").map(String::as_str),
        Some("support")
    );
    // Contact events are delivered unordered and dated by whole seconds: 10 s of lateness at least.
    assert_eq!(config.center_settings("acme").lateness_ms, 10_000);
    let ctr = error_of(
        "[[sources]]\ntopic = \"ctr\"\nformat = \"amazon_connect_ctr\"\ntenant = \"acme\"",
    );
    assert!(ctr.contains("cannot be a live source"), "{ctr}");
    assert!(ctr.contains("callboard report"), "{ctr}");
    let unknown = error_of("[[sources]]\ntopic = \"t\"\nformat = \"genesys\"\ntenant = \"a\"");
    assert!(
        unknown.contains("unknown format `genesys`") && unknown.contains("twilio_taskrouter"),
        "{unknown}"
    );
    for (text, field) in [
        (
            "[[sources]]\ntopic = \"ql\"\nformat = \"asterisk_queue_log\"\ntenant = \"a\"\n[sources.amazon_connect]\nchannels = [\"VOICE\"]",
            "sources[0].amazon_connect",
        ),
        (
            "[[sources]]\ntopic = \"c\"\nformat = \"amazon_connect_contact_events\"\ntenant = \"a\"\n[sources.amazon_connect]\nnames = { \"q-1\" = \"\" }",
            "amazon_connect.names",
        ),
        (
            "[[sources]]\ntopic = \"c\"\nformat = \"amazon_connect_contact_events\"\ntenant = \"a\"\n[sources.amazon_connect]\nqueues = {}",
            "queues",
        ),
    ] {
        assert!(error_of(text).contains(field), "{text}: {}", error_of(text));
    }
}

#[test]
fn caller_limits_come_from_the_tenant_then_the_defaults_then_10000_and_20000() {
    let text = "[defaults]\ncallbacks_max = 50\n[tenants.acme]\ncallers_max = 70\n";
    let config: Config = toml::from_str(text).unwrap();
    config.validate("test").unwrap();
    let limits = |tenant: &str| {
        let limits = config.center_settings(tenant).caller_limits;
        (limits.callbacks, limits.callers)
    };
    assert_eq!(limits("acme"), (50, 70));
    assert_eq!(limits("globex"), (50, 20_000));
    let plain: Config = toml::from_str("").unwrap();
    let limits = plain.center_settings("acme").caller_limits;
    assert_eq!((limits.callbacks, limits.callers), (10_000, 20_000));
}

#[test]
fn kafka_secrets_come_from_a_file_or_a_variable_and_errors_never_show_them() {
    let dir = std::env::temp_dir().join(format!("callboard-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("kafka-password");
    std::fs::write(&file, "s3cret-from-file\n").unwrap();
    let text = format!(
        "[kafka.properties]\n\"security.protocol\" = \"SASL_SSL\"\n\
         [kafka.property_files]\n\"sasl.password\" = \"{}\"\n\
         [kafka.property_env]\n\"sasl.username\" = \"KAFKA_USER\"\n",
        file.display()
    );
    let env = vec![("KAFKA_USER".to_string(), "floor-app".to_string())];
    let config = parse(&text, "test.toml", env).unwrap();
    let properties = &config.kafka.properties;
    assert_eq!(properties["sasl.password"], "s3cret-from-file");
    assert_eq!(properties["sasl.username"], "floor-app");
    assert_eq!(properties["security.protocol"], "SASL_SSL");
    let unset = parse(&text, "test.toml", no_env()).unwrap_err().to_string();
    assert!(
        unset.contains("kafka.property_env.sasl.username") && unset.contains("KAFKA_USER"),
        "{unset}"
    );
    std::fs::write(&file, "").unwrap();
    let env = vec![("KAFKA_USER".to_string(), "floor-app".to_string())];
    let empty = parse(&text, "test.toml", env).unwrap_err().to_string();
    assert!(
        empty.contains("kafka.property_files.sasl.password") && empty.contains("is empty"),
        "{empty}"
    );
    std::fs::remove_file(&file).unwrap();
    let env = vec![("KAFKA_USER".to_string(), "floor-app".to_string())];
    let missing = parse(&text, "test.toml", env).unwrap_err().to_string();
    assert!(missing.contains("cannot read"), "{missing}");
    assert!(!missing.contains("s3cret"));
}

/// A tenant's own review sampling replaces the defaults' whole; others take the defaults'.
#[test]
fn qa_sampling_comes_from_the_tenant_else_the_defaults() {
    use crate::center::qa::SamplePeriod;
    let text = "[defaults.qa_sampling]\ncalls = 3\nmin_handle = \"10s\"\n\
                [tenants.acme.qa_sampling]\ncalls = 5\nperiod = \"week\"\nby_queue = true\n\
                always_transferred = true\n";
    let config = parse(text, "test.toml", no_env()).unwrap();
    let acme = config.center_settings("acme").qa_sampling.unwrap();
    assert_eq!(
        (acme.calls, acme.period, acme.by_queue),
        (5, SamplePeriod::Week, true)
    );
    assert_eq!((acme.min_handle_ms, acme.always_transferred), (0, true));
    let other = config.center_settings("globex").qa_sampling.unwrap();
    assert_eq!(
        (other.calls, other.period, other.min_handle_ms),
        (3, SamplePeriod::Day, 10_000)
    );
    assert!(parse("", "test.toml", no_env())
        .unwrap()
        .center_settings("acme")
        .qa_sampling
        .is_none());
}

/// Labour settings: a tenant's own replace the defaults'; weekdays and holidays are read as written.
#[test]
fn labour_comes_from_the_tenant_else_the_defaults() {
    let text = "[defaults.labour]\nhourly_cost = 30\n\
                [tenants.acme.labour]\nhourly_cost = 25\nteam_hourly_cost = { north = 32 }\n\
                monthly_budget = 1000\nworking_days = [\"Mon\", \"sat\"]\nholidays = [\"2026-12-25\"]\n";
    let config = parse(text, "test.toml", no_env()).unwrap();
    let acme = config.center_settings("acme").labour.unwrap();
    assert_eq!(
        (acme.hourly_cost, acme.monthly_budget),
        (25.0, Some(1000.0))
    );
    assert_eq!(acme.rate(&Id::from("x"), Some(&Id::from("north"))), 32.0);
    assert_eq!(
        acme.working_days,
        [true, false, false, false, false, true, false]
    );
    assert_eq!(acme.holidays.len(), 1);
    let other = config.center_settings("globex").labour.unwrap();
    assert_eq!((other.hourly_cost, other.hours_per_day), (30.0, 8.0));
    assert_eq!(
        other.working_days,
        [true, true, true, true, true, false, false]
    );
}
