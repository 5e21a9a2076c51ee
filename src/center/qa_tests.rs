use super::*;

const DAY: Millis = 86_400_000;

fn handled(call: &str, agent: &str, queue: &str, handle_s: i64) -> Handled {
    Handled {
        call: call.into(),
        agent: agent.into(),
        queue: Some(queue.into()),
        answered_at: 1_000,
        completed_at: 1_000 + handle_s * 1_000,
        handle_ms: handle_s * 1_000,
        transferred: false,
    }
}

fn span(start: Millis) -> PeriodSpan {
    PeriodSpan {
        start,
        first_day: format!("day-{}", start / DAY),
        last_day: format!("day-{}", start / DAY),
    }
}

fn policy(calls: u32) -> SamplingPolicy {
    SamplingPolicy {
        calls,
        ..SamplingPolicy::default()
    }
}

fn calls_of(samples: &[Sample]) -> Vec<String> {
    samples.iter().map(|s| s.call.to_string()).collect()
}

/// A small deterministic shuffle (xorshift), so the test needs no randomness of its own.
fn shuffled<T: Clone>(items: &[T], mut state: u64) -> Vec<T> {
    let mut items = items.to_vec();
    for i in (1..items.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        items.swap(i, (state % (i as u64 + 1)) as usize);
    }
    items
}

#[test]
fn each_agent_gets_exactly_its_calls_or_all_it_had() {
    let tenant = Id::from("acme");
    let mut samples = Samples::new(tenant.clone());
    for i in 0..12 {
        samples.offer(
            &policy(5),
            &span(0),
            &handled(&format!("a{i}"), "ann", "billing", 60),
        );
    }
    for i in 0..3 {
        samples.offer(
            &policy(5),
            &span(0),
            &handled(&format!("b{i}"), "bob", "billing", 60),
        );
    }
    let chosen = samples.of_period(0);
    let count = |agent: &str| chosen.iter().filter(|s| s.agent == agent).count();
    assert_eq!((count("ann"), count("bob")), (5, 3));
    assert_eq!(samples.eligible(0, &Id::from("ann")), 12);
    assert!(chosen.iter().all(|s| s.reason == Reason::Random));

    // Stratified by queue: 2 per agent and queue.
    let stratified = SamplingPolicy {
        by_queue: true,
        ..policy(2)
    };
    let mut samples = Samples::new(tenant.clone());
    for i in 0..6 {
        for queue in ["billing", "sales", "support"] {
            let call = format!("{queue}-{i}");
            samples.offer(&stratified, &span(0), &handled(&call, "ann", queue, 60));
        }
    }
    let chosen = samples.of_period(0);
    for queue in ["billing", "sales", "support"] {
        let in_queue = chosen.iter().filter(|s| s.queue.as_deref() == Some(queue));
        assert_eq!(in_queue.count(), 2, "{queue}");
    }
}

#[test]
fn the_choice_does_not_depend_on_arrival_order_and_is_made_as_calls_come() {
    let tenant = Id::from("acme");
    let calls: Vec<Handled> = (0..40)
        .map(|i| handled(&format!("c{i}"), "ann", "billing", 30 + i))
        .collect();
    let mut first = Samples::new(tenant.clone());
    for call in &calls {
        first.offer(&policy(4), &span(0), call);
    }
    let expected = calls_of(&first.of_period(0));
    assert_eq!(expected.len(), 4);
    for seed in 1..=20u64 {
        let mut again = Samples::new(tenant.clone());
        for call in shuffled(&calls, seed * 0x9e37_79b9) {
            again.offer(&policy(4), &span(0), &call);
        }
        assert_eq!(calls_of(&again.of_period(0)), expected, "order {seed}");
    }
    // Decided as the period goes: after the first call, that call is the sample.
    let mut early = Samples::new(tenant.clone());
    early.offer(&policy(4), &span(0), &calls[0]);
    assert_eq!(calls_of(&early.of_period(0)), ["c0"]);
}

