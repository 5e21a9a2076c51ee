//! Everything that leaves the process by HTTP: Prometheus exposition, the JSON API, server-sent events
//! and the wallboard page. Reads the board; never mutates state. The only module that knows HTTP.

pub mod door;
pub mod http;
pub mod metrics;
pub mod view;
