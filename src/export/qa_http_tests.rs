//! `/api/v1/tenants/{tenant}/qa/samples`: the calls chosen for review, by the date of their period.

use super::*;
use crate::access::{digest, Access, Read, Token};
use crate::alert::rule::Glob;
use crate::center::qa::SamplingPolicy;

/// acme with one review call per agent and day: a1 handled c1 on 2026-11-23 from 09:00:00 to 09:02:10
/// (talk 2 min, wrap-up 10 s). Token "s-api" reads the API without agents.
fn sampled() -> HttpState {
    let state = state();
    let settings = CenterSettings {
        qa_sampling: Some(SamplingPolicy {
            calls: 1,
            ..SamplingPolicy::default()
        }),
        ..CenterSettings::default()
    };
    let mut center = Center::new(Id::from("acme"), settings);
    let event = |time: &str, kind| Event {
        time: at(time),
        tenant: Id::from("acme"),
        id: None,
        kind,
    };
    let mut rejections = Vec::new();
    for item in [
        event(
            "2026-11-23T09:00:00Z",
            EventKind::CallQueued {
                caller: None,
                call: "c1".into(),
                queue: "billing".into(),
                priority: None,
                direction: Default::default(),
            },
        ),
        event(
            "2026-11-23T09:00:00Z",
            EventKind::CallAnswered {
                call: "c1".into(),
                queue: "billing".into(),
                agent: "a1".into(),
            },
        ),
        event(
            "2026-11-23T09:02:00Z",
            EventKind::CallEnded {
                call: "c1".into(),
                agent: "a1".into(),
            },
        ),
        event(
            "2026-11-23T09:02:10Z",
            EventKind::CallCompleted {
                call: "c1".into(),
                agent: "a1".into(),
                outcome: None,
                disposition: None,
            },
        ),
    ] {
        center.ingest(item, 0, &mut rejections);
    }
    center.flush(&mut rejections);
    assert!(rejections.is_empty(), "{rejections:?}");
    state
        .board
        .publish(center.snapshot(at("2026-11-23T10:00:00Z")));
    state
}

#[tokio::test]
async fn the_samples_of_a_date_are_listed_with_what_a_recording_system_needs() {
    let state = sampled();
    let (status, body) = get(&state, "/api/v1/tenants/acme/qa/samples").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let listed = json_of(&body);
    assert_eq!(
        (listed["date"].clone(), listed["count"].clone()),
        ("2026-11-23".into(), 1.into())
    );
    let sample = &listed["samples"][0];
    assert_eq!(sample["call"], "c1");
    assert_eq!(sample["agent"], "a1");
    assert_eq!(sample["queue"], "billing");
    assert_eq!(sample["reason"], "random");
    assert_eq!(sample["answered_at"], "2026-11-23T09:00:00.000Z");
    assert_eq!(sample["completed_at"], "2026-11-23T09:02:10.000Z");
    assert_eq!(sample["handle_seconds"], 130.0);
    let (_, body) = get(&state, "/api/v1/tenants/acme/qa/samples?date=2026-11-23").await;
    assert_eq!(json_of(&body)["count"], 1);
    let (_, body) = get(&state, "/api/v1/tenants/acme/qa/samples?date=2026-11-22").await;
    assert_eq!(json_of(&body)["count"], 0);
    let (status, _) = get(&state, "/api/v1/tenants/acme/qa/samples?date=23.11.2026").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = get(&state, "/api/v1/tenants/nobody/qa/samples").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A token without the agents read gets the agent under its pseudonym.
    *state.access.write().unwrap() = Arc::new(Access {
        open: false,
        tokens: vec![Token {
            name: "api".into(),
            sha256: digest("s-api"),
            tenants: vec![Glob("*".into())],
            queues: Vec::new(),
            teams: Vec::new(),
            reads: vec![Read::Api],
        }],
    });
    let (status, body) = get_as(&state, "/api/v1/tenants/acme/qa/samples", Some("s-api")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        !body.contains("\"a1\"") && body.contains("\"agent\":\"agent-"),
        "{body}"
    );
}
