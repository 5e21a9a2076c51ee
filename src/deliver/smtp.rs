//! The mail edge: the day's mail sent over SMTP with `lettre` (tokio, rustls), STARTTLS required by
//! default, implicit TLS or plain on request; a CA file of its own for private mail servers.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment as MailAttachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::summary::Mail;

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS; refused if the server does not offer it.
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No TLS at all: only for a relay on the same host or network.
    None,
}

/// A secret that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Secret(..)")
    }
}

/// The mail server and the sender, as the configuration gives them.
#[derive(Debug, Clone, PartialEq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// User name and password, when the server wants a login.
    pub login: Option<(String, Secret)>,
    /// `From:`, e.g. `callboard <callboard@example.com>`.
    pub from: String,
    /// Trust the CA certificates (PEM) in this file besides the system's.
    pub ca_file: Option<PathBuf>,
    pub timeout: Duration,
}

/// A connection recipe to one mail server; each send opens its own connection.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// Checks the sender and reads the CA file; errors say which setting is wrong.
    pub fn new(settings: &SmtpSettings) -> Result<Mailer, String> {
        let from: Mailbox = (settings.from.parse())
            .map_err(|error| format!("delivery.smtp.from `{}`: {error}", settings.from))?;
        let mut parameters = TlsParameters::builder(settings.host.clone());
        if let Some(path) = &settings.ca_file {
            let pem = std::fs::read(path).map_err(|error| {
                format!(
                    "delivery.smtp.ca_file: cannot read {}: {error}",
                    path.display()
                )
            })?;
            let certificate = Certificate::from_pem(&pem).map_err(|error| {
                format!(
                    "delivery.smtp.ca_file: {} holds no PEM certificate: {error}",
                    path.display()
                )
            })?;
            parameters = parameters.add_root_certificate(certificate);
        }
        let parameters = || {
            parameters
                .clone()
                .build_rustls()
                .map_err(|error| format!("delivery.smtp: cannot set up TLS: {error}"))
        };
        let tls = match settings.tls {
            SmtpTls::StartTls => Tls::Required(parameters()?),
            SmtpTls::Tls => Tls::Wrapper(parameters()?),
            SmtpTls::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(settings.port)
            .tls(tls)
            .timeout(Some(settings.timeout));
        if let Some((user, password)) = &settings.login {
            builder = builder.credentials(Credentials::new(user.clone(), password.0.clone()));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }

    /// Sends `mail` to `to` (one message, every recipient on `To:`).
    pub async fn send(&self, to: &[String], mail: &Mail) -> Result<(), String> {
        let message = message(&self.from, to, mail)?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|error| format!("SMTP: {error}"))
    }
}

/// The MIME message: the body as plain text, each CSV as an attachment.
fn message(from: &Mailbox, to: &[String], mail: &Mail) -> Result<Message, String> {
    let mut builder = Message::builder().from(from.clone()).subject(&mail.subject);
    for recipient in to {
        let mailbox: Mailbox =
            (recipient.parse()).map_err(|error| format!("recipient `{recipient}`: {error}"))?;
        builder = builder.to(mailbox);
    }
    let csv = ContentType::parse("text/csv; charset=utf-8").map_err(|error| error.to_string())?;
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(mail.body.clone()));
    for file in &mail.attachments {
        parts = parts
            .singlepart(MailAttachment::new(file.name.clone()).body(file.csv.clone(), csv.clone()));
    }
    builder
        .multipart(parts)
        .map_err(|error| format!("cannot build the mail: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliver::summary::Attachment;

    #[test]
    fn the_message_has_the_body_and_each_csv_as_an_attachment() {
        let mail = Mail {
            subject: "callboard daily report: acme, 2026-11-30".into(),
            body: "Daily report for acme".into(),
            attachments: vec![Attachment {
                name: "queues-2026-11-30.csv".into(),
                csv: b"tenant,queue\nacme,sales\n".to_vec(),
            }],
        };
        let from: Mailbox = "callboard <cb@example.com>".parse().unwrap();
        let to = [
            "floor@example.com".to_string(),
            "Lead <lead@example.com>".to_string(),
        ];
        let text = String::from_utf8(message(&from, &to, &mail).unwrap().formatted()).unwrap();
        assert!(
            text.contains("Subject: callboard daily report: acme, 2026-11-30\r\n"),
            "{text}"
        );
        assert!(
            text.contains("To: floor@example.com, Lead <lead@example.com>\r\n"),
            "{text}"
        );
        assert!(text.contains("Content-Type: multipart/mixed"), "{text}");
        assert!(
            text.contains("Content-Disposition: attachment; filename=\"queues-2026-11-30.csv\""),
            "{text}"
        );
        assert!(text.contains("acme,sales"), "{text}");
        let bad = message(&from, &["not an address".to_string()], &mail).unwrap_err();
        assert!(bad.starts_with("recipient `not an address`"), "{bad}");
    }

    #[test]
    fn a_bad_sender_or_ca_file_is_refused_with_the_setting_named() {
        let settings = SmtpSettings {
            host: "mail.example.com".into(),
            port: 587,
            tls: SmtpTls::StartTls,
            login: None,
            from: "nobody".into(),
            ca_file: None,
            timeout: Duration::from_secs(5),
        };
        let error = Mailer::new(&settings).err().unwrap();
        assert!(error.starts_with("delivery.smtp.from `nobody`"), "{error}");
        let missing = SmtpSettings {
            from: "cb@example.com".into(),
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..settings
        };
        let error = Mailer::new(&missing).err().unwrap();
        assert!(
            error.starts_with("delivery.smtp.ca_file: cannot read /nonexistent/ca.pem"),
            "{error}"
        );
        assert_eq!(format!("{:?}", Secret("hunter2".into())), "Secret(..)");
    }
}
