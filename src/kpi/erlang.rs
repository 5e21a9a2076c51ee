//! Erlang C (M/M/N) and Erlang A (M/M/N+M, with caller patience): waiting probability, service level,
//! ASA, occupancy, abandonment, and the smallest agent count meeting a service-level target.
//!
//! Stable from 1 to thousands of agents: Erlang B by its recursion (never a factorial), Erlang A's
//! stationary law through ratios to Erlang B, and its waiting-time law by uniformization of the tagged
//! caller's position in queue, with Poisson weights in log space.

/// Offered load: arrivals per second and mean handle time in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Workload {
    pub arrivals_per_second: f64,
    pub handle_seconds: f64,
}

impl Workload {
    pub fn per_hour(calls_per_hour: f64, handle_seconds: f64) -> Self {
        Workload {
            arrivals_per_second: calls_per_hour / 3600.0,
            handle_seconds,
        }
    }

    /// Traffic intensity in erlangs: λ × AHT.
    pub fn erlangs(&self) -> f64 {
        self.arrivals_per_second * self.handle_seconds
    }

    fn is_valid(&self) -> bool {
        self.arrivals_per_second.is_finite()
            && self.arrivals_per_second >= 0.0
            && self.handle_seconds.is_finite()
            && self.handle_seconds > 0.0
    }
}

/// Predicted performance of a staffing level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    pub agents: u32,
    /// Probability that a caller waits at all.
    pub wait_probability: f64,
    /// Share of callers answered within the threshold (Erlang A: answered within it, of all callers).
    pub service_level: f64,
    /// Mean wait of answered callers, in seconds.
    pub asa_seconds: f64,
    /// Share of agents' time busy: carried load / agents.
    pub occupancy: f64,
    /// Share of callers who abandon (0 under Erlang C).
    pub abandonment: f64,
}

/// Erlang B blocking probability for `agents` servers and `erlangs` of traffic, by its recursion.
pub fn erlang_b(agents: u32, erlangs: f64) -> f64 {
    let mut blocking = 1.0;
    for servers in 1..=agents {
        blocking = erlangs * blocking / (f64::from(servers) + erlangs * blocking);
    }
    blocking
}

/// Erlang C probability of waiting; 1 when the traffic reaches or exceeds the agents (unstable queue).
pub fn erlang_c_wait_probability(agents: u32, erlangs: f64) -> f64 {
    let n = f64::from(agents);
    if agents == 0 || erlangs >= n {
        return 1.0;
    }
    if erlangs <= 0.0 {
        return 0.0;
    }
    let blocking = erlang_b(agents, erlangs);
    n * blocking / (n - erlangs * (1.0 - blocking))
}

/// Erlang C prediction for `agents` answering `workload`, with the service level at `threshold_seconds`.
pub fn erlang_c(agents: u32, workload: Workload, threshold_seconds: f64) -> Option<Prediction> {
    if !workload.is_valid() || !threshold_seconds.is_finite() || threshold_seconds < 0.0 {
        return None;
    }
    let (n, erlangs) = (f64::from(agents), workload.erlangs());
    if agents == 0 || erlangs >= n {
        let occupancy = if agents == 0 {
            1.0
        } else {
            1.0f64.min(erlangs / n)
        };
        return Some(Prediction {
            agents,
            wait_probability: 1.0,
            service_level: 0.0,
            asa_seconds: f64::INFINITY,
            occupancy,
            abandonment: 0.0,
        });
    }
    let wait_probability = erlang_c_wait_probability(agents, erlangs);
    let spare = n - erlangs;
    Some(Prediction {
        agents,
        wait_probability,
        service_level: 1.0
            - wait_probability * (-spare * threshold_seconds / workload.handle_seconds).exp(),
        asa_seconds: wait_probability * workload.handle_seconds / spare,
        occupancy: erlangs / n,
        abandonment: 0.0,
    })
}

