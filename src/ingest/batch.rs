//! The worker's own message queue, read in batches. librdkafka hands a consumer's messages out one
//! poll at a time, and each poll takes its queue's lock, reads the clock twice, updates poll
//! statistics under a mutex, wraps the message in an event and stores the position under the
//! partition's lock. Here every assigned partition's fetch queue is routed to one queue of the
//! worker's, before the partition is assigned (so no message of it ever lands on the consumer's
//! queue: librdkafka's advice), and `rd_kafka_consume_batch_queue` takes up to `BATCH` messages at a
//! time: the bookkeeping is paid once per batch. Rebalances, commit results and client errors stay
//! on the consumer's queue, which the worker still polls between batches.
//!
//! Order is kept: a partition's messages come from one fetch queue, in order; messages of a
//! partition taken away and given back are dropped by librdkafka's version barrier, as on the
//! consumer's queue.

use std::ffi::CString;
use std::ptr::NonNull;
use std::sync::Mutex;
use std::time::Duration;

use rdkafka::bindings as native;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

/// Messages taken per batch: enough to pay the bookkeeping once for many, few enough that a tick is
/// never kept waiting (a batch of small messages is handled in well under a millisecond).
pub const BATCH: usize = 256;

/// A queue of librdkafka's that the worker owns; destroyed when dropped, which must happen before
/// the consumer it was made from is (the worker declares it first).
pub struct MessageQueue {
    queue: NonNull<native::rd_kafka_queue_t>,
}

// SAFETY: librdkafka's queues are safe to use from any thread; the pointer is only handed to its
// functions.
unsafe impl Send for MessageQueue {}
unsafe impl Sync for MessageQueue {}

/// Where a consumer context routes the partitions it is assigned: the worker's queue, while it
/// lives. The worker clears it before its queue is destroyed (a rebalance served while the consumer
/// closes then leaves its partitions on the consumer's queue).
#[derive(Default)]
pub struct Routing {
    to: Mutex<Option<QueuePointer>>,
}

#[derive(Clone, Copy)]
struct QueuePointer(NonNull<native::rd_kafka_queue_t>);

// SAFETY: as for MessageQueue; the pointer is used only while the queue it points to lives (the
// worker clears the routing before destroying it).
unsafe impl Send for QueuePointer {}

/// One message of a batch, borrowed from it.
pub struct Fetched<'a> {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<&'a [u8]>,
    pub payload: &'a [u8],
}

/// Messages taken by one `MessageQueue::take`; each is given back to librdkafka once handled.
pub struct Batch {
    messages: Vec<*mut native::rd_kafka_message_t>,
}

// SAFETY: the messages belong to the batch alone until destroyed; librdkafka frees them from any
// thread.
unsafe impl Send for Batch {}

impl MessageQueue {
    /// A new queue of `consumer`'s client.
    pub fn new<C: ConsumerContext>(consumer: &BaseConsumer<C>) -> Self {
        // SAFETY: the client pointer is valid while `consumer` lives; the queue made is owned here.
        let queue = unsafe { native::rd_kafka_queue_new(consumer.client().native_ptr()) };
        MessageQueue {
            queue: NonNull::new(queue).expect("librdkafka returned no queue"),
        }
    }

    /// Takes up to `BATCH` messages into `batch` (which must have been emptied), waiting at most
    /// `timeout` for them: with a zero timeout, only those already waiting. Returns how many.
    pub fn take(&self, timeout: Duration, batch: &mut Batch) -> usize {
        debug_assert!(batch.messages.is_empty());
        batch.messages.resize(BATCH, std::ptr::null_mut());
        // SAFETY: the queue lives as long as `self`; librdkafka writes at most BATCH pointers into
        // the array it is given, and each message it writes is ours until destroyed.
        let taken = unsafe {
            native::rd_kafka_consume_batch_queue(
                self.queue.as_ptr(),
                timeout.as_millis().min(i32::MAX as u128) as i32,
                batch.messages.as_mut_ptr(),
                BATCH,
            )
        };
        let taken = taken.max(0) as usize;
        batch.messages.truncate(taken);
        taken
    }
}

