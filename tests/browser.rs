//! The wallboard in a real headless Chromium driven over WebDriver (Debian's `chromium` and
//! `chromium-driver`; `.ci/run` installs them), against the running service fed a scripted morning
//! through Kafka (librdkafka's mock cluster). Each view's DOM shows what the API says and what the
//! morning works out to by hand; screenshots at TV and phone size are kept under the test's target
//! directory (`browser/`) and checked for content.

mod webdriver;

use std::path::Path;
use std::time::{Duration, Instant};

use callboard::ingest::Clock;
use callboard::service::{self, Service};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::ClientConfig;
use webdriver::Driver;

const TOPIC: &str = "call-events";

// Tenant acme on 2026-11-23 (UTC), default thresholds (20 s, service-level target 0.8: lines 0.8 and
// 0.7; longest wait lines 20 s and 60 s), break limited to 5 min (amber) and 10 min (red):
//   09:05:00 c0 queues in sales, abandons 09:05:30 (the 09:00 interval: a second point of the sparkline)
//   09:15:00 ana, cleo (sales, team north) and ben (billing, team south) log in, available
//   09:16:00 c1 queues in sales, cleo answers 09:16:10 (wait 10 s, within)
//   09:17:00 c2 queues in sales, abandons 09:17:40
//   09:18:00 ana goes on break
//   09:25:00 c3 queues in sales and waits; it rings cleo (09:25:05), then dan (09:25:20): cleo let one
//   ring go unanswered
//   09:30:00 c4 queues in billing (the latest event: now)
// Callers: caller-17 hung up on c0 and was answered on c1 (a repeat); caller-42 hung up on c2 (09:17:40,
// after 40 s) and waits again on c4 in billing (a repeat). To call back at 09:30: caller-42 alone, on
// sales (the queue of the hang-up). Repeat callers: sales 1 of 3 (33.3 %), billing 1 of 1.
// At 09:30:00, 15 m window: sales offered 3, answered 1 within, abandoned 1: service level 1 / 2 =
// 50.0 %, under 0.7: critical. c3 has waited 300 s ("5m 00s"), past 60 s: critical. ana has been on
// break 720 s, past 600 s: critical. billing: nothing answered (no service level), c4 waited 0 s.
const MORNING: [&str; 18] = [
    r#"{"type":"call.queued","time":"2026-11-23T09:05:00Z","tenant":"acme","call":"c0","queue":"sales","caller":"caller-17","id":"e0"}"#,
    r#"{"type":"call.abandoned","time":"2026-11-23T09:05:30Z","tenant":"acme","call":"c0","queue":"sales","id":"e0a"}"#,
    r#"{"type":"agent.login","time":"2026-11-23T09:15:00Z","tenant":"acme","agent":"ana","queues":["sales"],"team":"north","id":"e1"}"#,
    r#"{"type":"agent.state","time":"2026-11-23T09:15:00Z","tenant":"acme","agent":"ana","state":"available","id":"e2"}"#,
    r#"{"type":"agent.login","time":"2026-11-23T09:15:00Z","tenant":"acme","agent":"cleo","queues":["sales"],"team":"north","id":"e3"}"#,
    r#"{"type":"agent.state","time":"2026-11-23T09:15:00Z","tenant":"acme","agent":"cleo","state":"available","id":"e4"}"#,
    r#"{"type":"agent.login","time":"2026-11-23T09:15:00Z","tenant":"acme","agent":"ben","queues":["billing"],"team":"south","id":"e5"}"#,
    r#"{"type":"agent.state","time":"2026-11-23T09:15:00Z","tenant":"acme","agent":"ben","state":"available","id":"e6"}"#,
    r#"{"type":"call.queued","time":"2026-11-23T09:16:00Z","tenant":"acme","call":"c1","queue":"sales","caller":"caller-17","id":"e7"}"#,
    r#"{"type":"call.answered","time":"2026-11-23T09:16:10Z","tenant":"acme","call":"c1","queue":"sales","agent":"cleo","id":"e8"}"#,
    r#"{"type":"call.queued","time":"2026-11-23T09:17:00Z","tenant":"acme","call":"c2","queue":"sales","caller":"caller-42","id":"e9"}"#,
    r#"{"type":"call.abandoned","time":"2026-11-23T09:17:40Z","tenant":"acme","call":"c2","queue":"sales","id":"e10"}"#,
    r#"{"type":"agent.state","time":"2026-11-23T09:18:00Z","tenant":"acme","agent":"ana","state":"not_ready","reason":"break","id":"e11"}"#,
    r#"{"type":"call.queued","time":"2026-11-23T09:25:00Z","tenant":"acme","call":"c3","queue":"sales","id":"e12"}"#,
    r#"{"type":"call.ringing","time":"2026-11-23T09:25:05Z","tenant":"acme","call":"c3","queue":"sales","agent":"cleo","id":"e12r"}"#,
    r#"{"type":"call.ringing","time":"2026-11-23T09:25:20Z","tenant":"acme","call":"c3","queue":"sales","agent":"dan","id":"e12s"}"#,
    r#"{"type":"call.queued","time":"2026-11-23T09:30:00Z","tenant":"acme","call":"c4","queue":"billing","caller":"caller-42","id":"e13"}"#,
    r#"{"type":"call.queued","time":"2026-11-23T09:30:00Z","tenant":"acme","call":"c4","queue":"billing","caller":"caller-42","id":"e13"}"#,
];

