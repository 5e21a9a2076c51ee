//! One worker thread: a consumer-group member that owns the tenants of its partitions. One loop, a
//! closed enum of inputs (a message, a rebalance, a tick), each handled by one method. No locks on the
//! hot path: the worker's centers are its own; only snapshots leave it, through the board.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::topic_partition_list::Offset;
use tokio_util::sync::CancellationToken;

use super::context::{Rebalanced, WorkerContext, NOTHING_APPLIED};
use super::dead_letter::{dead_letter, dead_letter_late, DeadLetters};
use super::state::StateWriter;
use super::{wall_clock_ms, Clock};
use crate::board::{Board, KafkaLink, PartitionStatus, Phase};
use crate::decode::{json_v1, DecodeLimits};
use crate::event::{Millis, RejectCounts, RejectReason};
use crate::telemetry::Telemetry;
use crate::tenants::{SettingsOf, Tenants};

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

/// The state of one owned partition: its tenants and how far it must replay.
pub(super) struct Owned {
    tenants: Tenants,
    replay_until: i64,
    phase: Phase,
    /// The next offset to commit, shared with the consumer context (which commits it): never below
    /// the replay boundary.
    next_offset: Arc<AtomicI64>,
    /// The next offset to read: the state written reflects everything below it.
    taken_until: i64,
    /// Offsets below this were read (and their rejections dead-lettered) by the group before.
    read_before: i64,
    /// Messages taken; the count a tick last saw, and since when it has not changed (no clock read
    /// per message); whether the buffer was settled since the last message.
    messages: u64,
    messages_seen: u64,
    /// The offset the last state written reflects, and when it was written.
    /// (offset, settled) of the state last written: a partition whose buffer settled since is
    /// written again, so a restart finds nothing pending.
    state_written: ((i64, bool), Instant),
    quiet_since: Instant,
    settled: bool,
    /// Totals already reported to telemetry (replay, live), so each tick reports only the difference.
    reported: [(u64, RejectCounts); 2],
}

impl Owned {
    /// Reports the events counted since the last report: those below the replay boundary as replay,
    /// the rest as live (by offset, so events buffered across the boundary count where they belong).
    fn report_counts(&mut self, telemetry: &Telemetry) {
        let counts = self.counts();
        for (live, (reported, (applied, rejected))) in [false, true]
            .into_iter()
            .zip(self.reported.iter_mut().zip(counts))
        {
            telemetry.events_applied(applied - reported.0, live);
            for reason in RejectReason::ALL {
                let delta = rejected.get(reason) - reported.1.get(reason);
                if delta > 0 {
                    telemetry.events_rejected(reason, delta, live);
                }
            }
            *reported = (applied, rejected);
        }
    }

    /// What the tenants have counted: (applied, rejected) of the replay, then of live traffic.
    fn counts(&self) -> [(u64, RejectCounts); 2] {
        let (applied, rejected) = self.tenants.totals();
        let (replayed_applied, replayed_rejected) = self.tenants.replayed();
        [
            (replayed_applied, replayed_rejected),
            (
                applied - replayed_applied,
                rejected.minus(&replayed_rejected),
            ),
        ]
    }
}

pub struct Worker {
    pub(super) consumer: BaseConsumer<WorkerContext>,
    pub(super) rebalances: Receiver<Rebalanced>,
    pub(super) state: WorkerState,
}

