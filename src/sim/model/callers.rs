//! Who calls: each inbound call names an opaque caller (`cust-000042`). Most are new; some call again
//! within the day (repeat callers), half of those who hang up waiting call back within the hour, and
//! outbound agents dial some of the others back. Drawn from a generator of its own, so the calls, agents
//! and times of a seed are the same with callers as without.

use std::collections::VecDeque;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::center::settings::MINUTE;
use crate::event::{Id, Millis};

/// Callers remembered for a repeat, and abandoned callers waiting for an outbound callback.
const RECENT: usize = 400;
const TO_CALL_BACK: usize = 200;
/// Share of new calls from a recent caller, of abandoned callers who call again themselves, and of
/// outbound dials that call back an abandoned caller.
const REPEAT: f64 = 0.08;
const RETRY: f64 = 0.5;
const DIAL_BACK: f64 = 0.5;

pub(super) struct Callers {
    rng: SmallRng,
    next: u64,
    recent: VecDeque<Id>,
    /// Abandoned callers who will call again, and from when.
    retrying: VecDeque<(Millis, Id)>,
    to_call_back: VecDeque<Id>,
}

impl Callers {
    pub(super) fn new(seed: u64) -> Callers {
        Callers {
            rng: SmallRng::seed_from_u64(seed ^ 0x00ca_11e5),
            next: 0,
            recent: VecDeque::new(),
            retrying: VecDeque::new(),
            to_call_back: VecDeque::new(),
        }
    }

    /// The caller of an inbound call arriving at `now`.
    pub(super) fn inbound(&mut self, now: Millis) -> Id {
        let due = (self.retrying.iter()).position(|(from, _)| *from <= now);
        let caller = match due.and_then(|at| self.retrying.remove(at)) {
            Some((_, caller)) => caller,
            None if !self.recent.is_empty() && self.rng.gen::<f64>() < REPEAT => {
                self.recent[self.rng.gen_range(0..self.recent.len())].clone()
            }
            None => {
                self.next += 1;
                Id::from(format!("cust-{:06}", self.next))
            }
        };
        self.recent.push_back(caller.clone());
        if self.recent.len() > RECENT {
            self.recent.pop_front();
        }
        caller
    }

    /// `caller` hung up waiting at `now`: calls again within the hour, or waits for a callback.
    pub(super) fn abandoned(&mut self, caller: Id, now: Millis) {
        if self.rng.gen::<f64>() < RETRY {
            let after = self.rng.gen_range(5 * MINUTE..60 * MINUTE);
            self.retrying.push_back((now + after, caller));
        } else {
            self.to_call_back.push_back(caller);
            if self.to_call_back.len() > TO_CALL_BACK {
                self.to_call_back.pop_front();
            }
        }
    }

    /// Whom an outbound dial calls: an abandoned caller, or nobody named (a campaign's list).
    pub(super) fn dialed(&mut self) -> Option<Id> {
        if self.rng.gen::<f64>() < DIAL_BACK {
            self.to_call_back.pop_front()
        } else {
            None
        }
    }
}
