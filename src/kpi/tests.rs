use super::*;

fn close(actual: Option<f64>, expected: f64) {
    let actual = actual.expect("ratio should be defined");
    assert!((actual - expected).abs() < 5e-5, "{actual} != {expected}");
}

/// Cisco's published example: 70 answered within the threshold, 20 after it, 10 abandoned within it,
/// no short abandons, nothing dequeued.
fn cisco_example() -> QueueCounts {
    QueueCounts {
        offered: 100,
        answered: 90,
        answered_within_threshold: 70,
        abandoned: 10,
        abandoned_within_threshold: 10,
        ..QueueCounts::default()
    }
}

#[test]
fn cisco_formulas_match_published_percentages() {
    let counts = cisco_example();
    close(
        service_level(&counts, ServiceLevelFormula::AbandonsIgnoredWithinThreshold),
        0.7778,
    );
    close(
        service_level(&counts, ServiceLevelFormula::AllOutcomes),
        0.70,
    );
    close(
        service_level(
            &counts,
            ServiceLevelFormula::AbandonsWithinThresholdCountFor,
        ),
        0.80,
    );
}

#[test]
fn genesys_service_factor_matches_published_percentage() {
    let counts = QueueCounts {
        answered: 300,
        answered_within_threshold: 200,
        abandoned: 100,
        short_abandoned: 50,
        abandoned_within_threshold: 50,
        ..QueueCounts::default()
    };
    close(
        service_level(&counts, ServiceLevelFormula::AbandonsCountAgainst),
        200.0 / 350.0,
    );
    close(
        service_level(&counts, ServiceLevelFormula::AbandonsCountAgainst),
        0.5714,
    );
}

#[test]
fn undefined_ratios_are_absent_not_zero() {
    let empty = QueueCounts::default();
    for formula in ServiceLevelFormula::ALL {
        assert_eq!(service_level(&empty, formula), None);
    }
    assert_eq!(abandon_rate(&empty), None);
    assert_eq!(asa_seconds(&empty), None);
    assert_eq!(aht_seconds(&empty), None);
    assert_eq!(max_wait_seconds(&empty), None);
    assert_eq!(occupancy(&AgentTimes::default()), None);
    assert_eq!(utilization(&AgentTimes::default()), None);
    // Nothing dialed, nothing connected, no survey: absent, not 0.
    assert_eq!(contact_rate(0, 0), None);
    assert_eq!(contact_rate(3, 0), None);
    assert_eq!(conversion(0, 0), None);
    assert_eq!(conversion(2, 0), None);
    assert_eq!(csat(0.0, 0), None);
    assert_eq!(csat(0.8, 0), None);
    // Only short abandons: the default formula's denominator is zero.
    let only_short = QueueCounts {
        abandoned: 2,
        short_abandoned: 2,
        ..QueueCounts::default()
    };
    assert_eq!(
        service_level(&only_short, ServiceLevelFormula::AbandonsCountAgainst),
        None
    );
}

#[test]
fn averages_and_rates_by_hand() {
    // 4 answered waiting 10 + 20 + 30 + 40 s; 2 handled with 300 s talk, 60 s hold, 90 s wrap-up in all.
    let counts = QueueCounts {
        answered: 4,
        abandoned: 1,
        dequeued: 1,
        handled: 2,
        wait_answered_ms: 100_000,
        wait_abandoned_ms: 7_000,
        talk_ms: 300_000,
        hold_ms: 60_000,
        wrap_up_ms: 90_000,
        max_wait_ms: 40_000,
        ..QueueCounts::default()
    };
    close(asa_seconds(&counts), 25.0);
    close(average_abandon_seconds(&counts), 7.0);
    close(aht_seconds(&counts), 225.0);
    close(
        average_per_handled_seconds(counts.hold_ms, counts.handled),
        30.0,
    );
    close(abandon_rate(&counts), 1.0 / 6.0);
    close(max_wait_seconds(&counts), 40.0);
    close(arrival_rate_per_hour(30, 15 * 60_000), 120.0);
}

#[test]
fn occupancy_and_utilization_by_hand() {
    // One hour logged in: 20 min talk, 5 hold, 10 wrap-up, 1 ringing, 14 available, 10 not ready.
    let minute = 60_000;
    let times = AgentTimes {
        talk_ms: 20 * minute,
        hold_ms: 5 * minute,
        wrap_up_ms: 10 * minute,
        ringing_ms: minute,
        available_ms: 14 * minute,
        not_ready_ms: 10 * minute,
        logged_in_ms: 60 * minute,
    };
    close(occupancy(&times), 36.0 / 50.0);
    close(utilization(&times), 36.0 / 60.0);
}

