//! Command line: raw arguments → validated options in one place, then one call into the library per
//! command. Exit codes: 0 success, 1 failure, 64 bad usage or configuration, 66 unreadable input.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::center::settings::{CenterSettings, Completions, MINUTE};
use crate::event::{RejectCounts, RejectReason};
use crate::input;
use crate::report::scorecard::{scorecard_table, Period};
use crate::report::{self, Format};
use crate::telemetry::{self, LogFormat};
use crate::tenants::Tenants;

mod duration;
mod parallel_feed;
mod report_kafka;
mod simulate;
pub(crate) mod source;
mod staffing;
mod token;

pub use simulate::SimulateArgs;
pub use staffing::StaffingArgs;

const EXIT_USAGE: u8 = 64;
const EXIT_NO_INPUT: u8 = 66;

#[derive(Parser, Debug)]
#[command(
    name = "callboard",
    version,
    about = "Real-time contact-center floor metrics from ACD events",
    long_about = "callboard turns the event stream of an ACD into the numbers a contact-center floor is run by: \
service level, average handle time, abandonment, occupancy, quotas and staffing, per queue and per agent.\n\n\
Input is the callboard JSON v1 event contract, one event per line (see spec/events.md); `replay` and \
`report` also read an Asterisk queue_log file (--input-format asterisk_queue_log) and FreeSWITCH \
mod_callcenter events as JSON Lines (--input-format freeswitch_callcenter)."
)]
pub struct Cli {
    /// Log format on stderr (`RUST_LOG` sets the filter, default `info`).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the service: consume Kafka, serve /metrics, the API and the wallboard (SIGHUP reloads the
    /// configuration's queue thresholds and targets; SIGTERM stops gracefully).
    Run(RunArgs),
    /// Everything on one machine with no setup: an embedded Kafka broker, a simulated day produced into
    /// it at an accelerated pace, and the service with its wallboard.
    Demo(crate::demo::DemoArgs),
    /// Feed a JSON Lines file (or an Asterisk queue_log, or FreeSWITCH mod_callcenter events) through the engine and print the final snapshot
    /// (tenants → queues, agents, windows) as JSON.
    Replay(ReplayArgs),
    /// Print the interval report (per queue, per agent with `--by agent`, or per team with its labour
    /// cost with `--by team`) of a JSON Lines file (or an
    /// Asterisk queue_log, or FreeSWITCH mod_callcenter events).
    Report(ReportArgs),
    /// Write a simulated contact-center day as JSON Lines (or as an Asterisk queue_log) to stdout.
    Simulate(SimulateArgs),
    /// What-if staffing: agents needed for a call volume and handle time (Erlang C, or Erlang A with
    /// --patience), with predicted service level, ASA, occupancy and abandonment.
    Staffing(StaffingArgs),
    /// Validate a configuration file (with CALLBOARD_ environment overrides) and explain what it sets up.
    CheckConfig(CheckConfigArgs),
    /// Access tokens for the HTTP port: `token new` makes one.
    Token(token::TokenArgs),
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Configuration file (see config/callboard.toml); CALLBOARD_ environment variables override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Kafka bootstrap brokers, overriding the configuration.
    #[arg(long)]
    pub brokers: Option<String>,
    /// HTTP listen address, overriding the configuration.
    #[arg(long)]
    pub listen: Option<String>,
}