/// Erlang A prediction: as Erlang C, with callers abandoning after an exponential patience of mean
/// `patience_seconds`. Service level is the share of all callers answered within the threshold.
pub fn erlang_a(
    agents: u32,
    workload: Workload,
    threshold_seconds: f64,
    patience_seconds: f64,
) -> Option<Prediction> {
    let valid = workload.is_valid() && threshold_seconds.is_finite() && threshold_seconds >= 0.0;
    if !valid || !patience_seconds.is_finite() || patience_seconds <= 0.0 || agents == 0 {
        return None;
    }
    let lambda = workload.arrivals_per_second;
    let mu = 1.0 / workload.handle_seconds;
    let theta = 1.0 / patience_seconds;
    let n = f64::from(agents);
    let busy_rate = n * mu;
    // Arrival-seen weights of k callers already waiting, relative to "all agents busy, none waiting":
    // t_k = Π_{i=1..k} λ / (nμ + iθ). Summed until negligible.
    let mut weights = vec![1.0];
    let mut sum = 1.0;
    let mut term: f64 = 1.0;
    let peak = ((lambda - busy_rate) / theta).max(0.0);
    for waiting in 1.. {
        term *= lambda / (busy_rate + f64::from(waiting) * theta);
        weights.push(term);
        sum += term;
        if f64::from(waiting) > peak && term < 1e-15 * sum {
            break;
        }
        if waiting > 1_000_000 {
            return None;
        }
    }
    let blocking = erlang_b(agents, lambda / mu);
    // 1/π_n = Σ_{j<n} π_j/π_n + Σ_k t_k, and Σ_{j≤n} π_j/π_n = 1 / Erlang B.
    let all_busy = 1.0 / (1.0 / blocking - 1.0 + sum);
    let wait_probability = (all_busy * sum).min(1.0);
    let arrivals: Vec<f64> = weights.iter().map(|weight| weight * all_busy).collect();
    let outcome = tagged_caller(&arrivals, busy_rate, theta, threshold_seconds);
    // Little's law on the queue: abandonment rate θ·E[Q] = λ·P(abandon).
    let mean_queue: f64 = arrivals
        .iter()
        .enumerate()
        .map(|(k, p)| k as f64 * p)
        .sum::<f64>();
    let abandonment = theta * mean_queue / lambda.max(f64::MIN_POSITIVE);
    let abandonment = if lambda > 0.0 {
        abandonment.min(1.0)
    } else {
        0.0
    };
    let served = 1.0 - abandonment;
    let carried = lambda * served / mu;
    Some(Prediction {
        agents,
        wait_probability,
        service_level: (1.0 - wait_probability) + outcome.served_within,
        asa_seconds: if served > 0.0 {
            outcome.wait_of_served / served
        } else {
            f64::INFINITY
        },
        occupancy: (carried / n).min(1.0),
        abandonment,
    })
}

struct TaggedOutcome {
    /// Probability (over all callers) of waiting, then being answered within the threshold.
    served_within: f64,
    /// E[wait · 1{answered}] over all callers, in seconds.
    wait_of_served: f64,
}

/// Follows an arriving caller who finds k callers ahead (with probability `arrivals[k]`): from k ahead
/// the queue advances at rate nμ + kθ and the caller gives up at rate θ.
fn tagged_caller(
    arrivals: &[f64],
    busy_rate: f64,
    theta: f64,
    threshold_seconds: f64,
) -> TaggedOutcome {
    // Expected wait of served callers from position k, exactly: each stage i ≤ k lasts 1/(nμ + iθ + θ)
    // and is passed with probability (nμ + iθ)/(nμ + iθ + θ).
    let mut wait_of_served = 0.0;
    let mut pass_all = 1.0;
    let mut mean_until = 0.0;
    for (k, probability) in arrivals.iter().enumerate() {
        let advance = busy_rate + k as f64 * theta;
        let rate = advance + theta;
        // Served after passing stages k, k−1, …, 0 (the recursion builds the product upward in k).
        pass_all *= advance / rate;
        mean_until += 1.0 / rate;
        wait_of_served += probability * pass_all * mean_until;
    }
    TaggedOutcome {
        served_within: uniformized_served_within(arrivals, busy_rate, theta, threshold_seconds),
        wait_of_served,
    }
}

