//! `stance report`.

use super::progress::summary;
use anyhow::{Context, Result};
use clap::Args;
use stance::commands::report::{report, ReportConfig};
use stance::report::dates::Period;
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct ReportArgs {
    /// `stance score` output files (JSONL, or CSV from `--format csv`).
    #[arg(required = true, value_name = "SCORES")]
    pub(crate) inputs: Vec<PathBuf>,
    /// The HTML report to write (self-contained: opens offline).
    #[arg(short, long, visible_alias = "out", value_name = "FILE")]
    pub(crate) output: PathBuf,
    /// Also write the aggregates as CSV tables into this folder.
    #[arg(long, value_name = "DIR")]
    pub(crate) tables: Option<PathBuf>,
    /// Period of the over-time section [default: from the archive's date span: day under two
    /// months, week under two years, month beyond].
    #[arg(long, value_enum, ignore_case = true)]
    pub(crate) by: Option<Period>,
    /// Field(s) of the articles holding their date (ISO 8601), tried in order.
    #[arg(long = "date-field", value_name = "FIELD", default_values = ["date", "published"])]
    pub(crate) date_fields: Vec<String>,
    /// Field that groups articles (e.g. outlet or source) for the by-group section.
    #[arg(long, value_name = "FIELD")]
    pub(crate) group_by: Option<String>,
    /// Only these actors in the per-actor sections (comma-separated canonical names).
    #[arg(long, value_delimiter = ',', value_name = "A,B,…")]
    pub(crate) actors: Option<Vec<String>>,
    /// Actors in the per-actor sections (most sentences first).
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub(crate) top: usize,
    /// The model that scored the input (folder or shipped name), named with its dev scores.
    #[arg(long, value_name = "DIR|NAME")]
    pub(crate) model: Option<String>,
    /// Count and skip lines that are not score records instead of failing (each is reported).
    #[arg(long)]
    pub(crate) skip_bad: bool,
}

pub(crate) fn run_report(a: ReportArgs) -> Result<()> {
    let cfg = ReportConfig {
        inputs: a.inputs,
        out: a.output,
        tables: a.tables,
        by: a.by,
        date_fields: a.date_fields,
        group_by: a.group_by,
        actors: a.actors,
        top: a.top,
        model: a.model,
        skip_bad: a.skip_bad,
    };
    let s = report(&cfg).with_context(|| format!("no report written to {}", cfg.out.display()))?;
    for k in &s.first_skipped {
        eprintln!("skipped: {}:{}: {}", k.source, k.line, k.message);
    }
    if s.models.len() > 1 {
        // Also on the page; said here too, since counting two models' calls of one archive
        // would count its documents twice.
        eprintln!(
            "warning: the lines were scored by {} different models ({}); the report counts them together",
            s.models.len(),
            s.models
                .iter()
                .map(|(m, n)| format!("{m}: {n} lines"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    summary(&format!(
        "{} sentence lines, {} documents, {} actors; {} lines skipped, {} actor entries with invalid scores left out; {} documents without a date, {} with an unparsed date; report written to {}",
        s.lines, s.documents, s.actors, s.skipped, s.actors_invalid, s.dates_missing, s.dates_unparsed, cfg.out.display()
    ));
    Ok(())
}
