//! `report --brokers --from --to`: the interval report of a date range read from Kafka. Flags →
//! each tenant's range and the stretch of the topic to read (`report::range`), the read
//! (`ingest::range`), each record decoded as the service decodes its topic (`ingest::source`), the
//! engine, and the rows of the range.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::Duration;

use chrono::NaiveDate;
use clap::Args;

use super::{duration, engine_settings, load_config, report_table, summarise, Failure, ReportArgs};
use crate::center::settings::CenterSettings;
use crate::ingest::range::{self as kafka_range, RangeRead, RangeReadError, Record};
use crate::ingest::source::{Format, Reader};
use crate::ingest::{self, Clock};
use crate::report::range::{DateRange, ReadWindow, TenantRanges};
use crate::report::Table;
use crate::tenants::Tenants;

/// How often progress is written to a terminal's stderr.
const PROGRESS_EVERY: Duration = Duration::from_secs(2);
/// A partition still to be read that gives nothing this long fails the report.
const STALL_AFTER: Duration = Duration::from_secs(30);
/// A name no configured tenant has: its settings are those of any tenant the configuration does not
/// name (`[defaults]`).
const UNNAMED_TENANT: &str = "\0 unnamed";

#[derive(Args, Debug)]
pub struct KafkaRangeArgs {
    /// Read the report's events from Kafka instead of --input: the bootstrap brokers, e.g.
    /// kafka-1:9092,kafka-2:9092. Each partition is read from --lead-in before the range until a
    /// record is stamped past the range's end plus the allowed lateness, or up to its end as it was
    /// at the start; records must carry their event time as Kafka timestamp. No consumer group is
    /// joined and no offset is committed. The `[kafka]` properties of --config (TLS, SASL) apply, and
    /// the topic is decoded in the format its `[[sources]]` entry gives (callboard_v1 without one;
    /// --input-format and the adapter flags are for files). Fails, naming the partition, when
    /// retention has deleted records of the range.
    #[arg(long, value_name = "HOST:PORT,…", requires_all = ["from", "to"], conflicts_with = "input")]
    pub brokers: Option<String>,
    /// With --brokers: the topic of call events.
    #[arg(long, value_name = "TOPIC", default_value = "call-events")]
    pub topic: String,
    /// With --brokers: the first local date reported (YYYY-MM-DD), from midnight in each tenant's time
    /// zone (`time_zone` in --config; UTC by default).
    #[arg(long, value_name = "DATE", value_parser = local_date, requires = "brokers")]
    pub from: Option<NaiveDate>,
    /// With --brokers: the first local date NOT reported (exclusive), so --from 2026-11-01 --to
    /// 2026-11-08 is one week and one day is --from D --to D+1. Only rows whose interval starts
    /// within [--from, --to) in the tenant's zone are printed; a day of a daylight-saving change has
    /// 23 or 25 hours of intervals.
    #[arg(long, value_name = "DATE", value_parser = local_date, requires = "brokers")]
    pub to: Option<NaiveDate>,
    /// With --brokers: how long before --from reading starts, so calls begun before the range are
    /// whole (default: the configured `engine.call_expiry`, 4h unless set, the longest a call is
    /// kept). Agents logged in before it count from their first event read: for agent and team rows
    /// of shifts crossing midnight, give the longest shift, e.g. 12h.
    #[arg(long, value_name = "DURATION", value_parser = duration::millis, requires = "brokers")]
    pub lead_in: Option<i64>,
    /// With --brokers: no progress lines on stderr (they are written every 2 s only when stderr is
    /// a terminal, never to stdout).
    #[arg(long, requires = "brokers")]
    pub quiet: bool,
}

/// `--from`, `--to`: a calendar date.
fn local_date(text: &str) -> Result<NaiveDate, String> {
    text.parse()
        .map_err(|_| format!("expected a date as YYYY-MM-DD, e.g. 2026-11-01, got `{text}`"))
}

