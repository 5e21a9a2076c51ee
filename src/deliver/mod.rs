//! The edge that sends: the daily report at a set local time per tenant, by mail (SMTP) and to chat
//! webhooks, once per day per tenant (the sent day is recorded in the intervals topic); and
//! the Slack, Teams and JSON payloads of alerts and of the daily summary. The pure parts (`schedule`,
//! `summary`, `chat`) build what is sent; `smtp`, `sent`, `daily` and `task` do the I/O. Nothing in the core
//! calls this module.

pub mod chat;
pub mod daily;
pub mod days;
pub mod schedule;
pub mod sent;
pub mod smtp;
pub mod summary;
pub mod task;

pub use chat::ChatFormat;
pub use daily::{DailyReports, Outcome, Plan, TenantPlan, Webhook};
pub use days::{CenterDays, DaySource, StoreDays};
pub use sent::{MemorySentLog, SentLog, StoreSentLog};
