//! The `stance` binary: parses the command line, sets up the thread pools, runs the command,
//! and turns its outcome into an exit status.

mod cli;

use clap::Parser;
use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    if matches!(cli.command, cli::Command::Train(_)) {
        keep_freed_memory();
    }
    let kernels = std::env::var("STANCE_KERNEL_THREADS").ok();
    stance::device::configure_cpu_threads(cli.threads, cli.cpu_threading(kernels.as_deref()));
    match cli.run() {
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

/// mimalloc's option index of the purge delay (`mi_option_purge_delay` in `mimalloc.h`, the
/// same in its v2 and v3; the Rust bindings do not name it). A test checks it against the default.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// A training step frees and allocates again the same large buffers (gradients and activations,
/// hundreds of MB for a base-size encoder) more than a second apart, so by default mimalloc hands
/// them back to the operating system between steps and the kernel zeroes fresh pages for the next
/// one (18% of an MPNet step's CPU time, `BENCHMARKS.md`). Training keeps freed memory instead
/// (measured: MPNet training 1.2× as fast, peak RSS 5% higher). A `MIMALLOC_PURGE_DELAY` set by
/// the user wins.
fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets an integer option of the allocator this binary links; mimalloc reads it
        // at its next purge decision and it is safe to change at any time.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
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
        kind == Some(std::io::ErrorKind::BrokenPipe) || c.to_string().contains("Broken pipe")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_index_names_the_purge_delay() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            eprintln!("skipped: MIMALLOC_PURGE_DELAY is set, so the default cannot be read");
            return;
        }
        // SAFETY: reads an integer option of the linked allocator.
        let before = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        // mimalloc's documented default purge delay (milliseconds); no neighbouring option has it.
        assert_eq!(before, 1000);
        keep_freed_memory();
        // SAFETY: as above.
        let after = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(after, -1);
    }
}
