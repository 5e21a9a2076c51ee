//! One `queue_log` record as it is written: a file line `epoch|callid|queuename|agent|EVENT|data1|…`
//! or a realtime database row as JSON (`time`, `callid`, `queuename`, `agent`, `event`, `data` or
//! `data1`..`data5`). Pure parsing into a [`Record`] that borrows the input; what the verbs mean is
//! `mapping`'s.
//!
//! What a damaged file holds, and what becomes of it:
//! - a run of NUL bytes (an unclean shutdown preallocated the file and the next start wrote after
//!   it): what precedes the last NUL is the torn remains of an earlier line and is dropped; the text
//!   after it is the record. A line that ends in NULs is a partial line → `unsupported_record`.
//! - a partial last line (fewer than 5 fields) → `unsupported_record`; an epoch that is not a whole
//!   number of seconds in 1970..=9999 → `bad_time`; bytes that are not UTF-8 → `unsupported_record`;
//!   a field longer than an id may be (128 bytes) → `unsupported_record`.

use std::borrow::Cow;

use chrono::TimeZone;
use chrono_tz::Tz;
use serde::Deserialize;

use super::super::time::{parse_rfc3339, MAX_MILLIS};
use super::super::{DecodeError, DecodeLimits};
use crate::event::{Millis, RejectReason, MAX_ID_BYTES};

/// Data fields kept per record; later ones (custom verbs write many) are ignored.
const MAX_DATA_FIELDS: usize = 6;

/// One `queue_log` record, borrowed from the line or row it was parsed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    /// Event time in ms (the file's epoch seconds × 1000; a row's local time converted to UTC).
    pub time: Millis,
    /// The caller channel's uniqueid, or `NONE`, `MANAGER`, `REALTIME`, `CLI`.
    pub call: &'a str,
    pub queue: &'a str,
    /// The member interface (`SIP/1001`) or member name (`Sathish`), or `NONE`.
    pub agent: &'a str,
    pub verb: &'a str,
    data: [&'a str; MAX_DATA_FIELDS],
}

impl<'a> Record<'a> {
    /// Data field `number` (1-based, as Asterisk's documentation counts them); absent or empty is `None`.
    pub fn data(&self, number: usize) -> Option<&'a str> {
        let field = *self.data.get(number.checked_sub(1)?)?;
        (!field.is_empty()).then_some(field)
    }
}

fn unsupported(detail: impl Into<String>) -> DecodeError {
    DecodeError::new(RejectReason::UnsupportedRecord, detail)
}

/// The record text of a line: without the torn remains before a NUL run, line ending and surrounding
/// blanks. The text is what the record's id is a hash of, so a redelivered line gets the same id.
pub fn record_text(bytes: &[u8]) -> Result<&[u8], DecodeError> {
    let after_nul = match bytes.iter().rposition(|&byte| byte == 0) {
        Some(last_nul) => &bytes[last_nul + 1..],
        None => bytes,
    };
    let text = after_nul.trim_ascii();
    if text.is_empty() {
        return Err(unsupported(
            "nothing after a run of NUL bytes: a partial line from an unclean shutdown",
        ));
    }
    Ok(text)
}

/// Parses a file line (already through [`record_text`]).
pub fn parse_line<'a>(text: &'a [u8], limits: &DecodeLimits) -> Result<Record<'a>, DecodeError> {
    check_size(text.len(), limits)?;
    let text = std::str::from_utf8(text)
        .map_err(|_| unsupported("the line is not UTF-8 text (a damaged queue_log?)"))?;
    let mut fields = text.split('|');
    let mut next = || fields.next();
    let (Some(epoch), Some(call), Some(queue), Some(agent), Some(verb)) =
        (next(), next(), next(), next(), next())
    else {
        return Err(unsupported(format!(
            "{} fields; a queue_log line has at least 5 (epoch|callid|queuename|agent|EVENT): a partial line?",
            text.split('|').count()
        )));
    };
    let mut data = [""; MAX_DATA_FIELDS];
    for (slot, field) in data.iter_mut().zip(fields) {
        *slot = field;
    }
    let time = epoch_seconds(epoch)?;
    record(time, call, queue, agent, verb, data)
}

fn check_size(length: usize, limits: &DecodeLimits) -> Result<(), DecodeError> {
    if length > limits.max_message_bytes {
        return Err(DecodeError::new(
            RejectReason::TooLarge,
            format!(
                "record is {length} bytes; the limit is {}",
                limits.max_message_bytes
            ),
        ));
    }
    Ok(())
}

fn epoch_seconds(text: &str) -> Result<Millis, DecodeError> {
    let seconds =
        (!text.is_empty() && text.len() <= 12 && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<i64>().ok())
            .flatten()
            .map(|seconds| seconds * 1_000)
            .filter(|millis| *millis <= MAX_MILLIS);
    seconds.ok_or_else(|| {
        let shown: String = text.chars().take(32).collect();
        DecodeError::new(
            RejectReason::BadTime,
            format!("`{shown}` is not epoch seconds (the first field of a queue_log line)"),
        )
    })
}

