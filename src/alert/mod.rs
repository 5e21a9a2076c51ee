//! Alerts: rules over snapshots (`rule`, pure), the pending → firing → resolved engine (`engine`, pure),
//! and the delivery at the edge (`sink`: Kafka `call-alerts`, Alertmanager API v2, a JSON webhook),
//! driven once per tick by `runner`. Computes no KPI itself: rules read figures from snapshots.

pub mod engine;
pub mod rule;
pub mod runner;
pub mod sink;
#[cfg(test)]
mod tests;

pub use engine::{Alert, Engine, Notification, Status, TenantView};
pub use rule::{Comparison, Figure, Glob, Observation, Rule, Scale, Selector, ServiceFigures};
