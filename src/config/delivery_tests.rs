use super::super::{explain, parse};
use crate::deliver::smtp::SmtpTls;

const SMTP: &str =
    "[delivery.smtp]\nhost = \"mail.example.com\"\nfrom = \"Callboard <cb@example.com>\"\n";

fn error_of(text: &str, env: &[(&str, &str)]) -> String {
    let env = env
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()));
    match parse(text, "test.toml", env) {
        Ok(_) => panic!("{text:?} was accepted"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn a_daily_report_by_mail_and_chat_resolves_per_tenant_over_the_defaults() {
    let text = format!(
        "{SMTP}username = \"cb\"\npassword_env = \"SMTP_PASSWORD\"\n\
         [defaults.daily_report]\nat = \"07:00\"\nto = [\"floor@example.com\"]\n\
         [[defaults.daily_report.webhooks]]\nurl = \"https://hooks.slack.com/services/T/B/X\"\nformat = \"slack\"\n\
         [tenants.acme.daily_report]\nat = \"06:30\"\nwebhooks = [{{ url = \"https://example.webhook.office.com/x\", format = \"teams\" }}]\n\
         [tenants.beta]\ntime_zone = \"Europe/Berlin\"\n"
    );
    let env = vec![("SMTP_PASSWORD".to_string(), "s3cret".to_string())];
    let config = parse(&text, "test.toml", env).unwrap();
    let smtp = config.delivery.smtp.as_ref().unwrap().settings();
    assert_eq!(
        (smtp.host.as_str(), smtp.port, smtp.tls),
        ("mail.example.com", 587, SmtpTls::StartTls)
    );
    let (user, password) = smtp.login.unwrap();
    assert_eq!((user.as_str(), password.0.as_str()), ("cb", "s3cret"));
    assert!(
        !format!("{config:?}").contains("s3cret"),
        "the password never prints"
    );
    let beta = config.daily_report("beta").unwrap();
    assert_eq!(beta.at.to_string(), "07:00:00");
    assert_eq!(beta.to, ["floor@example.com"]);
    assert_eq!(beta.webhooks[0].format, crate::deliver::ChatFormat::Slack);
    let acme = config.daily_report("acme").unwrap();
    assert_eq!(acme.at.to_string(), "06:30:00");
    assert!(
        acme.to.is_empty(),
        "a tenant's daily_report replaces the defaults' whole"
    );
    assert_eq!(acme.webhooks[0].format, crate::deliver::ChatFormat::Teams);
    let explained = explain(&config);
    assert!(
        explained
            .contains("mail via mail.example.com:587 (starttls) as Callboard <cb@example.com>"),
        "{explained}"
    );
    assert!(
        explained.contains("  daily report of acme at 06:30: 1 webhook (teams)"),
        "{explained}"
    );
    assert!(
        explained.contains(
            "  daily report of beta at 07:00: mail to floor@example.com, 1 webhook (slack)"
        ),
        "{explained}"
    );
}

#[test]
fn the_password_comes_from_a_file_and_the_port_follows_the_tls_mode() {
    let dir = std::env::temp_dir().join(format!("callboard-smtp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("password");
    std::fs::write(&file, "from-file\n").unwrap();
    let text = format!(
        "{SMTP}tls = \"tls\"\nusername = \"cb\"\npassword_file = \"{}\"\n",
        file.display()
    );
    let config = parse(&text, "test.toml", Vec::new()).unwrap();
    let smtp = config.delivery.smtp.unwrap().settings();
    assert_eq!((smtp.port, smtp.tls), (465, SmtpTls::Tls));
    assert_eq!(smtp.login.unwrap().1 .0, "from-file");
    let plain = parse(&format!("{SMTP}tls = \"none\"\n"), "test.toml", Vec::new()).unwrap();
    assert_eq!(plain.delivery.smtp.unwrap().settings().port, 25);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn every_delivery_mistake_names_its_field_and_what_to_do() {
    let cases: Vec<(String, &str)> = vec![
        (format!("{SMTP}tls = \"ssl\""), "delivery.smtp.tls: unknown variant `ssl`, expected one of `starttls`, `tls`, `none`"),
        (format!("{SMTP}password = \"inline\""), "delivery.smtp.password: unknown field `password`, expected one of `host`, `port`, `tls`, `username`, `password_file`, `password_env`"),
        (format!("{SMTP}username = \"cb\""), "delivery.smtp.username: give its password with password_file or password_env"),
        (format!("{SMTP}password_env = \"X\""), "delivery.smtp.username: a password is given without a user name"),
        (format!("{SMTP}username = \"cb\"\npassword_env = \"X\"\npassword_file = \"/x\""), "delivery.smtp.password_file: give password_file or password_env, not both"),
        (format!("{SMTP}username = \"cb\"\npassword_env = \"X\"\ntls = \"none\""), "delivery.smtp.tls: \"none\" would send the password in the clear"),
        (format!("{SMTP}username = \"cb\"\npassword_env = \"UNSET_VARIABLE\""), "delivery.smtp.password_env: the environment variable UNSET_VARIABLE is not set"),
        (format!("{SMTP}username = \"cb\"\npassword_file = \"/nonexistent/password\""), "delivery.smtp.password_file: cannot read /nonexistent/password"),
        ("[delivery.smtp]\nhost = \"mail.example.com\"\nfrom = \"nobody\"".into(), "delivery.smtp.from: `nobody` is not a mail address"),
        ("[delivery.smtp]\nhost = \"smtp://mail\"\nfrom = \"cb@example.com\"".into(), "delivery.smtp.host: `smtp://mail` is not a host name"),
        (format!("{SMTP}port = 0"), "delivery.smtp.port: must be from 1 to 65535"),
        (format!("{SMTP}port = 70000"), "delivery.smtp.port"),
        (format!("{SMTP}timeout = \"10m\""), "delivery.smtp.timeout: (10m) must be from 1s to 5m"),
        ("[kafka]\nintervals_topic = \"\"\n[defaults.daily_report]\nat = \"07:00\"\nwebhooks = [{ url = \"https://x.example.com\" }]".into(), "kafka.intervals_topic: daily reports record each sent day in it"),
        ("[defaults.daily_report]\nat = \"7am\"\nwebhooks = [{ url = \"https://x.example.com\" }]".into(), "defaults.daily_report.at: `7am` is not a local time like \"07:00\""),
        ("[defaults.daily_report]\nat = \"07:00\"".into(), "defaults.daily_report.to: give mail recipients (`to`) or `webhooks`"),
        ("[tenants.acme.daily_report]\nat = \"07:00\"\nto = [\"floor@example.com\"]".into(), "tenants.acme.daily_report.to: mail needs a mail server: add [delivery.smtp]"),
        (format!("{SMTP}[tenants.acme.daily_report]\nat = \"07:00\"\nto = [\"a@example.com\", \"floor\"]"), "tenants.acme.daily_report.to[1]: `floor` is not a mail address"),
        ("[defaults.daily_report]\nat = \"07:00\"\nwebhooks = [{ url = \"hooks.slack.com\" }]".into(), "defaults.daily_report.webhooks[0].url: `hooks.slack.com` is not an http:// or https:// URL"),
        ("[defaults.daily_report]\nat = \"07:00\"\nwebhooks = [{ url = \"https://x.example.com\", format = \"discord\" }]".into(), "defaults.daily_report.webhooks[0].format: unknown variant `discord`, expected one of `json`, `slack`, `teams`"),
        ("[defaults.daily_report]\nat = 7".into(), "defaults.daily_report.at"),
        ("[alerting]\nwebhook_format = \"msteams\"".into(), "alerting.webhook_format: unknown variant `msteams`"),
        ("[defaults]\nday_start_hour = 4\n[defaults.daily_report]\nat = \"03:30\"\nwebhooks = [{ url = \"https://x.example.com\" }]".into(), "defaults.daily_report.at: 03:30 is before the tenant's day ends (day_start_hour = 4)"),
        ("[defaults.daily_report]\nat = \"03:30\"\nwebhooks = [{ url = \"https://x.example.com\" }]\n[tenants.night]\nday_start_hour = 6".into(), "tenants.night.daily_report.at: 03:30 is before the tenant's day ends (day_start_hour = 6): the day would be reported before it is over; send it at 06:00 or later"),
    ];
    for (text, expected) in cases {
        let message = error_of(&text, &[("X", "x")]);
        assert!(message.contains(expected), "{text:?} gave {message:?}");
        assert!(message.starts_with("test.toml"), "{message}");
        assert!(!message.contains("inline"), "{message}");
    }
}

#[test]
fn the_alert_webhook_takes_a_chat_format() {
    let config = parse("[alerting]\nwebhook_url = \"https://hooks.slack.com/services/T/B/X\"\nwebhook_format = \"slack\"", "test.toml", Vec::new()).unwrap();
    assert_eq!(
        config.alerting.webhook_format,
        crate::deliver::ChatFormat::Slack
    );
    assert!(explain(&config).contains("webhook https://hooks.slack.com/services/T/B/X (slack)"));
    let default = parse("", "test.toml", Vec::new()).unwrap();
    assert_eq!(
        default.alerting.webhook_format,
        crate::deliver::ChatFormat::Json
    );
    assert!(!default.sends_daily_reports());
}
