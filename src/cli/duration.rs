//! Durations on the command line: every flag that takes one reads the configuration's syntax
//! (`config::Duration`: `500ms`, `20s`, `15m`, `1h`, `2d`), so a value can be copied between the config
//! file and a command. Flags that took bare seconds before they took units (staffing's `--aht`,
//! `--threshold`, `--patience`; simulate's `--patience`, `--disorder`) still do: there a bare number has
//! only ever meant seconds. The others (`--lateness`, `--interval`) refuse a bare number, as the
//! configuration does, because nobody has passed one.

use crate::config::Duration;
use crate::event::Millis;

/// The configuration's syntax, in milliseconds; a bare number is refused as ambiguous.
pub fn millis(text: &str) -> Result<Millis, String> {
    Duration::parse(text).map(|duration| duration.0)
}

/// The configuration's syntax or bare seconds (`240`, `1.5`), in seconds. The sign and finiteness of a
/// bare number are left to the caller, so its refusal can name the flag and its range.
pub fn seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(bare) => Ok(bare),
        Err(_) => millis(text).map(|ms| ms as f64 / 1000.0),
    }
}

/// For clap: [`seconds`], finite and 0 or more.
pub fn non_negative_seconds(text: &str) -> Result<f64, String> {
    let value = seconds(text)?;
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(format!(
            "`{text}` is not a duration of 0 or more: write e.g. 90s, 2m or bare seconds (120)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_as_in_the_configuration() {
        assert_eq!(millis("500ms"), Ok(500));
        assert_eq!(millis("15m"), Ok(900_000));
        assert_eq!(millis("0.5h"), Ok(1_800_000));
        assert!(millis("10").unwrap_err().contains("no unit"));
        assert!(millis("soon").unwrap_err().contains("not a duration"));
    }

    #[test]
    fn bare_numbers_are_seconds_where_flags_took_them() {
        assert_eq!(seconds("240"), Ok(240.0));
        assert_eq!(seconds("1.5"), Ok(1.5));
        assert_eq!(seconds("4m"), Ok(240.0));
        assert_eq!(seconds("250ms"), Ok(0.25));
        assert_eq!(seconds("-3"), Ok(-3.0));
        assert!(seconds("4 parsecs").is_err());
        assert_eq!(non_negative_seconds("0"), Ok(0.0));
        assert_eq!(non_negative_seconds("2m"), Ok(120.0));
        assert!(non_negative_seconds("-1").is_err());
        assert!(non_negative_seconds("NaN").is_err());
        assert!(non_negative_seconds("inf").is_err());
    }
}
