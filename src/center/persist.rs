//! A partition's state as bytes, for fast restarts (issue 10, "Fast restart: state snapshots"): what
//! [`crate::tenants::Tenants::encode_state`] writes and [`crate::tenants::Tenants::restore_state`]
//! reads back. Pure: the Kafka side (`ingest::state`) frames, stores and fetches the bytes.
//!
//! # Format
//!
//! [`FORMAT_VERSION`] as 2 bytes big-endian, then the state in [postcard] (varint integers, IEEE 754
//! floats as they are, no field names, enum variants by index):
//!
//! ```text
//! undecodable: RejectCounts, undecodable_replayed: RejectCounts, replay_until: u64,
//! centers: seq of (Shape, Center)    // Center: the derived serde of center/*.rs
//! ```
//!
//! Everything a center counts is kept: the floor (queues with their rolling records, intervals, calls
//! waiting and today's wait histogram; agents with their works, timelines, day, session and interval
//! figures; calls in flight; campaigns; reasons), the order buffer and deferred events, dedup, the
//! applied, rejected and replayed counts and the replay boundary. Settings are not: a restored center
//! takes the settings in force and reconfigures, as after a reload. What a reload cannot change (the
//! calendar, windows, lateness, dedup horizon, call expiry, retention, agent intervals, completions,
//! the calls-per-agent limit) shapes the state itself, so a snapshot taken under other values is
//! refused ([`PersistError::SettingsChanged`]) and the caller replays instead.
//!
//! Lookup tables that follow from the rest (queue and agent ids → index, the dedup set, the calendar's
//! caches) are rebuilt rather than stored; a restored floor is checked to hold no index out of range,
//! so a state that decodes can be applied to without panicking.
//!
//! Any change to the fields or enum variants of a persisted type (their order included) changes the
//! format: bump [`FORMAT_VERSION`], and an older snapshot is refused ([`PersistError::UnknownVersion`]).

use std::collections::BTreeMap;

use chrono_tz::Tz;
use hdrhistogram::Histogram;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use super::queue::wait_histogram;
use super::settings::{CenterSettings, Completions};
use super::Center;
use crate::event::{Id, Millis, RejectCounts};
use crate::kpi::QueueCounts;

/// Version of the encoding written by [`encode`]; [`decode`] reads this one only.
///
/// 2: `RejectCounts` has the `unsupported_record` reason (10 counts), agents count unanswered rings.
/// 3: agents keep the rings they let go unanswered since their last answer.
/// 4: calls chosen for quality review, and whether a call in work was transferred.
/// 5: an agent's report intervals keep every tally (dials, surveys, missed rings), for scorecards.
/// 6: agents keep what was counted at their latest instant, for a session that starts at it.
pub const FORMAT_VERSION: u16 = 6;

#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error("state snapshot format version {0}, this build reads version {FORMAT_VERSION}")]
    UnknownVersion(u16),
    #[error("state snapshot does not decode: {0}")]
    Malformed(String),
    #[error(
        "state snapshot of tenant {tenant} was taken with {setting} = {snapshot}, \
         the settings in force say {current}"
    )]
    SettingsChanged {
        tenant: String,
        setting: &'static str,
        snapshot: String,
        current: String,
    },
}

/// The restart-only settings, besides the calendar (which the floor keeps), that shape what a center
/// holds: a snapshot is restored only under the same values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Shape {
    rolling_windows_ms: Vec<Millis>,
    lateness_ms: Millis,
    dedup_horizon_ms: Millis,
    call_expiry_ms: Millis,
    keep_agent_intervals: bool,
    interval_retention_days: Option<u32>,
    completions: Completions,
    max_calls_per_agent: u64,
}

impl Shape {
    fn of(settings: &CenterSettings) -> Self {
        Shape {
            rolling_windows_ms: settings
                .rolling_windows
                .iter()
                .map(|window| window.length_ms)
                .collect(),
            lateness_ms: settings.lateness_ms,
            dedup_horizon_ms: settings.dedup_horizon_ms,
            call_expiry_ms: settings.call_expiry_ms,
            keep_agent_intervals: settings.keep_agent_intervals,
            interval_retention_days: settings.interval_retention_days,
            completions: settings.completions,
            max_calls_per_agent: settings.max_calls_per_agent as u64,
        }
    }
}

/// What [`decode`] gives back: the parts of `Tenants` a snapshot holds.
pub struct Decoded {
    pub undecodable: RejectCounts,
    pub undecodable_replayed: RejectCounts,
    pub replay_until: u64,
    /// Restored centers, with the settings in force.
    pub centers: BTreeMap<Id, Center>,
}

