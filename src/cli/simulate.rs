//! `callboard simulate`: flags → [`SimOptions`], then the pure simulation's events written as JSON Lines
//! to stdout or produced to Kafka, paced to the wall clock with `--realtime`. The clock, the sleeping and
//! the writing live here so that `sim` stays pure.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::ValueEnum;

use super::{duration, Failure};
use crate::decode::amazon_connect::write::ContactEventsWriter;
use crate::decode::asterisk::write::QueueLogWriter;
use crate::decode::freeswitch::write::CallcenterWriter;
use crate::decode::json_v1;
use crate::decode::twilio::write::TaskRouterWriter;
use crate::event::{Event, Millis};
use crate::ingest::produce::EventProducer;
use crate::sim::{simulate, SimOptions};

#[derive(clap::Args, Debug, Clone)]
pub struct SimulateArgs {
    /// Random seed: the same seed gives the same day.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Tenant (contact center) name written on every event.
    #[arg(long, default_value = "acme")]
    pub tenant: String,
    /// Start of the simulated day, RFC 3339 (default 2026-11-23T00:00:00Z).
    #[arg(long)]
    pub start: Option<String>,
    /// Hours to simulate.
    #[arg(long, default_value_t = 24)]
    pub hours: u32,
    /// Number of inbound queues.
    #[arg(long, default_value_t = 4)]
    pub queues: usize,
    /// Number of agents (about a tenth work the outbound campaign).
    #[arg(long, default_value_t = 80)]
    pub agents: usize,
    /// Inbound calls per hour over all queues at the busiest time of day.
    #[arg(long, default_value_t = 420.0)]
    pub calls_per_hour: f64,
    /// Mean caller patience before abandoning: a duration (90s, 2m) or bare seconds (120); 0 means
    /// callers never abandon.
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = duration::non_negative_seconds)]
    pub patience: f64,
    /// Stop after about this many events, running more simulated days if needed (for benchmark files).
    #[arg(long)]
    pub events: Option<usize>,
    /// Emit events out of order by up to this much (they keep their event times): a duration (5s,
    /// 500ms) or bare seconds (5).
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = duration::non_negative_seconds)]
    pub disorder: f64,
    /// Truncate event times to whole seconds, as many ACDs do.
    #[arg(long)]
    pub second_resolution: bool,
    /// A pure M/M/N queue instead of a realistic day: one queue, always-available agents, exponential
    /// talk times, no abandons (for checking figures against Erlang C).
    #[arg(long)]
    pub mmn: bool,
    /// Pace output to the event times (for a live demo).
    #[arg(long)]
    pub realtime: bool,
    /// With --realtime, simulated seconds per wall-clock second.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Produce the events to Kafka at these bootstrap brokers (keyed by tenant) instead of stdout.
    #[arg(long)]
    pub brokers: Option<String>,
    /// With --brokers, the topic to produce to.
    #[arg(long, default_value = "call-events")]
    pub topic: String,
    /// With --brokers, the records' Kafka timestamps: `produced` (the time each is sent, as a live
    /// feed's are) or `event` (each event's time, so `report --brokers --from --to` finds a simulated
    /// day on its date; a broker may refuse timestamps far ahead of its clock).
    #[arg(long, value_enum, default_value_t = Stamp::Produced)]
    pub stamp: Stamp,
    /// Output format: callboard JSON v1 lines, or the day as an Asterisk queue_log would have written
    /// it (without what queue_log cannot carry: holds, wrap-up ends, outbound calls, surveys; read it
    /// back with `report --input-format asterisk_queue_log`), or as FreeSWITCH mod_callcenter would have
    /// sent it (likewise without holds, wrap-up ends, outbound calls, surveys), as Twilio TaskRouter
    /// Event Streams CloudEvents (without holds, outbound calls, surveys), or as Amazon Connect contact
    /// events (without holds, rings, agent logins and states, outbound calls, surveys). Not with
    /// --brokers.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = super::source::InputFormat::CallboardV1)]
    pub format: super::source::InputFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Stamp {
    Produced,
    Event,
}

impl SimulateArgs {
    pub fn options(&self) -> anyhow::Result<SimOptions> {
        let start = match &self.start {
            Some(text) => crate::decode::time::parse_rfc3339(text).with_context(|| {
                format!("--start `{text}` is not RFC 3339 (e.g. 2026-11-23T00:00:00Z)")
            })?,
            None => SimOptions::default().start,
        };
        anyhow::ensure!(
            self.speed > 0.0,
            "--speed must be above 0, got {}",
            self.speed
        );
        anyhow::ensure!(
            self.agents > 0 && self.queues > 0,
            "--agents and --queues must be at least 1"
        );
        let mut options = if self.mmn {
            SimOptions::mmn(
                self.agents,
                self.calls_per_hour,
                SimOptions::default().talk_mean_ms,
                self.hours,
                self.seed,
            )
        } else {
            SimOptions {
                queues: self.queues,
                agents: self.agents,
                peak_calls_per_hour: self.calls_per_hour,
                patience_mean_ms: (self.patience > 0.0)
                    .then_some((self.patience * 1000.0) as Millis),
                hours: self.hours,
                seed: self.seed,
                ..SimOptions::default()
            }
        };
        options.tenant = self.tenant.clone();
        options.start = start;
        options.second_resolution = self.second_resolution;
        options.disorder_ms = (self.disorder * 1000.0) as Millis;
        if let Some(events) = self.events {
            options.max_events = Some(events);
            // Enough days for the requested size; the run stops at it.
            options.hours = options.hours.max(24 * 400);
        }
        Ok(options)
    }
}

