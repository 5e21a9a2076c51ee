//! Reading JSON Lines input (a file or `-` for stdin) for `replay` and `report`, a block at a time into
//! one reused buffer, lines handed over where they lie in it; a line over the message limit is skipped,
//! never held whole. With an optional progress line on stderr for long inputs.

use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;

const BUFFER_BYTES: usize = 1 << 18;

/// Opens `path` (`-` is stdin) for reading; [`for_each_line`] does the buffering.
pub fn open(path: &Path) -> anyhow::Result<Box<dyn Read + Send>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(io::stdin()));
    }
    let file = File::open(path).with_context(|| format!("cannot open input {}", path.display()))?;
    Ok(Box::new(file))
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
/// longer than `max_line_bytes` comes as [`Line::TooLarge`]: only its first `max_line_bytes` bytes are
/// kept while the rest is skipped to its newline, so one endless line without a newline cannot take
/// unbounded memory.
pub fn for_each_line(
    reader: impl Read,
    max_line_bytes: usize,
    each: impl FnMut(Line<'_>, u64),
) -> io::Result<u64> {
    let mut buffer = Vec::new();
    read_lines(reader, max_line_bytes, &mut buffer, each)
}

/// [`for_each_line`] with the buffer passed in, so a test can see how large it grew. The input is read
/// a block at a time into `buffer` and lines are handed over where they lie in it, never copied; only
/// a line that does not end within a block moves to the buffer's start before the next read.
fn read_lines(
    mut reader: impl Read,
    max_line_bytes: usize,
    buffer: &mut Vec<u8>,
    mut each: impl FnMut(Line<'_>, u64),
) -> io::Result<u64> {
    // Room for a whole line of the limit (with its newline) and then some, so each read makes progress.
    let capacity = BUFFER_BYTES.max(max_line_bytes.saturating_add(2));
    buffer.clear();
    buffer.resize(capacity, 0);
    let mut lines = Lines {
        number: 0,
        max_line_bytes,
        progress: Progress::new(),
    };
    // The line being read starts at `start`; bytes up to `end` are read; none of `start..searched`
    // is a newline. `skipping` holds the head of a line found too long, whose rest is being skipped.
    let (mut start, mut searched, mut end) = (0, 0, 0);
    let mut skipping: Option<Skipped> = None;
    loop {
        while let Some(found) = memchr::memchr(b'\n', &buffer[searched..end]) {
            let newline = searched + found;
            match skipping.take() {
                Some(mut skipped) => {
                    skipped.beyond.observe(&buffer[start..newline]);
                    lines.skipped(skipped, &mut each);
                }
                None => lines.whole(&buffer[start..newline], &mut each),
            }
            start = newline + 1;
            searched = start;
        }
        searched = end;
        if let Some(skipped) = &mut skipping {
            skipped.beyond.observe(&buffer[start..end]);
            (start, searched, end) = (0, 0, 0);
        } else if end - start > max_line_bytes {
            // Past the limit with no newline yet: the head is kept, the rest observed and skipped.
            let head = buffer[start..start + max_line_bytes].to_vec();
            let mut beyond = Beyond::default();
            beyond.observe(&buffer[start + max_line_bytes..end]);
            skipping = Some(Skipped { head, beyond });
            (start, searched, end) = (0, 0, 0);
        } else if start > 0 {
            buffer.copy_within(start..end, 0);
            (searched, end) = (searched - start, end - start);
            start = 0;
        }
        let read = match reader.read(&mut buffer[end..]) {
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if read == 0 {
            break;
        }
        end += read;
    }
    // The last line, without a newline.
    match skipping {
        Some(skipped) => lines.skipped(skipped, &mut each),
        None if end > start => lines.whole(&buffer[start..end], &mut each),
        None => {}
    }
    lines.progress.done(lines.number);
    Ok(lines.number)
}

/// Counts lines as they end and hands over those with content.
struct Lines {
    number: u64,
    max_line_bytes: usize,
    progress: Progress,
}

impl Lines {
    /// A line read whole (without its newline).
    fn whole(&mut self, line: &[u8], each: &mut impl FnMut(Line<'_>, u64)) {
        let content = without_line_ending(line);
        let next = if is_blank(content) {
            None
        } else if content.len() > self.max_line_bytes {
            Some(Line::TooLarge)
        } else {
            Some(Line::Text(content))
        };
        self.hand_over(next, each);
    }

    /// A line whose head was kept and whose rest was skipped.
    fn skipped(&mut self, skipped: Skipped, each: &mut impl FnMut(Line<'_>, u64)) {
        let Skipped { head, beyond } = skipped;
        let next = if beyond.blank && is_blank(&head) {
            None
        } else if beyond.content {
            Some(Line::TooLarge)
        } else {
            // Only carriage returns past the limit: they are the line ending, the content fits.
            Some(Line::Text(without_line_ending(&head)))
        };
        self.hand_over(next, each);
    }

    fn hand_over(&mut self, next: Option<Line<'_>>, each: &mut impl FnMut(Line<'_>, u64)) {
        self.number += 1;
        if let Some(next) = next {
            each(next, self.number);
            if self.number % 65_536 == 0 {
                self.progress.tick(self.number);
            }
        }
    }
}

/// The head of an over-long line and what was seen of its rest.
struct Skipped {
    head: Vec<u8>,
    beyond: Beyond,
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

    /// A reader that gives at most `chunk` bytes a read, as a pipe may.
    struct Trickle<'a> {
        input: &'a [u8],
        chunk: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.chunk).min(self.input.len());
            buf[..n].copy_from_slice(&self.input[..n]);
            self.input = &self.input[n..];
            Ok(n)
        }
    }

    /// What [`for_each_line`] hands over, reading `chunk` bytes at a time.
    fn lines(input: &[u8], max: usize, chunk: usize) -> Seen {
        let mut seen = Vec::new();
        let total = for_each_line(Trickle { input, chunk }, max, |line, number| {
            seen.push((
                match line {
                    Line::Text(bytes) => Some(bytes.to_vec()),
                    Line::TooLarge => None,
                },
                number,
            ))
        })
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
        // Limit 8 bytes of content; 4 bytes a read, so lines span several reads.
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
        // The buffer held one block (the limit is below it), never the 10 MB line.
        assert!(limits.max_message_bytes < BUFFER_BYTES);
        assert!(
            buffer.capacity() < 2 * BUFFER_BYTES,
            "{}",
            buffer.capacity()
        );
        tenants.finish();
        let (applied, rejected) = tenants.totals();
        assert_eq!(applied, 1);
        assert_eq!(rejected.total(), 1);
        assert_eq!(rejected.get(RejectReason::TooLarge), 1);
    }

    proptest! {
        /// Bounded reading hands over exactly what reading whole lines did, for any limit and read size.
        #[test]
        fn bounded_reading_equals_reading_whole_lines(
            input in proptest::collection::vec(
                prop_oneof![Just(b'a'), Just(b' '), Just(b'\r'), Just(b'\n'), Just(0xff)],
                0..200,
            ),
            max in 0usize..12,
            chunk in 1usize..16,
        ) {
            prop_assert_eq!(lines(&input, max, chunk), whole_lines(&input, max));
        }
    }
}
