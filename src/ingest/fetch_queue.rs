//! A worker's own queue of fetched messages, taken in batches. librdkafka's consumer queue hands out
//! one message per poll, and each poll costs about as much of the worker's time as a small event's
//! decoding (clock reads, a lock, an event object and its allocation); a batch pays that once.
//!
//! Each assigned partition's messages are forwarded here before the assignment starts fetching them
//! (librdkafka then keeps the forwarding at every fetch start). Rebalances, errors and statistics stay
//! on the consumer queue, which the worker's loop still polls. A stopped fetch drops the forwarding and
//! its next start does not restore it, so the worker forwards its partitions again at every tick:
//! messages that waited in the partition's own queue meanwhile follow, in order.

use std::ffi::CString;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::time::Duration;

use rdkafka::bindings::{self as native, rd_kafka_message_t, rd_kafka_queue_t};
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;

/// Messages taken at once, at most.
const BATCH: usize = 512;

/// The queue, from the consumer's creation until the worker stops (then closed: forwarding to it and
/// taking from it do nothing).
pub struct FetchQueue {
    queue: AtomicPtr<rd_kafka_queue_t>,
}

impl FetchQueue {
    /// Not yet open: the context holds one before its consumer exists.
    pub fn closed() -> FetchQueue {
        FetchQueue {
            queue: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    /// Opens the queue on `consumer`'s client; call before it subscribes.
    pub fn open<C: ConsumerContext>(&self, consumer: &BaseConsumer<C>) {
        // SAFETY: the client pointer is valid while `consumer` lives; the queue is destroyed by
        // `close`, which the worker calls before its consumer is dropped.
        let queue = unsafe { native::rd_kafka_queue_new(consumer.client().native_ptr()) };
        let previous = self.queue.swap(queue, Ordering::AcqRel);
        destroy(previous);
    }

    /// Sends `partition`'s fetched messages here (and any already waiting in its own queue, after
    /// those here). False when the queue is closed or librdkafka knows no such partition.
    pub fn forward<C: ConsumerContext>(
        &self,
        consumer: &BaseConsumer<C>,
        topic: &str,
        partition: i32,
    ) -> bool {
        let queue = self.queue.load(Ordering::Acquire);
        if queue.is_null() {
            return false;
        }
        let Ok(topic) = CString::new(topic) else {
            return false;
        };
        // SAFETY: the client pointer is valid while `consumer` lives; the topic is a NUL-terminated
        // string that outlives the call; the partition's queue handle is destroyed right after use
        // (the forwarding holds its own reference to both queues).
        unsafe {
            let source = native::rd_kafka_queue_get_partition(
                consumer.client().native_ptr(),
                topic.as_ptr(),
                partition,
            );
            if source.is_null() {
                return false;
            }
            native::rd_kafka_queue_forward(source, queue);
            native::rd_kafka_queue_destroy(source);
        }
        true
    }

    /// Fills `batch` with what is waiting; when nothing is and `wait` is not zero, waits up to `wait`
    /// for a first message (then takes what came with it, without waiting to fill the batch).
    pub fn take(&self, wait: Duration, batch: &mut Batch) {
        batch.clear();
        let queue = self.queue.load(Ordering::Acquire);
        if queue.is_null() {
            std::thread::sleep(wait);
            return;
        }
        batch.messages.resize(BATCH, std::ptr::null_mut());
        let mut taken = consume(queue, 0, &mut batch.messages);
        if taken == 0 && !wait.is_zero() {
            let millis = wait.as_millis().clamp(1, i32::MAX as u128) as i32;
            taken = consume(queue, millis, &mut batch.messages[..1]);
            if taken == 1 {
                taken += consume(queue, 0, &mut batch.messages[1..]);
            }
        }
        batch.messages.truncate(taken);
    }

    /// Destroys the queue: what waits in it is dropped (a later owner reads it again from the
    /// committed offset). Call before the consumer is dropped.
    pub fn close(&self) {
        destroy(self.queue.swap(std::ptr::null_mut(), Ordering::AcqRel));
    }
}

impl Drop for FetchQueue {
    fn drop(&mut self) {
        self.close();
    }
}

/// Takes up to `into.len()` messages, waiting up to `millis` for the batch to fill: how many.
fn consume(
    queue: *mut rd_kafka_queue_t,
    millis: i32,
    into: &mut [*mut rd_kafka_message_t],
) -> usize {
    if into.is_empty() {
        return 0;
    }
    // SAFETY: `queue` is open (checked by the caller, which alone closes it); librdkafka writes at
    // most `into.len()` message pointers, each ours to destroy.
    let taken = unsafe {
        native::rd_kafka_consume_batch_queue(queue, millis, into.as_mut_ptr(), into.len())
    };
    taken.max(0) as usize
}

fn destroy(queue: *mut rd_kafka_queue_t) {
    if !queue.is_null() {
        // SAFETY: the pointer came from rd_kafka_queue_new and was swapped out, so it is destroyed once.
        unsafe { native::rd_kafka_queue_destroy(queue) };
    }
}

/// Messages taken at once; each is destroyed when the batch is cleared or dropped.
pub struct Batch {
    messages: Vec<*mut rd_kafka_message_t>,
}

impl Batch {
    pub fn new() -> Batch {
        Batch {
            messages: Vec::with_capacity(BATCH),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// The messages in the order taken: a message, or the error librdkafka put in its place.
    pub fn iter(&self) -> impl Iterator<Item = Result<Fetched<'_>, KafkaError>> {
        self.messages.iter().map(|&message| {
            // SAFETY: every pointer is a message librdkafka returned and not yet destroyed; the view
            // borrows the batch, which destroys it only when cleared or dropped.
            let message = unsafe { &*message };
            match message.err {
                native::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR => {}
                native::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR__PARTITION_EOF => {
                    return Err(KafkaError::PartitionEOF(message.partition))
                }
                error => return Err(KafkaError::MessageConsumption(error.into())),
            }
            Ok(Fetched {
                partition: message.partition,
                offset: message.offset,
                // SAFETY: librdkafka's key and payload pointers hold their lengths' bytes while the
                // message lives.
                key: unsafe { bytes(message.key, message.key_len) },
                payload: unsafe { bytes(message.payload, message.len) },
            })
        })
    }

    pub fn clear(&mut self) {
        for message in self.messages.drain(..) {
            if !message.is_null() {
                // SAFETY: each message is destroyed once, here.
                unsafe { native::rd_kafka_message_destroy(message) };
            }
        }
    }
}

// SAFETY: the batch owns its messages alone (librdkafka lets any thread read and destroy a message).
unsafe impl Send for Batch {}

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

unsafe fn bytes<'a>(data: *const std::ffi::c_void, len: usize) -> Option<&'a [u8]> {
    (!data.is_null()).then(|| std::slice::from_raw_parts(data.cast::<u8>(), len))
}

/// What the worker reads of a fetched message, wherever it came from.
#[derive(Debug, Clone, Copy)]
pub struct Fetched<'a> {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<&'a [u8]>,
    pub payload: Option<&'a [u8]>,
}

impl<'a> Fetched<'a> {
    /// A message that came through the consumer queue (one fetched before its partition was
    /// forwarded).
    pub fn of<M: Message>(message: &'a M) -> Fetched<'a> {
        Fetched {
            partition: message.partition(),
            offset: message.offset(),
            key: message.key(),
            payload: message.payload(),
        }
    }
}