fn record<'a>(
    time: Millis,
    call: &'a str,
    queue: &'a str,
    agent: &'a str,
    verb: &'a str,
    data: [&'a str; MAX_DATA_FIELDS],
) -> Result<Record<'a>, DecodeError> {
    for (name, value) in [
        ("callid", call),
        ("queuename", queue),
        ("agent", agent),
        ("event", verb),
    ] {
        if value.len() > MAX_ID_BYTES {
            return Err(unsupported(format!(
                "{name} is {} bytes long; ids are at most {MAX_ID_BYTES}",
                value.len()
            )));
        }
    }
    if verb.is_empty() {
        return Err(unsupported("the EVENT field is empty"));
    }
    Ok(Record {
        time,
        call,
        queue,
        agent,
        verb,
        data,
    })
}

/// A realtime `queue_log` table row as JSON (Debezium, an export): all fields optional here, checked
/// when the record is built.
#[derive(Deserialize)]
pub struct Row<'a> {
    #[serde(borrow)]
    time: Option<RowValue<'a>>,
    #[serde(borrow, default)]
    callid: RowValue<'a>,
    #[serde(borrow, default)]
    queuename: RowValue<'a>,
    #[serde(borrow, default)]
    agent: RowValue<'a>,
    #[serde(borrow, default)]
    event: RowValue<'a>,
    #[serde(borrow, default)]
    data: RowValue<'a>,
    #[serde(borrow, default)]
    data1: RowValue<'a>,
    #[serde(borrow, default)]
    data2: RowValue<'a>,
    #[serde(borrow, default)]
    data3: RowValue<'a>,
    #[serde(borrow, default)]
    data4: RowValue<'a>,
    #[serde(borrow, default)]
    data5: RowValue<'a>,
}

/// A column as a CDC tool may send it: text, a number, or null.
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum RowValue<'a> {
    #[serde(borrow)]
    Text(Cow<'a, str>),
    Integer(i64),
    Number(f64),
    #[default]
    Null,
}

impl RowValue<'_> {
    fn text(&self) -> Cow<'_, str> {
        match self {
            RowValue::Text(text) => Cow::Borrowed(text.as_ref()),
            RowValue::Integer(number) => Cow::Owned(number.to_string()),
            RowValue::Number(number) => Cow::Owned(number.to_string()),
            RowValue::Null => Cow::Borrowed(""),
        }
    }
}

/// A row's columns as text, owned where a number had to be written out, so a [`Record`] can borrow them.
pub struct RowText<'a> {
    time: Option<&'a RowValue<'a>>,
    columns: [Cow<'a, str>; 4],
    data: Vec<Cow<'a, str>>,
}

/// Parses a database row (JSON, already through [`record_text`]).
pub fn parse_row<'a>(text: &'a [u8], limits: &DecodeLimits) -> Result<Row<'a>, DecodeError> {
    check_size(text.len(), limits)?;
    serde_json::from_slice(text)
        .map_err(|error| DecodeError::new(RejectReason::MalformedJson, error.to_string()))
}

impl<'a> Row<'a> {
    pub fn text(&'a self) -> RowText<'a> {
        // One `data` column holds the fields joined by `|`; `queue_adaptive_realtime` splits them into
        // data1..data5.
        let data = match &self.data {
            RowValue::Null => [
                &self.data1,
                &self.data2,
                &self.data3,
                &self.data4,
                &self.data5,
            ]
            .iter()
            .map(|value| value.text())
            .collect(),
            joined => match joined.text() {
                Cow::Borrowed(text) => text.split('|').map(Cow::Borrowed).collect(),
                Cow::Owned(text) => vec![Cow::Owned(text)],
            },
        };
        RowText {
            time: self.time.as_ref(),
            columns: [
                self.callid.text(),
                self.queuename.text(),
                self.agent.text(),
                self.event.text(),
            ],
            data,
        }
    }
}

impl RowText<'_> {
    /// The record of the row; `time` is local time in `zone` unless it carries an offset, or epoch
    /// seconds as a number.
    pub fn record(&self, zone: Tz) -> Result<Record<'_>, DecodeError> {
        let time = match self.time {
            None | Some(RowValue::Null) => {
                return Err(DecodeError::new(
                    RejectReason::BadTime,
                    "column `time` is required",
                ))
            }
            Some(RowValue::Integer(seconds)) => Some(*seconds)
                .filter(|seconds| (0..=MAX_MILLIS / 1_000).contains(seconds))
                .map(|seconds| seconds * 1_000),
            Some(RowValue::Number(_)) => None,
            Some(RowValue::Text(text)) => local_time(text, zone),
        }
        .ok_or_else(|| {
            DecodeError::new(
                RejectReason::BadTime,
                "column `time` must be local time `2026-11-23 09:00:00.123456` (in the source's time zone), RFC 3339 with an offset, or epoch seconds",
            )
        })?;
        let mut data = [""; MAX_DATA_FIELDS];
        for (slot, field) in data.iter_mut().zip(&self.data) {
            *slot = field.as_ref();
        }
        let [call, queue, agent, verb] = &self.columns;
        record(time, call, queue, agent, verb, data)
    }
}

/// `2026-11-23 09:00:00[.ffffff]` in `zone` (an hour repeated at the end of summer time is taken at its
/// first occurrence; an hour skipped at its start does not exist and is refused), or RFC 3339.
fn local_time(text: &str, zone: Tz) -> Option<Millis> {
    if let Some(millis) = parse_rfc3339(text) {
        return Some(millis);
    }
    let naive = chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()?;
    let millis = zone
        .from_local_datetime(&naive)
        .earliest()?
        .timestamp_millis();
    (0..=MAX_MILLIS).contains(&millis).then_some(millis)
}
