//! `callboard token new`: a fresh secret, printed once, and the `[[access.tokens]]` block that names it
//! by its SHA-256 (the configuration never holds the secret).

use std::io::Write;

use anyhow::{bail, ensure};

use crate::access::{digest, hex, new_secret, Read};

#[derive(clap::Args, Debug, Clone)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub action: TokenAction,
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum TokenAction {
    /// Make a token: prints its secret once (give it to the client: `Authorization: Bearer SECRET`, or a
    /// TV's display link /board/SECRET/) and the configuration block to add (it holds only the hash).
    New(NewTokenArgs),
}

#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Examples:\n  callboard token new --name floor-tv --tenants acme --reads wallboard >> token.txt\n  \
                  callboard token new --name north-supervisor --tenants acme --teams north --reads api,agents,alerts"
)]
pub struct NewTokenArgs {
    /// What logs call the token (e.g. the TV's place, or the team using it).
    #[arg(long)]
    pub name: String,
    /// Tenants it sees: names or globs, comma-separated.
    #[arg(long, default_value = "*", value_delimiter = ',')]
    pub tenants: Vec<String>,
    /// Only these queues of those tenants: names or globs, comma-separated (default: every queue).
    #[arg(long, value_delimiter = ',')]
    pub queues: Vec<String>,
    /// Only the agents of these teams: names or globs, comma-separated (default: every agent).
    #[arg(long, value_delimiter = ',')]
    pub teams: Vec<String>,
    /// What it may read, comma-separated: wallboard, api, agents, metrics, alerts.
    #[arg(long, default_value = "wallboard", value_delimiter = ',')]
    pub reads: Vec<String>,
}

pub fn run(args: &TokenArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let TokenAction::New(args) = &args.action;
    ensure!(!args.name.trim().is_empty(), "--name must not be empty");
    ensure!(
        !args.name.contains(['"', '\\', '\n']),
        "--name must not hold quotes, backslashes or line breaks"
    );
    for read in &args.reads {
        if Read::parse(read).is_none() {
            let known = Read::ALL.map(Read::as_str).join(", ");
            bail!("--reads: `{read}` is not one of {known}");
        }
    }
    let tenants: Vec<&String> = args.tenants.iter().filter(|t| !t.is_empty()).collect();
    ensure!(
        !tenants.is_empty(),
        "--tenants must name at least one tenant or glob"
    );
    let queues: Vec<&String> = args.queues.iter().filter(|q| !q.is_empty()).collect();
    let teams: Vec<&String> = args.teams.iter().filter(|t| !t.is_empty()).collect();
    for (flag, names) in [
        ("--tenants", &tenants),
        ("--queues", &queues),
        ("--teams", &teams),
    ] {
        ensure!(
            names.iter().all(|name| !name.contains(['"', '\\'])),
            "{flag} must not hold quotes or backslashes"
        );
    }
    let secret = new_secret();
    let quoted = |items: &[&String]| {
        let items: Vec<String> = items.iter().map(|item| format!("\"{item}\"")).collect();
        items.join(", ")
    };
    let reads: Vec<&String> = args.reads.iter().collect();
    writeln!(
        out,
        "# The secret, shown this once (callboard keeps only its hash):"
    )?;
    writeln!(out, "# {secret}")?;
    writeln!(out, "[[access.tokens]]")?;
    writeln!(out, "name = \"{}\"", args.name)?;
    writeln!(out, "sha256 = \"{}\"", hex(&digest(&secret)))?;
    writeln!(out, "tenants = [{}]", quoted(&tenants))?;
    if !queues.is_empty() {
        writeln!(out, "queues = [{}]", quoted(&queues))?;
    }
    if !teams.is_empty() {
        writeln!(out, "teams = [{}]", quoted(&teams))?;
    }
    writeln!(out, "reads = [{}]", quoted(&reads))?;
    Ok(())
}
