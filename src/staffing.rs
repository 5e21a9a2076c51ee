//! The staffing what-if table managers use for shift planning — predicted service level, waiting
//! probability, ASA, occupancy (and abandonment with a patience) for agent counts around the smallest one
//! that meets the target, and the headcount to schedule after shrinkage. Pure: a validated
//! [`StaffingQuery`] in, a [`StaffingTable`] out; flags and printing are `callboard staffing`'s
//! (`cli::staffing`).

use anyhow::bail;
use serde::Serialize;

use crate::kpi::erlang::{erlang_a, erlang_c, required_agents, Prediction, Workload};

/// A validated staffing question.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StaffingQuery {
    pub calls_per_hour: f64,
    pub aht_seconds: f64,
    pub threshold_seconds: f64,
    pub target: f64,
    pub patience_seconds: Option<f64>,
    pub shrinkage: f64,
    /// What an agent's paid hour costs: with it, each row says what its staffing costs per hour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_per_hour: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaffingRow {
    pub agents: u32,
    pub service_level: f64,
    pub wait_probability: f64,
    pub asa_seconds: f64,
    pub occupancy: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abandonment: Option<f64>,
    pub meets_target: bool,
    /// The headcount to schedule for `agents` on the phones (after shrinkage) × the cost per hour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_per_hour: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaffingTable {
    pub query: StaffingQuery,
    pub traffic_erlangs: f64,
    pub model: &'static str,
    /// The smallest agent count that meets the target.
    pub required_agents: u32,
    /// Agents to schedule so that `required_agents` are on the phones after shrinkage.
    pub scheduled_agents: u32,
    /// What the scheduled agents cost per hour, with a cost per hour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_cost_per_hour: Option<f64>,
    pub rows: Vec<StaffingRow>,
}

fn predict(query: &StaffingQuery, agents: u32) -> Option<Prediction> {
    let workload = Workload::per_hour(query.calls_per_hour, query.aht_seconds);
    match query.patience_seconds {
        Some(patience) => erlang_a(agents, workload, query.threshold_seconds, patience),
        None => erlang_c(agents, workload, query.threshold_seconds),
    }
}

/// The table around the answer: three counts below it (never below one agent, and for Erlang C never
/// at or below the traffic, where the queue grows without bound) and three above; no rows without calls.
pub fn staffing_table(query: &StaffingQuery) -> anyhow::Result<StaffingTable> {
    let workload = Workload::per_hour(query.calls_per_hour, query.aht_seconds);
    let Some(required) = required_agents(
        workload,
        query.threshold_seconds,
        query.target,
        query.patience_seconds,
    ) else {
        bail!(
            "no agent count reaches a service level of {} within {} s",
            query.target,
            query.threshold_seconds
        );
    };
    let lowest_stable = if query.patience_seconds.is_some() {
        1
    } else {
        workload.erlangs().floor() as u32 + 1
    };
    let first = required.saturating_sub(3).max(lowest_stable);
    // Without calls no agent is needed and there is nothing to tabulate: `first` (≥ 1) is past `last`.
    let last = if required == 0 { 0 } else { required + 3 };
    let rows = (first..=last)
        .filter_map(|agents| predict(query, agents))
        .map(|prediction| StaffingRow {
            agents: prediction.agents,
            service_level: prediction.service_level,
            wait_probability: prediction.wait_probability,
            asa_seconds: prediction.asa_seconds,
            occupancy: prediction.occupancy,
            abandonment: query.patience_seconds.map(|_| prediction.abandonment),
            meets_target: prediction.service_level >= query.target,
            cost_per_hour: (query.cost_per_hour)
                .map(|cost| f64::from(scheduled(prediction.agents, query.shrinkage)) * cost),
        })
        .collect();
    let scheduled_agents = scheduled(required, query.shrinkage);
    Ok(StaffingTable {
        query: *query,
        traffic_erlangs: workload.erlangs(),
        model: if query.patience_seconds.is_some() {
            "erlang_a"
        } else {
            "erlang_c"
        },
        required_agents: required,
        scheduled_agents,
        scheduled_cost_per_hour: (query.cost_per_hour)
            .map(|cost| f64::from(scheduled_agents) * cost),
        rows,
    })
}

