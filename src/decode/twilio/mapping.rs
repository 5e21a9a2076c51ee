//! TaskRouter event types → domain events (the table of `docs/sources/twilio.md`). Pure: a
//! [`Record`], the adapter's [`State`] and options in, events out.

use super::record::Record;
use super::state::{Phase, State};
use super::{ActivityMeaning, Mapped, TaskRouterOptions};
use crate::decode::DecodeError;
use crate::event::{Availability, DequeueReason, Direction, Event, EventKind, Id, RejectReason};

/// Everything an event's mapping needs: the record, its id hash, state, options and the output.
pub struct Mapper<'a, 'r> {
    pub record: &'a Record<'r>,
    pub hash: u64,
    pub state: &'a mut State,
    pub options: &'a TaskRouterOptions,
    pub out: &'a mut Vec<Event>,
}

fn missing(field: &str, event_type: &str) -> DecodeError {
    DecodeError::new(
        RejectReason::MissingField,
        format!("{event_type} needs a {field}"),
    )
}

/// How a `task.canceled` reason ends the call's wait: TaskRouter's own time-outs are dequeues, a
/// caller's hang-up (or no reason) an abandon, any other reason (an application's) a dequeue.
fn canceled(reason: Option<&str>) -> Option<DequeueReason> {
    let reason = reason.unwrap_or("").to_ascii_lowercase();
    if reason.contains("ttl exceeded") || reason.contains("timeout") {
        Some(DequeueReason::Timeout)
    } else if reason.is_empty()
        || ["hangup", "hang up", "hung up", "caller"]
            .iter()
            .any(|word| reason.contains(word))
    {
        None
    } else {
        Some(DequeueReason::Other)
    }
}

impl Mapper<'_, '_> {
    fn emit(&mut self, suffix: &str, kind: EventKind) {
        self.out.push(Event {
            time: self.record.time,
            tenant: self.options.tenant.clone(),
            id: Some(Id::from(format!("tw-{:016x}-{suffix}", self.hash))),
            kind,
        });
    }

    fn field(&self, snake: &str) -> Result<Option<Id>, DecodeError> {
        Ok(self.record.text(snake)?.map(Id::from))
    }

    fn task(&self) -> Result<Id, DecodeError> {
        self.field("task_sid")?
            .ok_or_else(|| missing("task_sid", self.record.event_type))
    }

    /// The call `task` is a part of, fixed at the first event seen of the task: its attributes'
    /// `call_sid`, else the task itself.
    fn call_of(&mut self, task: &Id) -> Id {
        let attribute = self.record.task_attribute("call_sid");
        let memory = self.state.task(task);
        memory
            .call
            .get_or_insert_with(|| attribute.map_or_else(|| task.clone(), Id::from))
            .clone()
    }

    /// The queue the event names (by name, else sid).
    fn named_queue(&self) -> Result<Option<Id>, DecodeError> {
        Ok(self
            .field("task_queue_name")?
            .or(self.field("task_queue_sid")?))
    }

    /// The worker the event names (by name, else sid).
    fn named_worker(&self) -> Result<Option<Id>, DecodeError> {
        Ok(self.field("worker_name")?.or(self.field("worker_sid")?))
    }

    /// Whether the task is of a channel that counts (a task naming no channel does).
    fn counted_channel(&self) -> Result<bool, DecodeError> {
        Ok(match self.record.text("task_channel_unique_name")? {
            Some(channel) => self.options.channels.iter().any(|c| c == channel),
            None => true,
        })
    }

