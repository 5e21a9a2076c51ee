//! `callboard staffing`: the what-if table managers use for shift planning — predicted service level,
//! waiting probability, ASA, occupancy (and abandonment with a patience) for agent counts around the
//! smallest one that meets the target, and the headcount to schedule after shrinkage.

use std::io::Write;

use anyhow::{bail, ensure};
use serde::Serialize;

use crate::cli::parse_duration_ms;
use crate::kpi::erlang::{erlang_a, erlang_c, required_agents, Prediction, Workload};

#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Example: callboard staffing --calls-per-hour 200 --aht 180 --threshold 20s --target 80% --shrinkage 30%"
)]
pub struct StaffingArgs {
    /// Calls arriving per hour in the interval you plan for.
    #[arg(long, value_name = "CALLS")]
    pub calls_per_hour: f64,
    /// Average handle time (talk + hold + wrap-up): seconds, or a duration like 4m or 240s.
    #[arg(long, value_name = "DURATION")]
    pub aht: String,
    /// Service-level threshold: a call answered within it counts as answered in time.
    #[arg(long, default_value = "20s", value_name = "DURATION")]
    pub threshold: String,
    /// Service-level target, as a fraction (0.8) or a percentage (80%).
    #[arg(long, default_value = "80%", value_name = "SHARE")]
    pub target: String,
    /// Mean caller patience: with it, Erlang A predicts abandonment; without, Erlang C assumes nobody hangs up.
    #[arg(long, value_name = "DURATION")]
    pub patience: Option<String>,
    /// Share of paid time agents are unavailable (breaks, training, absence), e.g. 30%; the scheduled
    /// headcount is required / (1 − shrinkage).
    #[arg(long, default_value = "0", value_name = "SHARE")]
    pub shrinkage: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// A validated staffing question.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StaffingQuery {
    pub calls_per_hour: f64,
    pub aht_seconds: f64,
    pub threshold_seconds: f64,
    pub target: f64,
    pub patience_seconds: Option<f64>,
    pub shrinkage: f64,
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
    pub rows: Vec<StaffingRow>,
}

fn seconds(text: &str, flag: &str) -> anyhow::Result<f64> {
    let seconds = match text.trim().parse::<f64>() {
        Ok(plain) => plain,
        Err(_) => {
            parse_duration_ms(text).map_err(|problem| anyhow::anyhow!("{flag}: {problem}"))? as f64
                / 1000.0
        }
    };
    ensure!(
        seconds.is_finite() && seconds >= 0.0,
        "{flag} must be a duration of 0 or more, got {text}"
    );
    Ok(seconds)
}

fn share(text: &str, flag: &str, allow_one: bool) -> anyhow::Result<f64> {
    let trimmed = text.trim();
    let value = match trimmed.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().map(|p| p / 100.0),
        None => trimmed.parse::<f64>(),
    };
    let Ok(value) = value else {
        bail!("{flag} must be a fraction (0.8) or a percentage (80%), got {text}")
    };
    let upper_ok = if allow_one { value <= 1.0 } else { value < 1.0 };
    ensure!(
        value >= 0.0 && upper_ok,
        "{flag} must be between 0 and 1 (or 0% and 100%), got {text}"
    );
    Ok(value)
}

impl StaffingArgs {
    pub fn query(&self) -> anyhow::Result<StaffingQuery> {
        ensure!(
            self.calls_per_hour.is_finite() && self.calls_per_hour >= 0.0,
            "--calls-per-hour must be 0 or more, got {}",
            self.calls_per_hour
        );
        let aht_seconds = seconds(&self.aht, "--aht")?;
        ensure!(
            aht_seconds > 0.0,
            "--aht must be above 0 (the average handle time), got {}",
            self.aht
        );
        let patience_seconds = self
            .patience
            .as_deref()
            .map(|text| seconds(text, "--patience"))
            .transpose()?;
        ensure!(
            patience_seconds.is_none_or(|patience| patience > 0.0),
            "--patience must be above 0"
        );
        Ok(StaffingQuery {
            calls_per_hour: self.calls_per_hour,
            aht_seconds,
            threshold_seconds: seconds(&self.threshold, "--threshold")?,
            target: share(&self.target, "--target", true)?,
            patience_seconds,
            shrinkage: share(&self.shrinkage, "--shrinkage", false)?,
        })
    }
}

fn predict(query: &StaffingQuery, agents: u32) -> Option<Prediction> {
    let workload = Workload::per_hour(query.calls_per_hour, query.aht_seconds);
    match query.patience_seconds {
        Some(patience) => erlang_a(agents, workload, query.threshold_seconds, patience),
        None => erlang_c(agents, workload, query.threshold_seconds),
    }
}

