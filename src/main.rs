//! The `stance` binary: parses the command line, sets up the thread pools, runs the command,
//! and turns its outcome into an exit status.

mod cli;

use clap::Parser;
use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let kernels = std::env::var("STANCE_KERNEL_THREADS").ok();
    stance::device::configure_cpu_threads(cli.threads, cli.cpu_threading(kernels.as_deref()));
    match cli.run() {
        Ok(()) => ExitCode::SUCCESS,
        // `stance score … | head`: the reader went away; nothing is wrong.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) if is_interrupted(&e) => ExitCode::from(130),
        Err(e) => {
            eprintln!("error: {}", render(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, `: `-separated, leaving out a cause whose text the previous one
/// already ends with (a library error that names its file prints its I/O cause too).
fn render(e: &anyhow::Error) -> String {
    let mut out = String::new();
    let mut previous = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !previous.is_empty() && previous.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
        previous = text;
    }
    out
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.to_string().contains("Broken pipe")
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
