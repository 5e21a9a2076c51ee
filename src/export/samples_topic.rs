//! The `call-qa-samples` topic: each call chosen for quality review, as it is chosen, keyed by tenant, so
//! a recording system can fetch the recording while the period runs. A call that a later one replaced
//! in the random sample is sent again with `"status": "replaced"`. Only tenants whose partition is live
//! are published; an instance that takes a tenant over (or restarts) sends the tenant's current sample
//! once more, so consumers keep the latest message per (tenant, call).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio_util::sync::CancellationToken;

use crate::board::Board;
use crate::center::qa::Sample;
use crate::event::Id;

/// A sent sample, by (tenant, agent, call).
type Sent = BTreeMap<(Id, Id, Id), Sample>;

/// What changed since `sent`: the samples now chosen that were not sent, and the sent ones no longer in
/// the sample although their period still is (a period aging out is not a replacement). `current` holds
/// each live tenant's samples and the starts of the periods it keeps.
pub fn changes(sent: &Sent, current: &Sent, kept_periods: &BTreeMap<Id, Vec<i64>>) -> (Sent, Sent) {
    let chosen = (current.iter())
        .filter(|(key, _)| !sent.contains_key(*key))
        .map(|(key, sample)| (key.clone(), sample.clone()))
        .collect();
    let replaced = (sent.iter())
        .filter(|(key, _)| !current.contains_key(*key))
        .filter(|((tenant, _, _), sample)| {
            (kept_periods.get(tenant)).is_some_and(|kept| kept.contains(&sample.period_start))
        })
        .map(|(key, sample)| (key.clone(), sample.clone()))
        .collect();
    (chosen, replaced)
}

/// Publishes until `stop`, every `interval`.
pub async fn run(
    board: Arc<Board>,
    producer: FutureProducer,
    topic: String,
    interval: Duration,
    stop: CancellationToken,
) {
    let mut sent = Sent::new();
    let mut ticks = super::Ticks::new(interval, stop);
    while ticks.next().await {
        let mut current = Sent::new();
        let mut kept = BTreeMap::new();
        for snapshot in board.snapshots() {
            let tenant = &snapshot.tenant;
            if !board.is_live(tenant) {
                // Replaying or given away: what was sent stands, and nothing is sent for it now.
                let held = sent.range((tenant.clone(), Id::default(), Id::default())..);
                for (key, sample) in held.take_while(|((of, _, _), _)| of == tenant) {
                    current.insert(key.clone(), sample.clone());
                }
                continue;
            }
            let mut periods: Vec<i64> =
                snapshot.qa_samples.iter().map(|s| s.period_start).collect();
            periods.dedup();
            kept.insert(tenant.clone(), periods);
            for sample in snapshot.qa_samples.iter() {
                let key = (tenant.clone(), sample.agent.clone(), sample.call.clone());
                current.insert(key, sample.clone());
            }
        }
        let (chosen, replaced) = changes(&sent, &current, &kept);
        for (status, samples) in [("chosen", chosen), ("replaced", replaced)] {
            for (key, sample) in samples {
                let tenant = &key.0;
                let mut body = super::http::sample_json(tenant, &sample);
                body["status"] = status.into();
                let payload = body.to_string();
                let record = FutureRecord::to(&topic)
                    .key(tenant.as_str())
                    .payload(&payload);
                if let Err((error, _)) = producer.send(record, Duration::from_secs(5)).await {
                    tracing::warn!(%error, topic, "cannot publish a review sample; it is sent again next tick");
                    // Not sent: as if never chosen (or, for a replacement, as if still chosen).
                    if status == "chosen" {
                        current.remove(&key);
                    } else {
                        current.insert(key, sample);
                    }
                }
            }
        }
        sent = current;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::center::qa::{Handled, PeriodSpan, Samples, SamplingPolicy};

    fn samples_after(calls: &[&str]) -> Vec<Sample> {
        let mut samples = Samples::new(Id::from("acme"));
        let policy = SamplingPolicy {
            calls: 1,
            ..SamplingPolicy::default()
        };
        let span = PeriodSpan {
            start: 0,
            first_day: "2026-12-01".into(),
            last_day: "2026-12-01".into(),
        };
        for call in calls {
            let handled = Handled {
                call: Id::from(*call),
                agent: Id::from("ann"),
                queue: None,
                answered_at: 0,
                completed_at: 60_000,
                handle_ms: 60_000,
                transferred: false,
            };
            samples.offer(&policy, &span, &handled);
        }
        samples.all()
    }

    fn keyed(samples: &[Sample]) -> Sent {
        (samples.iter())
            .map(|s| {
                (
                    (Id::from("acme"), s.agent.clone(), s.call.clone()),
                    s.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn a_new_choice_is_sent_and_the_one_it_replaced_is_sent_as_replaced() {
        let calls: Vec<String> = (0..20).map(|i| format!("c{i}")).collect();
        let names: Vec<&str> = calls.iter().map(String::as_str).collect();
        // Find the first call that displaces the one chosen before it.
        let at = (2..=names.len())
            .find(|&n| samples_after(&names[..n - 1])[0].call != samples_after(&names[..n])[0].call)
            .expect("among 20 calls one replaces an earlier choice");
        let before = keyed(&samples_after(&names[..at - 1]));
        let after = keyed(&samples_after(&names[..at]));
        let kept = BTreeMap::from([(Id::from("acme"), vec![0])]);
        let (chosen, replaced) = changes(&before, &after, &kept);
        let calls =
            |sent: &Sent| -> Vec<String> { sent.values().map(|s| s.call.to_string()).collect() };
        assert_eq!(calls(&chosen), [names[at - 1]]);
        assert_eq!(calls(&replaced), calls(&before));
        // Nothing changed: nothing to send.
        assert_eq!(changes(&after, &after, &kept), (Sent::new(), Sent::new()));
        // The period aged out: its calls are gone from the sample but were not replaced.
        let aged = BTreeMap::from([(Id::from("acme"), vec![86_400_000])]);
        assert_eq!(
            changes(&after, &Sent::new(), &aged),
            (Sent::new(), Sent::new())
        );
    }
}
