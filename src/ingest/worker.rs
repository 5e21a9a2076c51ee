//! One worker thread: a consumer-group member that owns the tenants of its partitions. One loop, a
//! closed enum of inputs (a message, a rebalance, a tick), each handled by one method. No locks on the
//! hot path: the worker's centers are its own; only snapshots leave it, through the board.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::topic_partition_list::Offset;
use tokio_util::sync::CancellationToken;

use super::context::{Rebalanced, WorkerContext, NOTHING_APPLIED};
use super::dead_letter::{dead_letter, dead_letter_late, DeadLetters};
use super::fetch_queue::{Batch, Fetched};
use super::owned::Owned;
use super::source::{Format, Read};
use super::state::StateWriter;
use super::{wall_clock_ms, Clock};
use crate::board::{Board, KafkaLink, PartitionStatus, Phase};
use crate::decode::DecodeLimits;
use crate::event::{Millis, RejectReason};
use crate::telemetry::Telemetry;
use crate::tenants::SettingsOf;

/// How long an idle worker waits for a message before it looks at the clock, the shutdown token and
/// the consumer queue (rebalances) again.
const POLL: Duration = Duration::from_millis(50);
/// While messages keep coming (catching up after an assignment or a burst), snapshots are published at
/// most this often, so the worker spends its time applying; once the queue runs dry, a due tick runs
/// at once. Live figures stay within about a second of the events either way.
const BUSY_TICK: Duration = Duration::from_secs(1);
/// How long the brokers may be unreachable before the instance stops reporting ready: a broker restart
/// or leader move takes seconds and should not take an instance out of a load balancer.
const KAFKA_GRACE: Duration = Duration::from_secs(10);
/// How far ahead of the wall clock an event's time may be (ACD clocks drift; minutes, not days).
const MAX_FUTURE_SKEW_MS: Millis = 5 * 60 * 1000;

pub struct Worker {
    pub(super) consumer: BaseConsumer<WorkerContext>,
    pub(super) rebalances: Receiver<Rebalanced>,
    /// The messages being handled (kept to reuse its allocation).
    pub(super) batch: Batch,
    pub(super) state: WorkerState,
}

/// Everything of a worker but its consumer, which messages borrow from while they are handled.
pub struct WorkerState {
    pub(super) topic: String,
    pub(super) owned: HashMap<i32, Owned>,
    /// The topic's format: each partition taken gets a reader of it.
    pub(super) format: Format,
    /// Events of the message being read (kept to reuse its allocation).
    pub(super) scratch: Vec<crate::event::Event>,
    /// Partitions the group took away, kept until the next assignment gives them back (they go on
    /// where they were) or to another member (their tenants are withdrawn).
    pub(super) held: HashMap<i32, Owned>,
    pub(super) board: Arc<Board>,
    pub(super) telemetry: Arc<Telemetry>,
    pub(super) settings_of: SettingsOf,
    pub(super) limits: DecodeLimits,
    pub(super) dead_letters: Option<DeadLetters>,
    pub(super) assigned_once: bool,
    pub(super) log_limit: RateLimit,
    pub(super) clock: Clock,
    /// This worker's number within the instance.
    pub(super) index: usize,
    /// Since when no broker connection is up (`None` while one is).
    pub(super) kafka_unreachable_since: Option<Instant>,
    /// How often snapshots are published and counters flushed.
    pub(super) tick: Duration,
    /// Silence after which a partition's buffered events are applied.
    pub(super) settle_after: Duration,
    /// Where partition state is written, and how often.
    pub(super) state_writer: Option<StateWriter>,
    pub(super) state_every: Duration,
    /// Bumped by a configuration reload; the worker then hands its centers the new settings.
    pub(super) reloads: Arc<AtomicU64>,
    pub(super) seen_reload: u64,
}

/// At most one log line per interval for a repeating condition (garbage floods).
pub struct RateLimit {
    last: Option<Instant>,
    suppressed: u64,
}

