//! The wallboard's event stream for one 2,000-agent tenant (8 queues, a simulated morning): bytes per
//! tick and time to cut and serialise it, for the whole center, one queue with its agents, and one
//! queue without agents. Run: `cargo bench --bench stream`.

use std::sync::Arc;

use callboard::center::settings::CenterSettings;
use callboard::center::snapshot::CenterSnapshot;
use callboard::decode::DecodeLimits;
use callboard::export::http::stream_data;
use callboard::export::view::{View, ViewQuery};
use callboard::sim::{simulate, SimOptions};
use callboard::tenants::Tenants;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

/// The allocator the `callboard` binary ships with (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn tenant() -> Vec<Arc<CenterSnapshot>> {
    let options = SimOptions {
        seed: 3,
        tenant: "acme".to_string(),
        agents: 2_000,
        queues: 8,
        peak_calls_per_hour: 6_000.0,
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
    tenants.snapshots(None).into_iter().map(Arc::new).collect()
}

fn stream(c: &mut Criterion) {
    let snapshots = tenant();
    let first_queue = snapshots[0].queues[0].queue.to_string();
    let mut group = c.benchmark_group("stream_tick");
    group.sample_size(20);
    for (name, query) in [
        ("whole", "tenant=acme".to_string()),
        ("one_queue", format!("tenant=acme&queues={first_queue}")),
        (
            "one_queue_no_agents",
            format!("tenant=acme&queues={first_queue}&agents=0"),
        ),
    ] {
        let query: ViewQuery = serde_urlencoded::from_str(&query).unwrap();
        let view = View::parse(&query).unwrap();
        let tick = stream_data(&snapshots, &view);
        let agents = view.cut(&snapshots[0]).agents.len();
        println!(
            "{name}: {} bytes per tick ({agents} agents of {})",
            tick.len(),
            snapshots[0].agents.len()
        );
        group.bench_with_input(BenchmarkId::new("view", name), &view, |b, view| {
            b.iter(|| stream_data(&snapshots, view))
        });
    }
    group.finish();
}

criterion_group!(benches, stream);
criterion_main!(benches);