#[derive(Serialize)]
struct StateRef<'a> {
    undecodable: &'a RejectCounts,
    undecodable_replayed: &'a RejectCounts,
    replay_until: u64,
    centers: CentersRef<'a>,
}

struct CentersRef<'a>(&'a BTreeMap<Id, Center>);

impl Serialize for CentersRef<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let centers = self.0.values();
        serializer.collect_seq(centers.map(|center| (Shape::of(center.settings()), center)))
    }
}

#[derive(Deserialize)]
struct State {
    undecodable: RejectCounts,
    undecodable_replayed: RejectCounts,
    replay_until: u64,
    centers: Vec<(Shape, Center)>,
}

/// Encodes the state of a partition's tenants (see the module doc for the format).
pub fn encode(
    undecodable: &RejectCounts,
    undecodable_replayed: &RejectCounts,
    replay_until: u64,
    centers: &BTreeMap<Id, Center>,
) -> Vec<u8> {
    let state = StateRef {
        undecodable,
        undecodable_replayed,
        replay_until,
        centers: CentersRef(centers),
    };
    let bytes = FORMAT_VERSION.to_be_bytes().to_vec();
    // Serialising to memory fails only on a sequence of unknown length, and every one here has its
    // length up front.
    postcard::to_extend(&state, bytes).expect("a center's state always serialises")
}

/// Decodes [`encode`]'s bytes, giving each center `settings_of(tenant)`. An unknown version, bytes
/// that do not decode (or leave bytes over), a state that does not hold together, and a center whose
/// calendar or windows differ from the settings in force are errors.
pub fn decode(
    bytes: &[u8],
    settings_of: &dyn Fn(&str) -> CenterSettings,
) -> Result<Decoded, PersistError> {
    let Some((version, payload)) = bytes.split_first_chunk::<2>() else {
        return Err(PersistError::Malformed(format!(
            "{} bytes hold no version",
            bytes.len()
        )));
    };
    let version = u16::from_be_bytes(*version);
    if version != FORMAT_VERSION {
        return Err(PersistError::UnknownVersion(version));
    }
    let (state, rest): (State, _) = postcard::take_from_bytes(payload)
        .map_err(|error| PersistError::Malformed(error.to_string()))?;
    if !rest.is_empty() {
        return Err(PersistError::Malformed(format!(
            "{} bytes left over",
            rest.len()
        )));
    }
    let mut centers = BTreeMap::new();
    for (shape, mut center) in state.centers {
        let tenant = center.tenant().clone();
        let settings = settings_of(&tenant);
        check_unchanged(&tenant, &shape, &center, &settings)?;
        center
            .restored(settings)
            .map_err(|error| PersistError::Malformed(format!("tenant {tenant}: {error}")))?;
        if centers.insert(tenant.clone(), center).is_some() {
            return Err(PersistError::Malformed(format!("tenant {tenant} twice")));
        }
    }
    Ok(Decoded {
        undecodable: state.undecodable,
        undecodable_replayed: state.undecodable_replayed,
        replay_until: state.replay_until,
        centers,
    })
}

/// The first restart-only setting that differs between the snapshot and `settings`, as an error.
fn check_unchanged(
    tenant: &str,
    shape: &Shape,
    center: &Center,
    settings: &CenterSettings,
) -> Result<(), PersistError> {
    fn same<T: PartialEq + std::fmt::Debug>(
        tenant: &str,
        setting: &'static str,
        snapshot: T,
        current: T,
    ) -> Result<(), PersistError> {
        if snapshot == current {
            return Ok(());
        }
        Err(PersistError::SettingsChanged {
            tenant: tenant.to_string(),
            setting,
            snapshot: format!("{snapshot:?}"),
            current: format!("{current:?}"),
        })
    }
    let calendar = &center.floor().calendar;
    let current = Shape::of(settings);
    same(
        tenant,
        "time_zone",
        calendar.time_zone().name(),
        settings.time_zone.name(),
    )?;
    same(
        tenant,
        "day_start_hour",
        calendar.day_start_hour(),
        settings.day_start_hour,
    )?;
    same(
        tenant,
        "interval_ms",
        calendar.interval_ms(),
        settings.interval_ms,
    )?;
    same(
        tenant,
        "rolling_windows_ms",
        &shape.rolling_windows_ms,
        &current.rolling_windows_ms,
    )?;
    same(
        tenant,
        "lateness_ms",
        shape.lateness_ms,
        current.lateness_ms,
    )?;
    same(
        tenant,
        "dedup_horizon_ms",
        shape.dedup_horizon_ms,
        current.dedup_horizon_ms,
    )?;
    same(
        tenant,
        "call_expiry_ms",
        shape.call_expiry_ms,
        current.call_expiry_ms,
    )?;
    same(
        tenant,
        "keep_agent_intervals",
        shape.keep_agent_intervals,
        current.keep_agent_intervals,
    )?;
    same(
        tenant,
        "interval_retention_days",
        shape.interval_retention_days,
        current.interval_retention_days,
    )?;
    same(
        tenant,
        "completions",
        shape.completions,
        current.completions,
    )?;
    same(
        tenant,
        "max_calls_per_agent",
        shape.max_calls_per_agent,
        current.max_calls_per_agent,
    )?;
    // Whatever the comparisons above leave out.
    same(tenant, "settings", shape, &current)
}

