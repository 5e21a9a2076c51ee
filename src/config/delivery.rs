//! Where daily reports go (`[delivery]`): the mail server (`[delivery.smtp]`, its password from a file
//! or an environment variable, never inline), and each tenant's
//! `daily_report` (`[defaults.daily_report]`, `[tenants.NAME.daily_report]`): when, to whom, which
//! webhooks in which chat format. Validation with field names, and the plain settings the sender takes.

use std::path::PathBuf;

use chrono::Timelike;
use serde::Deserialize;

use super::{Config, ConfigError, Duration};
use crate::center::settings::{MINUTE, SECOND};
use crate::deliver::schedule::parse_local_time;
use crate::deliver::smtp::{Secret, SmtpSettings, SmtpTls};
use crate::deliver::{ChatFormat, Plan, Webhook};

/// Each sent day is recorded in `kafka.intervals_topic` (`TENANT/delivery/daily/DATE`), so a day goes
/// out once across instances and restarts.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    /// The mail server daily reports are sent through; needed when any `daily_report` has `to`.
    pub smtp: Option<SmtpConfig>,
}

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTlsConfig {
    /// Plain connection upgraded with STARTTLS, which the server must offer (default port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (default port 465).
    Tls,
    /// No TLS (default port 25): only for a relay on the same host; refused with a login.
    None,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// The mail server's host name (also the name its certificate must carry).
    pub host: String,
    /// Default: 587 with STARTTLS, 465 with TLS, 25 without.
    pub port: Option<u16>,
    /// `"starttls"` (default), `"tls"` or `"none"`.
    #[serde(default)]
    pub tls: SmtpTlsConfig,
    /// The login's user name; give its password with `password_file` or `password_env`.
    pub username: Option<String>,
    /// A file holding the password (a mounted secret); a trailing line break is dropped.
    pub password_file: Option<PathBuf>,
    /// An environment variable holding the password.
    pub password_env: Option<String>,
    /// The sender, `callboard@example.com` or `Callboard <callboard@example.com>`.
    pub from: String,
    /// CA certificates (PEM) to trust besides the system's, for a private mail server.
    pub ca_file: Option<PathBuf>,
    /// How long one connection may take (default 30s).
    #[serde(default = "default_timeout")]
    pub timeout: Duration,
    /// The password, read from the file or variable at load.
    #[serde(skip)]
    pub password: Option<Secret>,
}

const fn default_timeout() -> Duration {
    Duration(30 * SECOND)
}

/// A tenant's daily report (in `[defaults]` for every tenant; a tenant's own replaces it whole).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DailyReportConfig {
    /// The local time it is sent, `"07:00"`: the report of the day before (the tenant's day).
    pub at: String,
    /// Mail recipients (`floor@example.com`, `Lead <lead@example.com>`); needs `[delivery.smtp]`.
    #[serde(default)]
    pub to: Vec<String>,
    /// Chat webhooks the summary is posted to.
    #[serde(default)]
    pub webhooks: Vec<WebhookConfig>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub url: String,
    /// `"json"` (default, callboard's own), `"slack"` or `"teams"`.
    #[serde(default)]
    pub format: ChatFormat,
}

/// `http://` or `https://` and something after it.
pub(super) fn is_http_url(url: &str) -> bool {
    (url.starts_with("http://") || url.starts_with("https://")) && url.len() >= 10
}

fn is_mailbox(text: &str) -> bool {
    text.parse::<lettre::message::Mailbox>().is_ok()
}

