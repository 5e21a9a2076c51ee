//! What the TaskRouter adapter remembers between events of one workspace, each piece bounded:
//! - tasks (at most [`MAX_TASKS`]; past it the task seen first is forgotten): the queue its
//!   `call.queued` was made for, the worker that accepted it, and how far it got — so that an event
//!   that does not name them (a move, a cancel, a wrap-up) finds them, a task is queued once per queue
//!   although `task.created` and `task-queue.entered` both say so, and nothing follows a task's end
//!   (a redelivered or late wrap-up after the completion); the call it belongs to (its `call_sid`)
//!   and whether a transfer of it is under way.
//! - workers (at most [`MAX_WORKERS`]; past it a new worker's activity changes are mapped without
//!   memory, each with a login): whether logged in.
//! - activities learned from `activity.*` events (at most [`MAX_ACTIVITIES`]): available or not.

use std::collections::{BTreeMap, HashMap};

use crate::event::{Id, Millis};

pub const MAX_TASKS: usize = 20_000;
pub const MAX_WORKERS: usize = 10_000;
pub const MAX_ACTIVITIES: usize = 1_000;

/// How far a task got, as the events seen so far tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    /// Created or waiting in a queue.
    #[default]
    Waiting,
    /// Accepted by a worker: in talk.
    Talking,
    /// `task.wrapup` seen: the conversation is over.
    WrapUp,
    /// Completed, canceled or timed out: nothing more is made of it.
    Closed,
}

#[derive(Debug, Clone, Default)]
pub struct Task {
    /// The queue of its latest `call.queued` (by event time, not arrival) and that time.
    pub queued_in: Option<Id>,
    pub queued_at: Millis,
    /// The worker that accepted it.
    pub agent: Option<Id>,
    pub phase: Phase,
    /// The call it is a part of: its attributes' `call_sid` when the first event seen of it has one
    /// (so the tasks a transfer makes for one call are one call), else the task itself.
    pub call: Option<Id>,
    /// A transfer initiated on it and neither failed nor canceled: its worker's talk ends by transfer.
    pub transferring: bool,
}

#[derive(Debug, Default)]
pub struct State {
    tasks: HashMap<Id, Task>,
    task_order: BTreeMap<u64, Id>,
    next_seen: u64,
    /// Worker → logged in.
    workers: HashMap<Id, bool>,
    /// Activity name and sid → available.
    activities: HashMap<Id, bool>,
}

impl State {
    /// The task's memory, created on first sight (forgetting the oldest past the bound).
    pub fn task(&mut self, task: &Id) -> &mut Task {
        if !self.tasks.contains_key(task) {
            let seen = self.next_seen;
            self.next_seen += 1;
            self.task_order.insert(seen, task.clone());
            if self.tasks.len() >= MAX_TASKS {
                if let Some((_, oldest)) = self.task_order.pop_first() {
                    self.tasks.remove(&oldest);
                }
            }
            self.tasks.insert(task.clone(), Task::default());
        }
        self.tasks.get_mut(task).expect("inserted above")
    }

    /// Whether the worker is logged in, as far as remembered (`None`: never seen, or no room).
    pub fn logged_in(&self, worker: &str) -> Option<bool> {
        self.workers.get(worker).copied()
    }

    pub fn set_logged_in(&mut self, worker: &Id, logged_in: bool) {
        if self.workers.len() < MAX_WORKERS || self.workers.contains_key(worker) {
            self.workers.insert(worker.clone(), logged_in);
        }
    }

    /// Learns whether an activity (by name or sid) is available.
    pub fn learn_activity(&mut self, key: &str, available: bool) {
        if self.activities.len() < MAX_ACTIVITIES || self.activities.contains_key(key) {
            self.activities.insert(Id::from(key), available);
        }
    }

    pub fn activity_available(&self, key: &str) -> Option<bool> {
        self.activities.get(key).copied()
    }
}