/// Everything of a worker but its consumer, which messages borrow from while they are handled.
pub struct WorkerState {
    pub(super) topic: String,
    pub(super) owned: HashMap<i32, Owned>,
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
        // Messages since the last look at the shutdown token (which takes a lock).
        let mut since_check = 0u32;
        loop {
            let polled = self.consumer.poll(POLL);
            let busy = matches!(polled, Some(Ok(_)));
            // Rebalance callbacks ran inside poll: handle them before the message they preceded.
            while let Ok(rebalanced) = self.rebalances.try_recv() {
                self.state
                    .handle(&self.consumer, Input::Rebalanced(rebalanced));
            }
            match polled {
                Some(Ok(message)) => self.state.handle(&self.consumer, Input::Message(message)),
                Some(Err(error)) => self
                    .state
                    .handle(&self.consumer, Input::ConsumerError(error)),
                None => {}
            }
            let since = last_tick.elapsed();
            let tick = self.state.tick;
            // Busy: at most every BUSY_TICK. Idle (a whole poll without a message): when due.
            let due = since >= tick && (!busy || since >= BUSY_TICK.max(tick));
            if due {
                self.state.handle(&self.consumer, Input::Tick);
                last_tick = Instant::now();
            }
            since_check += 1;
            if !busy || due || since_check >= 1024 {
                since_check = 0;
                if shutdown.is_cancelled() {
                    break;
                }
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

/// What the worker's loop handles, one named method each: librdkafka's callbacks and poll results
/// become these, so the loop reads as one match.
enum Input<'a> {
    Rebalanced(Rebalanced),
    Message(BorrowedMessage<'a>),
    ConsumerError(rdkafka::error::KafkaError),
    Tick,
}

/// The worker's consumer, as the state's methods receive it.
type WorkerConsumer = BaseConsumer<WorkerContext>;

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
    fn on_rebalance(&mut self, consumer: &WorkerConsumer, rebalanced: Rebalanced) {
        match rebalanced {
            Rebalanced::Assigned(assignments) => {
                for assignment in assignments {
                    // A loaded state at or past the committed offset has nothing to replay.
                    let restored_at = assignment.restored.as_ref().map(|(offset, _)| *offset);
                    let phase = if assignment.replay_until <= 0
                        || restored_at.is_some_and(|offset| offset >= assignment.replay_until)
                    {
                        Phase::Live
                    } else {
                        Phase::Replaying
                    };
                    self.board.set_partition(
                        &self.topic,
                        assignment.partition,
                        PartitionStatus { phase, lag: 0 },
                    );
                    let mut owned = Owned {
                        tenants: {
                            let mut tenants = match assignment.restored {
                                Some((_, restored)) => *restored,
                                None => Tenants::new(Arc::clone(&self.settings_of), self.limits),
                            };
                            tenants.replay_until(assignment.replay_until.max(0) as u64);
                            tenants
                        },
                        replay_until: assignment.replay_until,
                        phase,
                        next_offset: {
                            let cell = consumer.context().applied_cell(assignment.partition);
                            if assignment.replay_until > 0 {
                                cell.store(assignment.replay_until, Ordering::Relaxed);
                            }
                            cell
                        },
                        taken_until: NOTHING_APPLIED,
                        read_before: assignment.read_before,
                        messages: 0,
                        messages_seen: 0,
                        state_written: ((NOTHING_APPLIED, false), Instant::now()),
                        quiet_since: Instant::now(),
                        settled: true,
                        reported: Default::default(),
                    };
                    // Counts loaded with a partition's state were reported by the instance that
                    // counted them: only what is counted from here on is reported again.
                    owned.reported = owned.counts();
                    self.owned.insert(assignment.partition, owned);
                }
                if !self.assigned_once {
                    self.assigned_once = true;
                    self.board.mark_assigned();
                }
            }
            Rebalanced::Revoked(partitions) => {
                for partition in partitions {
                    // The next owner loads it and replays only what comes after.
                    self.write_state(partition);
                    if let Some(owned) = self.owned.remove(&partition) {
                        for center in owned.tenants.centers() {
                            self.board.withdraw(center.tenant());
                        }
                    }
                    self.board.remove_partition(&self.topic, partition);
                    self.telemetry.partition_released(partition);
                    consumer.context().forget_partition(partition);
                }
            }
        }
    }

    fn on_message(&mut self, message: &BorrowedMessage<'_>) {
        let (partition, offset) = (message.partition(), message.offset());
        let payload = message.payload().unwrap_or_default();
        let Some(owned) = self.owned.get_mut(&partition) else {
            return;
        };
        let live = owned.phase == Phase::Live;
        // A replayed message was dead-lettered by the instance that first read it.
        let dead_letters = self
            .dead_letters
            .as_ref()
            .filter(|_| offset >= owned.read_before);
        let rejected = match json_v1::decode(payload, &self.limits) {
            Err(error) => {
                if let Some(suppressed) = self.log_limit.allow() {
                    tracing::warn!(partition, offset, reason = error.reason.as_str(), detail = %error.detail, suppressed, "rejected message");
                }
                owned
                    .tenants
                    .count_undecodable_at(error.reason, offset as u64);
                Some(error.reason)
            }
            // Live, an event from further in the future than any clock skew is garbage: accepted, it would
            // move the tenant's watermark ahead and make every true event late.
            Ok(event)
                if self.clock == Clock::Wall
                    && event.time > wall_clock_ms() + MAX_FUTURE_SKEW_MS =>
            {
                owned
                    .tenants
                    .count_undecodable_at(RejectReason::BadTime, offset as u64);
                if let Some(suppressed) = self.log_limit.allow() {
                    tracing::warn!(
                        partition,
                        offset,
                        time = event.time,
                        suppressed,
                        "rejected an event from the future"
                    );
                }
                Some(RejectReason::BadTime)
            }
            Ok(event) => {
                let time = event.time;
                let immediate = owned.tenants.ingest(event, offset as u64);
                // Delay is wall-clock time minus event time: meaningless under the demo's event-time clock.
                if immediate.is_none() && live && self.clock == Clock::Wall {
                    self.telemetry
                        .event_delay(((wall_clock_ms() - time) as f64 / 1000.0).max(0.0));
                }
                immediate
            }
        };
        if let Some(reason) = rejected {
            dead_letter(
                dead_letters,
                message.key(),
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
        owned.taken_until = offset + 1;
        // Replaying, the group's offset stays at the boundary (a commit must never move it back: the
        // next owner would take the gap of history for live traffic).
        if offset + 1 >= owned.replay_until {
            owned.next_offset.store(offset + 1, Ordering::Relaxed);
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
    fn write_state(&mut self, partition: i32) {
        let (Some(writer), Some(owned)) = (&self.state_writer, self.owned.get_mut(&partition))
        else {
            return;
        };
        let next = owned.taken_until;
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
        let now = match self.clock {
            Clock::Wall => Some(wall_clock_ms()),
            Clock::EventTime => None,
        };
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
            let (board, phase) = (&self.board, owned.phase);
            owned.tenants.publish(now, |snapshot, intervals| {
                if let Some(table) = intervals {
                    board.publish_intervals(&snapshot.tenant, table);
                }
                board.publish_in(snapshot, phase);
            });
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
