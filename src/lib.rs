//! callboard: real-time contact-center floor metrics from ACD events. See ARCHITECTURE.md for the map.
//!
//! The pure core (`event`, `decode`, `center`, `kpi`) does no I/O; the CLI and later the service are
//! thin edges around it.

pub mod access;
pub mod alert;
pub mod board;
pub mod center;
pub mod cli;
pub mod config;
pub mod decode;
pub mod deliver;
pub mod demo;
pub mod event;
pub mod export;
pub mod ingest;
pub mod input;
pub mod intervals;
pub mod kpi;
pub mod report;
pub mod service;
pub mod sim;
pub mod staffing;
pub mod telemetry;
pub mod tenants;
