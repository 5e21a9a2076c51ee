//! JSON v1 input for `report` and `replay` on every core the process is given: this thread reads
//! lines and decodes its share of them, decoder threads decode the rest, and one thread applies the
//! events to the tenants in input order, so the figures are those of reading, decoding and applying
//! one line at a time.
//!
//! Batches go to the decoders (this thread first) in turn and are taken back in the same turn, which
//! keeps input order without a reordering buffer. Channels are bounded: a few batches per decoder are
//! in flight, so memory does not grow with the input. One busy thread per core: the applying thread,
//! the critical path, then has a core to itself (with two cores, this thread decodes everything).

use std::io::{self, Read};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use crate::center::dedup;
use crate::decode::{json_v1, DecodeLimits};
use crate::event::{Event, RejectReason};
use crate::input::{self, Line};
use crate::tenants::Tenants;

/// Lines per batch: large enough that handing a batch over costs nothing per event.
const LINES_PER_BATCH: usize = 2048;
/// Batches waiting at each decoder, and decoded at each, before the one handing them over waits.
const BATCHES_IN_FLIGHT: usize = 2;

/// How many decoder threads to run besides the reading thread (which decodes too) and the applying
/// one, or `None` for one core, where reading, decoding and applying on one thread is fastest.
pub fn decoders() -> Option<usize> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    (cores > 1).then(|| cores - 2)
}

/// Lines as read: their bytes end to end, and each line's end, number and kind.
#[derive(Default)]
struct Batch {
    bytes: Vec<u8>,
    lines: Vec<(usize, u64, bool)>,
}

impl Batch {
    fn push(&mut self, line: Line<'_>, number: u64) {
        let too_large = match line {
            Line::Text(text) => {
                self.bytes.extend_from_slice(text);
                false
            }
            Line::TooLarge => true,
        };
        self.lines.push((self.bytes.len(), number, too_large));
    }

    /// Empties the batch, keeping its room for the next.
    fn clear(&mut self) {
        self.bytes.clear();
        self.lines.clear();
    }
}

/// What a line gives the tenants.
enum Decoded {
    /// The event, its id's hash for deduplication (taken off the applying thread), its line number.
    /// Not boxed here: an event boxed on one thread and freed on another costs more than it saves.
    Event(Event, Option<u64>, u64),
    Undecodable(RejectReason),
}

/// Decodes `batch` into `decoded` (emptied first).
fn decode_batch(batch: &Batch, limits: &DecodeLimits, decoded: &mut Vec<Decoded>) {
    decoded.clear();
    let mut start = 0;
    for &(end, number, too_large) in &batch.lines {
        let line = &batch.bytes[start..end];
        start = end;
        // As `source::too_large` and `Tenants::ingest_json` count them.
        decoded.push(if too_large {
            Decoded::Undecodable(RejectReason::TooLarge)
        } else {
            match json_v1::decode(line, limits) {
                Ok(event) => {
                    let id_hash = event.id.as_deref().map(dedup::id_hash);
                    Decoded::Event(event, id_hash, number)
                }
                Err(error) => Decoded::Undecodable(error.reason),
            }
        });
    }
}

/// The applying thread's end of a decoder's way: decoded batches from it, emptied vectors back.
struct FromDecoder {
    batches: Receiver<Vec<Decoded>>,
    emptied: SyncSender<Vec<Decoded>>,
}

/// Applies the decoders' batches in the turn they were handed out, until the next in turn has none,
/// handing each emptied batch back to its decoder.
fn apply_in_order(decoders: Vec<FromDecoder>, tenants: &mut Tenants) {
    for turn in (0..decoders.len()).cycle() {
        let Ok(mut batch) = decoders[turn].batches.recv() else {
            return;
        };
        for line in batch.drain(..) {
            match line {
                Decoded::Event(event, id_hash, tag) => {
                    tenants.ingest_hashed(Box::new(event), id_hash, tag);
                }
                Decoded::Undecodable(reason) => tenants.count_undecodable(reason),
            }
        }
        // The decoder may be gone (the input ended) or have enough: then the vector is dropped.
        let _ = decoders[turn].emptied.try_send(batch);
    }
}

