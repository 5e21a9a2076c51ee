//! The text writer against the `prometheus` crate's `TextEncoder` (another path to the same bytes), on
//! simulated tenants and on names and values the format must escape or spell out; and the kept texts:
//! one writing per snapshot, rewritten when a tenant publishes, forgotten when it is withdrawn.

use std::collections::BTreeMap;
use std::sync::Arc;

use prometheus::proto::{
    Bucket, Counter, Gauge, Histogram, LabelPair, Metric, MetricFamily, MetricType,
};
use prometheus::{Encoder, TextEncoder};

use super::families::{family, Kind, FAMILIES};
use super::series::{self, Sink};
use super::*;
use crate::center::settings::CenterSettings;
use crate::center::snapshot::labour::LabourSnapshot;
use crate::center::snapshot::CenterSnapshot;
use crate::decode::DecodeLimits;
use crate::sim::{simulate, SimOptions};
use crate::tenants::Tenants;

/// The same series as the `prometheus` crate's model: one `Vec<Metric>` per family.
struct Reference {
    metrics: Vec<Vec<Metric>>,
    subject: Vec<LabelPair>,
}

fn pair(name: &str, value: &str) -> LabelPair {
    let mut pair = LabelPair::default();
    pair.set_name(name.to_string());
    pair.set_value(value.to_string());
    pair
}

impl Reference {
    fn labels(&self, extra: &[(&str, &str)]) -> Vec<LabelPair> {
        let extra = extra.iter().map(|(name, value)| pair(name, value));
        self.subject.iter().cloned().chain(extra).collect()
    }
}

impl Sink for Reference {
    fn subject(&mut self, labels: &[(&str, &str)]) {
        self.subject = labels
            .iter()
            .map(|(name, value)| pair(name, value))
            .collect();
    }

    fn sample(&mut self, family: usize, extra: &[(&str, &str)], value: f64) {
        let mut metric = Metric::from_label(self.labels(extra));
        if FAMILIES[family].2 == Kind::Counter {
            let mut counter = Counter::default();
            counter.set_value(value);
            metric.set_counter(counter);
        } else {
            let mut gauge = Gauge::default();
            gauge.set_value(value);
            metric.set_gauge(gauge);
        }
        self.metrics[family].push(metric);
    }

    fn histogram(&mut self, family: usize, buckets: &[(f64, u64)], count: u64, sum: f64) {
        let mut histogram = Histogram::default();
        histogram.set_sample_count(count);
        histogram.set_sample_sum(sum);
        let buckets = (buckets.iter())
            .filter(|(bound, _)| bound.is_finite())
            .map(|(bound, cumulative)| {
                let mut bucket = Bucket::default();
                bucket.set_upper_bound(*bound);
                bucket.set_cumulative_count(*cumulative);
                bucket
            })
            .collect();
        histogram.set_bucket(buckets);
        let mut metric = Metric::from_label(self.labels(&[]));
        metric.set_histogram(histogram);
        self.metrics[family].push(metric);
    }
}

/// What the `prometheus` crate's encoder writes for the series of `snapshots`.
fn encoded_by_prometheus(
    snapshots: &[Arc<CenterSnapshot>],
    settings: &ExpositionSettings,
) -> String {
    let mut reference = Reference {
        metrics: vec![Vec::new(); FAMILIES.len()],
        subject: Vec::new(),
    };
    for snapshot in snapshots {
        series::tenant(&mut reference, snapshot, settings);
    }
    let families: Vec<MetricFamily> = (FAMILIES.iter().zip(reference.metrics))
        .filter(|(_, metrics)| !metrics.is_empty())
        .map(|((name, help, kind), metrics)| {
            let mut family = MetricFamily::default();
            family.set_name(name.to_string());
            family.set_help(help.to_string());
            family.set_field_type(match kind {
                Kind::Gauge => MetricType::GAUGE,
                Kind::Counter => MetricType::COUNTER,
                Kind::Histogram => MetricType::HISTOGRAM,
            });
            family.set_metric(metrics);
            family
        })
        .collect();
    let mut text = Vec::new();
    TextEncoder::new().encode(&families, &mut text).unwrap();
    String::from_utf8(text).unwrap()
}