/// The table around the answer: three counts below it (never below one agent, and for Erlang C never
/// at or below the traffic, where the queue grows without bound) and three above.
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
    let first = required.saturating_sub(3).max(lowest_stable).max(1);
    let rows = (first..=required.max(1) + 3)
        .filter_map(|agents| predict(query, agents))
        .map(|prediction| StaffingRow {
            agents: prediction.agents,
            service_level: prediction.service_level,
            wait_probability: prediction.wait_probability,
            asa_seconds: prediction.asa_seconds,
            occupancy: prediction.occupancy,
            abandonment: query.patience_seconds.map(|_| prediction.abandonment),
            meets_target: prediction.service_level >= query.target,
        })
        .collect();
    Ok(StaffingTable {
        query: *query,
        traffic_erlangs: workload.erlangs(),
        model: if query.patience_seconds.is_some() {
            "erlang_a"
        } else {
            "erlang_c"
        },
        required_agents: required,
        scheduled_agents: (f64::from(required) / (1.0 - query.shrinkage) - 1e-9).ceil() as u32,
        rows,
    })
}

pub fn run(args: &StaffingArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let table = staffing_table(&args.query()?)?;
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &table)?;
        writeln!(out)?;
        return Ok(());
    }
    let query = &table.query;
    writeln!(
        out,
        "{} calls/hour × {} s AHT = {:.2} erlangs; target {:.0}% answered within {} s ({})",
        query.calls_per_hour,
        query.aht_seconds,
        table.traffic_erlangs,
        query.target * 100.0,
        query.threshold_seconds,
        if table.model == "erlang_a" {
            "Erlang A, with abandonment"
        } else {
            "Erlang C"
        }
    )?;
    let with_abandonment = query.patience_seconds.is_some();
    write!(
        out,
        "\n  agents  service level  P(wait)      ASA  occupancy"
    )?;
    writeln!(out, "{}", if with_abandonment { "  abandoned" } else { "" })?;
    for row in &table.rows {
        write!(
            out,
            "{} {:6}  {:12.1}%  {:6.1}%  {:6.1} s  {:8.1}%",
            if row.agents == table.required_agents {
                "▶"
            } else {
                " "
            },
            row.agents,
            row.service_level * 100.0,
            row.wait_probability * 100.0,
            row.asa_seconds,
            row.occupancy * 100.0
        )?;
        match row.abandonment {
            Some(abandonment) => writeln!(out, "  {:8.1}%", abandonment * 100.0)?,
            None => writeln!(out)?,
        }
    }
    writeln!(
        out,
        "\n▶ {} agents on the phones meet the target.",
        table.required_agents
    )?;
    if query.shrinkage > 0.0 {
        writeln!(
            out,
            "  Schedule {} agents: with {:.0}% shrinkage, {} are available.",
            table.scheduled_agents,
            query.shrinkage * 100.0,
            table.required_agents
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(calls: f64, aht: &str) -> StaffingArgs {
        StaffingArgs {
            calls_per_hour: calls,
            aht: aht.to_string(),
            threshold: "20s".to_string(),
            target: "80%".to_string(),
            patience: None,
            shrinkage: "0".to_string(),
            json: false,
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
        let table = staffing_table(&args(360.0, "240").query().unwrap()).unwrap();
        assert_eq!(
            table.required_agents,
            textbook_required(360.0, 240.0, 20.0, 0.80)
        );
        let marked: Vec<_> = table
            .rows
            .iter()
            .filter(|row| row.meets_target)
            .map(|row| row.agents)
            .collect();
        assert_eq!(marked.first(), Some(&table.required_agents));
    }

    #[test]
    fn shrinkage_gives_the_scheduled_headcount() {
        let mut worked = args(200.0, "3m");
        worked.shrinkage = "30%".to_string();
        let table = staffing_table(&worked.query().unwrap()).unwrap();
        assert_eq!((table.required_agents, table.scheduled_agents), (14, 20));
    }

    #[test]
    fn json_carries_the_answer() {
        let mut worked = args(200.0, "180");
        worked.json = true;
        worked.patience = Some("5m".to_string());
        let mut out = Vec::new();
        run(&worked, &mut out).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value["required_agents"], 13);
        assert_eq!(value["model"], "erlang_a");
        assert!(value["rows"][0]["abandonment"].is_number());
    }

    #[test]
    fn bad_input_says_what_to_do() {
        let mut wrong = args(200.0, "180");
        wrong.target = "120%".to_string();
        let message = wrong.query().unwrap_err().to_string();
        assert!(
            message.contains("--target must be between 0 and 1"),
            "{message}"
        );
        assert!(args(200.0, "0")
            .query()
            .unwrap_err()
            .to_string()
            .contains("--aht must be above 0"));
        assert!(args(200.0, "soon").query().is_err());
    }
}