const CONFIG: &str = r#"
[engine]
lateness = "1s"
[defaults.state_limits]
break = { warning = "5m", critical = "10m" }
[http]
listen = "127.0.0.1:0"
[kafka]
replay_by_time = false
workers = 1
[alerting]
kafka_topic = ""
# The boards open through a display link: /board/floor-tv-secret/ (SHA-256 by Python's hashlib).
[[access.tokens]]
name = "floor-tv"
sha256 = "8ab67a2f3beaddfe9078f728a4f54d56910a79b939bd3277d30c1d8b3374d790"
reads = ["wallboard", "agents"]
"#;

/// Tenant `big`: the most a TV board is made for, 12 queues (a call waiting in each) and 60 agents
/// logged in and available, five to a queue: 60 × 2 + 12 = 132 events.
fn big_floor() -> Vec<String> {
    let mut lines = Vec::new();
    for agent in 0..60 {
        let (queue, team) = (agent % 12, agent % 4);
        lines.push(format!(
            r#"{{"type":"agent.login","time":"2026-11-23T09:00:00Z","tenant":"big","agent":"agent-{agent:02}","queues":["queue-{queue:02}"],"team":"team-{team}"}}"#
        ));
        lines.push(format!(
            r#"{{"type":"agent.state","time":"2026-11-23T09:00:00Z","tenant":"big","agent":"agent-{agent:02}","state":"available"}}"#
        ));
    }
    for queue in 0..12 {
        lines.push(format!(
            r#"{{"type":"call.queued","time":"2026-11-23T09:01:00Z","tenant":"big","call":"c{queue}","queue":"queue-{queue:02}"}}"#
        ));
    }
    lines
}

async fn floor(
    cluster: &MockCluster<'static, rdkafka::producer::DefaultProducerContext>,
) -> Service {
    let brokers = cluster.bootstrap_servers();
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .create()
        .unwrap();
    for line in MORNING {
        producer
            .send(BaseRecord::to(TOPIC).key("acme").payload(line))
            .unwrap();
    }
    for line in big_floor() {
        producer
            .send(BaseRecord::to(TOPIC).key("big").payload(&line))
            .unwrap();
    }
    producer.flush(Duration::from_secs(10)).unwrap();
    let mut config = callboard::config::parse(CONFIG, "test", Vec::new()).unwrap();
    config.kafka.brokers = brokers;
    let service = service::start(config, Clock::EventTime).await.unwrap();
    // 17 events applied and the repeated c4 rejected as a duplicate, all of them past the lateness.
    let started = Instant::now();
    loop {
        let counted = service.board.snapshot("acme").map(|snapshot| {
            (
                snapshot.events.applied,
                snapshot.events.rejected,
                snapshot.queues.len(),
            )
        });
        let big = service
            .board
            .snapshot("big")
            .map(|snapshot| (snapshot.events.applied, snapshot.queues.len()));
        if counted == Some((17, 1, 2)) && big == Some((132, 12)) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{counted:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    service
}

/// The board as Chromium rendered it at `url` in a window of `size` once it has shown a snapshot and
/// fetched its sparklines: the `<body>` without its script (whose templates name the same attributes).
/// Its screenshot is kept as `shot`.
async fn rendered(driver: &Driver, url: &str, size: (u32, u32), shot: &str) -> String {
    let session = driver.session(size).await;
    session.open(url).await;
    session
        .until(
            "a snapshot rendered",
            "return document.body.dataset.renderMs || null",
        )
        .await;
    // The sparklines' intervals come 1.5 s after load and show with the next snapshot.
    tokio::time::sleep(Duration::from_millis(3_000)).await;
    let body = session
        .run("return document.body.outerHTML.split('<script>')[0]")
        .await;
    let png = session.screenshot().await;
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{shot}");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(shot), &png).unwrap();
    session.close().await;
    body.as_str().unwrap().to_string()
}

fn shot_bytes(shot: &str) -> usize {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("browser")
        .join(shot);
    std::fs::metadata(path).unwrap().len() as usize
}

/// The opening tag of the element whose attribute `marker` (e.g. `data-queue="sales"`) is given.
fn tag_of<'a>(dom: &'a str, marker: &str) -> Option<&'a str> {
    let at = dom.find(marker)?;
    let start = dom[..at].rfind('<')?;
    let end = at + dom[at..].find('>')?;
    Some(&dom[start..=end])
}