/// Reads every line of `reader` as [`input::for_each_line`] does and applies each to `tenants` as
/// `Feed::CallboardV1` does, decoding on this thread and `decoders` more, and applying on another;
/// returns the number of lines read.
///
/// Buffers go round: the reader's batches come back from the decoders emptied, and the decoders'
/// vectors from the applying thread, so the same few are reused for the whole input (fresh ones
/// were new memory the kernel cleared page by page: about 15 % of a two-core run's samples).
pub fn run(
    reader: impl Read,
    limits: DecodeLimits,
    decoders: usize,
    tenants: &mut Tenants,
) -> io::Result<u64> {
    // Every batch in flight can come back at once.
    let spare = (decoders + 1) * (2 * BATCHES_IN_FLIGHT + 2);
    let (return_batch, returned_batches) = sync_channel::<Batch>(spare);
    std::thread::scope(|scope| {
        // Turn 0 is this thread's; turn `n` the decoder thread `n`'s.
        let (own, own_turn) = decoder_channels();
        let mut to_decoders = Vec::with_capacity(decoders);
        let mut from_decoders = vec![own_turn];
        for index in 1..=decoders {
            let (send_lines, lines) = sync_channel::<Batch>(BATCHES_IN_FLIGHT);
            let (to_apply, from_decoder) = decoder_channels();
            let return_batch = return_batch.clone();
            let decoder = move || {
                for mut batch in lines {
                    if to_apply.decode(&batch, &limits).is_err() {
                        return;
                    }
                    batch.clear();
                    let _ = return_batch.try_send(batch);
                }
            };
            named(format!("decode-{index}")).spawn_scoped(scope, decoder)?;
            to_decoders.push(send_lines);
            from_decoders.push(from_decoder);
        }
        drop(return_batch);
        named("apply".to_string())
            .spawn_scoped(scope, move || apply_in_order(from_decoders, tenants))?;
        let fresh = || returned_batches.try_recv().unwrap_or_default();
        let mut batch = fresh();
        let mut turn = 0;
        let mut hand_over = move |batch: &mut Batch| {
            // A channel closed means the applying thread is gone: it panicked, which the scope
            // re-raises.
            if turn == 0 {
                let _ = own.decode(batch, &limits);
                batch.clear();
            } else {
                let _ = to_decoders[turn - 1].send(std::mem::replace(batch, fresh()));
            }
            turn = (turn + 1) % (decoders + 1);
        };
        let read = input::for_each_line(reader, limits.max_message_bytes, |line, number| {
            batch.push(line, number);
            if batch.lines.len() >= LINES_PER_BATCH {
                hand_over(&mut batch);
            }
        });
        if !batch.lines.is_empty() {
            hand_over(&mut batch);
        }
        // Dropping the senders ends the decoders, whose ends end the applying thread.
        drop(hand_over);
        read
    })
}

/// A decoder's ends of its way to the applying thread (decoded batches there, emptied vectors back),
/// and the applying thread's ends.
fn decoder_channels() -> (ToApply, FromDecoder) {
    let (send_decoded, batches) = sync_channel(BATCHES_IN_FLIGHT);
    let (emptied, returned) = sync_channel::<Vec<Decoded>>(2 * BATCHES_IN_FLIGHT + 2);
    (
        ToApply {
            decoded: send_decoded,
            returned,
        },
        FromDecoder { batches, emptied },
    )
}

/// A decoder's end of its way to the applying thread.
struct ToApply {
    decoded: SyncSender<Vec<Decoded>>,
    returned: Receiver<Vec<Decoded>>,
}

impl ToApply {
    /// Decodes `batch` into an emptied vector (or a new one) and sends it to be applied; an error
    /// when the applying thread is gone.
    fn decode(&self, batch: &Batch, limits: &DecodeLimits) -> Result<(), ()> {
        let mut decoded = self
            .returned
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(batch.lines.len()));
        decode_batch(batch, limits, &mut decoded);
        self.decoded.send(decoded).map_err(|_| ())
    }
}

