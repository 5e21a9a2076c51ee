//! Reading JSON Lines input (a file or `-` for stdin) for `replay` and `report`, line by line into one
//! reused buffer, with an optional progress line on stderr for long inputs.

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal};
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

/// Calls `each(line, line_number)` for every non-blank line (without its line ending). Lines are bytes:
/// invalid UTF-8 is the decoder's to reject, not a reason to stop reading.
pub fn for_each_line(
    mut reader: impl BufRead,
    mut each: impl FnMut(&[u8], u64),
) -> io::Result<u64> {
    let mut line = Vec::with_capacity(4096);
    let mut number = 0u64;
    let mut progress = Progress::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        number += 1;
        let mut content = line.as_slice();
        while let Some((last, rest)) = content.split_last() {
            if *last == b'\n' || *last == b'\r' {
                content = rest;
            } else {
                break;
            }
        }
        if content.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        each(content, number);
        if number % 65_536 == 0 {
            progress.tick(number);
        }
    }
    progress.done(number);
    Ok(number)
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