/// A time zone by its IANA name.
pub mod time_zone {
    use super::*;

    pub fn serialize<S: Serializer>(zone: &Tz, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(zone.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Tz, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse::<Tz>()
            .map_err(|_| de::Error::custom(format!("unknown time zone {name}")))
    }
}

/// [`QueueCounts`] (in `kpi`, which derives no `Deserialize`), field by field.
#[derive(Serialize, Deserialize)]
#[serde(remote = "QueueCounts")]
pub struct QueueCountsDef {
    pub offered: u64,
    pub answered: u64,
    pub answered_within_threshold: u64,
    pub abandoned: u64,
    pub short_abandoned: u64,
    pub abandoned_within_threshold: u64,
    pub dequeued: u64,
    pub handled: u64,
    pub wait_answered_ms: u64,
    pub wait_abandoned_ms: u64,
    pub talk_ms: u64,
    pub hold_ms: u64,
    pub wrap_up_ms: u64,
    pub max_wait_ms: u64,
}

struct CountsRef<'a>(&'a QueueCounts);

impl Serialize for CountsRef<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        QueueCountsDef::serialize(self.0, serializer)
    }
}

#[derive(Deserialize)]
struct Counts(#[serde(with = "QueueCountsDef")] QueueCounts);

/// A queue's counts by interval start.
pub mod interval_counts {
    use super::*;

    pub fn serialize<S: Serializer>(
        intervals: &BTreeMap<Millis, QueueCounts>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_map(
            intervals
                .iter()
                .map(|(start, counts)| (start, CountsRef(counts))),
        )
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<Millis, QueueCounts>, D::Error> {
        let intervals = BTreeMap::<Millis, Counts>::deserialize(deserializer)?;
        Ok(intervals
            .into_iter()
            .map(|(start, counts)| (start, counts.0))
            .collect())
    }
}

/// An answered-wait histogram as its recorded buckets: (highest value of the bucket, count), lowest
/// first. Recording each value again fills the same buckets, so the round trip is exact.
struct HistogramRef<'a>(&'a Histogram<u32>);

impl Serialize for HistogramRef<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let buckets = self.0.iter_recorded();
        let mut seq = serializer.serialize_seq(Some(self.0.iter_recorded().count()))?;
        for bucket in buckets {
            seq.serialize_element(&(bucket.value_iterated_to(), bucket.count_at_value()))?;
        }
        seq.end()
    }
}

struct WaitHistogram(Histogram<u32>);

impl<'de> Deserialize<'de> for WaitHistogram {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Buckets;
        impl<'de> Visitor<'de> for Buckets {
            type Value = WaitHistogram;

            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("histogram buckets")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<WaitHistogram, A::Error> {
                let mut histogram = wait_histogram();
                while let Some((value, count)) = seq.next_element::<(u64, u32)>()? {
                    histogram
                        .record_n(value, count)
                        .map_err(|_| de::Error::custom(format!("wait {value} out of range")))?;
                }
                Ok(WaitHistogram(histogram))
            }
        }
        deserializer.deserialize_seq(Buckets)
    }
}

/// A queue's answered waits of one day: (day start, histogram), if it has any.
pub mod today_waits {
    use super::*;

    type TodayWaits = Option<(Millis, Box<Histogram<u32>>)>;

    pub fn serialize<S: Serializer>(today: &TodayWaits, serializer: S) -> Result<S::Ok, S::Error> {
        today
            .as_ref()
            .map(|(day, histogram)| (*day, HistogramRef(histogram)))
            .serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<TodayWaits, D::Error> {
        let today = Option::<(Millis, WaitHistogram)>::deserialize(deserializer)?;
        Ok(today.map(|(day, histogram)| (day, Box::new(histogram.0))))
    }
}
