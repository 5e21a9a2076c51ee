//! Environment overrides: `CALLBOARD_KAFKA__BROKERS=host:9092` sets `kafka.brokers`. Values are read as
//! TOML where they parse (numbers, booleans, arrays), else taken as strings. The environment is passed
//! in, so tests never touch the process's.

use super::ConfigError;

const PREFIX: &str = "CALLBOARD_";

pub fn apply(
    table: &mut toml::Table,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<(), ConfigError> {
    let mut overrides: Vec<(String, String)> = env
        .into_iter()
        .filter(|(key, _)| key.starts_with(PREFIX))
        .collect();
    overrides.sort();
    for (variable, raw) in overrides {
        let path: Vec<String> = variable[PREFIX.len()..]
            .split("__")
            .map(str::to_lowercase)
            .collect();
        if path.iter().any(String::is_empty) {
            return Err(ConfigError::Environment {
                variable,
                problem: "empty section name (use __ between sections)".into(),
            });
        }
        let value = match format!("value = {raw}").parse::<toml::Table>() {
            Ok(mut parsed) => parsed
                .remove("value")
                .unwrap_or(toml::Value::String(raw.clone())),
            Err(_) => toml::Value::String(raw.clone()),
        };
        let mut node = &mut *table;
        for section in &path[..path.len() - 1] {
            let entry = node
                .entry(section.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            node = match entry {
                toml::Value::Table(inner) => inner,
                _ => {
                    return Err(ConfigError::Environment {
                        variable,
                        problem: format!("`{section}` is a value in the file, not a section"),
                    })
                }
            };
        }
        node.insert(path[path.len() - 1].clone(), value);
    }
    Ok(())
}
