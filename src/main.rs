//! The `stance` binary: parses the command line, sets up the thread pools, runs the command,
//! and turns its outcome into an exit status.

mod cli;

use clap::Parser;
use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    stance::device::keep_freed_memory();
    let kernels = std::env::var("STANCE_KERNEL_THREADS").ok();
    let workers =
        stance::device::configure_cpu_threads(cli.threads, cli.cpu_threading(kernels.as_deref()));
    match cli.run(workers) {
        Ok(()) => ExitCode::SUCCESS,
        // `stance score … | head`: the reader went away; nothing is wrong.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) if is_interrupted(&e) => ExitCode::from(130),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let kind = c
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| {
                c.downcast_ref::<stance::Error>()
                    .and_then(stance::Error::io_kind)
            });
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// Ctrl-C stopped the command (its output is kept for `--resume`): exit status 130.
fn is_interrupted(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<stance::Error>(),
            Some(stance::Error::Interrupted)
        )
    })
}