impl Drop for MessageQueue {
    fn drop(&mut self) {
        // SAFETY: the queue is owned here and destroyed once; what it still holds is purged.
        unsafe { native::rd_kafka_queue_destroy(self.queue.as_ptr()) }
    }
}

impl Routing {
    /// Partitions assigned from now on go to `queue`.
    pub fn set(&self, queue: &MessageQueue) {
        *self
            .to
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(QueuePointer(queue.queue));
    }

    /// Partitions assigned from now on stay on the consumer's queue.
    pub fn clear(&self) {
        *self
            .to
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }

    /// Routes `partition`'s fetched messages to the worker's queue (to the consumer's when the
    /// worker has none). Call before the partition is assigned.
    pub fn route<C: ConsumerContext>(
        &self,
        consumer: &BaseConsumer<C>,
        topic: &str,
        partition: i32,
    ) {
        let to = self
            .to
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let client = consumer.client().native_ptr();
        // SAFETY: the client pointer is valid while `consumer` lives; the worker's queue lives while
        // the routing holds it, and the lock is held across the forward; a queue handle got here is
        // destroyed here (librdkafka keeps the queue itself).
        unsafe {
            match *to {
                Some(QueuePointer(queue)) => forward(client, topic, partition, queue.as_ptr()),
                None => {
                    let consumer_queue = native::rd_kafka_queue_get_consumer(client);
                    forward(client, topic, partition, consumer_queue);
                    native::rd_kafka_queue_destroy(consumer_queue);
                }
            }
        }
    }

    /// Stops routing a revoked partition's fetched messages anywhere (librdkafka's advice: unroute
    /// before the partitions are let go; the next assignment routes it again).
    pub fn unroute<C: ConsumerContext>(
        &self,
        consumer: &BaseConsumer<C>,
        topic: &str,
        partition: i32,
    ) {
        // SAFETY: the client pointer is valid while `consumer` lives.
        unsafe {
            forward(
                consumer.client().native_ptr(),
                topic,
                partition,
                std::ptr::null_mut(),
            )
        }
    }
}

/// Forwards a partition's fetch queue to `to` (null: nowhere).
///
/// # Safety
/// `client` is a live consumer; `to` is null or a live queue of it.
unsafe fn forward(
    client: *mut native::rd_kafka_t,
    topic: &str,
    partition: i32,
    to: *mut native::rd_kafka_queue_t,
) {
    let Ok(topic) = CString::new(topic) else {
        return;
    };
    let fetched = native::rd_kafka_queue_get_partition(client, topic.as_ptr(), partition);
    if fetched.is_null() {
        return;
    }
    native::rd_kafka_queue_forward(fetched, to);
    native::rd_kafka_queue_destroy(fetched);
}

impl Batch {
    pub fn new() -> Self {
        Batch {
            messages: Vec::with_capacity(BATCH),
        }
    }

    /// The `index`th message taken: a message, or the consumer error librdkafka put in its place.
    pub fn get(&self, index: usize) -> Result<Fetched<'_>, KafkaError> {
        // SAFETY: every pointer below `len` was written by librdkafka and not yet destroyed; the
        // borrowed slices live as long as the batch holds the message.
        unsafe {
            let message = &*self.messages[index];
            if message.err != native::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
                return Err(KafkaError::MessageConsumption(RDKafkaErrorCode::from(
                    message.err,
                )));
            }
            Ok(Fetched {
                partition: message.partition,
                offset: message.offset,
                key: bytes(message.key, message.key_len),
                payload: bytes(message.payload, message.len).unwrap_or_default(),
            })
        }
    }

    /// Gives every message back to librdkafka.
    pub fn clear(&mut self) {
        for message in self.messages.drain(..) {
            // SAFETY: each message was taken once and is destroyed once.
            unsafe { native::rd_kafka_message_destroy(message) }
        }
    }
}

impl Default for Batch {
    fn default() -> Self {
        Batch::new()
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        self.clear();
    }
}

/// # Safety
/// `data` is null or points to `len` bytes that outlive `'a`.
unsafe fn bytes<'a>(data: *const std::ffi::c_void, len: usize) -> Option<&'a [u8]> {
    if data.is_null() {
        None
    } else {
        Some(std::slice::from_raw_parts(data as *const u8, len))
    }
}

#[cfg(test)]
#[path = "batch_tests.rs"]
mod tests;