/// The text of the element carrying `marker` inside the element carrying `within`.
fn text_in(dom: &str, within: &str, marker: &str) -> String {
    let from = dom
        .find(within)
        .unwrap_or_else(|| panic!("{within} not on the page"));
    let rest = &dom[from..];
    let at = rest
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in {within}"));
    let open = at + rest[at..].find('>').unwrap() + 1;
    let close = open + rest[open..].find("</").unwrap();
    let text = &rest[open..close];
    // A ticking figure is a span of its own inside.
    match text.rfind('>') {
        Some(inner) => text[inner + 1..].to_string(),
        None => text.to_string(),
    }
}

fn pct(ratio: f64) -> String {
    format!("{:.1}%", ratio * 100.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_view_shows_what_the_morning_works_out_to_in_a_real_browser() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic(TOPIC, 1, 1).unwrap();
    let service = floor(&cluster).await;
    // Every board below opens through a TV's display link, as a floor's TV would.
    let base = format!("http://{}/board/floor-tv-secret", service.address);
    let plain = reqwest::get(format!("http://{}/?tenant=acme", service.address))
        .await
        .unwrap();
    assert_eq!(plain.status(), 401, "the board asks for a token");
    let api = service.board.snapshot("acme").unwrap();
    let sales_api = api
        .queues
        .iter()
        .find(|queue| queue.queue == "sales")
        .unwrap();
    let driver = Driver::start().await;
    let tv = (1920, 1080);

    // A sales board: the sales tile only; its agents ana and cleo, not ben (billing).
    let sales = rendered(
        &driver,
        &format!("{base}/?tenant=acme&queues=sales"),
        tv,
        "sales-1920x1080.png",
    )
    .await;
    assert!(sales.contains(r#"data-queue="sales""#), "{sales}");
    assert!(!sales.contains(r#"data-queue="billing""#));
    assert_eq!(
        tag_of(&sales, r#"data-queue="sales""#),
        Some(r#"<div class="queue level-critical" data-queue="sales">"#)
    );
    // Service level 50.0 % (by hand), as the API has it, marked critical in words too.
    let service_level = text_in(
        &sales,
        r#"data-queue="sales""#,
        r#"data-figure="service_level""#,
    );
    assert_eq!(service_level, "50.0%");
    assert_eq!(
        service_level,
        pct(sales_api.windows[0].service_level.unwrap())
    );
    assert!(sales.contains("■ critical"));
    assert_eq!(
        text_in(
            &sales,
            r#"data-queue="sales""#,
            r#"data-figure="calls_waiting""#
        ),
        sales_api.calls_waiting.to_string()
    );
    assert_eq!(
        text_in(
            &sales,
            r#"data-queue="sales""#,
            r#"data-figure="abandon_rate""#
        ),
        pct(sales_api.windows[0].abandon_rate.unwrap())
    );
    // c3 had waited 300 s at the snapshot; the page ticks it on by the wall clock since.
    assert_eq!(sales_api.longest_waiting_seconds, Some(300.0));
    assert!(
        sales.contains(r#"data-base="300""#),
        "the ticking wait starts from the API's 300 s"
    );
    let longest = text_in(
        &sales,
        r#"data-queue="sales""#,
        r#"data-figure="longest_wait""#,
    );
    assert!(longest.starts_with("5m "), "{longest}");
    // ana, 720 s into a break limited to 10 min: red, and says so.
    assert_eq!(
        tag_of(&sales, r#"data-agent="ana""#),
        Some(r#"<div class="agent state-not_ready overdue-critical" data-agent="ana">"#)
    );
    // Her time in state, on screen, ticks on from the snapshot's 720 s.
    assert!(
        sales.contains(r#"<span class="agent-tick">12m "#),
        "{sales}"
    );
    assert!(sales.contains(r#"data-agent="cleo""#));
    assert!(!sales.contains(r#"data-agent="ben""#));
    // Today's intervals drew a sparkline.
    assert!(sales.contains("<svg class=\"spark\""), "{sales}");
    // cleo let c3 ring out: one in a row, as the API has it.
    let cleo = api
        .agents
        .iter()
        .find(|agent| agent.agent == "cleo")
        .unwrap();
    assert_eq!(cleo.rings_unanswered_in_a_row, 1);
    assert_eq!(
        text_in(
            &sales,
            r#"data-agent="cleo""#,
            r#"data-figure="rings_in_a_row""#
        ),
        "1 missed"
    );
    // Callers to call back: caller-42 alone (caller-17 was answered since), as the API lists them;
    // repeat callers 1 of 3.
    assert_eq!(sales_api.callbacks, 1);
    assert_eq!(
        text_in(
            &sales,
            r#"data-queue="sales""#,
            r#"data-figure="callbacks""#
        ),
        "1"
    );
    assert_eq!(
        text_in(
            &sales,
            r#"data-queue="sales""#,
            r#"data-figure="repeat_callers""#
        ),
        "33.3%"
    );
    assert_eq!(pct(sales_api.repeat_caller_rate.unwrap()), "33.3%");
    assert_eq!(api.callbacks.len(), 1);
    assert_eq!(api.callbacks[0].caller, "caller-42");
    assert!(sales.contains("Callers to call back (1)"), "{sales}");
    assert_eq!(
        text_in(&sales, r#"data-caller="caller-42""#, "<b"),
        "caller-42"
    );
    assert!(sales.contains("hung up 09:17:40 after 40s"), "{sales}");
    assert!(!sales.contains(r#"data-caller="caller-17""#));
    // A billing board lists nobody: caller-42's hang-up was in sales.
    let billing = rendered(
        &driver,
        &format!("{base}/?tenant=acme&queues=billing"),
        tv,
        "billing-1920x1080.png",
    )
    .await;
    assert!(billing.contains(r#"data-queue="billing""#), "{billing}");
    assert!(!billing.contains("data-caller="), "{billing}");
    assert_eq!(
        text_in(
            &billing,
            r#"data-queue="billing""#,
            r#"data-figure="repeat_callers""#
        ),
        "100.0%"
    );

    // Queues only: both tiles, no agents.
    let queues_only = rendered(
        &driver,
        &format!("{base}/?tenant=acme&agents=0"),
        tv,
        "queues-1920x1080.png",
    )
    .await;
    assert!(queues_only.contains(r#"data-queue="billing""#));
    assert!(!queues_only.contains(r#"data-agent=""#));

    // The TV board fits 1920×1080 without scrolling; the phone board fits its width.
    let tv_board = rendered(
        &driver,
        &format!("{base}/?tenant=acme&tv=1"),
        tv,
        "tv-1920x1080.png",
    )
    .await;
    assert!(tv_board.contains(r#"class="tv""#), "{tv_board}");
    assert!(tv_board.contains(r#"data-scroll-x="false""#), "{tv_board}");
    assert!(tv_board.contains(r#"data-scroll-y="false""#), "{tv_board}");
    // 12 queue tiles and 60 agents fit a 1080p and a 4K screen without scrolling.
    for (size, shot) in [
        ((1920, 1080), "big-1920x1080.png"),
        ((3840, 2160), "big-3840x2160.png"),
    ] {
        let big = rendered(&driver, &format!("{base}/?tenant=big&tv=1"), size, shot).await;
        assert_eq!(big.matches("class=\"queue ").count(), 12, "{shot}");
        assert_eq!(big.matches("data-agent=\"agent-").count(), 60, "{shot}");
        assert!(big.contains(r#"data-scroll-x="false""#), "{shot}: {big}");
        assert!(big.contains(r#"data-scroll-y="false""#), "{shot}: {big}");
    }
    let phone = rendered(
        &driver,
        &format!("{base}/?tenant=acme"),
        (390, 844),
        "phone-390x844.png",
    )
    .await;
    assert!(phone.contains(r#"data-scroll-x="false""#), "{phone}");

    // A board with data draws far more than an empty one (a tenant with none).
    let empty = driver.session(tv).await;
    empty.open(&format!("{base}/?tenant=nobody&tv=1")).await;
    empty
        .until(
            "the empty board",
            "return document.getElementById('empty').style.display === 'block' || null",
        )
        .await;
    let blank = empty.screenshot().await.len();
    empty.close().await;
    assert!(
        shot_bytes("tv-1920x1080.png") > 2 * blank && shot_bytes("phone-390x844.png") > blank,
        "tv {} phone {} empty {blank} bytes",
        shot_bytes("tv-1920x1080.png"),
        shot_bytes("phone-390x844.png"),
    );
    service.stop().await;
}

/// The page loads nothing from elsewhere: a floor network without internet shows the whole board.
#[test]
fn the_wallboard_needs_no_external_assets() {
    let page = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/export/wallboard.html"),
    )
    .unwrap();
    for external in [
        "src=\"http",
        "href=\"http",
        "url(http",
        "@import",
        "src=\"//",
        "<link",
    ] {
        assert!(!page.contains(external), "{external}");
    }
}