impl RateLimit {
    pub fn new() -> Self {
        RateLimit {
            last: None,
            suppressed: 0,
        }
    }

    /// `Some(suppressed since last time)` when a line may be logged now.
    fn allow(&mut self) -> Option<u64> {
        if self
            .last
            .is_some_and(|last| last.elapsed() < Duration::from_secs(10))
        {
            self.suppressed += 1;
            return None;
        }
        self.last = Some(Instant::now());
        Some(std::mem::take(&mut self.suppressed))
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit::new()
    }
}

impl Worker {
    /// Runs until `shutdown`: then stops fetching, commits what was applied, publishes a last snapshot.
    pub fn run(mut self, shutdown: CancellationToken) {
        let mut last_tick = Instant::now();
        loop {
            // The consumer queue first: a rebalance is handled before any message fetched after it.
            // Messages come through it only from a partition fetched before it was forwarded.
            let polled = self.consumer.poll(Duration::ZERO);
            while let Ok(rebalanced) = self.rebalances.try_recv() {
                self.state
                    .handle(&self.consumer, Input::Rebalanced(rebalanced));
            }
            let waiting = polled.is_none();
            match polled {
                Some(Ok(message)) => self
                    .state
                    .handle(&self.consumer, Input::Message(Fetched::of(&message))),
                Some(Err(error)) => self
                    .state
                    .handle(&self.consumer, Input::ConsumerError(error)),
                None => {}
            }
            let wait = if waiting { POLL } else { Duration::ZERO };
            self.consumer
                .context()
                .fetch_queue
                .take(wait, &mut self.batch);
            for fetched in self.batch.iter() {
                let input = match fetched {
                    Ok(message) => Input::Message(message),
                    Err(error) => Input::ConsumerError(error),
                };
                self.state.handle(&self.consumer, input);
            }
            let busy = !self.batch.is_empty();
            self.batch.clear();
            let since = last_tick.elapsed();
            let tick = self.state.tick;
            // Busy: at most every BUSY_TICK. Idle (nothing came in a whole wait): when due.
            let due = since >= tick && (!busy || since >= BUSY_TICK.max(tick));
            if due {
                self.state.handle(&self.consumer, Input::Tick);
                let owned = self.state.owned.keys().copied();
                self.consumer.context().forward(&self.consumer, owned);
                last_tick = Instant::now();
            }
            if shutdown.is_cancelled() {
                break;
            }
        }
        self.stop();
    }

    /// Shutdown order: fetching has stopped; commit what was applied, publish the last figures, flush
    /// dead letters.
    fn stop(mut self) {
        let context = self.consumer.context();
        if let Err(error) = context.commit_applied(&self.consumer, CommitMode::Sync) {
            tracing::warn!(%error, "cannot commit offsets at shutdown; they are replayed on restart");
        }
        self.state.on_tick(&self.consumer);
        let partitions: Vec<i32> = self.state.owned.keys().copied().collect();
        for partition in partitions {
            self.state.write_state(partition);
        }
        if let Some(writer) = &self.state.state_writer {
            writer.flush(Duration::from_secs(5));
        }
        if let Some(dead_letters) = &self.state.dead_letters {
            dead_letters.flush(Duration::from_secs(5));
        }
        tracing::info!(topic = self.state.topic, "worker stopped");
    }
}

impl Drop for Worker {
    /// The fetched messages and the fetch queue go before the consumer (fields drop after this):
    /// librdkafka's handle must outlive them.
    fn drop(&mut self) {
        self.batch.clear();
        self.consumer.context().fetch_queue.close();
    }
}