    /// Maps the record by its event type.
    pub fn map(mut self) -> Result<Mapped, DecodeError> {
        let event_type = self.record.event_type;
        let task_event = event_type.starts_with("task.")
            || event_type.starts_with("task-queue.")
            || event_type.starts_with("reservation.")
            || event_type == "workflow.timeout";
        if task_event && !self.counted_channel()? {
            return Ok(Mapped::Skipped);
        }
        match event_type {
            "task.created" | "task-queue.entered" => self.queued()?,
            "task-queue.moved" => self.moved()?,
            "reservation.created" => self.reservation(false)?,
            "reservation.accepted" => self.reservation(true)?,
            // The ring ended unanswered: the engine counts it when the call rings elsewhere, is
            // answered by another worker or leaves the queue; the contract has no event of its own.
            "reservation.rejected"
            | "reservation.timeout"
            | "reservation.rescinded"
            | "reservation.canceled" => {
                self.task()?;
            }
            "task.wrapup" => self.wrap_up()?,
            "task.transfer-initiated" => self.transfer_initiated()?,
            "task.transfer-completed" => self.transfer_completed()?,
            // The transfer did not happen: the worker keeps the call. An attempt failed (one target
            // rejected) leaves the transfer under way.
            "task.transfer-failed" | "task.transfer-canceled" => {
                let task = self.task()?;
                self.state.task(&task).transferring = false;
            }
            "task.transfer-attempt-failed" => {
                self.task()?;
            }
            "task.completed" => self.completed()?,
            "task.canceled" => {
                let reason = canceled(self.record.text("task_canceled_reason")?);
                self.left_queue(reason)?;
            }
            "workflow.timeout" => self.left_queue(Some(DequeueReason::Timeout))?,
            "worker.activity.update" => self.activity()?,
            "activity.created" | "activity.updated" => self.learn_activity()?,
            _ => return Ok(Mapped::Skipped),
        }
        Ok(Mapped::Used)
    }

    /// `call.queued`, once per queue stay: `task.created` and `task-queue.entered` both announce it.
    /// An entry delivered late (after the task moved on, or ended) is still made at its own time: the
    /// center puts it in order.
    fn queued(&mut self) -> Result<(), DecodeError> {
        let task = self.task()?;
        let Some(queue) = self.named_queue()? else {
            // A task not yet routed: its task-queue.entered will queue it.
            self.call_of(&task);
            return Ok(());
        };
        let time = self.record.time;
        let call = self.call_of(&task);
        let memory = self.state.task(&task);
        if memory.queued_in.as_ref() == Some(&queue) {
            return Ok(());
        }
        if memory.queued_in.is_none() || time >= memory.queued_at {
            memory.queued_in = Some(queue.clone());
            memory.queued_at = time;
        }
        let caller = self.caller();
        self.emit("q", queued(call, queue, caller));
        Ok(())
    }

    /// The caller of a voice task: its attributes' `from` (the number Twilio's `<Enqueue>` puts there),
    /// as a pseudonym.
    fn caller(&self) -> Option<Id> {
        let number = self.record.task_attribute("from")?;
        crate::decode::caller::pseudonym(&number)
    }

    /// `task-queue.moved` (the event names the queue it moved to): dequeued (overflow) from the
    /// queue it waited in, queued in the new one — whatever the task's later events delivered before
    /// it say: each is made at its own time.
    fn moved(&mut self) -> Result<(), DecodeError> {
        let task = self.task()?;
        let queue = self
            .named_queue()?
            .ok_or_else(|| missing("task_queue_name", self.record.event_type))?;
        let time = self.record.time;
        let call = self.call_of(&task);
        let memory = self.state.task(&task);
        if memory.queued_in.as_ref() == Some(&queue) {
            return Ok(());
        }
        let previous = memory
            .queued_in
            .replace(queue.clone())
            .filter(|_| time >= memory.queued_at);
        memory.queued_at = time;
        if let Some(previous) = previous {
            let kind = EventKind::CallDequeued {
                call: call.clone(),
                queue: previous,
                reason: DequeueReason::Overflow,
            };
            self.emit("x", kind);
        }
        let caller = self.caller();
        self.emit("q", queued(call, queue, caller));
        Ok(())
    }

    /// `reservation.created` → `call.ringing`, `reservation.accepted` → `call.answered`.
    fn reservation(&mut self, accepted: bool) -> Result<(), DecodeError> {
        let task = self.task()?;
        let event_type = self.record.event_type;
        let agent = self
            .named_worker()?
            .ok_or_else(|| missing("worker_name", event_type))?;
        let named = self.named_queue()?;
        let call = self.call_of(&task);
        let memory = self.state.task(&task);
        let queue = named
            .or_else(|| memory.queued_in.clone())
            .ok_or_else(|| missing("task_queue_name", event_type))?;
        // Made even for a closed task: a reservation delivered after the task's end is dated before it.
        if accepted {
            memory.agent = Some(agent.clone());
            if memory.phase == Phase::Waiting {
                memory.phase = Phase::Talking;
            }
            self.emit("a", EventKind::CallAnswered { call, queue, agent });
        } else {
            self.emit("r", EventKind::CallRinging { call, queue, agent });
        }
        Ok(())
    }

