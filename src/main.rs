//! The `callboard` binary: parse arguments and hand over to the library.

fn main() -> std::process::ExitCode {
    callboard::cli::main()
}