impl SmtpConfig {
    fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTlsConfig::Starttls => 587,
            SmtpTlsConfig::Tls => 465,
            SmtpTlsConfig::None => 25,
        })
    }

    fn validate(&self) -> Result<(), (String, String)> {
        let problem = |field: &str, text: String| Err((format!("delivery.smtp.{field}"), text));
        if self.host.trim().is_empty() || self.host.contains(['/', ' ', ':']) {
            return problem(
                "host",
                format!("`{}` is not a host name like mail.example.com", self.host),
            );
        }
        if self.port == Some(0) {
            return problem("port", "must be from 1 to 65535".into());
        }
        if !is_mailbox(&self.from) {
            return problem(
                "from",
                format!(
                    "`{}` is not a mail address like callboard@example.com",
                    self.from
                ),
            );
        }
        let sources =
            usize::from(self.password_file.is_some()) + usize::from(self.password_env.is_some());
        match (&self.username, sources) {
            (Some(_), 0) => {
                return problem(
                    "username",
                    "give its password with password_file or password_env".into(),
                )
            }
            (None, 1..) => {
                return problem("username", "a password is given without a user name".into())
            }
            (_, 2..) => {
                return problem(
                    "password_file",
                    "give password_file or password_env, not both".into(),
                )
            }
            _ => {}
        }
        if self.tls == SmtpTlsConfig::None && self.username.is_some() {
            return problem(
                "tls",
                "\"none\" would send the password in the clear; use \"starttls\" or \"tls\"".into(),
            );
        }
        if !(SECOND..=5 * MINUTE).contains(&self.timeout.0) {
            return problem(
                "timeout",
                format!("({}) must be from 1s to 5m", self.timeout),
            );
        }
        Ok(())
    }

    /// Reads the password from its file or variable; errors name where it was to come from, never a value.
    fn read_password(&mut self, env: &[(String, String)]) -> Result<(), (String, String)> {
        if let Some(path) = &self.password_file {
            let field = "delivery.smtp.password_file".to_string();
            let text = std::fs::read_to_string(path).map_err(|error| {
                (
                    field.clone(),
                    format!("cannot read {}: {error}", path.display()),
                )
            })?;
            let value = text.trim_end_matches(['\n', '\r']);
            if value.is_empty() {
                return Err((field, format!("{} is empty", path.display())));
            }
            self.password = Some(Secret(value.to_string()));
        }
        if let Some(variable) = &self.password_env {
            let value = (env.iter())
                .find(|(name, value)| name == variable && !value.is_empty())
                .map(|(_, value)| value.clone())
                .ok_or_else(|| {
                    let field = "delivery.smtp.password_env".to_string();
                    (
                        field,
                        format!("the environment variable {variable} is not set"),
                    )
                })?;
            self.password = Some(Secret(value));
        }
        Ok(())
    }

    /// The settings the mailer takes (the configuration was validated and its password read).
    pub fn settings(&self) -> SmtpSettings {
        SmtpSettings {
            host: self.host.clone(),
            port: self.port(),
            tls: match self.tls {
                SmtpTlsConfig::Starttls => SmtpTls::StartTls,
                SmtpTlsConfig::Tls => SmtpTls::Tls,
                SmtpTlsConfig::None => SmtpTls::None,
            },
            login: (self.username.clone()).zip(self.password.clone()),
            from: self.from.clone(),
            ca_file: self.ca_file.clone(),
            timeout: std::time::Duration::from_millis(self.timeout.0.max(0) as u64),
        }
    }

    /// `mail.example.com:587 (starttls) as callboard@example.com`.
    pub fn describe(&self) -> String {
        let tls = match self.tls {
            SmtpTlsConfig::Starttls => "starttls",
            SmtpTlsConfig::Tls => "tls",
            SmtpTlsConfig::None => "no tls",
        };
        format!("{}:{} ({tls}) as {}", self.host, self.port(), self.from)
    }
}

impl DailyReportConfig {
    fn validate(&self, mail_server: bool) -> Result<(), (String, String)> {
        let problem = |field: &str, text: String| Err((field.to_string(), text));
        if parse_local_time(&self.at).is_none() {
            return problem(
                "at",
                format!("`{}` is not a local time like \"07:00\"", self.at),
            );
        }
        if self.to.is_empty() && self.webhooks.is_empty() {
            return problem(
                "to",
                "give mail recipients (`to`) or `webhooks`, or leave daily_report out".into(),
            );
        }
        if let Some((index, address)) = self.to.iter().enumerate().find(|(_, to)| !is_mailbox(to)) {
            return problem(
                &format!("to[{index}]"),
                format!("`{address}` is not a mail address"),
            );
        }
        if !self.to.is_empty() && !mail_server {
            return problem("to", "mail needs a mail server: add [delivery.smtp]".into());
        }
        if let Some((index, webhook)) =
            (self.webhooks.iter().enumerate()).find(|(_, hook)| !is_http_url(&hook.url))
        {
            return problem(
                &format!("webhooks[{index}].url"),
                format!("`{}` is not an http:// or https:// URL", webhook.url),
            );
        }
        Ok(())
    }