    /// The worker of a task in talk or wrap-up: the event's, else the one that accepted it.
    fn worker_of(&mut self, task: &Id) -> Result<Id, DecodeError> {
        let named = self.named_worker()?;
        let memory = self.state.task(task);
        named
            .or_else(|| memory.agent.clone())
            .ok_or_else(|| missing("worker_name", self.record.event_type))
    }

    /// `task.wrapup` → `call.ended` (once, and not after the task's completion).
    fn wrap_up(&mut self) -> Result<(), DecodeError> {
        let task = self.task()?;
        let agent = self.worker_of(&task)?;
        let memory = self.state.task(&task);
        if matches!(memory.phase, Phase::WrapUp | Phase::Closed) {
            return Ok(());
        }
        memory.phase = Phase::WrapUp;
        let kind = self.talk_end(&task, agent);
        self.emit("e", kind);
        Ok(())
    }

    /// `task.completed` → `call.completed`, preceded by `call.ended` when no wrap-up was seen; a task
    /// completed while it waited (an application closed it) leaves its queue.
    fn completed(&mut self) -> Result<(), DecodeError> {
        let task = self.task()?;
        let phase = self.state.task(&task).phase;
        match phase {
            Phase::Closed => {}
            Phase::Waiting if self.named_worker()?.is_none() => {
                self.left_queue(Some(DequeueReason::Other))?;
            }
            Phase::Waiting | Phase::Talking | Phase::WrapUp => {
                let agent = self.worker_of(&task)?;
                self.end(task, agent, phase != Phase::WrapUp);
            }
        }
        Ok(())
    }

    /// How the worker's talk on `task` ends: `call.transferred` while a transfer of it is under way,
    /// else `call.ended`.
    fn talk_end(&mut self, task: &Id, agent: Id) -> EventKind {
        let call = self.call_of(task);
        if self.state.task(task).transferring {
            // The target is a sid (`transfer_to`), not the names calls are counted under: the new
            // task's own queue entry says where the call went.
            EventKind::CallTransferred {
                call,
                agent,
                to_queue: None,
                to_agent: None,
            }
        } else {
            EventKind::CallEnded { call, agent }
        }
    }

    /// The call's end (when not yet ended) and its completion; the task is closed.
    fn end(&mut self, task: Id, agent: Id, with_ended: bool) {
        self.state.task(&task).phase = Phase::Closed;
        if with_ended {
            let kind = self.talk_end(&task, agent.clone());
            self.emit("e", kind);
        }
        let call = self.call_of(&task);
        let kind = EventKind::CallCompleted {
            call,
            agent,
            outcome: None,
            disposition: None,
        };
        self.emit("c", kind);
    }

    /// The task left without an answer: `call.abandoned` (reason `None`) or `call.dequeued`; an
    /// answered task canceled ends and completes.
    fn left_queue(&mut self, reason: Option<DequeueReason>) -> Result<(), DecodeError> {
        let task = self.task()?;
        let named = self.named_queue()?;
        let memory = self.state.task(&task);
        match memory.phase {
            Phase::Closed => return Ok(()),
            Phase::Talking | Phase::WrapUp => {
                let with_ended = memory.phase == Phase::Talking;
                if let Some(agent) = memory.agent.clone() {
                    self.end(task, agent, with_ended);
                }
                return Ok(());
            }
            Phase::Waiting => {}
        }
        let queue = memory
            .queued_in
            .clone()
            .or(named)
            .ok_or_else(|| missing("task_queue_name", self.record.event_type))?;
        memory.phase = Phase::Closed;
        let call = self.call_of(&task);
        let kind = match reason {
            None => EventKind::CallAbandoned { call, queue },
            Some(reason) => EventKind::CallDequeued {
                call,
                queue,
                reason,
            },
        };
        self.emit("x", kind);
        Ok(())
    }