#[derive(Args, Debug)]
pub struct CheckConfigArgs {
    /// The configuration file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Args, Debug)]
pub struct EngineArgs {
    #[command(flatten)]
    pub source: source::SourceArgs,
    /// Configuration file (thresholds, targets, windows, time zones); without it, the built-in defaults.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Allowed lateness, a duration such as `10s` or `2m`: events arriving up to this far behind the
    /// latest event time are applied as if in order; overrides the configuration (asterisk_queue_log
    /// input takes at least 1m: its rings are dated back by their duration; freeswitch_callcenter at
    /// least 1s).
    #[arg(long, value_name = "DURATION", value_parser = duration::millis)]
    pub lateness: Option<i64>,
    /// Does the input send call.completed? absent: a handle ends at the agent's next state, logout or
    /// answer. Overrides the tenants' `completions` in the configuration (default: sent).
    #[arg(long, value_enum, value_name = "sent|absent")]
    pub completions: Option<CompletionsArg>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CompletionsArg {
    Sent,
    Absent,
}

impl From<CompletionsArg> for Completions {
    fn from(completions: CompletionsArg) -> Self {
        match completions {
            CompletionsArg::Sent => Completions::Sent,
            CompletionsArg::Absent => Completions::Absent,
        }
    }
}

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// Input, one record per line in the --input-format (JSON Lines by default); `-` reads stdin.
    #[arg(long, short, value_name = "FILE|-")]
    pub input: PathBuf,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Print the JSON on one line instead of indented.
    #[arg(long)]
    pub compact: bool,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Input, one record per line in the --input-format (JSON Lines by default); `-` reads stdin.
    /// Or read a date range from Kafka with --brokers.
    #[arg(
        long,
        short,
        value_name = "FILE|-",
        required_unless_present = "brokers"
    )]
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub kafka: report_kafka::KafkaRangeArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Report interval: 15m or 30m (in the duration syntax, so 0.5h or 1800s too), aligned to the hour in
    /// each tenant's time zone.
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = report_interval)]
    pub interval: i64,
    /// Output format: CSV with the header of spec/metrics.md, or JSON Lines with the same keys.
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    pub format: FormatArg,
    /// One row per queue and interval, per agent and interval, or per team and interval (with the
    /// labour cost of `[defaults.labour]` in --config).
    #[arg(long, value_enum, default_value_t = ByArg::Queue)]
    pub by: ByArg,
    /// With `--by agent`: one scorecard row per agent and local day, week (Monday to Sunday) or month
    /// instead of per interval — handled, AHT and its parts, occupancy, utilization, not-ready time by
    /// reason, unanswered rings, outbound results, CSAT, review score, quota attainment, labour cost.
    #[arg(long, value_enum, value_name = "day|week|month")]
    pub period: Option<PeriodArg>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PeriodArg {
    Day,
    Week,
    Month,
}

