//! Reading JSON Lines input (a file or `-` for stdin) for `replay` and `report`, line by line into one
//! reused buffer that never holds more than the message limit (an over-long line is skipped, not read
//! whole), with an optional progress line on stderr for long inputs.

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Read};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;

const BUFFER_BYTES: usize = 1 << 20;

/// Opens `path` (`-` is stdin) for buffered reading.
pub fn open(path: &Path) -> anyhow::Result<Box<dyn BufRead>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(BufReader::with_capacity(
            BUFFER_BYTES,
            io::stdin(),
        )));
    }
    let file = File::open(path).with_context(|| format!("cannot open input {}", path.display()))?;
    Ok(Box::new(BufReader::with_capacity(BUFFER_BYTES, file)))
}

/// One line of input as [`for_each_line`] hands it over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    /// The line's bytes, without its line ending; at most the limit long.
    Text(&'a [u8]),
    /// A line longer than the limit: it was skipped to its newline without being held in memory, and is
    /// the caller's to count as `too_large`, as the decoder would have.
    TooLarge,
}

/// Calls `each(line, line_number)` for every non-blank line. Lines are bytes: invalid UTF-8 is the
/// decoder's to reject, not a reason to stop reading. A line whose content (without its line ending) is
/// longer than `max_line_bytes` comes as [`Line::TooLarge`]: only its first `max_line_bytes + 1` bytes are
/// ever buffered, so one endless line without a newline cannot take unbounded memory.
pub fn for_each_line(
    reader: impl BufRead,
    max_line_bytes: usize,
    each: impl FnMut(Line<'_>, u64),
) -> io::Result<u64> {
    let mut line = Vec::with_capacity(4096);
    read_lines(reader, max_line_bytes, &mut line, each)
}

/// [`for_each_line`] with the line buffer passed in, so a test can see how large it grew.
fn read_lines(
    mut reader: impl BufRead,
    max_line_bytes: usize,
    line: &mut Vec<u8>,
    mut each: impl FnMut(Line<'_>, u64),
) -> io::Result<u64> {
    let keep = u64::try_from(max_line_bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let mut number = 0u64;
    let mut progress = Progress::new();
    loop {
        line.clear();
        // One byte past the limit tells a line that is too long from one that just fits.
        if (&mut reader).take(keep).read_until(b'\n', line)? == 0 {
            break;
        }
        number += 1;
        let next = if line.len() > max_line_bytes && line.last() != Some(&b'\n') {
            // Past the limit with no newline yet: the rest of the line is skipped, not kept. Only
            // carriage returns past the limit leave the content (which excludes them) within it.
            let mut beyond = Beyond::default();
            beyond.observe(&line[max_line_bytes..]);
            beyond.skip_rest_of_line(&mut reader)?;
            let head = &line[..max_line_bytes];
            if beyond.blank && is_blank(head) {
                None
            } else if beyond.content {
                Some(Line::TooLarge)
            } else {
                Some(Line::Text(without_line_ending(head)))
            }
        } else {
            let content = without_line_ending(line);
            (!is_blank(content)).then_some(Line::Text(content))
        };
        let Some(next) = next else {
            continue;
        };
        each(next, number);
        if number % 65_536 == 0 {
            progress.tick(number);
        }
    }
    progress.done(number);
    Ok(number)
}

fn without_line_ending(mut content: &[u8]) -> &[u8] {
    while let Some((last, rest)) = content.split_last() {
        if *last == b'\n' || *last == b'\r' {
            content = rest;
        } else {
            break;
        }
    }
    content
}

fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

/// What lies past the limit of an over-long line.
struct Beyond {
    /// A byte other than a carriage return: the line's content is longer than the limit.
    content: bool,
    /// Nothing but ASCII whitespace, which (with a blank start) makes a blank line, skipped unseen.
    blank: bool,
}

impl Default for Beyond {
    fn default() -> Self {
        Beyond {
            content: false,
            blank: true,
        }
    }
}

impl Beyond {
    fn observe(&mut self, bytes: &[u8]) {
        self.content |= bytes.iter().any(|&byte| byte != b'\r');
        self.blank &= bytes.iter().all(u8::is_ascii_whitespace);
    }

    /// Reads through the next newline (or to the end) a reader's buffer at a time.
    fn skip_rest_of_line(&mut self, reader: &mut impl BufRead) -> io::Result<()> {
        loop {
            let chunk = match reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            if chunk.is_empty() {
                return Ok(());
            }
            let newline = chunk.iter().position(|&byte| byte == b'\n');
            let part = &chunk[..newline.unwrap_or(chunk.len())];
            self.observe(part);
            let used = part.len() + usize::from(newline.is_some());
            reader.consume(used);
            if newline.is_some() {
                return Ok(());
            }
        }
    }
}

/// A progress line on a terminal's stderr, every two seconds, for inputs that take that long.
struct Progress {
    started: Instant,
    last: Instant,
    shown: bool,
    enabled: bool,
}

impl Progress {
    fn new() -> Self {
        let now = Instant::now();
        Progress {
            started: now,
            last: now,
            shown: false,
            enabled: io::stderr().is_terminal(),
        }
    }

    fn tick(&mut self, lines: u64) {
        if self.enabled && self.last.elapsed() >= Duration::from_secs(2) {
            self.last = Instant::now();
            self.shown = true;
            let rate = lines as f64 / self.started.elapsed().as_secs_f64();
            eprint!("\rcallboard: {lines} lines read ({rate:.0} lines/s)");
        }
    }

    fn done(&self, lines: u64) {
        if self.shown {
            eprintln!(
                "\rcallboard: {lines} lines read in {:.1} s",
                self.started.elapsed().as_secs_f64()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufReader, Read};

    use proptest::prelude::*;

    use super::*;
    use crate::decode::DecodeLimits;
    use crate::event::RejectReason;
    use crate::tenants::Tenants;

    /// Lines handed over, `Some(bytes)` for text and `None` for too large, with their numbers; and the
    /// number of lines read.
    type Seen = (Vec<(Option<Vec<u8>>, u64)>, u64);

    /// What [`for_each_line`] hands over.
    fn lines(input: &[u8], max: usize, capacity: usize) -> Seen {
        let mut seen = Vec::new();
        let total = for_each_line(
            BufReader::with_capacity(capacity, input),
            max,
            |line, number| {
                seen.push((
                    match line {
                        Line::Text(bytes) => Some(bytes.to_vec()),
                        Line::TooLarge => None,
                    },
                    number,
                ))
            },
        )
        .unwrap();
        (seen, total)
    }

    /// The reading this module did before it was bounded: each whole line read into memory, trailing
    /// `\n`/`\r` cut, blank lines skipped, and the decoder's `content.len() > max` test.
    fn whole_lines(input: &[u8], max: usize) -> Seen {
        let mut seen = Vec::new();
        let mut number = 0;
        for raw in input.split_inclusive(|&byte| byte == b'\n') {
            number += 1;
            let mut end = raw.len();
            while end > 0 && matches!(raw[end - 1], b'\n' | b'\r') {
                end -= 1;
            }
            let content = &raw[..end];
            if content.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            seen.push(((content.len() <= max).then(|| content.to_vec()), number));
        }
        (seen, number)
    }

    #[test]
    fn lines_over_the_limit_are_too_large_and_the_rest_as_before() {
        // Limit 8 bytes of content; a 4-byte reader buffer, so lines span several fills.
        let input =
            b"12345678\n123456789\n12345678\r\r\r\n\n                    \nabc\r\n123456789abc";
        let (seen, total) = lines(input, 8, 4);
        let text = |bytes: &[u8]| Some(bytes.to_vec());
        assert_eq!(
            seen,
            vec![
                (text(b"12345678"), 1), // exactly the limit
                (None, 2),              // one byte over
                (text(b"12345678"), 3), // carriage returns past the limit are line ending, not content
                // 4 (empty) and 5 (20 spaces, over the limit but blank) are skipped unseen
                (text(b"abc"), 6),
                (None, 7), // over the limit at the end of input, with no newline
            ]
        );
        assert_eq!(total, 7);
    }

    /// A reader of one line of `filler` bytes `len` long, then `rest`, generated as it is read.
    struct LongLine {
        len: u64,
        rest: &'static [u8],
        read: u64,
    }

    impl Read for LongLine {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.read < self.len {
                let n = buf.len().min((self.len - self.read) as usize);
                buf[..n].fill(b'x');
                self.read += n as u64;
                return Ok(n);
            }
            let at = (self.read - self.len) as usize;
            let n = buf.len().min(self.rest.len() - at);
            buf[..n].copy_from_slice(&self.rest[at..at + n]);
            self.read += n as u64;
            Ok(n)
        }
    }

    #[test]
    fn a_ten_megabyte_line_is_skipped_without_being_buffered_and_the_next_line_decodes() {
        const TEN_MB: u64 = 10 * 1024 * 1024;
        let valid: &[u8] = br#"{"type":"call.queued","time":"2026-11-23T09:00:00Z","tenant":"acme","call":"c1","queue":"billing"}"#;
        let mut rest = b"\n".to_vec();
        rest.extend_from_slice(valid);
        rest.push(b'\n');
        let mut reader = LongLine {
            len: TEN_MB,
            rest: rest.leak(),
            read: 0,
        };
        let limits = DecodeLimits::default();
        let mut tenants = Tenants::new(std::sync::Arc::new(|_: &str| Default::default()), limits);
        let mut seen = Vec::new();
        let mut buffer = Vec::new();
        let total = read_lines(
            BufReader::with_capacity(64 * 1024, &mut reader),
            limits.max_message_bytes,
            &mut buffer,
            |line, number| {
                seen.push((line == Line::TooLarge, number));
                // As the report command counts them.
                match line {
                    Line::Text(bytes) => {
                        tenants.ingest_json(bytes, number);
                    }
                    Line::TooLarge => tenants.count_undecodable(RejectReason::TooLarge),
                }
            },
        )
        .unwrap();
        assert_eq!(total, 2);
        assert_eq!(seen, vec![(true, 1), (false, 2)]);
        assert_eq!(reader.read, TEN_MB + 1 + valid.len() as u64 + 1);
        // The line buffer held at most the limit + 1 byte (growing by doubling from empty: 128 KiB),
        // never the 10 MB line.
        assert!(buffer.capacity() <= 128 * 1024, "{}", buffer.capacity());
        tenants.finish();
        let (applied, rejected) = tenants.totals();
        assert_eq!(applied, 1);
        assert_eq!(rejected.total(), 1);
        assert_eq!(rejected.get(RejectReason::TooLarge), 1);
    }

    proptest! {
        /// Bounded reading hands over exactly what reading whole lines did, for any limit and buffer size.
        #[test]
        fn bounded_reading_equals_reading_whole_lines(
            input in proptest::collection::vec(
                prop_oneof![Just(b'a'), Just(b' '), Just(b'\r'), Just(b'\n'), Just(0xff)],
                0..200,
            ),
            max in 0usize..12,
            capacity in 1usize..16,
        ) {
            prop_assert_eq!(lines(&input, max, capacity), whole_lines(&input, max));
        }
    }
}
