use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::center::agent::TimeState;
use crate::center::settings::MINUTE;

const NINE: Millis = 1_795_424_400_000; // 2026-11-23T09:00:00Z

fn unpacked(packed: &AgentIntervals) -> BTreeMap<Millis, AgentInterval> {
    packed.iter().collect()
}

/// Intervals with every part used somewhere: several not-ready reasons in the order first used,
/// floats that are not round (and a negative zero, which must stay one), teams that change back, the
/// largest counts, an interval with nothing in it, and starts before 1970.
fn varied() -> BTreeMap<Millis, AgentInterval> {
    let mut map = BTreeMap::new();
    let mut first = AgentInterval::default();
    first.times.available_ms = 412_345;
    first.times.talk_ms = 240_000;
    first.times.not_ready_ms = vec![(3, 60_000), (0, 1), (65_535, 7)];
    first.tallies.handled = 2;
    first.tallies.talk_ms = 480_137;
    first.tallies.survey_score_sum = 0.1 + 0.2;
    first.tallies.surveys = 1;
    first.team = Some(Id::from("team-a"));
    first.cost = 12.345_678_9;
    map.insert(NINE, first);
    let mut second = AgentInterval::default();
    second.tallies.dialed = u64::MAX;
    second.tallies.review_score_sum = -0.0;
    second.tallies.critical_failures = 1;
    second.team = Some(Id::from(
        "a team whose name is longer than an inline string",
    ));
    map.insert(NINE + 15 * MINUTE, second);
    map.insert(NINE + 30 * MINUTE, AgentInterval::default());
    let mut fourth = AgentInterval::default();
    fourth.times.ringing_ms = 1;
    fourth.team = Some(Id::from("team-a"));
    map.insert(NINE + 24 * 60 * MINUTE, fourth);
    // Not a whole number of minutes after the first (a zone offset in seconds, as some old ones are).
    let mut odd_start = AgentInterval::default();
    odd_start.times.available_ms = 2;
    map.insert(NINE + 45 * MINUTE + 1_234, odd_start);
    let mut before_1970 = AgentInterval::default();
    before_1970.times.hold_ms = 5;
    map.insert(-15 * MINUTE, before_1970);
    map
}

#[test]
fn packed_intervals_read_back_exactly_as_they_were() {
    let map = varied();
    let packed = AgentIntervals::from_map(map.clone());
    let read = unpacked(&packed);
    assert_eq!(read, map);
    assert_eq!(packed.len(), 6);
    // Equality of floats does not tell -0.0 from 0.0: the bits must survive too.
    let review = read[&(NINE + 15 * MINUTE)].tallies.review_score_sum;
    assert_eq!(review.to_bits(), (-0.0f64).to_bits());
}

#[test]
fn the_persisted_bytes_are_those_of_the_map_it_replaces() {
    let map = varied();
    let packed = AgentIntervals::from_map(map.clone());
    let as_map = postcard::to_allocvec(&Some(map.clone())).unwrap();
    assert_eq!(postcard::to_allocvec(&Some(packed)).unwrap(), as_map);
    let back: Option<AgentIntervals> = postcard::from_bytes(&as_map).unwrap();
    assert_eq!(back.map(|packed| unpacked(&packed)), Some(map));
}

#[test]
fn forgetting_old_intervals_keeps_exactly_the_newer_ones() {
    let map = varied();
    let mut packed = AgentIntervals::from_map(map.clone());
    packed.keep_from(NINE + 15 * MINUTE);
    let starts: Vec<Millis> = packed.iter().map(|(start, _)| start).collect();
    assert_eq!(
        starts,
        [
            NINE + 15 * MINUTE,
            NINE + 30 * MINUTE,
            NINE + 45 * MINUTE + 1_234,
            NINE + 24 * 60 * MINUTE
        ]
    );
    assert_eq!(
        packed.iter().next().map(|(_, interval)| interval),
        map.get(&(NINE + 15 * MINUTE)).cloned()
    );
    // The newest still takes changes in place after the forgetting.
    packed.update(NINE + 24 * 60 * MINUTE, |interval| {
        interval.times.ringing_ms += 2
    });
    let newest = packed
        .iter()
        .last()
        .map(|(_, interval)| interval.times.ringing_ms);
    assert_eq!(newest, Some(3));
}