/// `callboard simulate`: to stdout, or with `--brokers` to a Kafka topic.
pub fn command(args: &SimulateArgs, out: &mut dyn Write) -> Result<(), Failure> {
    use super::source::InputFormat;
    if matches!(
        args.format,
        InputFormat::AmazonConnectCtr | InputFormat::AmazonConnectAgentEvents
    ) {
        return Err(Failure::Usage(anyhow::anyhow!(
            "simulate writes callboard_v1, asterisk_queue_log, freeswitch_callcenter, twilio_taskrouter or amazon_connect_contact_events, not {}",
            clap::ValueEnum::to_possible_value(&args.format)
                .map_or_else(String::new, |value| value.get_name().to_string())
        )));
    }
    let Some(brokers) = &args.brokers else {
        let result = match args.format {
            InputFormat::CallboardV1 => run(args, &mut Lines::new(out)),
            InputFormat::AsteriskQueueLog => {
                let mut queue_log = QueueLogWriter::new();
                let write = move |event: &Event, lines: &mut Vec<u8>| queue_log.write(event, lines);
                run(args, &mut SourceLines::new(out, write))
            }
            InputFormat::FreeswitchCallcenter => {
                let mut callcenter = CallcenterWriter::new();
                let write =
                    move |event: &Event, lines: &mut Vec<u8>| callcenter.write(event, lines);
                run(args, &mut SourceLines::new(out, write))
            }
            InputFormat::TwilioTaskrouter => {
                let mut taskrouter = TaskRouterWriter::new();
                let write =
                    move |event: &Event, lines: &mut Vec<u8>| taskrouter.write(event, lines);
                run(args, &mut SourceLines::new(out, write))
            }
            InputFormat::AmazonConnectContactEvents => {
                let mut contact_events = ContactEventsWriter::new();
                let write =
                    move |event: &Event, lines: &mut Vec<u8>| contact_events.write(event, lines);
                run(args, &mut SourceLines::new(out, write))
            }
            InputFormat::AmazonConnectCtr | InputFormat::AmazonConnectAgentEvents => {
                unreachable!("refused above")
            }
        };
        return result.map_err(Failure::Usage);
    };
    if args.format != InputFormat::CallboardV1 {
        return Err(Failure::Usage(anyhow::anyhow!(
            "--format {} writes to stdout only, not with --brokers",
            args.format
                .to_possible_value()
                .map_or_else(String::new, |value| value.get_name().to_string())
        )));
    }
    let mut producer = EventProducer::new(brokers, &args.topic, &[]).map_err(Failure::Usage)?;
    if args.stamp == Stamp::Event {
        producer = producer.stamping_event_times();
    }
    let mut kafka = KafkaOutput { producer, sent: 0 };
    run(args, &mut kafka).map_err(Failure::Other)?;
    eprintln!(
        "produced {} events to {} at {brokers}",
        kafka.sent, args.topic
    );
    Ok(())
}

/// Where the events go: JSON Lines on a writer, or a Kafka topic.
trait Output {
    fn emit(&mut self, event: &Event) -> io::Result<()>;
    /// Pushes out what is buffered (before a realtime pause, and at the end).
    fn flush(&mut self) -> io::Result<()>;
}

/// JSON Lines to a writer.
struct Lines<W: Write> {
    writer: io::BufWriter<W>,
    line: Vec<u8>,
}

impl<W: Write> Lines<W> {
    fn new(writer: W) -> Self {
        Lines {
            writer: io::BufWriter::with_capacity(1 << 16, writer),
            line: Vec::with_capacity(512),
        }
    }
}