/// Every 3 of 10 eligible calls is an equally likely sample. 12,000 periods (each its own tenant, so
/// its own keys) give each of the C(10,3) = 120 subsets 100 times in expectation; the chi-square
/// statistic over the 120 counts must stay below 172.5, the 0.1% critical value of chi-square with 119
/// degrees of freedom (by the Wilson–Hilferty approximation, z = 3.0902). The seeds are fixed, so the
/// test gives the same answer every run.
#[test]
fn every_subset_of_the_eligible_calls_is_equally_likely() {
    let mut counts: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    let draws = 12_000;
    for draw in 0..draws {
        let tenant = Id::from(format!("tenant-{draw}").as_str());
        let mut samples = Samples::new(tenant.clone());
        for i in 0..10 {
            samples.offer(
                &policy(3),
                &span(0),
                &handled(&format!("c{i}"), "ann", "q", 60),
            );
        }
        let mut chosen = calls_of(&samples.of_period(0));
        chosen.sort();
        *counts.entry(chosen).or_default() += 1;
    }
    assert_eq!(counts.len(), 120, "every subset occurs");
    let expected = draws as f64 / 120.0;
    let chi_square: f64 = (counts.values())
        .map(|&observed| (observed as f64 - expected).powi(2) / expected)
        .sum();
    assert!(chi_square < 172.5, "chi-square {chi_square:.1}");
    // Each call on its own is chosen with probability 3/10: 3,600 of 12,000 expected, binomial
    // standard deviation sqrt(12000 × 0.3 × 0.7) = 50.2; 4 deviations either side.
    for i in 0..10 {
        let call = format!("c{i}");
        let chosen: u64 = (counts.iter())
            .filter(|(subset, _)| subset.contains(&call))
            .map(|(_, count)| count)
            .sum();
        assert!((3_400..=3_800).contains(&chosen), "{call}: {chosen}");
    }
}

#[test]
fn short_calls_are_not_eligible_and_always_rules_add_theirs() {
    let tenant = Id::from("acme");
    let rules = SamplingPolicy {
        calls: 1,
        min_handle_ms: 10_000,
        always_longer_than_ms: Some(600_000),
        always_transferred: true,
        always_survey_below: Some(0.5),
        ..SamplingPolicy::default()
    };
    let mut samples = Samples::new(tenant.clone());
    samples.offer(&rules, &span(0), &handled("short", "ann", "q", 5));
    assert!(samples.of_period(0).is_empty());
    assert_eq!(samples.eligible(0, &Id::from("ann")), 0);
    samples.offer(&rules, &span(0), &handled("long", "ann", "q", 900));
    let mut transferred = handled("moved", "ann", "q", 60);
    transferred.transferred = true;
    samples.offer(&rules, &span(0), &transferred);
    samples.offer(&rules, &span(0), &handled("plain", "ann", "q", 60));
    samples.surveyed(
        &rules,
        &span(0),
        &Id::from("unhappy"),
        &Id::from("ann"),
        None,
        0.2,
    );
    samples.surveyed(
        &rules,
        &span(0),
        &Id::from("happy"),
        &Id::from("ann"),
        None,
        0.9,
    );
    let listed = samples.of_period(0);
    let random: Vec<_> = listed
        .iter()
        .filter(|s| s.reason == Reason::Random)
        .collect();
    assert_eq!(random.len(), 1, "{listed:?}");
    let reason_of = |call: &str| listed.iter().find(|s| s.call == call).map(|s| s.reason);
    // The random one is listed once, as random, even when a rule names it too.
    for (call, reason) in [
        ("long", Reason::Long),
        ("moved", Reason::Transferred),
        ("unhappy", Reason::LowSurvey),
    ] {
        if random[0].call != call {
            assert_eq!(reason_of(call), Some(reason), "{call}");
        }
    }
    assert_eq!(reason_of("happy"), None);
    assert_eq!(reason_of("short"), None);
    assert_eq!(listed.len(), 3 + usize::from(random[0].call == "plain"));
    let unhappy = listed.iter().find(|s| s.call == "unhappy").unwrap();
    assert_eq!((unhappy.answered_at, unhappy.handle_ms), (None, None));
}

#[test]
fn the_current_period_and_the_one_before_are_kept() {
    let tenant = Id::from("acme");
    let mut samples = Samples::new(tenant.clone());
    for day in 0..3 {
        let call = format!("d{day}");
        samples.offer(
            &policy(1),
            &span(day * DAY),
            &handled(&call, "ann", "q", 60),
        );
    }
    assert_eq!(samples.period_starts(), [DAY, 2 * DAY]);
    assert_eq!(calls_of(&samples.of_period(DAY)), ["d1"]);
    // A late call of a period no longer kept is not counted anywhere.
    samples.offer(&policy(1), &span(0), &handled("late", "ann", "q", 60));
    assert_eq!(samples.period_starts(), [DAY, 2 * DAY]);
    assert!(samples.of_period(0).is_empty());
}
