//! Reading an Asterisk queue_log against reading the same day as JSON v1, in domain events per second
//! (issue 11: parsing a queue_log line must be cheaper than JSON, and `report` over queue_log at least
//! as fast in events/s as over v1). The simulated day (one-second times) is written both ways in
//! memory; `decode` measures the decoders alone, `report` the work of `callboard report` without the
//! file: lines → decoder → engine → the queue interval table.
//! Run: `cargo bench --bench queue_log`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use callboard::center::settings::CenterSettings;
use callboard::decode::asterisk::write::QueueLogWriter;
use callboard::decode::asterisk::{QueueLogAdapter, QueueLogOptions};
use callboard::decode::{json_v1, DecodeLimits};
use callboard::event::{Event, Id};
use callboard::input::{for_each_line, Line};
use callboard::report;
use callboard::sim::{simulate, SimOptions};
use callboard::tenants::Tenants;

/// The day as v1 lines and as queue_log lines.
fn day() -> (Vec<u8>, Vec<u8>) {
    let options = SimOptions {
        second_resolution: true,
        hours: 48,
        ..SimOptions::default()
    };
    let (mut v1, mut queue_log) = (Vec::new(), Vec::new());
    let mut writer = QueueLogWriter::new();
    simulate(&options, |event: Event| {
        json_v1::encode(&event, &mut v1);
        v1.push(b'\n');
        writer.write(&event, &mut queue_log);
    });
    (v1, queue_log)
}

fn tenants() -> Tenants {
    let settings_of = std::sync::Arc::new(|_: &str| CenterSettings {
        lateness_ms: QueueLogAdapter::REQUIRED_LATENESS_MS,
        interval_retention_days: None,
        ..CenterSettings::default()
    });
    Tenants::new(settings_of, DecodeLimits::default())
}

fn adapter() -> QueueLogAdapter {
    QueueLogAdapter::new(QueueLogOptions {
        tenant: Id::from("acme"),
        ..QueueLogOptions::default()
    })
}

/// `callboard report` over v1 lines, without the file; returns the events applied.
fn report_v1(bytes: &[u8]) -> u64 {
    let mut tenants = tenants();
    let limit = DecodeLimits::DEFAULT_MAX_MESSAGE_BYTES;
    for_each_line(bytes, limit, |line, number| {
        if let Line::Text(line) = line {
            tenants.ingest_json(line, number);
        }
    })
    .unwrap();
    tenants.finish();
    std::hint::black_box(report::queue_table(tenants.centers()));
    tenants.totals().0
}

/// `callboard report --input-format asterisk_queue_log` over queue_log lines, without the file.
fn report_queue_log(bytes: &[u8]) -> u64 {
    let mut tenants = tenants();
    let mut adapter = adapter();
    let mut events = Vec::new();
    let limit = DecodeLimits::DEFAULT_MAX_MESSAGE_BYTES;
    for_each_line(bytes, limit, |line, number| {
        if let Line::Text(line) = line {
            let _ = adapter.adapt_into(line, &mut events);
            for event in events.drain(..) {
                tenants.ingest(event, number);
            }
        }
    })
    .unwrap();
    adapter.finish(&mut events);
    for event in events.drain(..) {
        tenants.ingest(event, u64::MAX);
    }
    tenants.finish();
    std::hint::black_box(report::queue_table(tenants.centers()));
    tenants.totals().0
}

fn decode_v1(bytes: &[u8]) -> u64 {
    let limits = DecodeLimits::default();
    let mut events = 0;
    for line in bytes
        .split(|&byte| byte == b'\n')
        .filter(|line| !line.is_empty())
    {
        events += u64::from(json_v1::decode(line, &limits).is_ok());
    }
    events
}

fn decode_queue_log(bytes: &[u8]) -> u64 {
    let mut adapter = adapter();
    let mut events = Vec::new();
    let mut count = 0;
    for line in bytes
        .split(|&byte| byte == b'\n')
        .filter(|line| !line.is_empty())
    {
        let _ = adapter.adapt_into(line, &mut events);
        count += events.len() as u64;
        events.clear();
    }
    adapter.finish(&mut events);
    count + events.len() as u64
}

fn bench(c: &mut Criterion) {
    let (v1, queue_log) = day();
    let (v1_events, queue_log_events) = (report_v1(&v1), report_queue_log(&queue_log));
    eprintln!(
        "day: v1 {} lines → {v1_events} events applied; queue_log {} lines → {queue_log_events} events applied",
        v1.split(|&b| b == b'\n').count() - 1,
        queue_log.split(|&b| b == b'\n').count() - 1,
    );
    let mut group = c.benchmark_group("decode");
    group.sample_size(20);
    group.throughput(Throughput::Elements(decode_v1(&v1)));
    group.bench_function(BenchmarkId::new("events", "callboard_v1"), |b| {
        b.iter(|| decode_v1(&v1))
    });
    group.throughput(Throughput::Elements(decode_queue_log(&queue_log)));
    group.bench_function(BenchmarkId::new("events", "asterisk_queue_log"), |b| {
        b.iter(|| decode_queue_log(&queue_log))
    });
    group.finish();
    let mut group = c.benchmark_group("report");
    group.sample_size(10);
    group.throughput(Throughput::Elements(v1_events));
    group.bench_function(BenchmarkId::new("events", "callboard_v1"), |b| {
        b.iter(|| report_v1(&v1))
    });
    group.throughput(Throughput::Elements(queue_log_events));
    group.bench_function(BenchmarkId::new("events", "asterisk_queue_log"), |b| {
        b.iter(|| report_queue_log(&queue_log))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
