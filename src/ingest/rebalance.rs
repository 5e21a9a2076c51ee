//! What a worker does when the group moves partitions: on a revoke it holds their state (the board
//! keeps serving their last figures, marked stale); on an assignment it goes on with what it is given
//! back, and lets go of the rest.

use std::sync::Arc;

use rdkafka::consumer::Consumer;

use super::context::{Assignment, Rebalanced};
use super::owned::{Owned, Start};
use super::source::Reader;
use super::worker::{WorkerConsumer, WorkerState};
use crate::board::{PartitionStatus, Phase};
use crate::tenants::Tenants;

impl WorkerState {
    pub(super) fn on_rebalance(&mut self, consumer: &WorkerConsumer, rebalanced: Rebalanced) {
        match rebalanced {
            Rebalanced::Assigned(assignments) => self.on_assigned(consumer, assignments),
            Rebalanced::Revoked(partitions) => self.on_revoked(partitions),
        }
    }

    /// Holds the partitions taken away until the next assignment says where they go. One held while
    /// replaying stays on the board as replaying: the instance is not ready while its own state is
    /// unfinished, though its other workers' partitions may all be live by then.
    pub(super) fn on_revoked(&mut self, partitions: Vec<i32>) {
        for partition in partitions {
            // The next owner loads it and replays only what comes after.
            self.write_state(partition);
            let mut replaying = false;
            if let Some(owned) = self.owned.remove(&partition) {
                for center in owned.tenants.centers() {
                    self.board.hold(center.tenant(), self.index);
                }
                replaying = owned.phase == Phase::Replaying;
                self.held.insert(partition, owned);
            }
            if !replaying {
                self.board.remove_partition(&self.topic, partition);
            }
            self.telemetry.partition_released(partition);
        }
    }

    fn on_assigned(&mut self, consumer: &WorkerConsumer, assignments: Vec<Assignment>) {
        let mut held = std::mem::take(&mut self.held);
        let given: Vec<i32> = assignments
            .iter()
            .map(|assignment| assignment.partition)
            .collect();
        // Held partitions the group gave to another member: that member serves their tenants now.
        let gone: Vec<i32> = held
            .keys()
            .filter(|partition| !given.contains(partition))
            .copied()
            .collect();
        for (partition, owned) in gone
            .into_iter()
            .filter_map(|partition| held.remove_entry(&partition))
        {
            tracing::info!(
                partition,
                "partition went to another member; its tenants are withdrawn"
            );
            for center in owned.tenants.centers() {
                self.board.withdraw(center.tenant(), self.index);
            }
            self.board.remove_partition(&self.topic, partition);
        }
        for mut assignment in assignments {
            let partition = assignment.partition;
            let start = match (assignment.resumed, held.remove(&partition)) {
                (true, Some(owned)) => Start::Held(owned),
                (resumed, dropped) => {
                    if resumed {
                        // The context holds only what the worker held: cannot happen.
                        tracing::error!(
                            partition,
                            "a partition resumed without its held state; its counts restart here"
                        );
                    }
                    if let Some(dropped) = dropped {
                        for center in dropped.tenants.centers() {
                            self.board.withdraw(center.tenant(), self.index);
                        }
                    }
                    match assignment.restored.take() {
                        Some((offset, restored)) => Start::Restored(offset, *restored),
                        None => {
                            Start::New(Tenants::new(Arc::clone(&self.settings_of), self.limits))
                        }
                    }
                }
            };
            let offsets = consumer.context().applied_cell(partition);
            let mut owned = Owned::assigned(&assignment, start, offsets, || {
                Reader::new(self.format.clone(), Arc::clone(&self.settings_of))
            });
            // Its tenants go on the board now, all of them, even unchanged since this worker last
            // published them (held, they show stale until then). A restored or held partition may be
            // live at once: its tenants are served before the board counts it ready, not a tick later.
            owned.tenants.republish();
            if owned.phase == Phase::Live {
                owned.publish(&self.board, self.clock.now(), self.index);
            }
            self.board.set_partition(
                &self.topic,
                partition,
                PartitionStatus {
                    phase: owned.phase,
                    lag: 0,
                },
            );
            self.owned.insert(partition, owned);
        }
        if !self.assigned_once {
            self.assigned_once = true;
            self.board.mark_assigned();
        }
    }
}

#[cfg(test)]
#[path = "rebalance_tests.rs"]
mod tests;