/// The high watermark librdkafka learned from the last fetch response of a partition — no broker call
/// (rdkafka wraps only the one that asks the broker).
fn cached_high_watermark(consumer: &WorkerConsumer, topic: &str, partition: i32) -> Option<i64> {
    use rdkafka::consumer::Consumer as _;
    let topic = std::ffi::CString::new(topic).ok()?;
    let (mut low, mut high) = (-1i64, -1i64);
    // SAFETY: the client pointer is valid while `consumer` lives; the topic is a NUL-terminated string
    // that outlives the call; librdkafka only writes the two offsets.
    let error = unsafe {
        rdkafka::bindings::rd_kafka_get_watermark_offsets(
            consumer.client().native_ptr(),
            topic.as_ptr(),
            partition,
            &mut low,
            &mut high,
        )
    };
    (error == rdkafka::bindings::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0)
        .then_some(high)
}

/// What applying an event needs besides the tenants.
struct Applying<'a> {
    live: bool,
    clock: Clock,
    telemetry: &'a Telemetry,
    log_limit: &'a mut RateLimit,
}

/// Applies one event taken from the message at `offset`: the rejection reason, if any.
fn apply(
    tenants: &mut crate::tenants::Tenants,
    event: crate::event::Event,
    offset: i64,
    applying: Applying<'_>,
) -> Option<RejectReason> {
    // Live, an event from further in the future than any clock skew is garbage: accepted, it would
    // move the tenant's watermark ahead and make every true event late.
    if applying.clock == Clock::Wall && event.time > wall_clock_ms() + MAX_FUTURE_SKEW_MS {
        tenants.count_undecodable_at(RejectReason::BadTime, offset as u64);
        if let Some(suppressed) = applying.log_limit.allow() {
            tracing::warn!(
                offset,
                time = event.time,
                suppressed,
                "rejected an event from the future"
            );
        }
        return Some(RejectReason::BadTime);
    }
    let time = event.time;
    let immediate = tenants.ingest(event, offset as u64);
    // Delay is wall-clock time minus event time: meaningless under the demo's event-time clock.
    if immediate.is_none() && applying.live && applying.clock == Clock::Wall {
        applying
            .telemetry
            .event_delay(((wall_clock_ms() - time) as f64 / 1000.0).max(0.0));
    }
    immediate
}

/// What the worker's loop handles, one named method each: librdkafka's callbacks and poll results
/// become these, so the loop reads as one match.
enum Input<'a> {
    Rebalanced(Rebalanced),
    Message(Fetched<'a>),
    ConsumerError(rdkafka::error::KafkaError),
    Tick,
}

/// The worker's consumer, as the state's methods receive it.
pub(super) type WorkerConsumer = BaseConsumer<WorkerContext>;

impl WorkerState {
    fn handle(&mut self, consumer: &WorkerConsumer, input: Input<'_>) {
        match input {
            Input::Rebalanced(rebalanced) => self.on_rebalance(consumer, rebalanced),
            Input::Message(message) => self.on_message(&message),
            Input::ConsumerError(error) => self.on_consumer_error(error),
            Input::Tick => self.on_tick(consumer),
        }
    }

