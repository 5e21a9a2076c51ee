//! Durations in configuration: `500ms`, `20s`, `15m`, `1h`, `2d`. A bare number is refused, because
//! "20" could mean seconds or milliseconds and a wrong guess silently corrupts a threshold.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::event::Millis;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration(pub Millis);

impl Duration {
    pub fn parse(text: &str) -> Result<Duration, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let value: f64 = number
            .parse()
            .map_err(|_| format!("`{text}` is not a duration: write e.g. 500ms, 20s, 15m, 1h"))?;
        let scale = match unit.trim() {
            "ms" => 1.0,
            "s" => 1_000.0,
            "m" => 60_000.0,
            "h" => 3_600_000.0,
            "d" => 86_400_000.0,
            "" => {
                return Err(format!(
                    "`{text}` has no unit: write e.g. {text}s or {text}m"
                ))
            }
            other => {
                return Err(format!(
                    "unknown unit `{other}` in `{text}`: use ms, s, m, h or d"
                ))
            }
        };
        let millis = value * scale;
        if !millis.is_finite() || millis > 1e15 {
            return Err(format!("`{text}` is too long"));
        }
        Ok(Duration(millis.round() as Millis))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        match ms {
            _ if ms % 3_600_000 == 0 && ms > 0 => write!(formatter, "{}h", ms / 3_600_000),
            _ if ms % 60_000 == 0 && ms > 0 => write!(formatter, "{}m", ms / 60_000),
            _ if ms % 1_000 == 0 => write!(formatter, "{}s", ms / 1_000),
            _ => write!(formatter, "{ms}ms"),
        }
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl Visitor<'_> for DurationVisitor {
            type Value = Duration;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a duration string such as \"20s\", \"15m\" or \"1h\"")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
                Duration::parse(text).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Duration, E> {
                Err(E::custom(format!(
                    "a bare number ({value}) is ambiguous: write \"{value}s\" or \"{value}ms\""
                )))
            }
        }
        deserializer.deserialize_any(DurationVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(Duration::parse("500ms"), Ok(Duration(500)));
        assert_eq!(Duration::parse("20s"), Ok(Duration(20_000)));
        assert_eq!(Duration::parse("1.5m"), Ok(Duration(90_000)));
        assert_eq!(Duration::parse("4h"), Ok(Duration(14_400_000)));
        assert!(Duration::parse("20").unwrap_err().contains("no unit"));
        assert!(Duration::parse("20 parsecs").is_err());
        assert!(Duration::parse("-5s").is_err());
        assert_eq!(Duration(900_000).to_string(), "15m");
    }
}
