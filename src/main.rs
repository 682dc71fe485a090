//! The `stance` command line: parses flags into typed configs, calls the library, prints.

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use stance::commands::{self, evaluate, predict, ModelChoice};
use stance::infer::InferOptions;
use stance::DeviceSpec;
use std::path::PathBuf;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "stance", version, about = "Stance of news sentences toward the actors they mention: supportive, neutral or critical.")]
struct Cli {
    /// Worker threads (default: all cores). Sets the thread pool used by tokenisation and matrix kernels.
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Stance toward one target in one text, or for every (text, target) example of a file.
    Predict(PredictArgs),
    /// Evaluate a model on a labelled file: F1m, accuracy, F1pn, per-label scores, confusion matrix.
    Eval(EvalArgs),
}

#[derive(Args, Clone)]
struct ModelArgs {
    /// Model directory or Hugging Face hub id (default: the shipped model, models/minilm-newsmtsc).
    #[arg(long, value_name = "DIR|ID")]
    model: Option<String>,
    /// Where to run: cpu, cuda or cuda:N (cuda needs a build with `--features cuda`).
    #[arg(long, default_value = "cpu", value_name = "DEVICE")]
    device: String,
    /// Compute in f16 on CUDA (ignored on CPU, where f32 is faster).
    #[arg(long)]
    half: bool,
}

impl ModelArgs {
    fn choice(&self) -> Result<ModelChoice> {
        Ok(ModelChoice {
            model: self.model.clone(),
            device: self.device.parse::<DeviceSpec>()?,
            half: self.half,
        })
    }
}

#[derive(Args, Clone)]
struct BatchArgs {
    /// Most padded tokens per batch (rows × longest row).
    #[arg(long, default_value_t = 2048, value_name = "TOKENS")]
    token_budget: usize,
    /// Most rows per batch.
    #[arg(long, default_value_t = 64, value_name = "ROWS")]
    max_batch: usize,
    /// Keep file order when batching instead of sorting by length (slower; for measurements).
    #[arg(long)]
    no_sort: bool,
    /// Batches run concurrently (CPU); 1 lets the matrix kernels use all threads.
    #[arg(long, default_value_t = 1, value_name = "N")]
    parallel_batches: usize,
}

impl BatchArgs {
    fn options(&self) -> anyhow::Result<InferOptions> {
        anyhow::ensure!(self.token_budget >= 16, "--token-budget must be at least 16");
        anyhow::ensure!(self.max_batch >= 1, "--max-batch must be at least 1");
        anyhow::ensure!(self.parallel_batches >= 1, "--parallel-batches must be at least 1");
        Ok(InferOptions {
            token_budget: self.token_budget,
            max_batch: self.max_batch,
            sort_by_length: !self.no_sort,
            parallel_batches: self.parallel_batches,
        })
    }
}

#[derive(Args)]
struct PredictArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// The text (one sentence) to classify; needs --target.
    #[arg(long, conflicts_with = "input", requires = "target")]
    text: Option<String>,
    /// The target mention in --text (its first whole-word occurrence, unless --span is given).
    #[arg(long)]
    target: Option<String>,
    /// Character span START:END of the target in --text (Unicode scalar offsets, END exclusive).
    #[arg(long, value_name = "START:END")]
    span: Option<String>,
    /// A data file: NewsMTSC JSONL, JSONL {text, target, start?, end?, label?, id?}, or CSV with those columns.
    #[arg(long, short, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Write JSONL predictions here (atomically) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Skip malformed records (reported on stderr) instead of stopping at the first.
    #[arg(long)]
    skip_bad: bool,
    #[command(flatten)]
    batch: BatchArgs,
}

#[derive(Args)]
struct EvalArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Labelled data file (NewsMTSC JSONL, simple JSONL or CSV).
    #[arg(long, value_name = "FILE")]
    data: PathBuf,
    /// Write the full report as JSON here (atomically).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Write the per-example predictions as JSONL here (atomically).
    #[arg(long, value_name = "FILE")]
    predictions: Option<PathBuf>,
    /// Skip malformed records and unknown labels (reported) instead of stopping at the first.
    #[arg(long)]
    skip_bad: bool,
    #[command(flatten)]
    batch: BatchArgs,
}

