//! `callboard staffing`: the what-if table managers use for shift planning — predicted service level,
//! waiting probability, ASA, occupancy (and abandonment with a patience) for agent counts around the
//! smallest one that meets the target, and the headcount to schedule after shrinkage.

use std::io::Write;

use anyhow::{bail, ensure};
use serde::Serialize;

use crate::cli::parse_duration_ms;
use crate::kpi::erlang::{
    erlang_a, erlang_c, required_agents, Prediction, Workload, MAX_TRAFFIC_ERLANGS,
};

#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Example: callboard staffing --calls-per-hour 200 --aht 180 --threshold 20s --target 80% --shrinkage 30%"
)]
pub struct StaffingArgs {
    /// Calls arriving per hour in the interval you plan for.
    #[arg(long, value_name = "CALLS", allow_negative_numbers = true)]
    pub calls_per_hour: f64,
    /// Average handle time (talk + hold + wrap-up): seconds, or a duration like 4m or 240s.
    #[arg(long, value_name = "DURATION", allow_negative_numbers = true)]
    pub aht: String,
    /// Service-level threshold: a call answered within it counts as answered in time.
    #[arg(
        long,
        default_value = "20s",
        value_name = "DURATION",
        allow_negative_numbers = true
    )]
    pub threshold: String,
    /// Service-level target, as a fraction (0.8) or a percentage (80%), above 0 and below 1.
    #[arg(
        long,
        default_value = "80%",
        value_name = "SHARE",
        allow_negative_numbers = true
    )]
    pub target: String,
    /// Mean caller patience: with it, Erlang A predicts abandonment; without, Erlang C assumes nobody hangs up.
    #[arg(long, value_name = "DURATION", allow_negative_numbers = true)]
    pub patience: Option<String>,
    /// Share of paid time agents are unavailable (breaks, training, absence), e.g. 30%; the scheduled
    /// headcount is required / (1 − shrinkage).
    #[arg(
        long,
        default_value = "0",
        value_name = "SHARE",
        allow_negative_numbers = true
    )]
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

/// A duration in seconds: plain seconds (240) or with a unit (4m); above 0, or 0 too with `zero_allowed`.
fn seconds(text: &str, flag: &str, zero_allowed: bool) -> anyhow::Result<f64> {
    let seconds = match text.trim().parse::<f64>() {
        Ok(plain) => plain,
        Err(_) => {
            parse_duration_ms(text).map_err(|problem| anyhow::anyhow!("{flag}: {problem}"))? as f64
                / 1000.0
        }
    };
    ensure!(
        seconds.is_finite(),
        "{flag} must be a duration in seconds (240) or with a unit (4m), got {text}"
    );
    if zero_allowed {
        ensure!(seconds >= 0.0, "{flag} must be 0 or more, got {text}");
    } else {
        ensure!(seconds > 0.0, "{flag} must be above 0, got {text}");
    }
    Ok(seconds)
}

/// A fraction (0.8) or a percentage (80%).
fn share(text: &str, flag: &str) -> anyhow::Result<f64> {
    let trimmed = text.trim();
    let value = match trimmed.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().map(|p| p / 100.0),
        None => trimmed.parse::<f64>(),
    };
    match value {
        Ok(value) if value.is_finite() => Ok(value),
        _ => bail!("{flag} must be a fraction (0.8) or a percentage (80%), got {text}"),
    }
}

/// The service-level target: above 0 (any staffing meets 0 %) and below 1 (no finite staffing answers
/// every call within the threshold).
fn target(text: &str) -> anyhow::Result<f64> {
    let value = share(text, "--target")?;
    if value > 0.0 && value < 1.0 {
        return Ok(value);
    }
    let hint = if value > 1.0 && value < 100.0 && !text.trim().ends_with('%') {
        format!(
            " (for {value} percent, write {value}% or {})",
            value / 100.0
        )
    } else {
        String::new()
    };
    bail!("--target must be above 0 and below 1 (0% < target < 100%), got {text}{hint}")
}

