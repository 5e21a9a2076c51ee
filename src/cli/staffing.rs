//! `callboard staffing`: flags → a validated [`StaffingQuery`] (refusals name the flag and exit 64), then
//! the pure table of `staffing` printed as text or JSON.

use std::io::Write;

use anyhow::{bail, ensure};

use super::duration;
use crate::kpi::erlang::MAX_TRAFFIC_ERLANGS;
use crate::staffing::{staffing_table, StaffingQuery, StaffingTable};

#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Durations take the configuration's syntax (20s, 4m, 1h) or bare seconds (240).\n\n\
Example: callboard staffing --calls-per-hour 200 --aht 3m --threshold 20s --target 80% --shrinkage 30%"
)]
pub struct StaffingArgs {
    /// Calls arriving per hour in the interval you plan for.
    #[arg(long, value_name = "CALLS", allow_negative_numbers = true)]
    pub calls_per_hour: f64,
    /// Average handle time (talk + hold + wrap-up): a duration like 4m or 240s, or bare seconds (240).
    #[arg(long, value_name = "DURATION", allow_negative_numbers = true)]
    pub aht: String,
    /// Service-level threshold: a call answered within it counts as answered in time (a duration or
    /// bare seconds; 0 allowed).
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
    /// Mean caller patience (a duration like 2m, or bare seconds): with it, Erlang A predicts
    /// abandonment; without, Erlang C assumes nobody hangs up.
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
    /// What an agent's paid hour costs (in your currency): each row then shows what its staffing
    /// costs per hour, counting the headcount to schedule after shrinkage.
    #[arg(long, value_name = "MONEY", allow_negative_numbers = true)]
    pub cost_per_hour: Option<f64>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// A duration flag in seconds; above 0, or 0 too with `zero_allowed`.
fn seconds(text: &str, flag: &str, zero_allowed: bool) -> anyhow::Result<f64> {
    let seconds =
        duration::seconds(text).map_err(|problem| anyhow::anyhow!("{flag}: {problem}"))?;
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
        if let Some(cost) = self.cost_per_hour {
            ensure!(
                cost.is_finite() && cost >= 0.0,
                "--cost-per-hour must be 0 or more, got {cost}"
            );
        }
        Ok(StaffingQuery {
            cost_per_hour: self.cost_per_hour,
            calls_per_hour: self.calls_per_hour,
            aht_seconds,
            threshold_seconds: seconds(&self.threshold, "--threshold", true)?,
            target: target(&self.target)?,
            patience_seconds,
            shrinkage: shrinkage(&self.shrinkage)?,
        })
    }
}

/// `callboard staffing`: the table, or its JSON with `--json`.
pub fn run(args: &StaffingArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let table = staffing_table(&args.query()?)?;
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &table)?;
        writeln!(out)?;
        return Ok(());
    }
    write_text(&table, out)
}

/// The table as a manager reads it: the answer's row marked ▶, then the headcount to schedule.
fn write_text(table: &StaffingTable, out: &mut dyn Write) -> anyhow::Result<()> {
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
    write!(out, "{}", if with_abandonment { "  abandoned" } else { "" })?;
    writeln!(
        out,
        "{}",
        if query.cost_per_hour.is_some() {
            "   cost/hour"
        } else {
            ""
        }
    )?;
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
        if let Some(abandonment) = row.abandonment {
            write!(out, "  {:8.1}%", abandonment * 100.0)?;
        }
        match row.cost_per_hour {
            Some(cost) => writeln!(out, "  {cost:10.2}")?,
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
    if let Some(cost) = table.scheduled_cost_per_hour {
        writeln!(
            out,
            "  They cost {cost:.2} per hour ({} scheduled × {:.2}).",
            table.scheduled_agents,
            query.cost_per_hour.unwrap_or_default()
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
            cost_per_hour: None,
            json: false,
        }
    }

    fn printed(args: &StaffingArgs) -> String {
        let mut out = Vec::new();
        run(args, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn durations_take_units_or_bare_seconds() {
        for (aht, threshold, patience) in [
            ("180", "20", "300"),
            ("3m", "20s", "5m"),
            ("180s", "20000ms", "300000ms"),
        ] {
            let mut worked = args(200.0, aht);
            worked.threshold = threshold.to_string();
            worked.patience = Some(patience.to_string());
            let query = worked.query().unwrap();
            assert_eq!(query.aht_seconds, 180.0, "{aht}");
            assert_eq!(query.threshold_seconds, 20.0, "{threshold}");
            assert_eq!(query.patience_seconds, Some(300.0), "{patience}");
        }
    }

    #[test]
    fn json_carries_the_answer() {
        let mut worked = args(200.0, "180");
        worked.json = true;
        worked.patience = Some("5m".to_string());
        let value: serde_json::Value = serde_json::from_str(&printed(&worked)).unwrap();
        assert_eq!(value["required_agents"], 13);
        assert_eq!(value["model"], "erlang_a");
        assert!(value["rows"][0]["abandonment"].is_number());
    }

    /// 2,000 calls/hour, AHT 180 s, patience 10 s: 82 agents (`tests/reference/erlang_a.py`), marked
    /// on its row and in the closing line.
    #[test]
    fn the_answer_is_marked_twice() {
        let mut impatient = args(2000.0, "180");
        impatient.patience = Some("10s".to_string());
        let text = printed(&impatient);
        let marked: Vec<&str> = text.lines().filter(|line| line.starts_with('▶')).collect();
        assert!(marked[0].starts_with("▶     82 "), "{text}");
        assert!(marked[1].starts_with("▶ 82 agents"), "{text}");
    }

    #[test]
    fn no_calls_print_no_table() {
        let text = printed(&args(0.0, "180"));
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
