//! Who may read what over HTTP: tokens, each scoped to tenants, optionally narrowed to queues and agent
//! teams (all globs), and to kinds of reading. A token is
//! kept as the SHA-256 of its secret, never the secret; a presented secret is hashed and compared with
//! every token's hash in constant time, so neither the answer's content nor its timing tells how close a
//! guess came. Pure: the HTTP layer asks, this answers.

use sha2::{Digest, Sha256};

use crate::alert::rule::Glob;

/// What a token may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Read {
    /// The board page, its stream, and what the page fetches (alerts, intervals, callbacks of a view).
    Wallboard,
    /// The JSON API and the stream.
    Api,
    /// Per-agent data: without it, agents are left out of what the token reads.
    Agents,
    /// `/metrics`.
    Metrics,
    /// `/api/v1/alerts`.
    Alerts,
}

impl Read {
    pub const ALL: [Read; 5] = [
        Read::Wallboard,
        Read::Api,
        Read::Agents,
        Read::Metrics,
        Read::Alerts,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Read::Wallboard => "wallboard",
            Read::Api => "api",
            Read::Agents => "agents",
            Read::Metrics => "metrics",
            Read::Alerts => "alerts",
        }
    }

    pub fn parse(text: &str) -> Option<Read> {
        Read::ALL.into_iter().find(|read| read.as_str() == text)
    }
}

/// One token: its name (for logs), the hash of its secret, and its scope.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub name: String,
    pub sha256: [u8; 32],
    pub tenants: Vec<Glob>,
    /// The queues it sees in those tenants; empty: every queue.
    pub queues: Vec<Glob>,
    /// The agent teams it sees; empty: every agent. Agents with no team are outside any team scope.
    pub teams: Vec<Glob>,
    pub reads: Vec<Read>,
}

impl Token {
    pub fn may(&self, read: Read) -> bool {
        self.reads.contains(&read)
    }

    pub fn sees_tenant(&self, tenant: &str) -> bool {
        self.tenants.iter().any(|glob| glob.matches(tenant))
    }

    pub fn sees_queue(&self, queue: &str) -> bool {
        self.queues.is_empty() || self.queues.iter().any(|glob| glob.matches(queue))
    }

    pub fn sees_team(&self, team: Option<&str>) -> bool {
        self.teams.is_empty()
            || team.is_some_and(|team| self.teams.iter().any(|glob| glob.matches(team)))
    }

    /// Whether it sees only part of a tenant (some queues or teams): then the tenant's floor-wide figures
    /// (campaigns) are not its to read.
    pub fn narrowed(&self) -> bool {
        !self.queues.is_empty() || !self.teams.is_empty()
    }

    /// Whether the token sees every tenant (its globs include `*`).
    pub fn sees_every_tenant(&self) -> bool {
        self.tenants.iter().any(|glob| glob.0 == "*")
    }
}

/// The access rules in force.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Access {
    /// Deliberately open on any address (no tokens asked).
    pub open: bool,
    pub tokens: Vec<Token>,
}

impl Access {
    /// Whether requests must carry a token: some are configured and the service is not declared open.
    pub fn enforced(&self) -> bool {
        !self.open && !self.tokens.is_empty()
    }

    /// The token whose secret this is. Every token is compared, each in constant time.
    pub fn token(&self, secret: &str) -> Option<&Token> {
        let presented = digest(secret);
        let mut found = None;
        for token in &self.tokens {
            if constant_time_eq(&presented, &token.sha256) {
                found = Some(token);
            }
        }
        found
    }
}

/// SHA-256 of a secret.
pub fn digest(secret: &str) -> [u8; 32] {
    digest_bytes(secret.as_bytes())
}

pub fn digest_bytes(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// 64 hex digits → 32 bytes.
pub fn parse_sha256(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (index, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[index * 2..index * 2 + 2], 16).ok()?;
    }
    Some(bytes)
}

/// A fresh secret: 32 random bytes from the operating system, as 64 hex digits.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(name: &str, secret: &str, tenants: &[&str], reads: &[Read]) -> Token {
        Token {
            name: name.to_string(),
            sha256: digest(secret),
            tenants: tenants.iter().map(|glob| Glob(glob.to_string())).collect(),
            queues: Vec::new(),
            teams: Vec::new(),
            reads: reads.to_vec(),
        }
    }

    #[test]
    fn the_digest_is_sha_256() {
        // The published SHA-256 of "abc" (FIPS 180-2, appendix B.1).
        assert_eq!(
            hex(&digest("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(parse_sha256(&hex(&digest("abc"))), Some(digest("abc")));
        for bad in ["", "abc", &"g".repeat(64), &"é".repeat(32)] {
            assert_eq!(parse_sha256(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_secret_finds_its_token_and_nothing_else_does() {
        let access = Access {
            open: false,
            tokens: vec![
                token("tv", "s1", &["acme"], &[Read::Wallboard]),
                token("ops", "s2", &["*"], &[Read::Metrics, Read::Api]),
            ],
        };
        assert!(access.enforced());
        assert_eq!(access.token("s1").map(|t| t.name.as_str()), Some("tv"));
        assert_eq!(access.token("s2").map(|t| t.name.as_str()), Some("ops"));
        for wrong in ["", "s3", "s1 ", "S1"] {
            assert!(access.token(wrong).is_none(), "{wrong}");
        }
        let tv = access.token("s1").unwrap();
        assert!(tv.sees_tenant("acme") && !tv.sees_tenant("globex") && !tv.sees_every_tenant());
        assert!(tv.may(Read::Wallboard) && !tv.may(Read::Agents));
        let open = Access {
            open: true,
            ..access
        };
        assert!(!open.enforced());
    }

    #[test]
    fn queue_and_team_globs_narrow_a_token_and_none_means_every_one() {
        let mut supervisor = token("north", "s", &["acme"], &[Read::Api]);
        assert!(!supervisor.narrowed());
        assert!(supervisor.sees_queue("billing") && supervisor.sees_team(None));
        supervisor.queues = vec![Glob("billing*".into())];
        supervisor.teams = vec![Glob("north".into()), Glob("east-?".into())];
        assert!(supervisor.narrowed());
        assert!(supervisor.sees_queue("billing") && supervisor.sees_queue("billing-vip"));
        assert!(!supervisor.sees_queue("sales"));
        assert!(supervisor.sees_team(Some("north")) && supervisor.sees_team(Some("east-1")));
        assert!(!supervisor.sees_team(Some("south")) && !supervisor.sees_team(Some("east-12")));
        assert!(!supervisor.sees_team(None));
    }

    #[test]
    fn new_secrets_are_64_hex_digits_and_differ() {
        let (a, b) = (new_secret(), new_secret());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|byte| byte.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
