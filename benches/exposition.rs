//! Cost of `/metrics` by scale: 10,000 agents and 1,000 queues (the goal is at most 30 ms), and smaller.
//! `scrape_after_tick`: the first scrape after every tenant published (each tenant's text written, then
//! joined); `scrape_again`: another scrape of the same snapshots (the kept texts joined). Prints the body's
//! size and the text kept beside the snapshots after a scrape and after the next tick.
//! Run: `cargo bench --bench exposition`.

use std::sync::Arc;

use callboard::board::Board;
use callboard::center::settings::CenterSettings;
use callboard::center::snapshot::CenterSnapshot;
use callboard::decode::DecodeLimits;
use callboard::export::metrics::{render, ExpositionSettings, KpiCollector};
use callboard::sim::{simulate, SimOptions};
use callboard::telemetry::Telemetry;
use callboard::tenants::Tenants;
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};

/// The allocator the `callboard` binary ships with (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Ten tenants, each with a tenth of the agents and queues, after a simulated morning.
fn board(agents: usize, queues: usize) -> Arc<Board> {
    let board = Board::new(1);
    for index in 0..10 {
        let options = SimOptions {
            seed: index as u64,
            tenant: format!("center-{index}"),
            agents: agents / 10,
            queues: queues / 10,
            peak_calls_per_hour: agents as f64,
            hours: 11,
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
        for snapshot in tenants.snapshots(None) {
            board.publish(snapshot);
        }
    }
    board
}

fn exposition(c: &mut Criterion) {
    let mut group = c.benchmark_group("metrics_render");
    group.sample_size(10);
    let telemetry = Telemetry::new();
    for (agents, queues) in [(1_000, 100), (10_000, 1_000)] {
        let board = board(agents, queues);
        let collector = KpiCollector::new(Arc::clone(&board), ExpositionSettings::default());
        let body = render(&collector, &telemetry);
        let kept = collector.kept_bytes();
        // A tick: every tenant publishes a new snapshot (the same figures, a new one to write).
        let tick = || {
            for snapshot in board.snapshots() {
                board.publish(CenterSnapshot::clone(&snapshot));
            }
        };
        tick();
        println!(
            "{agents} agents, {queues} queues: {} lines, {} bytes of exposition; text kept after a \
             scrape {kept} bytes ({} per agent), after the next tick {} bytes",
            body.lines().count(),
            body.len(),
            kept / agents,
            collector.kept_bytes()
        );
        let scale = format!("{agents}_{queues}");
        group.bench_with_input(
            BenchmarkId::new("scrape_after_tick", &scale),
            &collector,
            |b, collector| {
                b.iter_batched(
                    tick,
                    |()| render(collector, &telemetry),
                    BatchSize::PerIteration,
                )
            },
        );
        group.bench_with_input(
            BenchmarkId::new("scrape_again", &scale),
            &collector,
            |b, collector| b.iter(|| render(collector, &telemetry)),
        );
    }
    group.finish();
}

criterion_group!(benches, exposition);
criterion_main!(benches);
