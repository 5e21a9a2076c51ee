//! The `callboard` binary: parse arguments and hand over to the library.

/// mimalloc: rendering `/metrics` and snapshots allocates and frees many small strings, where it is
/// markedly faster than the system allocator (`benches/exposition.rs` and `benches/pipeline.rs` use it
/// too, so they measure what ships).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    callboard::cli::main()
}