    fn on_consumer_error(&mut self, error: rdkafka::error::KafkaError) {
        if let Some(suppressed) = self.log_limit.allow() {
            tracing::warn!(%error, suppressed, "kafka consumer error");
        }
    }
    fn on_message(&mut self, message: &Fetched<'_>) {
        let (partition, offset) = (message.partition, message.offset);
        let payload = message.payload.unwrap_or_default();
        let Some(owned) = self.owned.get_mut(&partition) else {
            return;
        };
        let live = owned.phase == Phase::Live;
        // A replayed message was dead-lettered by the instance that first read it.
        let dead_letters = self
            .dead_letters
            .as_ref()
            .filter(|_| offset >= owned.read_before);
        let mut events = std::mem::take(&mut self.scratch);
        let rejected = match owned
            .reader
            .read(message.key, payload, &self.limits, &mut events)
        {
            Err(error) => {
                if let Some(suppressed) = self.log_limit.allow() {
                    tracing::warn!(partition, offset, reason = error.reason.as_str(), detail = %error.detail, suppressed, "rejected message");
                }
                owned
                    .tenants
                    .count_undecodable_at(error.reason, offset as u64);
                Some(error.reason)
            }
            Ok(Read::Skipped) => {
                self.telemetry.record_skipped(&self.topic);
                None
            }
            Ok(Read::Events) => {
                let mut first = None;
                for event in events.drain(..) {
                    let rejected = apply(
                        &mut owned.tenants,
                        event,
                        offset,
                        Applying {
                            live,
                            clock: self.clock,
                            telemetry: &self.telemetry,
                            log_limit: &mut self.log_limit,
                        },
                    );
                    first = first.or(rejected);
                }
                first
            }
        };
        events.clear();
        self.scratch = events;
        if let Some(reason) = rejected {
            dead_letter(
                dead_letters,
                message.key,
                payload,
                reason,
                partition,
                offset,
            );
        }
        let read_before = owned.read_before;
        let all_dead_letters = self.dead_letters.as_ref();
        dead_letter_late(
            all_dead_letters,
            &mut owned.tenants,
            partition,
            Some(offset),
            read_before,
        );
        owned.messages += 1;
        owned.settled = false;
        owned.offsets.taken.store(offset + 1, Ordering::Relaxed);
        // Replaying, the group's offset stays at the boundary (a commit must never move it back: the
        // next owner would take the gap of history for live traffic).
        if offset + 1 >= owned.replay_until {
            owned.offsets.commit.store(offset + 1, Ordering::Relaxed);
        }
        if !live && offset + 1 >= owned.replay_until {
            self.go_live(partition);
        }
    }

    /// Tells the board and telemetry whether a broker is reachable, and whether it has been
    /// unreachable for longer than a short outage (readiness then fails).
    fn watch_kafka(&mut self, consumer: &WorkerConsumer) {
        let up = consumer.context().kafka_up.load(Ordering::Relaxed);
        let since = match (up, self.kafka_unreachable_since) {
            (true, _) => None,
            (false, None) => Some(Instant::now()),
            (false, since) => since,
        };
        if since.is_some() != self.kafka_unreachable_since.is_some() {
            tracing::warn!(worker = self.index, up, "kafka connection changed");
        }
        self.kafka_unreachable_since = since;
        let past_grace = since.is_some_and(|since| since.elapsed() >= KAFKA_GRACE);
        self.board
            .set_kafka_link(self.index, KafkaLink { up, past_grace });
        self.telemetry.kafka_up(self.index, up);
    }

    /// Writes a partition's state to the state topic, when one is configured and anything was taken
    /// since the last write.
    pub(super) fn write_state(&mut self, partition: i32) {
        let (Some(writer), Some(owned)) = (&self.state_writer, self.owned.get_mut(&partition))
        else {
            return;
        };
        let next = owned.offsets.taken.load(Ordering::Relaxed);
        let reflects = (next, owned.settled);
        if next == NOTHING_APPLIED || reflects == owned.state_written.0 {
            return;
        }
        let state = super::state::frame(next, &owned.tenants.encode_state());
        let key = super::state::key(&self.topic, partition);
        match writer.write(&key, &state) {
            Ok(()) => {
                tracing::debug!(
                    partition,
                    offset = next,
                    bytes = state.len(),
                    "partition state written"
                );
                owned.state_written = (reflects, Instant::now());
            }
            Err(error) => {
                tracing::warn!(partition, %error, "cannot write partition state; a restart replays more")
            }
        }
    }

    /// Writes the state of partitions whose last write is older than `state_every`.
    fn write_due_state(&mut self) {
        if self.state_writer.is_none() {
            return;
        }
        let due: Vec<i32> = self
            .owned
            .iter()
            .filter(|(_, owned)| owned.state_written.1.elapsed() >= self.state_every)
            .map(|(partition, _)| *partition)
            .collect();
        for partition in due {
            self.write_state(partition);
        }
    }

