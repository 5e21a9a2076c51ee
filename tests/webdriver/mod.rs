//! A small W3C WebDriver client over HTTP for the browser tests: Debian's `chromedriver` driving
//! headless `chromium` (packages `chromium-driver` and `chromium`; `.ci/run` installs them).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

/// A running chromedriver; stopped when dropped.
pub struct Driver {
    process: Child,
    base: String,
    http: reqwest::Client,
}

/// One headless browser window.
pub struct Session<'a> {
    driver: &'a Driver,
    id: String,
}

impl Driver {
    pub async fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let process = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (Debian package `chromium-driver`; .ci/run installs it)");
        let driver = Driver {
            process,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        let started = Instant::now();
        loop {
            let ready = driver
                .http
                .get(format!("{}/status", driver.base))
                .send()
                .await;
            if let Ok(response) = ready {
                let status: Value = response.json().await.unwrap_or_default();
                if status["value"]["ready"] == true {
                    return driver;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver never ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response: Value = request.send().await.unwrap().json().await.unwrap();
        assert!(
            response["value"]["error"].is_null(),
            "webdriver {path}: {response}"
        );
        response["value"].clone()
    }

    /// A headless Chromium window of `width`×`height` CSS pixels.
    pub async fn session(&self, (width, height): (u32, u32)) -> Session<'_> {
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                         format!("--window-size={width},{height}")]
            }
        }}});
        let created = self
            .call(reqwest::Method::POST, "/session", Some(capabilities))
            .await;
        let session = Session {
            driver: self,
            id: created["sessionId"].as_str().unwrap().to_string(),
        };
        // The window size includes the browser's frame: grow it so the page gets the size asked for.
        let frame = session
            .run("return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight]")
            .await;
        let rect = json!({
            "width": width + frame[0].as_u64().unwrap_or(0) as u32,
            "height": height + frame[1].as_u64().unwrap_or(0) as u32,
        });
        let path = format!("/session/{}/window/rect", session.id);
        self.call(reqwest::Method::POST, &path, Some(rect)).await;
        session
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

impl Session<'_> {
    pub async fn open(&self, url: &str) {
        let path = format!("/session/{}/url", self.id);
        self.driver
            .call(reqwest::Method::POST, &path, Some(json!({ "url": url })))
            .await;
    }

    /// The value of `script` (a function body) run in the page.
    pub async fn run(&self, script: &str) -> Value {
        let path = format!("/session/{}/execute/sync", self.id);
        let body = json!({ "script": script, "args": [] });
        self.driver
            .call(reqwest::Method::POST, &path, Some(body))
            .await
    }

    /// Waits (up to 20 s) until `script` returns something other than null or false.
    pub async fn until(&self, what: &str, script: &str) -> Value {
        let started = Instant::now();
        loop {
            let value = self.run(script).await;
            if !(value.is_null() || value == false) {
                return value;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "never {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The window as a PNG.
    pub async fn screenshot(&self) -> Vec<u8> {
        let path = format!("/session/{}/screenshot", self.id);
        let encoded = self.driver.call(reqwest::Method::GET, &path, None).await;
        base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap())
            .unwrap()
    }

    pub async fn close(self) {
        let path = format!("/session/{}", self.id);
        self.driver.call(reqwest::Method::DELETE, &path, None).await;
    }
}
