//! Wire formats → [`crate::event::Event`]. Pure: bytes in, an event or a [`DecodeError`] with its
//! [`RejectReason`] out; no I/O, no state (deduplication is the center's, per tenant).

pub mod json_v1;
pub mod time;

use crate::event::RejectReason;

/// Limits every decoder enforces before trusting input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest message accepted, in bytes (default 64 KiB); larger ones are rejected as `too_large`.
    pub max_message_bytes: usize,
}

impl DecodeLimits {
    pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 64 * 1024;
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_message_bytes: Self::DEFAULT_MAX_MESSAGE_BYTES,
        }
    }
}

/// Why a message could not be decoded: the reason it is counted under, and a detail for logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {detail}", reason.as_str())]
pub struct DecodeError {
    pub reason: RejectReason,
    pub detail: String,
}

impl DecodeError {
    pub fn new(reason: RejectReason, detail: impl Into<String>) -> Self {
        DecodeError {
            reason,
            detail: detail.into(),
        }
    }
}