    /// `task.transfer-initiated`: the worker's talk on the task will end by transfer (cold: its
    /// wrap-up follows at once; warm: the transfer's completion comes first).
    fn transfer_initiated(&mut self) -> Result<(), DecodeError> {
        let task = self.task()?;
        self.call_of(&task);
        let memory = self.state.task(&task);
        if memory.phase != Phase::Closed {
            memory.transferring = true;
        }
        Ok(())
    }

    /// `task.transfer-completed`: `call.transferred` from the worker in talk (a warm transfer whose
    /// worker stayed until the target accepted); after the task's wrap-up it adds nothing.
    fn transfer_completed(&mut self) -> Result<(), DecodeError> {
        let task = self.task()?;
        let memory = self.state.task(&task);
        if memory.phase != Phase::Talking {
            memory.transferring = false;
            return Ok(());
        }
        // The worker that accepted the task: a transfer event's own worker fields may be its target.
        let agent = match memory.agent.clone() {
            Some(agent) => agent,
            None => self.worker_of(&task)?,
        };
        let memory = self.state.task(&task);
        memory.transferring = true;
        memory.phase = Phase::WrapUp;
        let kind = self.talk_end(&task, agent);
        self.emit("e", kind);
        Ok(())
    }

    /// What an activity means: configured (by name or sid), else learned, else by its name.
    fn meaning(&self, name: &str, sid: Option<&str>) -> ActivityMeaning {
        let configured = |key: &str| self.options.activities.get(key).copied();
        let learned = |key: &str| {
            self.state
                .activity_available(key)
                .map(|available| match available {
                    true => ActivityMeaning::Available,
                    false if name.eq_ignore_ascii_case("offline") => ActivityMeaning::Offline,
                    false => ActivityMeaning::NotReady,
                })
        };
        configured(name)
            .or_else(|| sid.and_then(configured))
            .or_else(|| sid.and_then(learned))
            .or_else(|| learned(name))
            .unwrap_or(if name.eq_ignore_ascii_case("offline") {
                ActivityMeaning::Offline
            } else if name.eq_ignore_ascii_case("available") {
                ActivityMeaning::Available
            } else {
                ActivityMeaning::NotReady
            })
    }

    /// `worker.activity.update` → `agent.logout` (offline), else `agent.login` when the worker was
    /// not known logged in, and `agent.state`.
    fn activity(&mut self) -> Result<(), DecodeError> {
        let event_type = self.record.event_type;
        let agent = self
            .named_worker()?
            .ok_or_else(|| missing("worker_name", event_type))?;
        let name = self
            .record
            .text("worker_activity_name")?
            .ok_or_else(|| missing("worker_activity_name", event_type))?;
        let sid = self.record.text("worker_activity_sid")?;
        let availability = match self.meaning(name, sid) {
            ActivityMeaning::Offline => {
                self.state.set_logged_in(&agent, false);
                self.emit("o", EventKind::AgentLogout { agent });
                return Ok(());
            }
            ActivityMeaning::Available => Availability::Available,
            ActivityMeaning::NotReady => Availability::NotReady {
                reason: Some(Id::from(name)),
            },
        };
        if self.state.logged_in(&agent) != Some(true) {
            self.state.set_logged_in(&agent, true);
            let kind = EventKind::AgentLogin {
                agent: agent.clone(),
                queues: None,
                team: None,
            };
            self.emit("l", kind);
        }
        let kind = EventKind::AgentState {
            agent,
            availability,
        };
        self.emit("s", kind);
        Ok(())
    }

    /// `activity.created` / `activity.updated`: whether the activity is available, by name and sid.
    fn learn_activity(&mut self) -> Result<(), DecodeError> {
        let available = self
            .record
            .flag("activity_available")
            .ok_or_else(|| missing("activity_available", self.record.event_type))?;
        for key in [
            self.record.text("activity_name")?,
            self.record.text("activity_sid")?,
        ]
        .into_iter()
        .flatten()
        {
            self.state.learn_activity(key, available);
        }
        Ok(())
    }
}

fn queued(call: Id, queue: Id, caller: Option<Id>) -> EventKind {
    EventKind::CallQueued {
        caller,
        call,
        queue,
        priority: None,
        direction: Direction::Inbound,
    }
}