/// The report of the range `args` ask for, read from `brokers`.
pub fn table(
    args: &ReportArgs,
    brokers: &str,
    adjust: impl Fn(&mut CenterSettings) + Send + Sync + 'static,
) -> Result<Table, Failure> {
    let flags = &args.kafka;
    let usage = |error: String| Failure::Usage(anyhow::anyhow!(error));
    let (Some(from), Some(to)) = (flags.from, flags.to) else {
        return Err(usage("--brokers needs --from DATE and --to DATE".into()));
    };
    let range = DateRange::new(from, to).map_err(usage)?;
    let config = load_config(args.engine.config.as_deref())?;
    let mut ingest_settings = crate::service::ingest_settings(&config, Clock::EventTime);
    ingest_settings.brokers = brokers.to_string();
    let format = (ingest_settings.sources.iter())
        .find(|source| source.topic == flags.topic)
        .map_or(Format::CallboardV1, |source| source.format.clone());
    let limits = config.decode_limits();
    let lead_in = flags.lead_in.unwrap_or(config.engine.call_expiry.0);
    // The tenants asked, or every configured one and, in `[defaults]`' zone, any other.
    let named = &args.engine.source.tenant;
    let (tenants_known, others) = match named.is_empty() {
        true => (config.tenants.keys().cloned().collect::<Vec<_>>(), true),
        false => (named.clone(), false),
    };
    let zone_of = |tenant: &str| config.center_settings(tenant).time_zone;
    let ranges = TenantRanges::new(
        range,
        (tenants_known.iter()).map(|tenant| (tenant.clone(), zone_of(tenant))),
        others.then(|| zone_of(UNNAMED_TENANT)),
    );
    let settings_of = engine_settings(&args.engine, config, 0, adjust);
    let lateness = (tenants_known.iter().map(String::as_str))
        .chain(others.then_some(UNNAMED_TENANT))
        .map(|tenant| settings_of(tenant).lateness_ms)
        .max()
        .unwrap_or(0);
    let Some(bounds) = ranges.bounds() else {
        return Err(usage("no tenant to report".into()));
    };
    let read = RangeRead {
        topic: flags.topic.clone(),
        window: ReadWindow::new(bounds, lead_in, lateness),
        progress_every: (!flags.quiet && std::io::stderr().is_terminal()).then_some(PROGRESS_EVERY),
        stall_after: STALL_AFTER,
    };
    let mut client = ingest::client_config(&ingest_settings);
    // A reader of its own: partitions assigned, so the group is never joined (librdkafka wants a
    // group.id for an assignment all the same), nothing committed, no statistics taken.
    client
        .set("group.id", "callboard-report")
        .remove("statistics.interval.ms")
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false");
    let mut tenants = Tenants::new(settings_of.clone(), limits);
    let mut feed = RecordFeed {
        format,
        settings_of,
        readers: HashMap::new(),
        events: Vec::new(),
        ranges: &ranges,
        partition_of: HashMap::new(),
        other_tenants: 0,
        limits,
    };
    let totals = kafka_range::read(&client, &read, |record| {
        feed.take(record, &mut tenants);
    })
    .map_err(|error| match error {
        RangeReadError::NoTopic(_) => Failure::NoInput(error.into()),
        other => Failure::Other(other.into()),
    })?;
    for (partition, kept) in &totals.lead_in_cut {
        eprintln!(
            "callboard: warning: partition {partition} keeps records only from {}, after the lead-in \
             began: calls begun before then and ended within the range may be incomplete",
            crate::decode::time::rfc3339(*kept)
        );
    }
    // A tenant whose partition went past the window had nothing more in its range: its agents are
    // credited to the range's end, as a reader of the whole stream would credit them.
    tenants.finish_until(|tenant| {
        let partition = feed.partition_of.get(tenant)?;
        totals.passed_window.contains(partition).then_some(())?;
        ranges.span_of(tenant).map(|span| span.end)
    });
    let other_tenants = match feed.other_tenants {
        0 => String::new(),
        skipped => format!(", {skipped} events of tenants not asked skipped"),
    };
    summarise(
        &tenants,
        &format!(
            ", {} records read from {} partitions of {}{other_tenants}",
            totals.records, totals.partitions, read.topic
        ),
    );
    let mut table = report_table(&tenants, args, &|tenant, start| ranges.keeps(tenant, start));
    ranges.retain_rows(&mut table);
    Ok(table)
}

/// Decodes each record as the service decodes its topic (one reader per partition, as a worker has)
/// and hands the events of the tenants asked to the engine.
struct RecordFeed<'a> {
    format: Format,
    settings_of: crate::tenants::SettingsOf,
    readers: HashMap<i32, Reader>,
    events: Vec<crate::event::Event>,
    ranges: &'a TenantRanges,
    /// The partition each tenant's events came from.
    partition_of: HashMap<crate::event::Id, i32>,
    other_tenants: u64,
    limits: crate::decode::DecodeLimits,
}

impl RecordFeed<'_> {
    fn take(&mut self, record: Record<'_>, tenants: &mut Tenants) {
        let (format, settings_of) = (&self.format, &self.settings_of);
        let reader = (self.readers.entry(record.partition))
            .or_insert_with(|| Reader::new(format.clone(), settings_of.clone()));
        let tag = record.offset.max(0) as u64;
        match reader.read(record.key, record.payload, &self.limits, &mut self.events) {
            Err(error) => tenants.count_undecodable(error.reason),
            Ok(_) => {
                // An adapter's completions held for a wrap-up are due by the record's time.
                if let Some(time) = record.timestamp {
                    reader.release_due(time, &mut self.events);
                }
                for event in self.events.drain(..) {
                    if self.ranges.span_of(&event.tenant).is_some() {
                        if !self.partition_of.contains_key(&event.tenant) {
                            self.partition_of
                                .insert(event.tenant.clone(), record.partition);
                        }
                        tenants.ingest(event, tag);
                    } else {
                        self.other_tenants += 1;
                    }
                }
            }
        }
    }
}
