//! Prometheus exposition: the KPI families of `spec/metrics.md` written from the board's snapshots in
//! the classic text format that `promtool check metrics` lints, plus callboard's own metrics. Each
//! tenant's snapshot is written to text once, at the first scrape that sees it, and kept until the
//! tenant publishes the next: a scrape joins the kept texts, so several scrapers of one tick cost one
//! rendering. The text is written directly, not through the `prometheus` crate's `Collector` and
//! `MetricFamily` objects (a scrape of 10,000 agents built 174,000 of them): `text` writes the bytes its
//! encoder would. Reads snapshots; mutates nothing on the board.

pub mod families;
pub mod series;
pub mod text;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use prometheus::TextEncoder;

use crate::board::Board;
use crate::center::snapshot::CenterSnapshot;
use crate::event::{Id, Millis};
use crate::telemetry::Telemetry;

use text::{FamilyTexts, TenantText};

/// What the exposition includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpositionSettings {
    /// Per-agent series (switch off for very large centers).
    pub export_agents: bool,
    /// Agents logged out, and unconfigured queues without activity, for longer than this are not exported.
    pub idle_expiry_ms: Millis,
}

impl Default for ExpositionSettings {
    fn default() -> Self {
        ExpositionSettings {
            export_agents: true,
            idle_expiry_ms: 3_600_000,
        }
    }
}

/// Renders the KPI families from the board, each tenant's snapshot once (no longer a `prometheus`
/// `Collector`; the name stays, as its callers know it).
pub struct KpiCollector {
    board: Arc<Board>,
    settings: ExpositionSettings,
    /// Each tenant's text, with the snapshot it was written from. One lock for all: scrapes that come
    /// together after a tick wait for the first to write the texts instead of each writing them.
    written: Mutex<Written>,
}

#[derive(Default)]
struct Written {
    tenants: HashMap<Id, WrittenTenant>,
    /// The per-family buffers a tenant is written into, kept between tenants and scrapes.
    scratch: FamilyTexts,
}

struct WrittenTenant {
    /// The snapshot the text is of. Weak: an old snapshot's figures are freed as soon as the board lets
    /// go of it, while its allocation (so its address, which identifies it) is kept until replaced.
    snapshot: Weak<CenterSnapshot>,
    text: Arc<TenantText>,
}

impl KpiCollector {
    pub fn new(board: Arc<Board>, settings: ExpositionSettings) -> Self {
        KpiCollector {
            board,
            settings,
            written: Mutex::new(Written::default()),
        }
    }

    /// The text of each of the board's tenants (ordered by tenant): kept where the snapshot is the one
    /// it was written from, written now where the tenant published since; withdrawn tenants forgotten.
    fn tenant_texts(&self) -> Vec<Arc<TenantText>> {
        let snapshots = self.board.snapshots();
        let mut written = self
            .written
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let Written { tenants, scratch } = &mut *written;
        tenants.retain(|tenant, _| {
            (snapshots.iter()).any(|snapshot| snapshot.tenant.as_str() == tenant.as_str())
        });
        snapshots
            .iter()
            .map(|snapshot| {
                let current = (tenants.get(&snapshot.tenant))
                    .filter(|kept| std::ptr::eq(kept.snapshot.as_ptr(), Arc::as_ptr(snapshot)));
                if let Some(kept) = current {
                    return Arc::clone(&kept.text);
                }
                series::tenant(scratch, snapshot, &self.settings);
                let text = Arc::new(scratch.take());
                let kept = WrittenTenant {
                    snapshot: Arc::downgrade(snapshot),
                    text: Arc::clone(&text),
                };
                tenants.insert(snapshot.tenant.clone(), kept);
                text
            })
            .collect()
    }

    /// Bytes of text kept for the tenants last scraped.
    pub fn kept_bytes(&self) -> usize {
        let written = self
            .written
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        written.tenants.values().map(|kept| kept.text.len()).sum()
    }
}

/// The KPI families of `snapshots` as text, written now (nothing kept).
fn written_now(snapshots: &[Arc<CenterSnapshot>], settings: &ExpositionSettings) -> String {
    let mut scratch = FamilyTexts::default();
    let texts: Vec<TenantText> = (snapshots.iter())
        .map(|snapshot| {
            series::tenant(&mut scratch, snapshot, settings);
            scratch.take()
        })
        .collect();
    text::assemble(&texts.iter().collect::<Vec<_>>(), "")
}

/// The KPI families of the tenants as `narrow` gives them (`None`: a tenant left out), without per-agent
/// series unless `agents`: what a token that sees part of the floor scrapes. callboard's own metrics are
/// left out. A narrowed snapshot is a scope's own, so its text is written for this scrape alone.
pub fn render_scoped(
    collector: &KpiCollector,
    narrow: &dyn Fn(&Arc<CenterSnapshot>) -> Option<Arc<CenterSnapshot>>,
    agents: bool,
) -> String {
    let snapshots: Vec<_> = (collector.board.snapshots().iter())
        .filter_map(narrow)
        .collect();
    let settings = ExpositionSettings {
        export_agents: collector.settings.export_agents && agents,
        ..collector.settings
    };
    written_now(&snapshots, &settings)
}

/// The whole `/metrics` body: KPI families, then callboard's own.
pub fn render(collector: &KpiCollector, telemetry: &Telemetry) -> String {
    let texts = collector.tenant_texts();
    let mut own = String::new();
    if let Err(error) = TextEncoder::new().encode_utf8(&telemetry.registry.gather(), &mut own) {
        tracing::error!(%error, "cannot encode callboard's own metrics");
    }
    text::assemble(&texts.iter().map(AsRef::as_ref).collect::<Vec<_>>(), &own)
}

#[cfg(test)]
mod tests;
