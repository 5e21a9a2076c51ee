//! Command line: raw arguments → validated options in one place, then one call into the library per command.

use std::process::ExitCode;

pub fn main() -> ExitCode {
    ExitCode::SUCCESS
}
