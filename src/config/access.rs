//! `[access]`: who may read what over HTTP (`crate::access`). Tokens are configured by the SHA-256 of
//! their secret (`callboard token new` prints a secret once, with its block).

use serde::Deserialize;

use crate::access::{parse_sha256, Access, Read, Token};
use crate::alert::rule::Glob;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AccessConfig {
    /// Serve without tokens on any address, deliberately. Without tokens and without this, callboard
    /// serves only on a loopback address.
    pub open: bool,
    pub tokens: Vec<TokenConfig>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TokenConfig {
    pub name: String,
    /// SHA-256 of the secret, 64 hex digits.
    pub sha256: String,
    /// Tenants it sees (globs); default every one.
    pub tenants: Option<Vec<String>>,
    /// Queues it sees in those tenants (globs); default every one.
    pub queues: Vec<String>,
    /// Agent teams it sees (globs); default every agent.
    pub teams: Vec<String>,
    /// What it may read: wallboard, api, agents, metrics, alerts.
    pub reads: Vec<String>,
}

impl AccessConfig {
    /// The rules in force, or (field, problem) for the first token that is wrong.
    pub fn access(&self) -> Result<Access, (String, String)> {
        let mut tokens = Vec::new();
        for (index, token) in self.tokens.iter().enumerate() {
            let field = |name: &str| format!("access.tokens[{index}].{name}");
            if token.name.trim().is_empty() {
                return Err((
                    field("name"),
                    "give the token a name (it is what logs show)".into(),
                ));
            }
            let sha256 = parse_sha256(&token.sha256.to_ascii_lowercase()).ok_or_else(|| {
                (
                    field("sha256"),
                    "must be the 64 hex digits `callboard token new` prints, not the secret".into(),
                )
            })?;
            if tokens.iter().any(|other: &Token| other.sha256 == sha256) {
                return Err((field("sha256"), "two tokens have the same secret".into()));
            }
            let mut reads = Vec::new();
            for read in &token.reads {
                let known = Read::ALL.map(Read::as_str).join(", ");
                let read = Read::parse(read)
                    .ok_or_else(|| (field("reads"), format!("`{read}` is not one of {known}")))?;
                reads.push(read);
            }
            if reads.is_empty() {
                return Err((field("reads"), "name what it may read".into()));
            }
            let tenants = token.tenants.clone().unwrap_or_else(|| vec!["*".into()]);
            if tenants.is_empty() || tenants.iter().any(|glob| glob.is_empty()) {
                return Err((field("tenants"), "give tenant names or globs".into()));
            }
            for (name, globs) in [("queues", &token.queues), ("teams", &token.teams)] {
                if globs.iter().any(|glob| glob.trim().is_empty()) {
                    return Err((
                        field(name),
                        "an empty name matches nothing; leave the list out to see every one".into(),
                    ));
                }
            }
            let globs = |names: &[String]| names.iter().cloned().map(Glob).collect();
            tokens.push(Token {
                name: token.name.clone(),
                sha256,
                tenants: tenants.into_iter().map(Glob).collect(),
                queues: globs(&token.queues),
                teams: globs(&token.teams),
                reads,
            });
        }
        Ok(Access {
            open: self.open,
            tokens,
        })
    }
}
