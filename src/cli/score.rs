//! `stance score`.
use super::args::{ArticleArgs, BatchArgs, MentionArgs, ModelArgs};
use super::progress::{counter, report_problems, stop_on_ctrl_c, summary};
use anyhow::{Context, Result};
use clap::Args;
use indicatif::ProgressBar;
use stance::commands;
use stance::commands::score::ScoreConfig;
use stance::commands::ModelChoice;
use stance::infer::InferOptions;
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct ScoreArgs {
    #[command(flatten)]
    pub(crate) articles: ArticleArgs,
    #[command(flatten)]
    pub(crate) model: ModelArgs,
    #[command(flatten)]
    pub(crate) mentions: MentionArgs,
    /// Output file (written as FILE.partial, renamed when complete); default, or -: standard output.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Output format: one JSON object per sentence, or a flat CSV row per sentence and actor.
    #[arg(long, value_enum, ignore_case = true, default_value = "jsonl")]
    pub(crate) format: commands::score::Format,
    /// With --format csv: these document fields (e.g. date,outlet) also as columns of their own
    /// (every field is always in the `fields` column, as JSON).
    #[arg(long, value_delimiter = ',', value_name = "FIELD,…")]
    pub(crate) field_columns: Vec<String>,
    /// Also write a per-document, per-actor summary (label counts, mean P(supportive) − P(critical)) as JSONL.
    #[arg(long, value_name = "FILE")]
    pub(crate) summary: Option<PathBuf>,
    /// Continue an interrupted run: documents already in --output are skipped.
    #[arg(long, requires = "output")]
    pub(crate) resume: bool,
    /// Documents per chunk (the unit of streaming; memory grows with it).
    #[arg(long, default_value_t = 64, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1000000))]
    pub(crate) chunk_docs: usize,
    /// When the model fails on a chunk, count its pairs as failed and go on (the run still
    /// exits non-zero, with the count). Without it, the run stops at the failure, keeping the
    /// partial output for --resume.
    #[arg(long)]
    pub(crate) keep_going: bool,
    /// Also print the run's counts as one JSON line on standard error (`{"stance_stats": …}`),
    /// for programs that run stance (the Spark job reads it).
    #[arg(long)]
    pub(crate) stats_json: bool,
    /// Score only shard I of N (`0/4` … `3/4`): the documents whose id hashes to I, so that N
    /// independent processes or machines cover an archive exactly once.
    #[arg(long, value_name = "I/N")]
    pub(crate) shard: Option<stance::io::articles::Shard>,
    /// Score documents detected as not English too. The models read English only: by default
    /// such documents (judged on at least 100 letters) are reported, counted and not scored.
    #[arg(long)]
    pub(crate) any_language: bool,
    #[command(flatten)]
    pub(crate) batch: BatchArgs,
}

impl TryFrom<&ScoreArgs> for ScoreConfig {
    type Error = anyhow::Error;

    fn try_from(a: &ScoreArgs) -> Result<Self> {
        anyhow::ensure!(a.chunk_docs >= 1, "--chunk-docs must be at least 1");
        anyhow::ensure!(
            a.field_columns.is_empty() || a.format == commands::score::Format::Csv,
            "--field-columns gives CSV output columns: use it with --format csv (JSONL lines hold every field already)"
        );
        let (inputs, fields) = a.articles.source();
        Ok(ScoreConfig {
            inputs,
            fields,
            output: a.output.clone(),
            format: a.format,
            field_columns: a.field_columns.clone(),
            summary: a.summary.clone(),
            resume: a.resume,
            infer: InferOptions::try_from(&a.batch)?,
            chunk_docs: a.chunk_docs,
            keep_going: a.keep_going,
            shard: a.shard,
            mentions: (&a.mentions).into(),
            any_language: a.any_language,
        })
    }
}

struct ScoreBar(ProgressBar);

impl commands::score::ScoreProgress for ScoreBar {
    fn chunk(&self, s: &commands::score::ScoreStats) {
        // Every document read counts toward the total, scored or not.
        self.0.set_position(
            (s.documents
                + s.documents_resumed
                + s.documents_other_shards
                + s.documents_other_language) as u64,
        );
        self.0.set_message(format!(
            "{} sentences, {} with actors, {} pairs, {:.1} pairs/s",
            s.sentences,
            s.sentences_with_actors,
            s.pairs,
            s.pairs as f64 / s.seconds.max(1e-9)
        ));
    }
}

pub(crate) fn run_score(a: ScoreArgs) -> Result<()> {
    let model = ModelChoice::from(&a.model)
        .load()
        .context("loading the model")?;
    let gaz = a.articles.actors.load()?;
    let cfg = ScoreConfig::try_from(&a)?;
    let stop = stop_on_ctrl_c("\ninterrupt: stopping after this chunk; the partial output is kept");
    // A total (and ETA) where the documents can be counted cheaply first; the count reads the
    // inputs once more, so only when a bar is shown.
    let total = super::progress::shown()
        .then(|| stance::io::articles::count_documents(&cfg.inputs, &cfg.fields))
        .flatten();
    let pb = counter(total, "scoring", "documents", "{msg}");
    let stats = commands::score::score(
        &model,
        &gaz,
        &cfg,
        &ScoreBar(pb.clone()),
        &stop,
        &mut std::io::stdout().lock(),
    );
    pb.finish_and_clear();
    let stats = stats?;
    let skipped = stats.problems.iter().filter(|p| p.skipped).count();
    let warned = stats.problems.len() - skipped;
    report_problems(&stats.problems);
    summary(&format!(
        "{} documents{}, {} sentences ({} with actors), {} pairs in {:.1} s ({:.1} pairs/s; model {:.1} s, text {:.1} s); {} skipped, {} warnings{}",
        stats.documents,
        if stats.documents_resumed > 0 { format!(" (+{} already done)", stats.documents_resumed) } else { String::new() }
            + &if stats.documents_other_shards > 0 { format!(" (+{} in other shards)", stats.documents_other_shards) } else { String::new() }
            + &if stats.documents_other_language > 0 { format!(" (+{} not in English, not scored)", stats.documents_other_language) } else { String::new() },
        stats.sentences, stats.sentences_with_actors, stats.pairs, stats.seconds,
        stats.pairs as f64 / stats.seconds.max(1e-9), stats.seconds_model, stats.seconds_text, skipped, warned,
        if stats.pairs_failed > 0 { format!(", {} pairs failed", stats.pairs_failed) } else { String::new() },
    ));
    if cfg.mentions.discover != Default::default() {
        let top = stats.top_candidates(20);
        if !top.is_empty() {
            eprintln!(
                "discovered (not in the gazetteer; add with --actor): {}",
                top.iter()
                    .map(|(n, c)| format!("{n} ({c})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    if a.stats_json {
        let mut v = serde_json::json!({ "stance_stats": &stats });
        if !stats.candidates.is_empty() {
            v["stance_stats"]["candidates"] = serde_json::json!(stats
                .top_candidates(100)
                .into_iter()
                .map(|(n, c)| serde_json::json!({ "name": n, "sentences": c }))
                .collect::<Vec<_>>());
        }
        eprintln!("{v}");
    }
    if stats.interrupted {
        eprintln!("interrupted: the partial output is kept; run again with --resume to continue");
        return Err(stance::Error::Interrupted.into());
    }
    super::progress::ensure_inputs_read(&stats.problems)?;
    anyhow::ensure!(
        stats.pairs_failed == 0,
        "{} (sentence, actor) pairs were not scored (see the problems above); the output lacks them",
        stats.pairs_failed
    );
    Ok(())
}
