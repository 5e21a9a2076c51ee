//! Resident memory of a center by scale: 100,000 agents and 10,000 queues with all default windows,
//! each fed an hour of realistic activity through the real engine. Prints bytes per agent and per queue
//! against the goals (2 KiB per agent, 64 KiB per queue), measured apart (agents with state changes, queues
//! with abandons) and together (one floor whose agents handle the queues' calls).
//! Run: `cargo bench --bench memory`.

use std::alloc::{GlobalAlloc, Layout};

use mimalloc::MiMalloc;
use std::sync::atomic::{AtomicUsize, Ordering};

use callboard::center::settings::{CenterSettings, MINUTE, SECOND};
use callboard::center::{Center, Rejection};
use callboard::event::{Availability, DequeueReason, Event, EventKind, Id, Millis};

const START: Millis = 1_795_424_400_000; // 2026-11-23T09:00:00Z

/// Counts live heap bytes, so the center's own memory is measured exactly, apart from the allocator's
/// habit of keeping freed pages resident. Over mimalloc, the allocator the binary ships with.
struct Counting;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { MiMalloc.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { MiMalloc.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(new_size, Ordering::Relaxed);
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { MiMalloc.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live_bytes() -> u64 {
    LIVE_BYTES.load(Ordering::Relaxed) as u64
}

fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kib| kib * 1024)
}

fn event(time: Millis, kind: EventKind) -> Event {
    Event {
        time,
        tenant: Id::from("acme"),
        id: None,
        kind,
    }
}

/// Feeds events sorted by time, as a live feed would deliver them.
fn feed(mut events: Vec<Event>, settings: &CenterSettings) -> (Center, usize) {
    events.sort_by_key(|event| event.time);
    let count = events.len();
    let mut center = Center::new(Id::from("acme"), settings.clone());
    let mut rejections: Vec<Rejection> = Vec::new();
    for event in events {
        center.ingest(event, 0, &mut rejections);
    }
    center.flush(&mut rejections);
    assert!(rejections.is_empty(), "{} rejected", rejections.len());
    (center, count)
}

/// 100,000 agents logged in for the hour, each with twelve availability changes (breaks), no calls.
fn agents_only(agents: usize) -> Vec<Event> {
    let mut events = Vec::new();
    for index in 0..agents {
        let agent = Id::from(format!("agent-{index:06}"));
        let queues = vec![
            Id::from(format!("q{}", index % 10)),
            Id::from(format!("q{}", (index + 1) % 10)),
        ];
        let start = START + (index as Millis % 60) * SECOND;
        events.push(event(
            start,
            EventKind::AgentLogin {
                agent: agent.clone(),
                queues: Some(queues),
                team: None,
            },
        ));
        for change in 0..12 {
            let availability = if change % 2 == 0 {
                Availability::Available
            } else {
                Availability::NotReady {
                    reason: Some(Id::from("break")),
                }
            };
            events.push(event(
                start + change * 5 * MINUTE,
                EventKind::AgentState {
                    agent: agent.clone(),
                    availability,
                },
            ));
        }
    }
    events
}

/// 10,000 queues each offered 60 calls in the hour, every one abandoned or dequeued (no agents).
fn queues_only(queues: usize) -> Vec<Event> {
    let mut events = Vec::new();
    for index in 0..queues {
        let queue = Id::from(format!("queue-{index:05}"));
        for call_index in 0..60 {
            let call = Id::from(format!("c{index}-{call_index}"));
            let queued_at = START + call_index * MINUTE + (index as Millis % 60) * SECOND;
            events.push(event(
                queued_at,
                EventKind::CallQueued {
                    caller: None,
                    call: call.clone(),
                    queue: queue.clone(),
                    priority: None,
                    direction: Default::default(),
                },
            ));
            let left = queued_at + 30 * SECOND;
            events.push(event(
                left,
                if call_index % 3 == 0 {
                    EventKind::CallDequeued {
                        call,
                        queue: queue.clone(),
                        reason: DequeueReason::Timeout,
                    }
                } else {
                    EventKind::CallAbandoned {
                        call,
                        queue: queue.clone(),
                    }
                },
            ));
        }
    }
    events
}

/// Where the floor's calls come from.
#[derive(Clone, Copy, PartialEq)]
enum Calls {
    /// Queued and answered: the queues keep records of them.
    Inbound,
    /// Dialed and connected by the agents, with the same timing: no queue records, so the center holds
    /// the agents alone (plus two more tallies a call, dial and connect: an upper bound for inbound).
    Outbound,
}

/// The floor as one center: `agents` logged in over `queues` (ten agents a queue), each handling six
/// calls an hour for `hours` (waits spread over 0–59 s so the queues' wait histograms fill, a hold on
/// every other call, four minutes of talk, a minute of wrap-up) with a break each hour, and ten abandons
/// a queue (in the first hour). Every call has ended when it is measured (the goals exclude calls in
/// flight).
fn floor(agents: usize, queues: usize, calls: Calls, hours: i64) -> Vec<Event> {
    // Outbound, every agent keeps its one skill, on a single queue that is offered nothing.
    let queue_id = |index: usize| Id::from(format!("queue-{:05}", index % queues.max(1)));
    let mut events = Vec::new();
    for index in 0..agents {
        let agent = Id::from(format!("agent-{index:06}"));
        let queue = queue_id(index);
        let start = START + (index as Millis % 60) * SECOND;
        events.push(event(
            start,
            EventKind::AgentLogin {
                agent: agent.clone(),
                queues: Some(vec![queue.clone()]),
                team: Some(Id::from(format!("team-{}", index % 100))),
            },
        ));
        let availability = |time, availability| {
            event(
                time,
                EventKind::AgentState {
                    agent: agent.clone(),
                    availability,
                },
            )
        };
        events.push(availability(start, Availability::Available));
        for slot in 0..6 * hours {
            let call = Id::from(format!("c{index}-{slot}"));
            let queued = start + slot * 10 * MINUTE + 30 * SECOND;
            let answered = queued + ((index as Millis * 7 + slot * 13) % 60) * SECOND + 137;
            let ended = answered + 4 * MINUTE;
            let completed = ended + MINUTE;
            let (start_kind, answer_kind) = match calls {
                Calls::Inbound => (
                    EventKind::CallQueued {
                        caller: None,
                        call: call.clone(),
                        queue: queue.clone(),
                        priority: None,
                        direction: Default::default(),
                    },
                    EventKind::CallAnswered {
                        call: call.clone(),
                        queue: queue.clone(),
                        agent: agent.clone(),
                    },
                ),
                Calls::Outbound => (
                    EventKind::CallDialed {
                        caller: None,
                        call: call.clone(),
                        agent: agent.clone(),
                        campaign: None,
                    },
                    EventKind::CallConnected {
                        call: call.clone(),
                        agent: agent.clone(),
                    },
                ),
            };
            let kinds = [
                (queued, start_kind),
                (answered, answer_kind),
                (
                    ended,
                    EventKind::CallEnded {
                        call: call.clone(),
                        agent: agent.clone(),
                    },
                ),
                (
                    completed,
                    EventKind::CallCompleted {
                        call: call.clone(),
                        agent: agent.clone(),
                        outcome: None,
                        disposition: None,
                    },
                ),
            ];
            events.extend(kinds.into_iter().map(|(time, kind)| event(time, kind)));
            if slot % 2 == 0 {
                let held = EventKind::CallHeld {
                    call: call.clone(),
                    agent: agent.clone(),
                };
                let resumed = EventKind::CallResumed {
                    call,
                    agent: agent.clone(),
                };
                events.push(event(answered + MINUTE, held));
                events.push(event(answered + 90 * SECOND, resumed));
            }
            if slot % 6 == 3 {
                let reason = Some(Id::from("break"));
                events.push(availability(
                    completed + 10 * SECOND,
                    Availability::NotReady { reason },
                ));
                events.push(availability(
                    completed + 70 * SECOND,
                    Availability::Available,
                ));
            }
        }
    }
    let queues_with_abandons = if calls == Calls::Inbound { queues } else { 0 };
    for index in 0..queues_with_abandons {
        for abandon in 0..10 {
            let call = Id::from(format!("a{index}-{abandon}"));
            let queued = START + abandon * 6 * MINUTE + (index as Millis % 60) * SECOND;
            let queue = queue_id(index);
            let left = EventKind::CallAbandoned {
                call: call.clone(),
                queue: queue.clone(),
            };
            events.push(event(
                queued,
                EventKind::CallQueued {
                    caller: None,
                    call,
                    queue,
                    priority: None,
                    direction: Default::default(),
                },
            ));
            events.push(event(queued + (20 + abandon) * SECOND, left));
        }
    }
    events
}

fn measure(name: &str, units: usize, goal_bytes: u64, build: impl FnOnce() -> Vec<Event>) {
    let heap_before = live_bytes();
    let resident_before = resident_bytes();
    let (center, count) = feed(build(), &CenterSettings::default());
    let held = live_bytes().saturating_sub(heap_before);
    let resident = resident_bytes().saturating_sub(resident_before);
    let per_unit = held / units as u64;
    println!(
        "{name}: {units} after {count} events over an hour: center holds {:.1} MiB of heap, {per_unit} bytes each \
         (goal <= {goal_bytes}{}); process resident grew {:.1} MiB (includes the freed input)",
        held as f64 / (1024.0 * 1024.0),
        if per_unit <= goal_bytes { ", met" } else { ", OVER GOAL" },
        resident as f64 / (1024.0 * 1024.0),
    );
    drop(center);
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing and only wants it to build.
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    measure("agents", 100_000, 2 * 1024, || agents_only(100_000));
    measure("queues", 10_000, 64 * 1024, || queues_only(10_000));
    measure_floor(100_000, 10_000, "floor", &CenterSettings::default());
    // The service with `[kafka] intervals_topic` (its default) keeps each agent's report intervals, and
    // yesterday's, for the closed-interval records.
    let kept = CenterSettings {
        keep_agent_intervals: true,
        interval_retention_days: Some(1),
        ..CenterSettings::default()
    };
    measure_floor(100_000, 10_000, "floor, agent intervals kept", &kept);
    // A day's intervals must not grow an agent by kilobytes either: the same agents over a shift.
    measure_shift(10_000, 8, "agents over a shift", &CenterSettings::default());
    measure_shift(
        10_000,
        8,
        "agents over a shift, agent intervals kept",
        &kept,
    );
}

/// `agents` making the floor's calls outbound for `hours`: the agents' bytes each after a shift.
fn measure_shift(agents: usize, hours: i64, name: &str, settings: &CenterSettings) {
    let heap_before = live_bytes();
    let (mut center, count) = feed(floor(agents, 1, Calls::Outbound, hours), settings);
    let per_agent_open = live_bytes().saturating_sub(heap_before) / agents as u64;
    // As a publication leaves it: each agent's newest interval packed.
    center.pack_intervals();
    let per_agent = live_bytes().saturating_sub(heap_before) / agents as u64;
    drop(center);
    println!(
        "{name}: {agents} agents after {count} events over {hours} hours (the floor's calls outbound): \
         {per_agent} bytes each (goal <= 2048, {}; {per_agent_open} with the newest interval open)",
        if per_agent <= 2048 { "met" } else { "OVER GOAL" },
    );
}

/// The whole floor in one center, whose heap agents and queues share. The same agents making the same
/// calls outbound (no queues) give the agents' part; the rest of the whole is the queues' (their windows,
/// histograms and the records of the calls they offered).
fn measure_floor(agents: usize, queues: usize, name: &str, settings: &CenterSettings) {
    // Held as a publication leaves it (each agent's newest interval packed), and before that.
    let held = |queues, calls| {
        let heap_before = live_bytes();
        let (mut center, count) = feed(floor(agents, queues, calls, 1), settings);
        let open = live_bytes().saturating_sub(heap_before);
        center.pack_intervals();
        let held = live_bytes().saturating_sub(heap_before);
        drop(center);
        (held, open, count)
    };
    let (whole, _, count) = held(queues, Calls::Inbound);
    let (agents_part, agents_open, _) = held(1, Calls::Outbound);
    let budget = agents as u64 * 2 * 1024 + queues as u64 * 64 * 1024;
    let per_agent = agents_part / agents as u64;
    let per_agent_open = agents_open / agents as u64;
    let per_queue = whole.saturating_sub(agents_part) / queues as u64;
    let verdict = |bytes: u64, goal: u64| if bytes <= goal { "met" } else { "OVER GOAL" };
    println!(
        "{name}: {agents} agents and {queues} queues after {count} events over an hour (calls handled, held, \
         abandoned; none in flight): center holds {:.1} MiB of heap (budget {:.1} MiB, {}); \
         agents alone (the same calls outbound) {per_agent} bytes each (goal <= 2048, {}); \
         the rest {per_queue} bytes per queue (goal <= 65536, {}); agents with their newest interval \
         open (between publications) {per_agent_open} bytes each",
        whole as f64 / (1024.0 * 1024.0),
        budget as f64 / (1024.0 * 1024.0),
        verdict(whole, budget),
        verdict(per_agent, 2048),
        verdict(per_queue, 65536),
    );
}
