//! The daily report task: each tick, for every tenant this instance serves live with a report plan, the
//! day due (by `schedule`), unless the sent-day log has it, is built (`summary`, `chat`) and sent by
//! mail and to the webhooks, then recorded. A failed send is retried with backoff (only the
//! destinations that failed); nothing here blocks the service.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

use super::chat::{summary_payload, ChatFormat};
use super::days::DaySource;
use super::schedule;
use super::sent::SentLog;
use super::smtp::Mailer;
use super::summary::{mail, summarize};
use crate::alert::sink::webhook::post;

/// A webhook the summary is posted to.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub url: String,
    pub format: ChatFormat,
}

/// A tenant's daily report: when, and to whom.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub at: NaiveTime,
    pub to: Vec<String>,
    pub webhooks: Vec<Webhook>,
}

/// A tenant served live, with its zone and plan.
#[derive(Debug, Clone)]
pub struct TenantPlan {
    pub tenant: String,
    pub zone: Tz,
    pub plan: Plan,
}

/// What a tick did for one tenant.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Sent {
        tenant: String,
        date: NaiveDate,
    },
    /// Part or all failed; retried after the backoff.
    Failed {
        tenant: String,
        date: NaiveDate,
        error: String,
    },
    /// The day source does not hold the day (yet); asked again at the next tick.
    NoFigures {
        tenant: String,
        date: NaiveDate,
    },
}

/// The first retry's delay; each next one doubles, up to `LONGEST_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_secs(60);
const LONGEST_BACKOFF: Duration = Duration::from_secs(3600);

/// A day on its way out: which destinations have it, and when to try again.
#[derive(Clone)]
struct Pending {
    date: NaiveDate,
    mailed: bool,
    posted: BTreeSet<usize>,
    failures: u32,
    next_try: DateTime<Utc>,
    /// The day was found missing from the source (said once in the log).
    missing: bool,
}

impl Pending {
    fn back_off(&mut self, now: DateTime<Utc>) {
        let delay = FIRST_BACKOFF
            .saturating_mul(1 << self.failures.min(6))
            .min(LONGEST_BACKOFF);
        self.failures += 1;
        self.next_try = now + chrono::Duration::from_std(delay).unwrap_or_default();
    }
}

/// The sender of daily reports, over a day source and a sent-day log.
pub struct DailyReports<D, L> {
    days: D,
    log: L,
    mailer: Option<Mailer>,
    client: reqwest::Client,
    last_sent: BTreeMap<String, NaiveDate>,
    pending: BTreeMap<String, Pending>,
}

impl<D: DaySource, L: SentLog> DailyReports<D, L> {
    /// `mailer` is `None` when no mail server is configured (then plans have no `to`).
    pub fn new(days: D, log: L, mailer: Option<Mailer>, client: reqwest::Client) -> Self {
        DailyReports {
            days,
            log,
            mailer,
            client,
            last_sent: BTreeMap::new(),
            pending: BTreeMap::new(),
        }
    }

    pub fn days(&self) -> &D {
        &self.days
    }

    pub fn log(&self) -> &L {
        &self.log
    }

    /// Sends what is due at `now` for `tenants`; one outcome per tenant that had something due.
    pub async fn tick(&mut self, tenants: &[TenantPlan], now: DateTime<Utc>) -> Vec<Outcome> {
        let mut outcomes = Vec::new();
        for tenant in tenants {
            if let Some(outcome) = self.tick_tenant(tenant, now).await {
                outcomes.push(outcome);
            }
        }
        outcomes
    }

    async fn tick_tenant(&mut self, tenant: &TenantPlan, now: DateTime<Utc>) -> Option<Outcome> {
        let name = tenant.tenant.as_str();
        let last_sent = self.last_sent.get(name).copied();
        let date = schedule::due(tenant.zone, tenant.plan.at, now, last_sent)?;
        if self.log.was_sent(name, date) {
            self.last_sent.insert(name.to_string(), date);
            self.pending.remove(name);
            return None;
        }
        let fresh = Pending {
            date,
            mailed: false,
            posted: BTreeSet::new(),
            failures: 0,
            next_try: now,
            missing: false,
        };
        let pending = (self.pending.entry(name.to_string())).or_insert_with(|| fresh.clone());
        if pending.date != date {
            // A newer day came due while an older one kept failing: the newer one replaces it.
            *pending = fresh;
        }
        if now < pending.next_try {
            return None;
        }
        let Some(day) = self.days.day(name, date) else {
            if !pending.missing {
                pending.missing = true;
                tracing::warn!(tenant = name, %date, "daily report: the day's figures are not here yet; asking again each tick");
            }
            return Some(Outcome::NoFigures {
                tenant: name.to_string(),
                date,
            });
        };
        let mut errors = Vec::new();
        if !tenant.plan.to.is_empty() && !pending.mailed {
            match &self.mailer {
                Some(mailer) => match mailer.send(&tenant.plan.to, &mail(&day)).await {
                    Ok(()) => pending.mailed = true,
                    Err(error) => errors.push(error),
                },
                None => errors.push("no [delivery.smtp] mail server is configured".to_string()),
            }
        }
        let summary = summarize(&day);
        for (index, webhook) in tenant.plan.webhooks.iter().enumerate() {
            if pending.posted.contains(&index) {
                continue;
            }
            let body = summary_payload(webhook.format, &summary)
                .to_string()
                .into_bytes();
            match post(&self.client, &webhook.url, body).await {
                Ok(()) => {
                    pending.posted.insert(index);
                }
                Err(error) => errors.push(format!("webhook {}: {error}", webhook.format.name())),
            }
        }
        if errors.is_empty() {
            match self.log.record(name, date, now.timestamp_millis()).await {
                Ok(()) => {
                    self.pending.remove(name);
                    self.last_sent.insert(name.to_string(), date);
                    tracing::info!(tenant = name, %date, "daily report sent");
                    return Some(Outcome::Sent {
                        tenant: name.to_string(),
                        date,
                    });
                }
                Err(error) => errors.push(error),
            }
        }
        let error = errors.join("; ");
        pending.back_off(now);
        tracing::warn!(tenant = name, %date, %error, retry_at = %pending.next_try, "daily report not (fully) sent; retrying later");
        Some(Outcome::Failed {
            tenant: name.to_string(),
            date,
            error,
        })
    }
}

#[cfg(test)]
#[path = "daily_tests.rs"]
mod tests;