impl From<PeriodArg> for Period {
    fn from(period: PeriodArg) -> Self {
        match period {
            PeriodArg::Day => Period::Day,
            PeriodArg::Week => Period::Week,
            PeriodArg::Month => Period::Month,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ByArg {
    Queue,
    Agent,
    /// Agents' time and labour cost summed by team.
    Team,
}

/// `--interval`, in ms: the intervals the engine aligns to the hour, as the configuration's
/// `engine.interval` allows.
fn report_interval(text: &str) -> Result<i64, String> {
    match duration::millis(text)? {
        interval if interval == 15 * MINUTE || interval == 30 * MINUTE => Ok(interval),
        _ => Err(format!("must be 15m or 30m, got {text}")),
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    let mut stdout = io::stdout().lock();
    let result = match &cli.command {
        Command::Run(args) => run_service(args),
        Command::Demo(args) => block_on(crate::demo::run(args)),
        Command::Replay(args) => replay(args, &mut stdout),
        Command::Report(args) => report_command(args, &mut stdout),
        Command::Simulate(args) => simulate::command(args, &mut stdout),
        Command::Staffing(args) => staffing::run(args, &mut stdout).map_err(Failure::Usage),
        Command::CheckConfig(args) => check_config(args, &mut stdout),
        Command::Token(args) => token::run(args, &mut stdout).map_err(Failure::Usage),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stops early (`| head`) is not a failure.
        Err(Failure::Other(error))
            if error
                .downcast_ref::<io::Error>()
                .is_some_and(|error| error.kind() == io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("callboard: {failure:#}");
            ExitCode::from(failure.exit_code())
        }
    }
}

/// A failed command and the exit code it ends with.
#[derive(Debug)]
pub enum Failure {
    Usage(anyhow::Error),
    NoInput(anyhow::Error),
    Other(anyhow::Error),
}

impl Failure {
    fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => EXIT_USAGE,
            Failure::NoInput(_) => EXIT_NO_INPUT,
            Failure::Other(_) => 1,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Usage(error) | Failure::NoInput(error) | Failure::Other(error) => {
                write!(f, "{error:#}")
            }
        }
    }
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Failure::Other(error.into())
    }
}

/// Each tenant's settings: the configuration's, with the flags of `args` and `adjust` applied, the
/// lateness at least `least_lateness`.
fn engine_settings(
    args: &EngineArgs,
    config: crate::config::Config,
    least_lateness: i64,
    adjust: impl Fn(&mut CenterSettings) + Send + Sync + 'static,
) -> crate::tenants::SettingsOf {
    let (lateness, completions) = (args.lateness, args.completions);
    std::sync::Arc::new(move |tenant: &str| {
        let mut settings = config.center_settings(tenant);
        if let Some(lateness) = lateness {
            settings.lateness_ms = lateness;
        }
        settings.lateness_ms = settings.lateness_ms.max(least_lateness);
        if let Some(completions) = completions {
            settings.completions = completions.into();
        }
        adjust(&mut settings);
        settings
    })
}

/// Runs the engine over `input` as `args` say and returns the tenants, finished.
fn run_engine(
    args: &EngineArgs,
    input: &std::path::Path,
    adjust: impl Fn(&mut CenterSettings) + Send + Sync + 'static,
) -> Result<Tenants, Failure> {
    let config = load_config(args.config.as_deref())?;
    let limits = config.decode_limits();
    if args.source.tenant.len() > 1 && args.source.input_format != source::InputFormat::CallboardV1
    {
        return Err(Failure::Usage(anyhow::anyhow!(
            "--tenant names the one tenant an adapter's input (--input-format) belongs to: give it once"
        )));
    }
    let zone = config.center_settings(args.source.tenant()).time_zone;
    let mut feed = source::Feed::new(&args.source, zone, limits);
    // An adapter dates rings back: its tenant needs the lateness to apply them in order.
    let least_lateness = feed.least_lateness_ms();
    let settings_of = engine_settings(args, config, least_lateness, adjust);
    let mut tenants = Tenants::new(settings_of, limits);
    let reader = input::open(input).map_err(Failure::NoInput)?;
    let lines = match (&feed, parallel_feed::decoders()) {
        (source::Feed::CallboardV1, Some(decoders)) => {
            parallel_feed::run(reader, limits, decoders, &mut tenants)?
        }
        _ => input::for_each_line(
            reader,
            limits.max_message_bytes,
            |line, number| match line {
                input::Line::Text(line) => feed.line(line, number, &mut tenants),
                // Skipped by the reader unbuffered: counted as the decoder counts a message over the limit.
                input::Line::TooLarge => source::too_large(&mut tenants),
            },
        )?,
    };
    feed.finish(lines + 1, &mut tenants);
    tenants.finish();
    summarise(&tenants, &feed.summary());
    Ok(tenants)
}

fn block_on(future: impl std::future::Future<Output = anyhow::Result<()>>) -> Result<(), Failure> {
    let runtime = tokio::runtime::Runtime::new().map_err(|error| Failure::Other(error.into()))?;
    runtime.block_on(future).map_err(Failure::Other)
}

/// Validates the configuration before anything is bound (exit 64 when it is wrong), then runs.
fn run_service(args: &RunArgs) -> Result<(), Failure> {
    let mut config = load_config(args.config.as_deref())?;
    if let Some(brokers) = &args.brokers {
        config.kafka.brokers = brokers.clone();
    }
    if let Some(listen) = &args.listen {
        config.http.listen = listen.clone();
    }
    block_on(crate::service::run(config, args.config.clone()))
}

/// The configuration file with environment overrides, or the defaults (still with overrides).
fn load_config(path: Option<&std::path::Path>) -> Result<crate::config::Config, Failure> {
    let result = match path {
        Some(path) => crate::config::load(path, std::env::vars()),
        None => crate::config::parse("", "defaults", std::env::vars()),
    };
    result.map_err(|error| Failure::Usage(error.into()))
}

fn check_config(args: &CheckConfigArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let config = load_config(Some(&args.file))?;
    writeln!(
        out,
        "{}: ok\n{}",
        args.file.display(),
        crate::config::explain(&config)
    )?;
    Ok(())
}

/// One line on stderr: events applied and rejected by reason, and what the input's decoder adds.
fn summarise(tenants: &Tenants, decoder: &str) {
    let (applied, rejected) = tenants.totals();
    eprintln!(
        "callboard: {applied} events applied, {} rejected{}{decoder}",
        rejected.total(),
        by_reason(&rejected)
    );
}

fn by_reason(rejected: &RejectCounts) -> String {
    let parts: Vec<String> = RejectReason::ALL
        .into_iter()
        .filter(|reason| rejected.get(*reason) > 0)
        .map(|reason| format!("{} {}", reason.as_str(), rejected.get(reason)))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

fn replay(args: &ReplayArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let tenants = run_engine(&args.engine, &args.input, |_| {})?;
    let snapshots = tenants.snapshots(None);
    let document = serde_json::json!({ "tenants": snapshots });
    if args.compact {
        serde_json::to_writer(&mut *out, &document)
            .map_err(|error| Failure::Other(error.into()))?;
    } else {
        serde_json::to_writer_pretty(&mut *out, &document)
            .map_err(|error| Failure::Other(error.into()))?;
    }
    writeln!(out)?;
    Ok(())
}

fn report_command(args: &ReportArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let interval_ms = args.interval;
    let by = args.by;
    if args.period.is_some() && !matches!(by, ByArg::Agent) {
        return Err(Failure::Usage(anyhow::anyhow!(
            "--period gives agent scorecards: use it with --by agent"
        )));
    }
    let adjust = move |settings: &mut CenterSettings| {
        settings.interval_ms = interval_ms;
        settings.interval_retention_days = None;
        settings.keep_agent_intervals = matches!(by, ByArg::Agent | ByArg::Team);
    };
    let table = match (&args.input, &args.kafka.brokers) {
        (Some(input), _) => {
            report_table(&run_engine(&args.engine, input, adjust)?, args, &|_, _| {
                true
            })
        }
        (None, Some(brokers)) => report_kafka::table(args, brokers, adjust)?,
        (None, None) => {
            return Err(Failure::Usage(anyhow::anyhow!(
                "report reads --input FILE or, with --brokers, a date range from Kafka"
            )))
        }
    };
    let format = match args.format {
        FormatArg::Csv => Format::Csv,
        FormatArg::Json => Format::JsonLines,
    };
    let mut buffered = io::BufWriter::new(out);
    report::write(&table, format, &mut buffered)?;
    buffered.flush()?;
    Ok(())
}

/// The report's rows of every tenant, as `--by` asks.
/// The table `args` ask for; a scorecard sums only the intervals `keep` keeps (by tenant and start).
fn report_table(
    tenants: &Tenants,
    args: &ReportArgs,
    keep: &dyn Fn(&str, i64) -> bool,
) -> report::Table {
    match (args.by, args.period) {
        (ByArg::Agent, Some(period)) => scorecard_table(tenants.centers(), period.into(), keep),
        (ByArg::Agent, None) => report::agent_table(tenants.centers()),
        (ByArg::Team, _) => report::team_table(tenants.centers()),
        (ByArg::Queue, _) => report::queue_table(tenants.centers()),
    }
}