    /// The plan the sender takes (the configuration was validated).
    pub fn plan(&self) -> Option<Plan> {
        Some(Plan {
            at: parse_local_time(&self.at)?,
            to: self.to.clone(),
            webhooks: (self.webhooks.iter())
                .map(|webhook| Webhook {
                    url: webhook.url.clone(),
                    format: webhook.format,
                })
                .collect(),
        })
    }
}

impl Config {
    /// `[delivery]` and every tenant's `daily_report` valid.
    pub(super) fn validate_delivery(&self, origin: &str) -> Result<(), ConfigError> {
        let invalid = |(field, problem): (String, String)| ConfigError::Invalid {
            origin: origin.to_string(),
            field,
            problem,
        };
        if let Some(smtp) = &self.delivery.smtp {
            smtp.validate().map_err(invalid)?;
        }
        if self.sends_daily_reports() && self.kafka.intervals_topic.is_empty() {
            let problem =
                "daily reports record each sent day in it: name it (default call-intervals)";
            return Err(invalid(("kafka.intervals_topic".into(), problem.into())));
        }
        let tenants = std::iter::once(("defaults".to_string(), &self.defaults)).chain(
            self.tenants
                .iter()
                .map(|(name, tenant)| (format!("tenants.{name}"), tenant)),
        );
        for (path, tenant) in tenants {
            if let Some(report) = &tenant.daily_report {
                report
                    .validate(self.delivery.smtp.is_some())
                    .map_err(|(field, problem)| {
                        invalid((format!("{path}.daily_report.{field}"), problem))
                    })?;
            }
            // The report (own or the defaults') goes out after the tenant's day has ended.
            let report = tenant
                .daily_report
                .as_ref()
                .or(self.defaults.daily_report.as_ref());
            let day_start = tenant
                .day_start_hour
                .or(self.defaults.day_start_hour)
                .unwrap_or(0);
            if let Some(at) = report.and_then(|report| parse_local_time(&report.at)) {
                if at.hour() < day_start {
                    let problem = format!(
                        "{} is before the tenant's day ends (day_start_hour = {day_start}): the day \
                         would be reported before it is over; send it at {day_start:02}:00 or later",
                        at.format("%H:%M")
                    );
                    return Err(invalid((format!("{path}.daily_report.at"), problem)));
                }
            }
        }
        Ok(())
    }

    /// Reads the mail server's password (after validation).
    pub(super) fn read_delivery_secrets(
        &mut self,
        env: &[(String, String)],
        origin: &str,
    ) -> Result<(), ConfigError> {
        if let Some(smtp) = &mut self.delivery.smtp {
            smtp.read_password(env)
                .map_err(|(field, problem)| ConfigError::Invalid {
                    origin: origin.to_string(),
                    field,
                    problem,
                })?;
        }
        Ok(())
    }

    /// The daily report of `tenant`: its own, else `[defaults]`'s; `None` if neither has one.
    pub fn daily_report(&self, tenant: &str) -> Option<Plan> {
        (self.tenants.get(tenant))
            .and_then(|own| own.daily_report.as_ref())
            .or(self.defaults.daily_report.as_ref())
            .and_then(DailyReportConfig::plan)
    }

    /// Whether any tenant has a daily report.
    pub fn sends_daily_reports(&self) -> bool {
        self.defaults.daily_report.is_some()
            || self
                .tenants
                .values()
                .any(|tenant| tenant.daily_report.is_some())
    }
}

#[cfg(test)]
#[path = "delivery_tests.rs"]
mod tests;
