//! A webhook: every notification POSTed as one `Message` (JSON), or as a Slack or Teams message.

use super::SinkQueue;
use crate::deliver::chat::{alert_body, ChatFormat};

pub async fn run(
    SinkQueue {
        mut receiver,
        delivery,
    }: SinkQueue,
    client: reqwest::Client,
    url: String,
    external_url: String,
    format: ChatFormat,
) {
    while let Some(notification) = receiver.recv().await {
        let Some(body) = alert_body(format, &notification, &external_url) else {
            continue;
        };
        delivery
            .deliver(&notification.alert.fingerprint, || {
                post(&client, &url, body.clone())
            })
            .await;
    }
}

/// POSTs a JSON body; anything but a 2xx answer is an error.
pub async fn post(client: &reqwest::Client, url: &str, body: Vec<u8>) -> Result<(), String> {
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|error| error.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("{url} answered {}", response.status()))
    }
}
