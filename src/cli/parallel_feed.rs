//! JSON v1 input for `report` and `replay` on every core the process is given: this thread reads
//! lines, decoder threads decode batches of them, and one thread applies the events to the tenants
//! in input order, so the figures are those of reading, decoding and applying one line at a time.
//!
//! Batches go to the decoders in turn and are taken back in the same turn, which keeps input order
//! without a reordering buffer. Channels are bounded: a few batches per decoder are in flight, so
//! memory does not grow with the input.

use std::io::{self, BufRead};
use std::sync::mpsc::{sync_channel, Receiver};

use crate::decode::{json_v1, DecodeLimits};
use crate::event::{Event, RejectReason};
use crate::input::{self, Line};
use crate::tenants::Tenants;

/// Lines per batch: large enough that handing a batch over costs nothing per event.
const LINES_PER_BATCH: usize = 2048;
/// Batches waiting at each decoder, and decoded at each, before the one handing them over waits.
const BATCHES_IN_FLIGHT: usize = 2;

/// How many decoder threads to run, or `None` for one core, where reading, decoding and applying on
/// one thread is fastest.
pub fn decoders() -> Option<usize> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    (cores > 1).then_some(cores)
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
}

/// What a line gives the tenants.
enum Decoded {
    Event(Event, u64),
    Undecodable(RejectReason),
}

fn decode_batch(batch: &Batch, limits: &DecodeLimits) -> Vec<Decoded> {
    let mut start = 0;
    let mut decoded = Vec::with_capacity(batch.lines.len());
    for &(end, number, too_large) in &batch.lines {
        let line = &batch.bytes[start..end];
        start = end;
        // As `source::too_large` and `Tenants::ingest_json` count them.
        decoded.push(if too_large {
            Decoded::Undecodable(RejectReason::TooLarge)
        } else {
            match json_v1::decode(line, limits) {
                Ok(event) => Decoded::Event(event, number),
                Err(error) => Decoded::Undecodable(error.reason),
            }
        });
    }
    decoded
}

/// Applies the decoders' batches in the turn they were handed out, until the next in turn has none.
fn apply_in_order(decoded: Vec<Receiver<Vec<Decoded>>>, tenants: &mut Tenants) {
    for turn in (0..decoded.len()).cycle() {
        let Ok(batch) = decoded[turn].recv() else {
            return;
        };
        for line in batch {
            match line {
                Decoded::Event(event, tag) => {
                    tenants.ingest(event, tag);
                }
                Decoded::Undecodable(reason) => tenants.count_undecodable(reason),
            }
        }
    }
}

/// Reads every line of `reader` as [`input::for_each_line`] does and applies each to `tenants` as
/// `Feed::CallboardV1` does, on `decoders` decoder threads and one applying thread; returns the
/// number of lines read.
pub fn run(
    reader: impl BufRead,
    limits: DecodeLimits,
    decoders: usize,
    tenants: &mut Tenants,
) -> io::Result<u64> {
    let decoders = decoders.max(1);
    std::thread::scope(|scope| {
        let mut to_decoders = Vec::with_capacity(decoders);
        let mut from_decoders = Vec::with_capacity(decoders);
        for index in 0..decoders {
            let (send_lines, lines) = sync_channel::<Batch>(BATCHES_IN_FLIGHT);
            let (send_decoded, decoded) = sync_channel(BATCHES_IN_FLIGHT);
            let decoder = move || {
                for batch in lines {
                    if send_decoded.send(decode_batch(&batch, &limits)).is_err() {
                        return;
                    }
                }
            };
            named(format!("decode-{index}")).spawn_scoped(scope, decoder)?;
            to_decoders.push(send_lines);
            from_decoders.push(decoded);
        }
        named("apply".to_string())
            .spawn_scoped(scope, move || apply_in_order(from_decoders, tenants))?;
        let mut batch = Batch::default();
        let mut turn = 0;
        let mut hand_over = move |batch: Batch| {
            // A decoder gone means the applying thread is gone: it panicked, which the scope re-raises.
            let _ = to_decoders[turn].send(batch);
            turn = (turn + 1) % decoders;
        };
        let read = input::for_each_line(reader, limits.max_message_bytes, |line, number| {
            batch.push(line, number);
            if batch.lines.len() >= LINES_PER_BATCH {
                hand_over(std::mem::take(&mut batch));
            }
        });
        if !batch.lines.is_empty() {
            hand_over(batch);
        }
        // Dropping the senders ends the decoders, whose ends end the applying thread.
        drop(hand_over);
        read
    })
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
                4 => input.extend_from_slice(&lines[number - 1]),
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
        ] {
            assert!(rejected.get(reason) > 0, "{reason:?}: {rejected:?}");
        }
        for decoders in [1, 2, 3] {
            let mut tenants = tenants(limits);
            let lines = run(&input[..], limits, decoders, &mut tenants).unwrap();
            assert_eq!(outcome(tenants, lines), expected, "{decoders} decoders");
        }
    }
}