/// Agents to schedule so that `on_phones` are available after `shrinkage`.
pub fn scheduled(on_phones: u32, shrinkage: f64) -> u32 {
    (f64::from(on_phones) / (1.0 - shrinkage) - 1e-9).ceil() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 80 % within 20 s, no patience, no shrinkage.
    fn query(calls_per_hour: f64, aht_seconds: f64) -> StaffingQuery {
        StaffingQuery {
            calls_per_hour,
            aht_seconds,
            threshold_seconds: 20.0,
            target: 0.8,
            patience_seconds: None,
            shrinkage: 0.0,
            cost_per_hour: None,
        }
    }

    /// Erlang C written out from the textbook formula, independently of `kpi::erlang`:
    /// C = (Aⁿ/n! · n/(n−A)) / (Σ_{k<n} Aᵏ/k! + Aⁿ/n! · n/(n−A)), SL = 1 − C·e^{−(n−A)t/AHT}.
    fn textbook_required(calls_per_hour: f64, aht: f64, threshold: f64, target: f64) -> u32 {
        let traffic = calls_per_hour * aht / 3600.0;
        (1..200)
            .find(|&n| {
                let n_f = f64::from(n);
                if traffic >= n_f {
                    return false;
                }
                let mut term = 1.0;
                let mut sum = 0.0;
                for k in 0..n {
                    sum += term;
                    term *= traffic / f64::from(k + 1);
                }
                let top = term * n_f / (n_f - traffic);
                let c = top / (sum + top);
                1.0 - c * (-(n_f - traffic) * threshold / aht).exp() >= target
            })
            .unwrap()
    }

    #[test]
    fn answers_what_the_textbook_formula_answers() {
        let table = staffing_table(&query(360.0, 240.0)).unwrap();
        assert_eq!(
            table.required_agents,
            textbook_required(360.0, 240.0, 20.0, 0.80)
        );
        assert_eq!(table.model, "erlang_c");
        let marked: Vec<_> = table
            .rows
            .iter()
            .filter(|row| row.meets_target)
            .map(|row| row.agents)
            .collect();
        assert_eq!(marked.first(), Some(&table.required_agents));
    }

    /// The worked case: 200 calls an hour of 3 minutes need 14 agents; 14 / 0.7 = 20 scheduled.
    #[test]
    fn shrinkage_gives_the_scheduled_headcount() {
        let table = staffing_table(&StaffingQuery {
            shrinkage: 0.3,
            ..query(200.0, 180.0)
        })
        .unwrap();
        assert_eq!((table.required_agents, table.scheduled_agents), (14, 20));
    }

    /// 2,000 calls/hour, AHT 180 s (100 erlangs), patience 10 s: Erlang A meets 80 % in 20 s with 82
    /// agents (SL 0.7922 at 81, 0.8010 at 82, by `tests/reference/erlang_a.py`), fewer than the traffic.
    #[test]
    fn short_patience_marks_the_first_row_that_meets_the_target() {
        let table = staffing_table(&StaffingQuery {
            patience_seconds: Some(10.0),
            ..query(2000.0, 180.0)
        })
        .unwrap();
        assert_eq!(table.model, "erlang_a");
        assert_eq!(table.required_agents, 82);
        let counts: Vec<u32> = table.rows.iter().map(|row| row.agents).collect();
        assert_eq!(counts, (79..=85).collect::<Vec<_>>());
        let meeting: Vec<bool> = table.rows.iter().map(|row| row.meets_target).collect();
        assert_eq!(meeting, [false, false, false, true, true, true, true]);
        assert!(table.rows.iter().all(|row| row.abandonment.is_some()));
    }

    #[test]
    fn no_calls_need_no_agents() {
        let table = staffing_table(&query(0.0, 180.0)).unwrap();
        assert_eq!((table.required_agents, table.scheduled_agents), (0, 0));
        assert!(table.rows.is_empty());
    }
}