/// Two small simulated tenants after a morning.
fn simulated() -> Vec<Arc<CenterSnapshot>> {
    let mut tenants = Tenants::new(
        Arc::new(|_: &str| CenterSettings::default()),
        DecodeLimits::default(),
    );
    for (seed, tenant) in [(1, "acme"), (2, "globex")] {
        let options = SimOptions {
            seed,
            tenant: tenant.to_string(),
            agents: 40,
            queues: 3,
            peak_calls_per_hour: 300.0,
            hours: 3,
            survey_share: 0.3,
            outbound_share: 0.1,
            ..SimOptions::default()
        };
        let mut tag = 0;
        simulate(&options, |event| {
            tag += 1;
            tenants.ingest(event, tag);
        });
    }
    tenants.snapshots(None).into_iter().map(Arc::new).collect()
}

/// A tenant whose names need escaping and whose figures the format spells out (not a number,
/// infinities, negative zero, the very large and the very small), with labour figures.
fn awkward(base: &CenterSnapshot) -> CenterSnapshot {
    let mut snapshot = base.clone();
    snapshot.tenant = "a\"b\\c\nd".into();
    let queue = &mut snapshot.queues[0];
    queue.queue = "q\"1\\".into();
    queue.configured = true;
    queue.csat = Some(f64::NAN);
    queue.service_level_target = -0.0;
    queue.threshold_seconds = 1e21;
    queue.repeat_caller_rate = Some(f64::INFINITY);
    queue.longest_waiting_seconds = Some(f64::NEG_INFINITY);
    queue.answer_wait_buckets = vec![(0.5, 1), (f64::NAN, 2), (1e-7, 3), (f64::INFINITY, 4)];
    let agent = &mut snapshot.agents[0];
    agent.state = "available";
    agent.state_seconds = Some(1e-7);
    agent.team = Some("t\n\"x\"".into());
    agent.qa_recent_score = Some(0.1 + 0.2);
    agent.cost_today = Some(123_456_789_012_345.67);
    snapshot.labour = Some(LabourSnapshot {
        cost_today: 1.5,
        cost_month_to_date: 2e15,
        handled_today: 3,
        cost_per_handled_call_today: Some(0.5),
        cost_last_hour: None,
        handled_last_hour: None,
        cost_per_handled_call_1h: Some(-1.25),
        teams: BTreeMap::from([("".to_string(), 1.0), ("n\\".to_string(), 2.0)]),
        forecast: crate::center::labour::MonthForecast {
            working_days_left: 3,
            day_cost: 10.0,
            month_end: 2.5,
            budget: Some(1e6),
            over_budget: None,
        },
    });
    snapshot
}

#[test]
fn the_text_is_what_the_prometheus_encoder_writes() {
    let mut snapshots = simulated();
    snapshots.push(Arc::new(awkward(&snapshots[0])));
    for settings in [
        ExpositionSettings::default(),
        ExpositionSettings {
            export_agents: false,
            idle_expiry_ms: 60_000,
        },
    ] {
        let written = written_now(&snapshots, &settings);
        let expected = encoded_by_prometheus(&snapshots, &settings);
        assert!(written.len() > 10_000, "{written}");
        if written != expected {
            let line =
                (written.lines().zip(expected.lines())).find(|(ours, theirs)| ours != theirs);
            panic!("differs at {line:?}");
        }
    }
}

