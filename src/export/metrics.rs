//! Prometheus exposition: the KPI families of `spec/metrics.md` written from the board's snapshots in
//! the classic text format that `promtool check metrics` lints, plus callboard's own metrics. Each
//! tenant's snapshot is written to text once, at the first scrape that sees it, and the text is kept on
//! the board beside the snapshot until the tenant publishes the next (so no longer than a tick): a
//! scrape joins the kept texts, so several scrapers of one tick cost one rendering. The text is written directly, not through the `prometheus` crate's `Collector` and
//! `MetricFamily` objects (a scrape of 10,000 agents built 174,000 of them): `text` writes the bytes its
//! encoder would. Reads snapshots; mutates nothing on the board.

pub mod families;
pub mod series;
pub mod text;

use std::sync::{Arc, Mutex};

use prometheus::TextEncoder;

use crate::board::Board;
use crate::center::snapshot::CenterSnapshot;
use crate::event::Millis;
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
    /// The per-family buffers a tenant is written into, kept between tenants and scrapes. Its lock
    /// also makes scrapes that come together after a tick wait for the first to write the texts
    /// instead of each writing them.
    scratch: Mutex<FamilyTexts>,
}

/// A tenant's text as the board keeps it beside the snapshot it is of (dropped when the tenant
/// publishes the next), with the settings it was written under.
struct Written {
    settings: ExpositionSettings,
    text: TenantText,
}

impl KpiCollector {
    pub fn new(board: Arc<Board>, settings: ExpositionSettings) -> Self {
        KpiCollector {
            board,
            settings,
            scratch: Mutex::new(FamilyTexts::default()),
        }
    }

    /// The text each of the board's tenants (ordered by tenant) has kept beside its snapshot, written
    /// now where it has none (it published since the last scrape).
    fn tenant_texts(&self) -> Vec<Arc<Written>> {
        let mut scratch = self
            .scratch
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (self.board.snapshots().iter())
            .map(|snapshot| {
                if let Some(kept) = self.kept(snapshot) {
                    return kept;
                }
                series::tenant(&mut *scratch, snapshot, &self.settings);
                let written = Arc::new(Written {
                    settings: self.settings,
                    text: scratch.take(),
                });
                self.board.keep_derived(snapshot, Arc::clone(&written) as _);
                written
            })
            .collect()
    }

    /// The text kept beside `snapshot`, if it was written under these settings.
    fn kept(&self, snapshot: &Arc<CenterSnapshot>) -> Option<Arc<Written>> {
        let derived = self.board.derived(snapshot)?.downcast::<Written>().ok()?;
        (derived.settings == self.settings).then_some(derived)
    }

    /// Bytes of text kept beside the board's snapshots.
    pub fn kept_bytes(&self) -> usize {
        (self.board.snapshots().iter())
            .filter_map(|snapshot| self.kept(snapshot))
            .map(|kept| kept.text.len())
            .sum()
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
    let texts: Vec<&TenantText> = texts.iter().map(|written| &written.text).collect();
    text::assemble(&texts, &own)
}

#[cfg(test)]
mod tests;