#[test]
fn quota_pace_and_outbound_rates_by_hand() {
    // Target 10 per shift, 3 done a quarter of the way through: progress 0.3, pace 1.2.
    close(quota_progress(3.0, 10.0), 0.3);
    close(quota_pace(3.0, 10.0, 0.25), 1.2);
    assert_eq!(quota_pace(3.0, 10.0, 0.0), None);
    close(contact_rate(40, 100), 0.4);
    close(conversion(10, 40), 0.25);
    close(csat(4.0 / 5.0 + 3.0 / 5.0, 2), 0.7);
}

#[test]
fn formula_names_round_trip() {
    for formula in ServiceLevelFormula::ALL {
        assert_eq!(ServiceLevelFormula::parse(formula.as_str()), Some(formula));
    }
    assert_eq!(ServiceLevelFormula::parse("cisco"), None);
}

#[test]
fn exponential_smoothing_by_hand() {
    // α = 0.5 over 10, 20, 30: 10 → 15 → 22.5.
    assert_eq!(exponential_smoothing([10.0, 20.0, 30.0], 0.5), Some(22.5));
    assert_eq!(exponential_smoothing([7.0], 0.3), Some(7.0));
    assert_eq!(exponential_smoothing(std::iter::empty(), 0.5), None);
}

fn waits_of(waits_ms: &[u32]) -> hdrhistogram::Histogram<u32> {
    let mut histogram = crate::center::queue::wait_histogram();
    for &wait in waits_ms {
        crate::center::queue::record_wait(&mut histogram, wait);
    }
    histogram
}

#[test]
fn wait_percentiles_by_nearest_rank() {
    // Below 256 ms the histogram is exact. Three waits: p50 is the ceil(1.5) = 2nd smallest, p90 and
    // p95 the ceil(2.7) = ceil(2.85) = 3rd.
    let waits = waits_of(&[250, 100, 200]);
    close(wait_percentile_seconds(&waits, 0.50), 0.200);
    close(wait_percentile_seconds(&waits, 0.90), 0.250);
    close(wait_percentile_seconds(&waits, 0.95), 0.250);
    assert_eq!(wait_percentile_seconds(&waits_of(&[]), 0.5), None);
}

#[test]
fn a_wait_at_the_threshold_never_reads_above_it() {
    // Two significant digits: 16,384..32,767 ms are kept in steps of 128 ms, so 20,000 ms reads as its
    // step's lowest value, 156 × 128 = 19,968 ms: below the true wait by less than 1 %, never above.
    let p50 = wait_percentile_seconds(&waits_of(&[20_000, 20_000, 30_000]), 0.5).unwrap();
    close(Some(p50), 19.968);
}

proptest::proptest! {
    /// Against percentiles computed by sorting the waits: never above, at most 1 % below.
    #[test]
    fn wait_percentiles_within_one_percent_below_the_sorted_rank(
        waits in proptest::collection::vec(1u32..7_200_000, 1..200),
        quantile in proptest::sample::select(vec![0.5, 0.9, 0.95, 1.0]),
    ) {
        let mut sorted = waits.clone();
        sorted.sort_unstable();
        let rank = (quantile * sorted.len() as f64).ceil() as usize;
        let truth = f64::from(sorted[rank.max(1) - 1]);
        let estimate = wait_percentile_seconds(&waits_of(&waits), quantile).unwrap() * 1000.0;
        proptest::prop_assert!(estimate <= truth + 1e-6 && estimate >= truth * 0.99 - 1e-6,
            "estimate {estimate} ms, truth {truth} ms");
    }
}

#[test]
fn patience_estimate_by_hand() {
    // 6 answered after waits summing 90 s, 5 abandoned after 10 + 20 + 30 + 40 + 50 = 150 s:
    // exposure 240 s over 5 abandons = 48 s (the abandoned callers' own mean, 30 s, would understate it).
    let counts = QueueCounts {
        answered: 6,
        abandoned: 5,
        wait_answered_ms: 90_000,
        wait_abandoned_ms: 150_000,
        ..QueueCounts::default()
    };
    close(patience_estimate_seconds(&counts, 5), 48.0);
    close(patience_estimate_seconds(&counts, 1), 48.0);
    // One abandon short of the minimum: no estimate.
    assert_eq!(patience_estimate_seconds(&counts, 6), None);
    // Without abandons there is none, whatever the minimum.
    let patient = QueueCounts {
        answered: 6,
        wait_answered_ms: 90_000,
        ..QueueCounts::default()
    };
    assert_eq!(patience_estimate_seconds(&patient, 0), None);
    assert_eq!(patience_estimate_seconds(&patient, 5), None);
}