fn progress_bar(len: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} {what} [{{elapsed_precise}}] {{bar:30}} {{pos}}/{{len}} ({{per_sec}}, ETA {{eta}})"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb
}

fn report_skips(path: &std::path::Path, skipped: &[stance::data::Skip]) {
    if skipped.is_empty() {
        return;
    }
    eprintln!("skipped {} bad record(s) in {}:", skipped.len(), path.display());
    for s in skipped.iter().take(20) {
        eprintln!("  {}:{}: field `{}`: {}", path.display(), s.line, s.field, s.message);
    }
    if skipped.len() > 20 {
        eprintln!("  … and {} more", skipped.len() - 20);
    }
}

fn run_predict(a: PredictArgs) -> Result<()> {
    let model = a.model.choice()?.load().context("loading the model")?;
    let input = match (&a.text, &a.input) {
        (Some(text), None) => {
            let span = match &a.span {
                None => None,
                Some(s) => {
                    let (x, y) = s.split_once(':').context("--span expects START:END")?;
                    Some((x.trim().parse().context("--span START")?, y.trim().parse().context("--span END")?))
                }
            };
            predict::PredictInput::Text { text: text.clone(), target: a.target.clone().unwrap_or_default(), span }
        }
        (None, Some(p)) => predict::PredictInput::File { path: p.clone(), skip_bad: a.skip_bad },
        _ => anyhow::bail!("give either --text with --target, or --input FILE"),
    };
    let single = matches!(input, predict::PredictInput::Text { .. });
    let cfg = predict::PredictConfig { input, output: a.output.clone(), infer: a.batch.options()? };
    let pb = progress_bar(0, "predicting");
    let out = predict::predict(&model, &cfg, &|n| pb.inc(n as u64))?;
    pb.finish_and_clear();
    if let predict::PredictInput::File { path, .. } = &cfg.input {
        report_skips(path, &out.skipped);
    }
    if single {
        let p = &out.predictions[0];
        println!("{}", p.label);
        for (l, s) in &p.scores {
            println!("  {l:<12} {s:.4}");
        }
    } else if a.output.is_none() {
        for p in &out.predictions {
            println!("{}", serde_json::to_string(p)?);
        }
    } else {
        eprintln!("wrote {} predictions to {}", out.predictions.len(), cfg.output.as_ref().map(|p| p.display().to_string()).unwrap_or_default());
    }
    Ok(())
}

fn run_eval(a: EvalArgs) -> Result<()> {
    let model = a.model.choice()?.load().context("loading the model")?;
    let cfg = evaluate::EvalConfig { data: a.data.clone(), skip_bad: a.skip_bad, infer: a.batch.options()? };
    let pb = progress_bar(0, "evaluating");
    let (report, preds) = evaluate::evaluate(&model, &cfg, &|n| pb.inc(n as u64))
        .with_context(|| format!("evaluating on {}", a.data.display()))?;
    pb.finish_and_clear();
    report_skips(&a.data, &report.skipped);
    println!("model {}\ndata  {}\n", report.model, report.data);
    print!("{}", report.metrics.table());
    println!("\n{:.1} pairs/s ({:.2} s){}", report.pairs_per_second, report.seconds,
        if report.truncated > 0 { format!(", {} sentences cut to the model's length limit", report.truncated) } else { String::new() });
    if let Some(path) = &a.report {
        stance::data::atomic::write_bytes(path, serde_json::to_string_pretty(&report)?.as_bytes())?;
        eprintln!("report written to {}", path.display());
    }
    if let Some(path) = &a.predictions {
        let mut s = String::new();
        for p in &preds {
            s += &serde_json::to_string(p)?;
            s.push('\n');
        }
        stance::data::atomic::write_bytes(path, s.as_bytes())?;
    }
    Ok(())
}

fn main() {
    let cli = Cli::parse();
    if let Some(n) = cli.threads {
        // candle's matrix kernels read RAYON_NUM_THREADS; the global pool serves the rest.
        std::env::set_var("RAYON_NUM_THREADS", n.max(1).to_string());
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global();
    }
    let result = match cli.command {
        Command::Predict(a) => run_predict(a),
        Command::Eval(a) => run_eval(a),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
    let _ = commands::DEFAULT_MODEL_NAME;
}
