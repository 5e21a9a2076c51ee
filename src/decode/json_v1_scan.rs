//! The fast path of the v1 decoder: a message of the usual shape — one flat object of known fields,
//! string values without escapes, non-negative integers and short decimals, string arrays — scanned
//! straight into a
//! [`Wire`] of borrowed fields, with no serde machinery and no allocation but an agent's queue list.
//!
//! It only ever accepts a subset of what serde_json accepts, and gives exactly serde's [`Wire`] for it:
//! anything else (an escape, a float, `null`, a nested value, an unknown or repeated field, a leading
//! zero, a negative number, bad UTF-8, …) gives `None`, and the caller decodes the message the full way,
//! which decides whether and why it is rejected. So rejections and their reasons are serde's, always.

use std::borrow::Cow;

use super::{Wire, WireTime};

/// The message's fields into `wire` (a default one), or `None` when it is not of the shape this path
/// reads (then `wire` holds some of them, for nothing).
pub(super) fn scan<'a>(bytes: &'a [u8], wire: &mut Wire<'a>) -> Option<()> {
    // Checked once for the whole message (SIMD: the report runs 3 % faster than with
    // `str::from_utf8`): every string then starts and ends at an ASCII quote, so each is valid UTF-8
    // too. serde rejects any message that is not.
    let text = simdutf8::basic::from_utf8(bytes).ok()?;
    let mut scanner = Scanner { text, bytes, at: 0 };
    let mut seen = 0u32;
    scanner.skip_whitespace();
    scanner.expect(b'{')?;
    scanner.skip_whitespace();
    loop {
        let key = scanner.string()?;
        scanner.skip_whitespace();
        scanner.expect(b':')?;
        scanner.skip_whitespace();
        let field = field_of(key)?;
        // A repeated field is an error for serde: let it say so.
        let bit = 1u32 << field as u32;
        if seen & bit != 0 {
            return None;
        }
        seen |= bit;
        scanner.value(field, wire)?;
        scanner.skip_whitespace();
        match scanner.next()? {
            b',' => scanner.skip_whitespace(),
            b'}' => break,
            _ => return None,
        }
    }
    scanner.skip_whitespace();
    (scanner.at == bytes.len()).then_some(())
}

/// The fields this path reads.
#[derive(Clone, Copy)]
enum Field {
    Kind,
    Time,
    Tenant,
    Id,
    Version,
    Call,
    Queue,
    Agent,
    Team,
    Campaign,
    Caller,
    ToQueue,
    ToAgent,
    Reason,
    State,
    Outcome,
    Disposition,
    Direction,
    Priority,
    Queues,
    Evaluator,
    Form,
    CriticalFailure,
    Score,
    Scale,
    MaxScore,
}

