//! The simulator and the engine against queueing theory: an M/M/N day run through the engine gives the
//! service level and ASA that Erlang C predicts, within the statistical error of the run (batch means).

use std::sync::Arc;

use callboard::center::settings::{CenterSettings, HOUR};
use callboard::decode::DecodeLimits;
use callboard::kpi::erlang::{erlang_c, Workload};
use callboard::kpi::QueueCounts;
use callboard::sim::{simulate, SimOptions};
use callboard::tenants::Tenants;

#[test]
fn an_mmn_queue_meets_erlang_c() {
    // 200 calls/hour, AHT 180 s: 10 erlangs on 12 agents; 240 simulated hours ≈ 48,000 calls.
    let (agents, calls_per_hour, talk_ms, hours) = (12, 200.0, 180_000, 240);
    let options = SimOptions::mmn(agents, calls_per_hour, talk_ms, hours, 2026);
    let settings = CenterSettings {
        interval_retention_days: None,
        ..CenterSettings::default()
    };
    let mut tenants = Tenants::new(
        Arc::new(move |_: &str| settings.clone()),
        DecodeLimits::default(),
    );
    let mut tag = 0;
    simulate(&options, |event| {
        tag += 1;
        assert_eq!(tenants.ingest(event, tag), None);
    });
    tenants.finish();
    let center = tenants.center("acme").expect("tenant");
    let queue = &center.floor().queues[0];

    // Batch means over 12 batches of 20 hours (skipping the first hour of warm-up).
    let batch_ms = 20 * HOUR;
    let mut batches = vec![QueueCounts::default(); (hours as i64 * HOUR / batch_ms) as usize];
    for (start, counts) in &queue.intervals {
        let offset = start - options.start;
        if offset >= HOUR {
            batches[(offset / batch_ms) as usize].merge(counts);
        }
    }
    let service_levels: Vec<f64> = batches
        .iter()
        .map(|b| b.answered_within_threshold as f64 / b.answered as f64)
        .collect();
    let asas: Vec<f64> = batches
        .iter()
        .map(|b| b.wait_answered_ms as f64 / 1000.0 / b.answered as f64)
        .collect();

    let predicted = erlang_c(
        agents as u32,
        Workload::per_hour(calls_per_hour, 180.0),
        20.0,
    )
    .unwrap();
    // Worked by hand as a cross-check: P(wait) = 0.4493, SL = 1 − 0.4493·e^(−2·20/180) = 0.6402,
    // ASA = 0.4493 · 180 / 2 = 40.4 s.
    assert!(
        (predicted.service_level - 0.6402).abs() < 1e-3
            && (predicted.asa_seconds - 40.44).abs() < 0.1
    );
    for (name, samples, expected) in [
        ("service level", &service_levels, predicted.service_level),
        ("ASA", &asas, predicted.asa_seconds),
    ] {
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        let variance = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let standard_error = (variance / n).sqrt();
        eprintln!("{name}: simulated {mean:.4} ± {standard_error:.4}, Erlang C {expected:.4}");
        assert!(
            (mean - expected).abs() < 4.0 * standard_error,
            "{name}: simulated {mean:.4} ± {standard_error:.4}, Erlang C {expected:.4}"
        );
    }
    assert_eq!(queue.totals.abandoned, 0);
}