/// Threads named for what they do, as profiles and `top -H` show them.
fn named(name: String) -> std::thread::Builder {
    std::thread::Builder::new().name(name)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::event::RejectCounts;
    use crate::report::{self, Format};
    use crate::sim::{simulate, SimOptions};

    /// Simulated traffic of two tenants, with garbage, blank and over-long lines, and repeated events,
    /// as JSON Lines.
    fn input() -> Vec<u8> {
        let mut lines = Vec::new();
        for (tenant, seed) in [("acme", 3), ("globex", 4)] {
            let options = SimOptions {
                seed,
                tenant: tenant.to_string(),
                max_events: Some(5_000),
                second_resolution: true,
                ..SimOptions::default()
            };
            simulate(&options, |event| {
                let mut line = Vec::new();
                json_v1::encode(&event, &mut line);
                lines.push((event.time, line));
            });
        }
        // The tenants interleaved in time, then some lines spoilt or repeated.
        lines.sort_by_key(|(time, _)| *time);
        let lines: Vec<Vec<u8>> = lines.into_iter().map(|(_, line)| line).collect();
        let mut input = Vec::new();
        for (number, line) in lines.iter().enumerate() {
            match number % 997 {
                1 => input.extend_from_slice(b"{\"type\":\"call.queued\",garbage\n"),
                2 => input.extend_from_slice(b"   \r\n"),
                3 => input.extend_from_slice(&[b'x'; 300]),
                // The line before was spoilt by the over-long one: this repeats the one before that.
                4 => {
                    input.extend_from_slice(&lines[number - 2]);
                    input.push(b'\n');
                }
                _ => {}
            }
            input.extend_from_slice(line);
            input.extend_from_slice(if number % 5 == 0 { b"\r\n" } else { b"\n" });
        }
        input
    }

    fn tenants(limits: DecodeLimits) -> Tenants {
        Tenants::new(Arc::new(|_: &str| Default::default()), limits)
    }

    /// The queue report, totals and line count, the one-line-at-a-time way of `Feed::CallboardV1`.
    type Outcome = (String, (u64, RejectCounts), u64);

    fn one_at_a_time(input: &[u8], limits: DecodeLimits) -> Outcome {
        let mut tenants = tenants(limits);
        let lines =
            input::for_each_line(input, limits.max_message_bytes, |line, number| match line {
                Line::Text(text) => {
                    tenants.ingest_json(text, number);
                }
                Line::TooLarge => tenants.count_undecodable(RejectReason::TooLarge),
            })
            .unwrap();
        outcome(tenants, lines)
    }

    fn outcome(mut tenants: Tenants, lines: u64) -> Outcome {
        tenants.finish();
        let mut report = Vec::new();
        report::write(
            &report::queue_table(tenants.centers()),
            Format::Csv,
            &mut report,
        )
        .unwrap();
        (String::from_utf8(report).unwrap(), tenants.totals(), lines)
    }

    #[test]
    fn any_number_of_decoders_gives_the_figures_of_one_line_at_a_time() {
        // Over-long lines (300 bytes) are too large under this limit.
        let limits = DecodeLimits {
            max_message_bytes: 299,
        };
        let input = input();
        let expected = one_at_a_time(&input, limits);
        let (_, (applied, rejected), lines) = &expected;
        assert!(*lines > 3 * LINES_PER_BATCH as u64, "{lines} lines");
        assert!(*applied > 0);
        for reason in [
            RejectReason::TooLarge,
            RejectReason::MalformedJson,
            RejectReason::Inconsistent,
            RejectReason::Duplicate,
        ] {
            assert!(rejected.get(reason) > 0, "{reason:?}: {rejected:?}");
        }
        for decoders in [0, 1, 2] {
            let mut tenants = tenants(limits);
            let lines = run(&input[..], limits, decoders, &mut tenants).unwrap();
            assert_eq!(
                outcome(tenants, lines),
                expected,
                "{decoders} more decoders"
            );
        }
    }
}