#[test]
fn an_hour_of_usual_intervals_takes_a_few_hundred_bytes() {
    // Four intervals of an agent taking calls with a break: each changed many times, as the floor does.
    let mut packed = AgentIntervals::default();
    for quarter in 0..4 {
        let start = NINE + quarter * 15 * MINUTE;
        for _ in 0..10 {
            packed.update(start, |interval| {
                interval.times.add(TimeState::Available, 20_000);
                interval.times.add(TimeState::Talk, 60_000);
                interval.times.add(TimeState::Hold, 3_000);
                interval.times.add(TimeState::WrapUp, 6_000);
                interval.times.add(TimeState::NotReady(1), 1_000);
                interval.tallies.handled += 1;
                interval.tallies.talk_ms += 60_000;
                interval.team = Some(Id::from("team-7"));
            });
        }
    }
    // 900 s of time, ten handles: each figure a varint of at most three bytes, so an interval is under
    // 40 bytes and the hour, with the buffer's spare room, under 200 (as a map it was 2,300).
    assert!(packed.bytes.capacity() < 200, "{}", packed.bytes.capacity());
    assert_eq!(packed.teams.capacity(), 1);
    let first = packed.iter().next().map(|(_, interval)| interval);
    let expected_available = 10 * 20_000;
    assert_eq!(
        first.map(|interval| (interval.times.available_ms, interval.tallies.handled)),
        Some((expected_available, 10))
    );
}

/// One change to an interval, as the floor makes them: time in a state (with the team and cost), or a
/// tally.
#[derive(Debug, Clone)]
enum Change {
    Time {
        state: TimeState,
        ms: u64,
        team: Option<&'static str>,
        cost: f64,
    },
    Handled(u32),
    Survey(f64),
    Dialed,
}

impl Change {
    fn apply(&self, interval: &mut AgentInterval) {
        match self {
            Change::Time {
                state,
                ms,
                team,
                cost,
            } => {
                interval.times.add(*state, *ms);
                interval.team = team.map(Id::from);
                interval.cost += cost;
            }
            Change::Handled(talk_ms) => {
                interval.tallies.handled += 1;
                interval.tallies.talk_ms += u64::from(*talk_ms);
            }
            Change::Survey(score) => {
                interval.tallies.surveys += 1;
                interval.tallies.survey_score_sum += score;
            }
            Change::Dialed => interval.tallies.dialed += 1,
        }
    }
}

fn change() -> impl Strategy<Value = Change> {
    let state = prop_oneof![
        Just(TimeState::Available),
        Just(TimeState::Ringing),
        Just(TimeState::Talk),
        Just(TimeState::Hold),
        Just(TimeState::WrapUp),
        (0u16..4).prop_map(TimeState::NotReady),
    ];
    let team = prop_oneof![Just(None), Just(Some("red")), Just(Some("blue"))];
    prop_oneof![
        (state, 1u64..900_000, team, 0.0f64..10.0).prop_map(|(state, ms, team, cost)| {
            Change::Time {
                state,
                ms,
                team,
                cost,
            }
        }),
        any::<u32>().prop_map(Change::Handled),
        (0.0f64..1.0).prop_map(Change::Survey),
        Just(Change::Dialed),
    ]
}

proptest! {
    /// Changes to intervals in any order (mostly the newest, some older ones, as late tallies come),
    /// with old ones forgotten now and then and the open one packed now and then, leave the packed
    /// intervals equal to a map given the same, and their persisted bytes equal the map's.
    #[test]
    fn packed_intervals_equal_a_map_given_the_same_changes(
        steps in prop::collection::vec(
            (
                (0i64..12, prop::bool::weighted(0.1), change()),
                (prop::bool::weighted(0.05), prop::bool::weighted(0.1)),
            ),
            1..200,
        )
    ) {
        let mut map: BTreeMap<Millis, AgentInterval> = BTreeMap::new();
        let mut packed = AgentIntervals::default();
        for ((quarter, odd, change), (forget, pack)) in steps {
            // Now and then a start that is not a whole minute after the others.
            let start = NINE + quarter * 15 * MINUTE + if odd { 1_234 } else { 0 };
            change.apply(map.entry(start).or_default());
            packed.update(start, |interval| change.apply(interval));
            if forget {
                let keep_from = start - 30 * MINUTE;
                map = map.split_off(&keep_from);
                packed.keep_from(keep_from);
            }
            if pack {
                packed.pack();
            }
            prop_assert_eq!(unpacked(&packed), map.clone());
            prop_assert_eq!(packed.len(), map.len());
            let persisted = postcard::to_allocvec(&packed).unwrap();
            prop_assert_eq!(persisted, postcard::to_allocvec(&map).unwrap());
        }
    }
}
