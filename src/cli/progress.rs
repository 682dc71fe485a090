//! Progress bars, Ctrl-C, and the report of skipped records: written once for every command.
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// `--quiet`: no progress bars and no summary lines (errors and skipped records still show).
/// Set once, from the parsed flags, before any command runs.
static QUIET: AtomicBool = AtomicBool::new(false);

pub(crate) fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether progress bars are drawn: not with `--quiet`, and only on a terminal.
pub(crate) fn shown() -> bool {
    !QUIET.load(Ordering::Relaxed) && std::io::IsTerminal::is_terminal(&std::io::stderr())
}

/// Prints a command's closing summary line on standard error, unless `--quiet`.
pub(crate) fn summary(line: &str) {
    if !QUIET.load(Ordering::Relaxed) {
        eprintln!("{line}");
    }
}

/// A spinner (or, with `len`, a bar with ETA) counting `unit`s with a rounded rate; hidden
/// with `--quiet`.
pub(crate) fn counter(len: Option<u64>, what: &str, unit: &str, extra: &str) -> ProgressBar {
    if QUIET.load(Ordering::Relaxed) {
        return ProgressBar::hidden();
    }
    let (pb, template) = match len {
        Some(n) => (
            ProgressBar::new(n),
            format!("{{spinner}} {what} [{{elapsed_precise}}] {{bar:30}} {{pos}}/{{len}} {unit} ({{rate}}, ETA {{eta}}) {extra}"),
        ),
        None => (
            ProgressBar::new_spinner(),
            format!("{{spinner}} {what} [{{elapsed_precise}}] {{pos}} {unit} ({{rate}}) {extra}"),
        ),
    };
    pb.set_style(
        ProgressStyle::with_template(&template)
            .map(|s| {
                s.with_key(
                    "rate",
                    |st: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.1}/s", st.per_sec());
                    },
                )
            })
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb
}

pub(crate) fn progress_bar(_len: u64, what: &str) -> ProgressBar {
    // The number of pairs is known only inside the library: count up with a rate.
    counter(None, what, "pairs", "")
}

pub(crate) fn report_skips(path: &std::path::Path, skipped: &[stance::io::Skip]) {
    if skipped.is_empty() {
        return;
    }
    eprintln!(
        "skipped {} bad record(s) in {}:",
        skipped.len(),
        path.display()
    );
    for s in skipped.iter().take(20) {
        eprintln!(
            "  {}:{}: field `{}`: {}",
            path.display(),
            s.line,
            s.field,
            s.message
        );
    }
    if skipped.len() > 20 {
        eprintln!("  … and {} more", skipped.len() - 20);
    }
}

/// A flag set by Ctrl-C (after printing `message`), which long commands poll to stop cleanly.
pub(crate) fn stop_on_ctrl_c(message: &'static str) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let _ = ctrlc::set_handler(move || {
        eprintln!("{message}");
        flag.store(true, Ordering::SeqCst);
    });
    stop
}

/// Fails when a problem left part of an input unread (a read error partway, e.g. a truncated
/// compressed archive): the records after it are neither in the output nor counted as skips, so
/// the run must not exit 0.
pub(crate) fn ensure_inputs_read(problems: &[stance::io::articles::Problem]) -> anyhow::Result<()> {
    anyhow::ensure!(
        !stance::io::articles::Problem::any_unread(problems),
        "an input could not be read to its end (see the problems above): the output lacks its later records"
    );
    Ok(())
}

/// Prints the first 30 problems of an input pass (file and line, skipped or warning) and how many
/// more there were.
pub(crate) fn report_problems(problems: &[stance::io::articles::Problem]) {
    for p in problems.iter().take(30) {
        let at = p
            .line
            .map_or(p.source.clone(), |l| format!("{}:{l}", p.source));
        let what = if p.skipped { "skipped" } else { "warning" };
        eprintln!("{what}: {at}: {}", p.message);
    }
    if problems.len() > 30 {
        eprintln!("… and {} more problems", problems.len() - 30);
    }
}

/// The end of a run that reads articles: its problems, a summary line
/// (`N documents, M sentences, FOUND`), and failure if an input was left partly unread.
pub(crate) fn finish_reading(
    problems: &[stance::io::articles::Problem],
    documents: usize,
    sentences: usize,
    found: &str,
) -> anyhow::Result<()> {
    report_problems(problems);
    summary(&format!(
        "{documents} documents, {sentences} sentences, {found}"
    ));
    ensure_inputs_read(problems)
}