    fn go_live(&mut self, partition: i32) {
        if let Some(owned) = self.owned.get_mut(&partition) {
            owned.phase = Phase::Live;
            tracing::info!(partition, "partition replayed; live");
            self.board.set_partition(
                &self.topic,
                partition,
                PartitionStatus {
                    phase: Phase::Live,
                    lag: 0,
                },
            );
        }
    }

    /// Consumer lag per owned partition: the high watermark of the last fetch minus the position.
    fn report_lag(&self, consumer: &WorkerConsumer, positions: &rdkafka::TopicPartitionList) {
        for (partition, owned) in &self.owned {
            let Some(Offset::Offset(position)) = positions
                .find_partition(&self.topic, *partition)
                .map(|element| element.offset())
            else {
                continue;
            };
            if let Some(high) = cached_high_watermark(consumer, &self.topic, *partition) {
                let lag = (high - position).max(0);
                self.telemetry.consumer_lag(*partition, lag);
                self.board.set_partition(
                    &self.topic,
                    *partition,
                    PartitionStatus {
                        phase: owned.phase,
                        lag,
                    },
                );
            }
        }
    }

    fn on_tick(&mut self, consumer: &WorkerConsumer) {
        let now = self.clock.now();
        self.watch_kafka(consumer);
        self.write_due_state();
        // What was taken since the last tick is committed now, so a crash replays at most a tick's worth
        // of events as live (the rest is replayed silently up to the committed offset).
        if let Err(error) = consumer
            .context()
            .commit_applied(consumer, CommitMode::Async)
        {
            if let Some(suppressed) = self.log_limit.allow() {
                tracing::warn!(%error, suppressed, "cannot commit offsets; retrying on the next tick");
            }
        }
        let reload = self.reloads.load(Ordering::Acquire);
        if reload != self.seen_reload {
            self.seen_reload = reload;
            for owned in self.owned.values_mut() {
                owned.tenants.reconfigure();
            }
        }
        // A partition whose position already passed its replay boundary (e.g. nothing left in the window).
        if let Ok(positions) = consumer.position() {
            self.report_lag(consumer, &positions);
            let caught_up: Vec<i32> = self
                .owned
                .iter()
                .filter(|(_, owned)| owned.phase == Phase::Replaying)
                .filter(|(partition, owned)| {
                    matches!(positions.find_partition(&self.topic, **partition).map(|element| element.offset()),
                        Some(Offset::Offset(position)) if position >= owned.replay_until)
                })
                .map(|(partition, _)| *partition)
                .collect();
            for partition in caught_up {
                self.go_live(partition);
            }
        }
        for (partition, owned) in self.owned.iter_mut() {
            // Live, an adapter's completions end by the wall clock: a quiet log still ends wrap-ups.
            if let (Some(now), Phase::Live) = (now, owned.phase) {
                owned.reader.release_due(now, &mut self.scratch);
                let offset = owned.offsets.taken.load(Ordering::Relaxed) - 1;
                for event in self.scratch.drain(..) {
                    let applying = Applying {
                        live: true,
                        clock: self.clock,
                        telemetry: &self.telemetry,
                        log_limit: &mut self.log_limit,
                    };
                    apply(&mut owned.tenants, event, offset, applying);
                }
            }
            owned.publish(&self.board, now, self.index);
            if owned.messages != owned.messages_seen {
                owned.messages_seen = owned.messages;
                owned.quiet_since = Instant::now();
            } else if !owned.settled && owned.quiet_since.elapsed() >= self.settle_after {
                owned.tenants.settle();
                let read_before = owned.read_before;
                let dead_letters = self.dead_letters.as_ref();
                dead_letter_late(
                    dead_letters,
                    &mut owned.tenants,
                    *partition,
                    None,
                    read_before,
                );
                owned.settled = true;
            }
            owned.report_counts(&self.telemetry);
        }
        if let Some(dead_letters) = &self.dead_letters {
            dead_letters.poll();
        }
    }
}