fn field_of(key: &str) -> Option<Field> {
    Some(match key {
        "type" => Field::Kind,
        "time" => Field::Time,
        "tenant" => Field::Tenant,
        "id" => Field::Id,
        "v" => Field::Version,
        "call" => Field::Call,
        "queue" => Field::Queue,
        "agent" => Field::Agent,
        "team" => Field::Team,
        "campaign" => Field::Campaign,
        "caller" => Field::Caller,
        "to_queue" => Field::ToQueue,
        "to_agent" => Field::ToAgent,
        "reason" => Field::Reason,
        "state" => Field::State,
        "outcome" => Field::Outcome,
        "disposition" => Field::Disposition,
        "direction" => Field::Direction,
        "priority" => Field::Priority,
        "queues" => Field::Queues,
        "evaluator" => Field::Evaluator,
        "form" => Field::Form,
        "critical_failure" => Field::CriticalFailure,
        "score" => Field::Score,
        "scale" => Field::Scale,
        "max_score" => Field::MaxScore,
        _ => return None,
    })
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn expect(&mut self, wanted: u8) -> Option<()> {
        (self.next()? == wanted).then_some(())
    }

    /// JSON's whitespace, as serde_json skips it.
    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\t' | b'\r')) {
            self.at += 1;
        }
    }

    /// A string without escapes (an escape is serde's to decode; a raw control character is an error
    /// it reports), borrowed from the message.
    fn string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.at;
        let length = string_stop(&self.bytes[start..])?;
        if self.bytes[start + length] != b'"' {
            return None;
        }
        self.at = start + length + 1;
        self.text.get(start..start + length)
    }

    fn text(&mut self) -> Option<Cow<'a, str>> {
        self.string().map(Cow::Borrowed)
    }

    /// A non-negative integer of at most 18 digits, without a leading zero (which JSON forbids), ended
    /// by something other than a fraction or exponent: what serde_json reads as that integer.
    fn integer(&mut self) -> Option<i64> {
        let digits = self.integer_digits();
        let length = digits.len();
        if length == 0 || length > 18 || (length > 1 && digits[0] == b'0') {
            return None;
        }
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        Some(
            digits
                .iter()
                .fold(0i64, |value, digit| value * 10 + i64::from(digit - b'0')),
        )
    }

    /// A non-negative number of at most 15 significant digits, with or without a fraction and without
    /// an exponent (`4`, `4.5`, `0.25`): the mantissa and the power of ten are both exact in an `f64`,
    /// so one division gives the correctly rounded value, which is what serde_json (with
    /// `float_roundtrip`) reads.
    fn decimal(&mut self) -> Option<f64> {
        const MAX_DIGITS: usize = 15;
        let whole = self.integer_digits();
        if whole.is_empty() || (whole.len() > 1 && whole[0] == b'0') {
            return None;
        }
        let fraction: &[u8] = if self.peek() == Some(b'.') {
            self.at += 1;
            let fraction = self.integer_digits();
            if fraction.is_empty() {
                return None;
            }
            fraction
        } else {
            &[]
        };
        if matches!(self.peek(), Some(b'e' | b'E')) || whole.len() + fraction.len() > MAX_DIGITS {
            return None;
        }
        let mantissa = (whole.iter().chain(fraction))
            .fold(0u64, |value, digit| value * 10 + u64::from(digit - b'0'));
        let scale = 10u64.pow(fraction.len() as u32);
        Some(mantissa as f64 / scale as f64)
    }

    /// The ASCII digits from here on.
    fn integer_digits(&mut self) -> &'a [u8] {
        let start = self.at;
        while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
            self.at += 1;
        }
        &self.bytes[start..self.at]
    }

    /// An array of strings without escapes.
    fn strings(&mut self) -> Option<Vec<Cow<'a, str>>> {
        self.expect(b'[')?;
        self.skip_whitespace();
        let mut values = Vec::new();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Some(values);
        }
        loop {
            values.push(self.text()?);
            self.skip_whitespace();
            match self.next()? {
                b',' => self.skip_whitespace(),
                b']' => return Some(values),
                _ => return None,
            }
        }
    }

    fn boolean(&mut self) -> Option<bool> {
        let rest = &self.bytes[self.at..];
        let (value, length) = if rest.starts_with(b"true") {
            (true, 4)
        } else if rest.starts_with(b"false") {
            (false, 5)
        } else {
            return None;
        };
        self.at += length;
        Some(value)
    }

    fn value(&mut self, field: Field, wire: &mut Wire<'a>) -> Option<()> {
        match field {
            Field::Time => {
                wire.time = Some(match self.peek()? {
                    b'"' => WireTime::Text(self.text()?),
                    _ => WireTime::Millis(self.integer()?),
                })
            }
            Field::Version => wire.v = Some(self.integer()?),
            Field::Priority => wire.priority = Some(self.integer()?),
            Field::Queues => wire.queues = Some(self.strings()?),
            Field::CriticalFailure => wire.critical_failure = Some(self.boolean()?),
            Field::Score => wire.score = Some(self.decimal()?),
            Field::Scale => wire.scale = Some(self.decimal()?),
            Field::MaxScore => wire.max_score = Some(self.decimal()?),
            text_field => *text_slot(text_field, wire)? = Some(self.text()?),
        }
        Some(())
    }
}

/// Where a field with a string value goes (`None` for the others).
fn text_slot<'w, 'a>(field: Field, wire: &'w mut Wire<'a>) -> Option<&'w mut Option<Cow<'a, str>>> {
    Some(match field {
        Field::Kind => &mut wire.kind,
        Field::Tenant => &mut wire.tenant,
        Field::Id => &mut wire.id,
        Field::Call => &mut wire.call,
        Field::Queue => &mut wire.queue,
        Field::Agent => &mut wire.agent,
        Field::Team => &mut wire.team,
        Field::Campaign => &mut wire.campaign,
        Field::Caller => &mut wire.caller,
        Field::ToQueue => &mut wire.to_queue,
        Field::ToAgent => &mut wire.to_agent,
        Field::Reason => &mut wire.reason,
        Field::State => &mut wire.state,
        Field::Outcome => &mut wire.outcome,
        Field::Disposition => &mut wire.disposition,
        Field::Direction => &mut wire.direction,
        Field::Evaluator => &mut wire.evaluator,
        Field::Form => &mut wire.form,
        Field::Time
        | Field::Version
        | Field::Priority
        | Field::Queues
        | Field::CriticalFailure
        | Field::Score
        | Field::Scale
        | Field::MaxScore => return None,
    })
}

/// Where the first quote, backslash or control character (below 0x20) of `bytes` is: a string's end,
/// or what makes it one this path leaves to serde. Eight bytes at a time (the lowest flagged byte of
/// each test is exact; flags above it may be borrows and are never looked at).
fn string_stop(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let is_stop = |byte: u8| byte == b'"' || byte == b'\\' || byte < 0x20;
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        let flagged = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (word.wrapping_sub(ONES * 0x20) & !word);
        let flagged = flagged & HIGH;
        if flagged != 0 {
            return Some(at + (flagged.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    bytes[at..]
        .iter()
        .position(|&byte| is_stop(byte))
        .map(|found| at + found)
}

#[cfg(test)]
#[path = "json_v1_scan_tests.rs"]
mod tests;
