//! Everything that leaves the process by HTTP: Prometheus exposition, the JSON API, server-sent events
//! and the wallboard page, over HTTP or HTTPS. Reads the board; never mutates state. The only module that knows HTTP.

pub mod cors;
pub mod door;
pub mod http;
pub mod metrics;
pub mod samples_topic;
pub mod tls;
pub mod view;