/// Shrinkage: from 0 up to, not including, 1 (at 100 % nobody is ever on the phones).
fn shrinkage(text: &str) -> anyhow::Result<f64> {
    let value = share(text, "--shrinkage")?;
    ensure!(
        (0.0..1.0).contains(&value),
        "--shrinkage must be at least 0 and below 1 (0% ≤ shrinkage < 100%), got {text}"
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
        let aht_seconds = seconds(&self.aht, "--aht", false)?;
        let traffic = self.calls_per_hour * aht_seconds / 3600.0;
        ensure!(
            traffic <= MAX_TRAFFIC_ERLANGS,
            "--calls-per-hour × --aht is {traffic:.0} erlangs of traffic; staffing is computed up to \
             {MAX_TRAFFIC_ERLANGS} erlangs (check the units: --aht is in seconds unless written like 4m)"
        );
        let patience_seconds = self
            .patience
            .as_deref()
            .map(|text| seconds(text, "--patience", false))
            .transpose()?;
        Ok(StaffingQuery {
            calls_per_hour: self.calls_per_hour,
            aht_seconds,
            threshold_seconds: seconds(&self.threshold, "--threshold", true)?,
            target: target(&self.target)?,
            patience_seconds,
            shrinkage: shrinkage(&self.shrinkage)?,
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
    if table.required_agents == 0 {
        writeln!(out, "\nNo calls: 0 agents are needed.")?;
        return Ok(());
    }
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

    /// 2,000 calls/hour, AHT 180 s (100 erlangs), patience 10 s: Erlang A meets 80 % in 20 s with 82
    /// agents (SL 0.7922 at 81, 0.8010 at 82, by `tests/reference/erlang_a.py`), fewer than the traffic.
    #[test]
    fn short_patience_marks_the_first_row_that_meets_the_target() {
        let mut impatient = args(2000.0, "180");
        impatient.patience = Some("10s".to_string());
        let table = staffing_table(&impatient.query().unwrap()).unwrap();
        assert_eq!(table.required_agents, 82);
        let counts: Vec<u32> = table.rows.iter().map(|row| row.agents).collect();
        assert_eq!(counts, (79..=85).collect::<Vec<_>>());
        let meeting: Vec<bool> = table.rows.iter().map(|row| row.meets_target).collect();
        assert_eq!(meeting, [false, false, false, true, true, true, true]);
        let mut out = Vec::new();
        run(&impatient, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let marked: Vec<&str> = text.lines().filter(|line| line.starts_with('▶')).collect();
        assert!(marked[0].starts_with("▶     82 "), "{text}");
        assert!(marked[1].starts_with("▶ 82 agents"), "{text}");
    }

    #[test]
    fn no_calls_need_no_agents() {
        let table = staffing_table(&args(0.0, "180").query().unwrap()).unwrap();
        assert_eq!((table.required_agents, table.scheduled_agents), (0, 0));
        assert!(table.rows.is_empty());
        let mut out = Vec::new();
        run(&args(0.0, "180"), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("No calls: 0 agents are needed."), "{text}");
        assert!(!text.contains('▶'), "{text}");
    }

    #[test]
    fn bad_input_says_what_to_do() {
        let problem = |change: &dyn Fn(&mut StaffingArgs)| {
            let mut wrong = args(200.0, "180");
            change(&mut wrong);
            wrong.query().unwrap_err().to_string()
        };
        let target_range = "--target must be above 0 and below 1";
        for target in ["0", "0%", "1", "100%", "120%", "-0.5"] {
            let message = problem(&|a| a.target = target.to_string());
            assert!(message.contains(target_range), "{target}: {message}");
        }
        let message = problem(&|a| a.target = "80".to_string());
        assert!(message.contains("write 80% or 0.8"), "{message}");
        assert!(problem(&|a| a.target = "NaN".to_string()).contains("--target must be a fraction"));
        let message = problem(&|a| a.shrinkage = "100%".to_string());
        assert!(
            message.contains("--shrinkage must be at least 0 and below 1"),
            "{message}"
        );
        for aht in ["0", "0s", "-3"] {
            let message = problem(&|a| a.aht = aht.to_string());
            assert!(
                message.contains("--aht must be above 0"),
                "{aht}: {message}"
            );
        }
        assert!(problem(&|a| a.aht = "NaN".to_string()).contains("--aht must be a duration"));
        assert!(problem(&|a| a.aht = "soon".to_string()).starts_with("--aht"));
        let message = problem(&|a| a.threshold = "-1".to_string());
        assert!(
            message.contains("--threshold must be 0 or more"),
            "{message}"
        );
        let message = problem(&|a| a.patience = Some("0".to_string()));
        assert!(message.contains("--patience must be above 0"), "{message}");
        for calls in [f64::NAN, -5.0, f64::INFINITY] {
            let message = problem(&|a| a.calls_per_hour = calls);
            assert!(
                message.contains("--calls-per-hour must be 0 or more"),
                "{message}"
            );
        }
        // 10¹² calls an hour of 180 s: 5·10¹⁰ erlangs, far beyond any center.
        let message = problem(&|a| a.calls_per_hour = 1e12);
        assert!(message.contains("50000000000 erlangs"), "{message}");
    }
}
