//! The callboard JSON contract, version 1 (`spec/events.md`): decode and encode.

use super::{DecodeError, DecodeLimits};
use crate::event::{Event, RejectReason};

/// Decode one message (one JSON object) of the v1 contract.
pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<Event, DecodeError> {
    let _ = (bytes, limits);
    Err(DecodeError::new(
        RejectReason::MalformedJson,
        "decoder not written yet",
    ))
}

/// Append `event` as one JSON object of the v1 contract (no trailing newline) to `out`.
pub fn encode(event: &Event, out: &mut Vec<u8>) {
    let _ = (event, out);
    todo!("encoder not written yet")
}
