//! Throughput of the hot path and cost of snapshots, by scale. Run: `cargo bench --bench engine`.
//! - decode: JSON v1 lines of a simulated day → events;
//! - ingest: decoded events → a center (ordering buffer, dedup, floor);
//! - dedup: duplicate detection alone, over a simulated day's ids;
//! - snapshot: every figure of a center with N agents and N/10 queues;
//! - closed_records: the `call-intervals` records of a simulated 13-hour day of 40 agents and 4 queues
//!   (the pipeline bench's tenants), all closed; and the intervals topic producer's tick over such a
//!   set, settled or not.

use std::sync::Arc;

use callboard::center::dedup::{self, Dedup};
use callboard::center::settings::CenterSettings;
use callboard::center::{Center, Rejection};
use callboard::decode::{json_v1, DecodeLimits};
use callboard::event::{Event, Id};
use callboard::sim::{simulate, SimOptions};
use callboard::tenants::Tenants;
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};

/// The allocator the `callboard` binary ships with (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn day(events: usize) -> Vec<Event> {
    let mut all = Vec::with_capacity(events);
    simulate(
        &SimOptions {
            max_events: Some(events),
            hours: 24 * 40,
            ..SimOptions::default()
        },
        |event| all.push(event),
    );
    all
}

fn decode_and_encode(c: &mut Criterion) {
    let events = day(20_000);
    let lines: Vec<Vec<u8>> = events
        .iter()
        .map(|event| {
            let mut line = Vec::new();
            json_v1::encode(event, &mut line);
            line
        })
        .collect();
    let mut group = c.benchmark_group("json_v1");
    group.throughput(Throughput::Elements(lines.len() as u64));
    let limits = DecodeLimits::default();
    group.bench_function("decode", |b| {
        b.iter(|| {
            lines
                .iter()
                .filter(|line| json_v1::decode(line, &limits).is_ok())
                .count()
        })
    });
    // What a tenant flooding garbage costs everyone sharing its partition: rejecting a message, against
    // decoding a valid one above. Truncated lines, unknown types, bad times, binary noise, oversize.
    let garbage: Vec<Vec<u8>> = lines
        .iter()
        .enumerate()
        .map(|(index, line)| match index % 5 {
            0 => line[..line.len() / 2].to_vec(),
            1 => String::from_utf8_lossy(line)
                .replacen("\"call.", "\"call.teleported.", 1)
                .replacen("\"agent.", "\"agent.teleported.", 1)
                .into_bytes(),
            2 => String::from_utf8_lossy(line)
                .replacen("\"time\":\"2026", "\"time\":\"yesterday 2026", 1)
                .into_bytes(),
            3 => (0..line.len())
                .map(|byte| (byte * 131 % 251) as u8)
                .collect(),
            _ => vec![b'{'; 70_000],
        })
        .collect();
    group.bench_function("reject_garbage", |b| {
        b.iter(|| {
            garbage
                .iter()
                .filter(|line| json_v1::decode(line, &limits).is_err())
                .count()
        })
    });
    group.bench_function("encode", |b| {
        let mut out = Vec::with_capacity(512);
        b.iter(|| {
            for event in &events {
                out.clear();
                json_v1::encode(event, &mut out);
            }
        })
    });
    group.finish();
}

fn ingest(c: &mut Criterion) {
    let events = day(100_000);
    let mut group = c.benchmark_group("center");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("ingest", |b| {
        b.iter_batched(
            || events.clone(),
            |events| {
                let mut center = Center::new(Id::from("acme"), CenterSettings::default());
                let mut rejections: Vec<Rejection> = Vec::new();
                for (tag, event) in events.into_iter().enumerate() {
                    center.ingest(event, tag as u64, &mut rejections);
                }
                center
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// Duplicate detection alone: the ids and times of a simulated day, in arrival order, against the
/// default horizon.
fn dedup(c: &mut Criterion) {
    let arrivals: Vec<(i64, u64)> = day(100_000)
        .iter()
        .filter_map(|event| Some((event.time, dedup::id_hash(event.id.as_deref()?))))
        .collect();
    let mut group = c.benchmark_group("dedup");
    group.throughput(Throughput::Elements(arrivals.len() as u64));
    group.bench_function("is_duplicate", |b| {
        b.iter(|| {
            let mut dedup = Dedup::new(CenterSettings::DEFAULT_DEDUP_HORIZON_MS);
            let mut latest = i64::MIN;
            let mut duplicates = 0;
            for &(time, hash) in &arrivals {
                latest = latest.max(time);
                duplicates += usize::from(dedup.is_duplicate(hash, time, latest));
            }
            assert_eq!(duplicates, 0, "a simulated day repeats no id");
        })
    });
    group.finish();
}

fn snapshot(c: &mut Criterion) {
    let mut group = c.benchmark_group("snapshot");
    for agents in [100usize, 1_000, 10_000] {
        let options = SimOptions {
            agents,
            queues: 8,
            peak_calls_per_hour: agents as f64 * 8.0,
            hours: 12,
            ..SimOptions::default()
        };
        let mut tenants = Tenants::new(
            Arc::new(|_: &str| CenterSettings::default()),
            DecodeLimits::default(),
        );
        let mut tag = 0;
        simulate(&options, |event| {
            tag += 1;
            tenants.ingest(event, tag);
        });
        let center = tenants.center("acme").expect("tenant");
        let now = center.latest_event_time().unwrap_or(0);
        group.bench_with_input(BenchmarkId::from_parameter(agents), &agents, |b, _| {
            b.iter(|| center.snapshot(now))
        });
    }
    group.finish();
}

/// Every closed-interval record of one tenant's day, as a live partition builds them when intervals
/// close.
fn closed_records(c: &mut Criterion) {
    use callboard::intervals::rows::{closed_records, Closed};
    let settings = CenterSettings {
        keep_agent_intervals: true,
        closed_intervals: true,
        ..CenterSettings::default()
    };
    let mut center = Center::new(Id::from("acme"), settings.clone());
    let mut rejections: Vec<Rejection> = Vec::new();
    for (tag, event) in day(15_625).into_iter().enumerate() {
        center.ingest(event, tag as u64, &mut rejections);
    }
    let (floor, _) = center.projection();
    let latest = center.latest_event_time().expect("events");
    let closed = Closed {
        complete_from: i64::MIN,
        closing: latest,
        events_until: latest,
    };
    let records = Arc::new(closed_records("acme", &floor, &settings, closed));
    let mut group = c.benchmark_group("closed_records");
    group.throughput(Throughput::Elements(records.len() as u64));
    group.bench_function("day", |b| {
        b.iter(|| closed_records("acme", &floor, &settings, closed))
    });
    // What the intervals topic's producer does with a tenant's set at each tick while the set is the
    // one already sent: hashing every value against what was sent, or (settled) nothing.
    let nowhere = |_: &callboard::intervals::rows::Record| false;
    let mut sent = callboard::intervals::sent::TenantSent::default();
    sent.unsent(&records, nowhere);
    records.iter().for_each(|record| sent.mark(record));
    let rebuilt = Arc::new(records.to_vec());
    group.bench_function("producer tick, the set already sent", |b| {
        b.iter(|| sent.unsent(&rebuilt, nowhere).map(|unsent| unsent.len()))
    });
    sent.settle(&records);
    group.bench_function("producer tick, the set settled", |b| {
        b.iter(|| sent.unsent(&records, nowhere).map(|unsent| unsent.len()))
    });
    group.finish();
}

criterion_group!(
    benches,
    decode_and_encode,
    ingest,
    dedup,
    snapshot,
    closed_records
);
criterion_main!(benches);