impl<W: Write> Output for Lines<W> {
    fn emit(&mut self, event: &Event) -> io::Result<()> {
        self.line.clear();
        json_v1::encode(event, &mut self.line);
        self.line.push(b'\n');
        self.writer.write_all(&self.line)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// A source format's lines (queue_log, mod_callcenter, TaskRouter or contact-event JSON) to a writer, each event written by `write`.
struct SourceLines<W: Write, F: FnMut(&Event, &mut Vec<u8>)> {
    writer: io::BufWriter<W>,
    write: F,
    lines: Vec<u8>,
}

impl<W: Write, F: FnMut(&Event, &mut Vec<u8>)> SourceLines<W, F> {
    fn new(writer: W, write: F) -> Self {
        SourceLines {
            writer: io::BufWriter::with_capacity(1 << 16, writer),
            write,
            lines: Vec::with_capacity(512),
        }
    }
}

impl<W: Write, F: FnMut(&Event, &mut Vec<u8>)> Output for SourceLines<W, F> {
    fn emit(&mut self, event: &Event) -> io::Result<()> {
        self.lines.clear();
        (self.write)(event, &mut self.lines);
        self.writer.write_all(&self.lines)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// Simulated events produced to Kafka, keyed by tenant.
struct KafkaOutput {
    producer: EventProducer,
    sent: u64,
}

impl Output for KafkaOutput {
    fn emit(&mut self, event: &Event) -> io::Result<()> {
        self.producer.send(event).map_err(io::Error::other)?;
        self.sent += 1;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.producer.flush().map_err(io::Error::other)
    }
}

/// `--realtime`: an event `offset` after the simulated start is written `offset / speed` after the run
/// started, and what is buffered goes out at least every 100 ms so a reader sees a steady stream.
struct Pacer {
    start: Millis,
    speed: f64,
    started: Instant,
    last_flush: Instant,
}

impl Pacer {
    const FLUSH_EVERY: Duration = Duration::from_millis(100);

    fn new(start: Millis, speed: f64) -> Self {
        let now = Instant::now();
        Pacer {
            start,
            speed,
            started: now,
            last_flush: now,
        }
    }

    /// Sleeps until the event at `time` is due, flushing first so nothing waits in a buffer meanwhile.
    fn wait_for(&self, time: Millis, out: &mut dyn Output) {
        let due =
            Duration::from_secs_f64(((time - self.start) as f64 / 1000.0 / self.speed).max(0.0));
        if let Some(wait) = due.checked_sub(self.started.elapsed()) {
            let _ = out.flush();
            std::thread::sleep(wait);
        }
    }

    fn flush_now_and_then(&mut self, out: &mut dyn Output) {
        if self.last_flush.elapsed() > Self::FLUSH_EVERY {
            let _ = out.flush();
            self.last_flush = Instant::now();
        }
    }
}

/// Writes the simulated events, paced to wall time with `--realtime`.
fn run(args: &SimulateArgs, out: &mut dyn Output) -> anyhow::Result<()> {
    let options = args.options()?;
    let mut pacer = args.realtime.then(|| Pacer::new(options.start, args.speed));
    let mut failure: Option<io::Error> = None;
    simulate(&options, |event| {
        if failure.is_some() {
            return;
        }
        if let Some(pacer) = &pacer {
            pacer.wait_for(event.time, out);
        }
        if let Err(error) = out.emit(&event) {
            failure = Some(error);
        }
        if let Some(pacer) = &mut pacer {
            pacer.flush_now_and_then(out);
        }
    });
    if let Some(error) = failure {
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        if error.kind() != io::ErrorKind::BrokenPipe {
            return Err(error.into());
        }
        return Ok(());
    }
    match out.flush() {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn options(flags: &[&str]) -> SimOptions {
        let cli = Cli::try_parse_from([&["callboard", "simulate"], flags].concat()).unwrap();
        let Command::Simulate(args) = cli.command else {
            unreachable!()
        };
        args.options().unwrap()
    }

    #[test]
    fn patience_and_disorder_take_durations_and_bare_seconds() {
        let defaults = options(&[]);
        assert_eq!(defaults, SimOptions::default());
        for patience in ["90", "90s", "1.5m"] {
            assert_eq!(
                options(&["--patience", patience]).patience_mean_ms,
                Some(90_000)
            );
        }
        assert_eq!(options(&["--patience", "0"]).patience_mean_ms, None);
        for disorder in ["2.5", "2500ms", "2.5s"] {
            assert_eq!(options(&["--disorder", disorder]).disorder_ms, 2_500);
        }
        for refused in ["soon", "NaN", "5 parsecs"] {
            assert!(
                Cli::try_parse_from(["callboard", "simulate", "--patience", refused]).is_err(),
                "{refused}"
            );
        }
    }

    #[test]
    fn lines_are_the_json_v1_encoding() {
        let options = SimOptions {
            max_events: Some(3),
            ..SimOptions::default()
        };
        let mut expected = Vec::new();
        simulate(&options, |event| {
            json_v1::encode(&event, &mut expected);
            expected.push(b'\n');
        });
        let mut written = Vec::new();
        let mut lines = Lines::new(&mut written);
        simulate(&options, |event| lines.emit(&event).unwrap());
        lines.flush().unwrap();
        drop(lines);
        assert_eq!(written, expected);
    }
}