/// Probability of waiting and being answered within `t`, by uniformization of the position chain.
fn uniformized_served_within(arrivals: &[f64], busy_rate: f64, theta: f64, t: f64) -> f64 {
    let positions = arrivals.len();
    let uniform_rate = busy_rate + positions as f64 * theta + theta;
    let mean_jumps = uniform_rate * t;
    let mut state: Vec<f64> = arrivals.to_vec();
    let mut served = 0.0;
    let mut result = 0.0;
    let max_jumps = (mean_jumps + 12.0 * mean_jumps.sqrt() + 30.0).ceil() as usize;
    let mut log_weight = -mean_jumps;
    for jump in 0..=max_jumps {
        if jump > 0 {
            log_weight += mean_jumps.ln() - (jump as f64).ln();
            let mut next = vec![0.0; positions];
            for (k, mass) in state.iter().enumerate() {
                if *mass == 0.0 {
                    continue;
                }
                let advance = (busy_rate + k as f64 * theta) / uniform_rate;
                let stay = 1.0 - advance - theta / uniform_rate;
                next[k] += mass * stay;
                if k == 0 {
                    served += mass * advance;
                } else {
                    next[k - 1] += mass * advance;
                }
            }
            state = next;
        }
        result += log_weight.exp() * served;
    }
    result
}

/// The largest traffic `required_agents` sizes: each prediction runs the Erlang B recursion once per
/// agent, so far beyond any real queue the search would take seconds, not microseconds.
pub const MAX_TRAFFIC_ERLANGS: f64 = 100_000.0;

/// The smallest agent count whose prediction meets `target` service level at `threshold_seconds`:
/// Erlang A with `patience_seconds`, else Erlang C. `Some(0)` without arrivals; `None` for invalid input,
/// traffic above [`MAX_TRAFFIC_ERLANGS`], or when no count up to 100,000 above the traffic meets the
/// target.
///
/// Service level never falls when an agent is added (Erlang C above the traffic, Erlang A everywhere), so
/// the answer is found by bisection. Erlang C needs more agents than erlangs of traffic; Erlang A can
/// need fewer (with short patience the abandons shorten the queue: 100 erlangs with a 10 s patience meet
/// 80 % in 20 s with 82 agents), so its search reaches down to one agent.
pub fn required_agents(
    workload: Workload,
    threshold_seconds: f64,
    target: f64,
    patience_seconds: Option<f64>,
) -> Option<u32> {
    if !workload.is_valid()
        || !(0.0..=1.0).contains(&target)
        || workload.erlangs() > MAX_TRAFFIC_ERLANGS
    {
        return None;
    }
    if workload.arrivals_per_second == 0.0 {
        return Some(0);
    }
    let meets = |agents: u32| {
        let prediction = match patience_seconds {
            Some(patience) => erlang_a(agents, workload, threshold_seconds, patience),
            None => erlang_c(agents, workload, threshold_seconds),
        };
        prediction.is_some_and(|p| p.service_level >= target)
    };
    let traffic = workload.erlangs().floor() as u32;
    let lowest = match patience_seconds {
        Some(_) => 1,
        None => traffic + 1,
    };
    smallest_meeting(lowest, traffic.max(lowest), traffic + 100_000, meets)
}

/// The smallest count in `lowest..=highest` for which `meets` holds, given that it holds for every count
/// above one where it holds. Probes `first_guess`, then bisects below it or gallops above it.
fn smallest_meeting(
    lowest: u32,
    first_guess: u32,
    highest: u32,
    meets: impl Fn(u32) -> bool,
) -> Option<u32> {
    // Invariant: `failing` does not meet (or is below `lowest`), `meeting` does.
    let (mut failing, mut meeting) = if meets(first_guess) {
        (lowest - 1, first_guess)
    } else {
        let mut failing = first_guess;
        let mut step = 1;
        loop {
            if failing >= highest {
                return None;
            }
            let probe = failing.saturating_add(step).min(highest);
            if meets(probe) {
                break (failing, probe);
            }
            failing = probe;
            step = step.saturating_mul(2);
        }
    };
    while meeting - failing > 1 {
        let middle = failing + (meeting - failing) / 2;
        if meets(middle) {
            meeting = middle;
        } else {
            failing = middle;
        }
    }
    Some(meeting)
}

#[cfg(test)]
#[path = "erlang_tests.rs"]
mod tests;
