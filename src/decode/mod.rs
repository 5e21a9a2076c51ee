//! Wire formats → [`crate::event::Event`]. Pure: bytes in, events or a [`DecodeError`] with its
//! [`RejectReason`] out; no I/O. `json_v1` keeps no state (deduplication is the center's, per
//! tenant); a source adapter (`asterisk`, `freeswitch`) keeps small bounded per-tenant state between records.

pub mod adapter;
pub mod amazon_connect;
pub mod amazon_connect_ctr;
pub mod asterisk;
pub mod caller;
pub mod freeswitch;
pub mod json_v1;
#[cfg(test)]
mod test_support;
pub mod time;
pub mod twilio;

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