#[test]
fn escaped_names_and_spelled_out_values_are_written_as_the_format_asks() {
    let snapshots = vec![Arc::new(awkward(&simulated()[0]))];
    let written = written_now(&snapshots, &ExpositionSettings::default());
    // Worked by hand from the text format: \ → \\, newline → \n, " → \" inside a label value.
    let queue = r#"{tenant="a\"b\\c\nd",queue="q\"1\\"}"#;
    for line in [
        format!("callboard_queue_service_level_target_ratio{queue} -0"),
        format!("callboard_queue_service_level_threshold_seconds{queue} 1000000000000000000000"),
        format!("callboard_queue_longest_wait_seconds{queue} -inf"),
        r#"callboard_queue_answer_wait_seconds_bucket{tenant="a\"b\\c\nd",queue="q\"1\\",le="0.0000001"} 3"#
            .to_string(),
        r#"callboard_labour_cost{tenant="a\"b\\c\nd",window="month"} 2000000000000000"#.to_string(),
        r#"callboard_team_labour_cost{tenant="a\"b\\c\nd",team="n\\",window="today"} 2"#.to_string(),
    ] {
        assert!(written.contains(&format!("{line}\n")), "{line}\n{written}");
    }
    assert!(written.contains(r#",team="t\n\"x\"",state="available"} 1"#));
    assert!(written.contains(
        r#"callboard_queue_csat_ratio{tenant="a\"b\\c\nd",queue="q\"1\\",window="today"} NaN"#
    ));
}

#[test]
fn a_snapshot_is_written_once_however_often_it_is_scraped_and_its_text_goes_with_it() {
    let board = Board::new(1);
    let snapshots = simulated();
    for snapshot in &snapshots {
        board.publish(CenterSnapshot::clone(snapshot));
    }
    let collector = KpiCollector::new(Arc::clone(&board), ExpositionSettings::default());
    let first = collector.tenant_texts();
    let again = collector.tenant_texts();
    assert_eq!(first.len(), 2);
    assert!((first.iter().zip(&again)).all(|(a, b)| Arc::ptr_eq(a, b)));
    let (acme, globex) = (first[0].text.len(), first[1].text.len());
    assert_eq!(collector.kept_bytes(), acme + globex);

    // Another collector, under other settings, writes its own text and does not take this one's.
    let queues_only = ExpositionSettings {
        export_agents: false,
        ..ExpositionSettings::default()
    };
    let other = KpiCollector::new(Arc::clone(&board), queues_only);
    assert!(!other.tenant_texts()[0]
        .text
        .family(family!("callboard_agent_state"))
        .contains("agent"));

    // globex publishes its next tick: its text is dropped with its snapshot; the next scrape writes
    // only globex anew.
    let mut next = CenterSnapshot::clone(&snapshots[1]);
    next.queues[0].configured = true;
    next.queues[0].calls_waiting = 7;
    let collector = KpiCollector::new(Arc::clone(&board), ExpositionSettings::default());
    let first = collector.tenant_texts();
    board.publish(next);
    assert_eq!(collector.kept_bytes(), first[0].text.len());
    let after = collector.tenant_texts();
    assert!(Arc::ptr_eq(&first[0], &after[0]));
    assert!(!Arc::ptr_eq(&first[1], &after[1]));
    let queue = &snapshots[1].queues[0].queue;
    let line = format!("callboard_queue_calls_waiting{{tenant=\"globex\",queue=\"{queue}\"}} 7\n");
    let body = render(&collector, &crate::telemetry::Telemetry::new());
    assert!(body.contains(&line), "{body}");

    // acme moves to another instance: its text goes with it.
    board.withdraw("acme", 0);
    let body = render(&collector, &crate::telemetry::Telemetry::new());
    assert!(!body.contains("tenant=\"acme\""));
    assert_eq!(collector.kept_bytes(), after[1].text.len());
}

#[test]
fn the_body_is_the_kpi_families_then_callboards_own() {
    let board = Board::new(1);
    for snapshot in simulated() {
        board.publish(CenterSnapshot::clone(&snapshot));
    }
    let collector = KpiCollector::new(Arc::clone(&board), ExpositionSettings::default());
    let telemetry = crate::telemetry::Telemetry::new();
    let body = render(&collector, &telemetry);
    let expected = encoded_by_prometheus(&board.snapshots(), &ExpositionSettings::default());
    let own = TextEncoder::new()
        .encode_to_string(&telemetry.registry.gather())
        .unwrap();
    assert_eq!(body, format!("{expected}{own}"));
}
