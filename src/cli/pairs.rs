//! `stance pairs`.

use super::args::GazetteerArgs;
use super::progress::summary;
use anyhow::{Context, Result};
use clap::Args;
use stance::commands::pairs::{pairs, PairsConfig};
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct PairsArgs {
    /// Articles, as for `score`: plain-text files, folders of them, JSONL archives, or -.
    #[arg(required = true, value_name = "INPUT")]
    pub(crate) inputs: Vec<String>,
    #[command(flatten)]
    pub(crate) fields: super::args::FieldArgs,
    #[command(flatten)]
    pub(crate) actors: GazetteerArgs,
    /// Output file (JSONL, written atomically); default: standard output.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

pub(crate) fn run_pairs(a: PairsArgs) -> Result<()> {
    let gaz = a.actors.load()?;
    let cfg = PairsConfig {
        inputs: a.inputs,
        fields: a.fields.fields(),
        output: a.output,
    };
    let stats = pairs(&gaz, &cfg, &mut std::io::stdout().lock()).context("writing pairs")?;
    super::progress::report_problems(&stats.problems);
    summary(&format!(
        "{} documents, {} sentences, {} (sentence, actor) pairs{}",
        stats.documents,
        stats.sentences,
        stats.pairs,
        cfg.output
            .as_ref()
            .map_or(String::new(), |p| format!(" written to {}", p.display()))
    ));
    super::progress::ensure_inputs_read(&stats.problems)
}
