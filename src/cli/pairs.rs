//! `stance pairs`.

use super::args::ArticleArgs;
use super::progress::finish_reading;
use anyhow::{Context, Result};
use clap::Args;
use stance::commands::pairs::{pairs, PairsConfig};
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct PairsArgs {
    #[command(flatten)]
    pub(crate) articles: ArticleArgs,
    /// Output file (JSONL, written atomically); default, or -: standard output.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

pub(crate) fn run_pairs(a: PairsArgs) -> Result<()> {
    let gaz = a.articles.actors.load()?;
    let (inputs, fields) = a.articles.source();
    let cfg = PairsConfig {
        inputs,
        fields,
        output: a.output,
    };
    let stats = pairs(&gaz, &cfg, &mut std::io::stdout().lock()).context("writing pairs")?;
    let written = cfg
        .output
        .as_ref()
        .map_or(String::new(), |p| format!(" written to {}", p.display()));
    let found = format!("{} (sentence, actor) pairs{written}", stats.pairs);
    finish_reading(&stats.problems, stats.documents, stats.sentences, &found)
}
