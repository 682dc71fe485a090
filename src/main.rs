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
#[command(
    name = "stance",
    version,
    about = "Stance of news sentences toward the actors they mention: supportive, neutral or critical."
)]
struct Cli {
    /// Worker threads (default: all cores). Sets the thread pool used by tokenisation and matrix kernels.
    #[arg(long, global = true, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
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
    /// Score articles: every sentence's stance toward every actor it mentions (JSONL or CSV out).
    Score(ScoreArgs),
    /// Fine-tune a BERT-family encoder (every weight) with the stance head on labelled data.
    Train(Box<TrainArgs>),
    /// Average the weights of models fine-tuned from the same base (a uniform "model soup"),
    /// optionally scoring the average on dev sets.
    Average(AverageArgs),
    /// Fit a trained model's temperature on labelled dev sets so that its probabilities are
    /// calibrated (labels do not change); written to its stance.json.
    Calibrate(CalibrateArgs),
}

#[derive(Args)]
struct CalibrateArgs {
    /// Trained model directory to calibrate (its stance.json is rewritten atomically).
    #[arg(long, value_name = "DIR")]
    model: PathBuf,
    /// Labelled dev file to fit on (repeatable; pooled). Never the test set you report.
    #[arg(long, value_name = "FILE", required = true)]
    dev: Vec<PathBuf>,
    /// Skip malformed dev records (reported) instead of stopping at the first.
    #[arg(long)]
    skip_bad: bool,
    /// Arithmetic of the linear layers on CPU (the one the model will be run with).
    #[arg(long, value_enum, default_value_t = stance::model::Precision::Int8)]
    precision: stance::model::Precision,
}

#[derive(Args, Clone)]
struct ModelArgs {
    /// Model directory, short name of a shipped model (minilm-newsmtsc), or Hugging Face hub id
    /// (default: the shipped model minilm-newsmtsc).
    #[arg(long, value_name = "DIR|ID")]
    model: Option<String>,
    /// Where to run: cpu, cuda or cuda:N (cuda needs a build with `--features cuda`).
    #[arg(long, default_value = "cpu", value_name = "DEVICE")]
    device: String,
    /// Compute in f16 on CUDA (ignored on CPU, where f32 is faster).
    #[arg(long)]
    half: bool,
    /// Arithmetic of the linear layers on CPU. int8 (weights per channel, activations per row,
    /// AVX-512 VNNI) is about 2× faster than f32 and scores within 0.35 F1m of it on NewsMTSC
    /// (BENCHMARKS.md);
    /// without VNNI it falls back to f32. f32 is the exact reference. Ignored on CUDA.
    #[arg(long, value_enum, default_value_t = stance::model::Precision::Int8)]
    precision: stance::model::Precision,
}

impl ModelArgs {
    fn choice(&self) -> Result<ModelChoice> {
        Ok(ModelChoice {
            model: self.model.clone(),
            device: self.device.parse::<DeviceSpec>()?,
            half: self.half,
            precision: self.precision,
        })
    }
}

#[derive(Args, Clone)]
struct BatchArgs {
    /// Most padded tokens per batch (rows × longest row).
    #[arg(long, default_value_t = 2048, value_name = "TOKENS", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(16..=4194304))]
    token_budget: usize,
    /// Most rows per batch.
    #[arg(long, default_value_t = 64, value_name = "ROWS", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=65536))]
    max_batch: usize,
    /// Keep file order when batching instead of sorting by length (slower; for measurements).
    #[arg(long)]
    no_sort: bool,
    /// Batches run concurrently on CPU, each with single-threaded kernels (default: one per thread).
    /// 1 runs one batch at a time with multi-threaded matrix kernels instead.
    #[arg(long, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
    parallel_batches: Option<usize>,
}

impl BatchArgs {
    fn options(&self) -> anyhow::Result<InferOptions> {
        anyhow::ensure!(
            self.token_budget >= 16,
            "--token-budget must be at least 16"
        );
        anyhow::ensure!(self.max_batch >= 1, "--max-batch must be at least 1");
        let parallel = self
            .parallel_batches
            .unwrap_or_else(rayon::current_num_threads);
        anyhow::ensure!(parallel >= 1, "--parallel-batches must be at least 1");
        Ok(InferOptions {
            token_budget: self.token_budget,
            max_batch: self.max_batch,
            sort_by_length: !self.no_sort,
            parallel_batches: parallel,
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

#[derive(Args)]
struct ScoreArgs {
    /// Plain-text articles (.txt/.md, one article per file), folders of them (recursive), JSONL archives ({id, text, …} per line), or - for standard input.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<String>,
    #[command(flatten)]
    model: ModelArgs,
    /// Actor gazetteer (TOML or JSON) instead of the shipped international one.
    #[arg(long, value_name = "FILE")]
    actors: Option<PathBuf>,
    /// Add an actor: NAME, or NAME=ALIAS1,ALIAS2 (repeatable).
    #[arg(long = "actor", value_name = "NAME[=ALIASES]")]
    extra_actors: Vec<String>,
    /// Output file (written as FILE.partial, renamed when complete); default: standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Output format: one JSON object per sentence, or a flat CSV row per sentence and actor.
    #[arg(long, value_enum, default_value = "jsonl")]
    format: commands::score::Format,
    /// Also write a per-document, per-actor summary (label counts, mean P(supportive) − P(critical)) as JSONL.
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
    /// Continue an interrupted run: documents already in --output are skipped.
    #[arg(long, requires = "output")]
    resume: bool,
    /// Documents per chunk (the unit of streaming; memory grows with it).
    #[arg(long, default_value_t = 64, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1000000))]
    chunk_docs: usize,
    /// When the model fails on a chunk, count its pairs as failed and go on (the run still
    /// exits non-zero, with the count). Without it, the run stops at the failure, keeping the
    /// partial output for --resume.
    #[arg(long)]
    keep_going: bool,
    #[command(flatten)]
    batch: BatchArgs,
}

struct ScoreBar(ProgressBar);

impl commands::score::ScoreProgress for ScoreBar {
    fn chunk(&self, s: &commands::score::ScoreStats) {
        self.0.set_position(s.documents as u64);
        self.0.set_message(format!(
            "{} sentences, {} with actors, {} pairs, {:.1} pairs/s",
            s.sentences,
            s.sentences_with_actors,
            s.pairs,
            s.pairs as f64 / s.seconds.max(1e-9)
        ));
    }
}

fn run_score(a: ScoreArgs) -> Result<()> {
    let model = a.model.choice()?.load().context("loading the model")?;
    let gaz = match &a.actors {
        Some(p) => stance::text::actors::Gazetteer::from_file(p)?,
        None => stance::text::actors::Gazetteer::default_international()?,
    }
    .with_extra(&a.extra_actors)?;
    anyhow::ensure!(a.chunk_docs >= 1, "--chunk-docs must be at least 1");
    let cfg = commands::score::ScoreConfig {
        inputs: a.inputs.clone(),
        output: a.output.clone(),
        format: a.format,
        summary: a.summary.clone(),
        resume: a.resume,
        infer: a.batch.options()?,
        chunk_docs: a.chunk_docs,
        keep_going: a.keep_going,
    };
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let stop = stop.clone();
        let _ = ctrlc::set_handler(move || stop.store(true, std::sync::atomic::Ordering::SeqCst));
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template(
            "{spinner} scoring [{elapsed_precise}] {pos} documents ({per_sec}) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let stats = commands::score::score(&model, &gaz, &cfg, &ScoreBar(pb.clone()), &stop);
    pb.finish_and_clear();
    let stats = stats?;
    let skipped = stats.problems.iter().filter(|p| p.skipped).count();
    let warned = stats.problems.len() - skipped;
    for p in stats.problems.iter().take(30) {
        let at = match p.line {
            Some(l) => format!("{}:{l}", p.source),
            None => p.source.clone(),
        };
        eprintln!(
            "{}: {at}: {}",
            if p.skipped { "skipped" } else { "warning" },
            p.message
        );
    }
    if stats.problems.len() > 30 {
        eprintln!("… and {} more problems", stats.problems.len() - 30);
    }
    eprintln!(
        "{} documents{}, {} sentences ({} with actors), {} pairs in {:.1} s ({:.1} pairs/s; model {:.1} s, text {:.1} s); {} skipped, {} warnings{}",
        stats.documents,
        if stats.documents_resumed > 0 { format!(" (+{} already done)", stats.documents_resumed) } else { String::new() },
        stats.sentences, stats.sentences_with_actors, stats.pairs, stats.seconds,
        stats.pairs as f64 / stats.seconds.max(1e-9), stats.seconds_model, stats.seconds_text, skipped, warned,
        if stats.pairs_failed > 0 { format!(", {} pairs failed", stats.pairs_failed) } else { String::new() },
    );
    if stats.interrupted {
        eprintln!("interrupted: the partial output is kept; run again with --resume to continue");
        std::process::exit(130);
    }
    anyhow::ensure!(
        stats.pairs_failed == 0,
        "{} (sentence, actor) pairs were not scored (see the problems above); the output lacks them",
        stats.pairs_failed
    );
    Ok(())
}

#[derive(Args)]
struct AverageArgs {
    /// A trained model directory or hub id (repeat: at least two). They must share labels,
    /// tokenizer, config, marker and pooling; fine-tuning runs of one base differing in seed or
    /// data order are what averaging is for.
    #[arg(long = "model", value_name = "DIR|ID", required = true, num_args = 1)]
    models: Vec<String>,
    /// Labelled file to score the average on (repeatable); the scores go to stance.json.
    #[arg(long, value_name = "FILE")]
    dev: Vec<PathBuf>,
    /// Output model directory (written atomically).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Store the weights in f16 (half the size).
    #[arg(long)]
    save_f16: bool,
    /// Skip malformed dev records (reported) instead of stopping at the first.
    #[arg(long)]
    skip_bad: bool,
}

#[derive(Args)]
struct TrainArgs {
    /// Starting checkpoint: a local directory or a Hugging Face hub id (e.g. sentence-transformers/all-MiniLM-L6-v2).
    #[arg(long, value_name = "DIR|ID")]
    base: String,
    /// Labelled training data (NewsMTSC JSONL, simple JSONL or CSV). Its labels become the model's labels.
    #[arg(long, value_name = "FILE")]
    train: PathBuf,
    /// Labelled development data, scored after each epoch (repeatable). The first selects the best epoch.
    #[arg(long, value_name = "FILE")]
    dev: Vec<PathBuf>,
    /// Output directory: the best model, train-log.jsonl, and checkpoint/ for --resume.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Passes over the training data (default: the recipe's, see --recipe).
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10000))]
    epochs: Option<usize>,
    /// Peak learning rate (AdamW) (default: the recipe's, see --recipe).
    #[arg(long)]
    lr: Option<f64>,
    /// Defaults for --epochs, --lr and --label-smoothing: `small` (MiniLM-size encoders: 4
    /// epochs, lr 1e-4, label smoothing 0.1, the shipped model's measured recipe) or `base`
    /// (hidden size 768 and up: 3 epochs, lr 3e-5, no smoothing); chosen by the base encoder's
    /// hidden size when not given. Flags given explicitly win.
    #[arg(long, value_parser = ["small", "base"])]
    recipe: Option<String>,
    /// Examples per step.
    #[arg(long, default_value_t = 16, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=65536))]
    batch_size: usize,
    /// Share of the steps spent warming the learning rate up linearly (then it decays linearly to 0).
    #[arg(long, default_value_t = 0.1)]
    warmup: f64,
    /// Decoupled weight decay (not on biases and layer norms).
    #[arg(long, default_value_t = 0.01)]
    weight_decay: f64,
    /// Clip the global gradient norm to this value (0: no clipping).
    #[arg(long, default_value_t = 1.0)]
    clip: f64,
    /// Dropout on embeddings, attention and feed-forward outputs, and the pooled vector.
    #[arg(long, default_value_t = 0.1)]
    dropout: f32,
    /// Longest input in tokens; longer sentences are cut around the target.
    #[arg(long, default_value_t = 128, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(8..=100000))]
    max_length: usize,
    /// Seed for the head's initialisation, shuffling and dropout.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Label smoothing of the cross-entropy loss (default: the recipe's, see --recipe).
    #[arg(long)]
    label_smoothing: Option<f64>,
    /// Where to train: cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Dev metric that selects the best epoch.
    #[arg(long, default_value = "f1m", value_parser = ["f1m", "accuracy", "f1pn"])]
    select: String,
    /// Do not mark the target in the sentence (plain `[CLS] sentence [SEP] target [SEP]` input).
    #[arg(long)]
    no_marker: bool,
    /// What the head reads: cls, target (mean of the target's tokens) or cls-target (both).
    #[arg(long, value_enum, default_value = "cls-target")]
    pooling: stance::model::Pooling,
    /// Keep the word-embedding matrix fixed (much faster steps on CPU; every other weight is trained).
    #[arg(long)]
    freeze_word_embeddings: bool,
    /// Skip malformed records (reported) instead of stopping at the first.
    #[arg(long)]
    skip_bad: bool,
    /// Continue from OUT/checkpoint (the same data and settings).
    #[arg(long)]
    resume: bool,
    /// Write a step line to train-log.jsonl every N steps.
    #[arg(long, default_value_t = 50)]
    log_every: usize,
    /// Stop after N steps in total (quick trials).
    #[arg(long)]
    max_steps: Option<usize>,
    /// Also write OUT/checkpoint every N steps inside an epoch, so that a stopped long run loses
    /// at most N steps (--resume continues from the batch where it stopped).
    #[arg(long, value_name = "N")]
    checkpoint_every: Option<usize>,
    /// Store the best model's weights in f16 (half the size on disk).
    #[arg(long)]
    save_f16: bool,
    /// CPU: split each batch into N parts that run at the same time, one per thread with
    /// single-threaded kernels, and sum their gradients (default: one per thread, at least 4 rows
    /// each). 1 runs the whole batch with multi-threaded kernels instead. Results are
    /// deterministic for a fixed seed and N. Always 1 on CUDA.
    #[arg(long, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
    micro_batches: Option<usize>,
}

struct BarProgress(ProgressBar);

impl stance::train::TrainProgress for BarProgress {
    fn start(&self, total: usize, done: usize) {
        self.0.set_length(total as u64);
        self.0.set_position(done as u64);
        self.0.reset_eta();
    }
    fn step(&self, step: usize, loss: f64, lr: f64) {
        self.0.set_position(step as u64);
        self.0.set_message(format!("loss {loss:.4} lr {lr:.2e}"));
    }
    fn message(&self, msg: &str) {
        self.0.println(msg);
    }
}

fn run_train(a: TrainArgs) -> Result<()> {
    let mut cfg = stance::train::TrainConfig::new(&a.base, &a.train, &a.out);
    let recipe = match a.recipe.as_deref() {
        Some(name) => stance::train::Recipe::named(name)?,
        None => stance::train::Recipe::for_base(&a.base)
            .with_context(|| format!("reading the base encoder {}", a.base))?,
    };
    cfg.dev = a.dev;
    cfg.epochs = a.epochs.unwrap_or(recipe.epochs);
    cfg.lr = a.lr.unwrap_or(recipe.lr);
    cfg.batch_size = a.batch_size;
    cfg.warmup = a.warmup;
    cfg.weight_decay = a.weight_decay;
    cfg.clip = a.clip;
    cfg.dropout = a.dropout;
    cfg.max_length = a.max_length;
    cfg.seed = a.seed;
    cfg.label_smoothing = a.label_smoothing.unwrap_or(recipe.label_smoothing);
    cfg.device = a.device.parse()?;
    cfg.select = a.select;
    cfg.marker = if a.no_marker {
        None
    } else {
        Some(stance::encode::Marker::default())
    };
    cfg.pooling = a.pooling;
    cfg.freeze_word_embeddings = a.freeze_word_embeddings;
    cfg.skip_bad = a.skip_bad;
    cfg.resume = a.resume;
    cfg.log_every = a.log_every;
    cfg.max_steps = a.max_steps;
    cfg.checkpoint_every = a.checkpoint_every;
    cfg.save_f16 = a.save_f16;
    cfg.micro_batches = match (&cfg.device, a.micro_batches) {
        (stance::DeviceSpec::Cpu, Some(n)) => n,
        (stance::DeviceSpec::Cpu, None) => {
            rayon::current_num_threads().min(a.batch_size / 4).max(1)
        }
        _ => 1,
    };
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let stop = stop.clone();
        let _ = ctrlc::set_handler(move || {
            eprintln!(
                "\ninterrupt: stopping after this step; the last finished checkpoint is kept"
            );
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
        });
    }
    let pb = ProgressBar::new(0);
    pb.set_style(
        ProgressStyle::with_template("{spinner} training [{elapsed_precise}] {bar:30} {pos}/{len} steps ({per_sec}, ETA {eta}) {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let out = stance::train::train(&cfg, &BarProgress(pb.clone()), stop);
    pb.finish_and_clear();
    let out = out.with_context(|| format!("training into {}", cfg.out.display()))?;
    report_skips(&cfg.train, &out.skipped);
    for r in &out.history {
        let dev: Vec<String> = r
            .dev
            .iter()
            .map(|d| {
                format!(
                    "{} F1m {:.2} acc {:.2}",
                    d.data,
                    100.0 * d.f1m,
                    100.0 * d.accuracy
                )
            })
            .collect();
        println!(
            "epoch {}: loss {:.4}, {:.1} pairs/s, {:.0} s{}{}",
            r.epoch,
            r.train_loss,
            r.pairs_per_second,
            r.seconds,
            if dev.is_empty() {
                String::new()
            } else {
                format!("; {}", dev.join("; "))
            },
            if r.selected { "  *" } else { "" }
        );
    }
    match out.best_epoch {
        Some(e) => println!("best model (epoch {e}) written to {}", cfg.out.display()),
        None => println!("no epoch finished; nothing written"),
    }
    Ok(())
}

fn progress_bar(_len: u64, what: &str) -> ProgressBar {
    // The number of pairs is known only inside the library: count up with a rate.
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} {what} [{{elapsed_precise}}] {{pos}} pairs ({{per_sec}})"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb
}

fn run_average(a: AverageArgs) -> Result<()> {
    let cfg = stance::train::average::AverageConfig {
        models: a.models,
        dev: a.dev,
        out: a.out,
        save_f16: a.save_f16,
        skip_bad: a.skip_bad,
    };
    let out = stance::train::average::average(&cfg, &|m| eprintln!("{m}"))
        .with_context(|| format!("averaging into {}", cfg.out.display()))?;
    report_skips(std::path::Path::new("the dev data"), &out.skipped);
    for d in &out.dev {
        println!(
            "{}: F1m {:.2}, accuracy {:.2}",
            d.data,
            100.0 * d.f1m,
            100.0 * d.accuracy
        );
    }
    println!(
        "average of {} models ({} weights) written to {}",
        out.models,
        out.weights,
        cfg.out.display()
    );
    Ok(())
}

fn run_calibrate(a: CalibrateArgs) -> Result<()> {
    let cfg = stance::train::calibrate::CalibrateConfig {
        model: a.model,
        dev: a.dev,
        skip_bad: a.skip_bad,
        precision: a.precision,
    };
    let out = stance::train::calibrate::calibrate(&cfg)
        .with_context(|| format!("calibrating {}", cfg.model.display()))?;
    report_skips(std::path::Path::new("the dev data"), &out.skipped);
    for d in &out.dev {
        println!(
            "{}: ECE {:.4} -> {:.4}, NLL {:.4} -> {:.4}",
            d.data, d.before.ece, d.after.ece, d.before.nll, d.after.nll
        );
    }
    println!(
        "temperature {:.4} written to {}",
        out.temperature,
        cfg.model.join("stance.json").display()
    );
    Ok(())
}

fn report_skips(path: &std::path::Path, skipped: &[stance::io::Skip]) {
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

fn run_predict(a: PredictArgs) -> Result<()> {
    let model = a.model.choice()?.load().context("loading the model")?;
    let input = match (&a.text, &a.input) {
        (Some(text), None) => {
            let span = match &a.span {
                None => None,
                Some(s) => {
                    let (x, y) = s.split_once(':').context("--span expects START:END")?;
                    Some((
                        x.trim().parse().context("--span START")?,
                        y.trim().parse().context("--span END")?,
                    ))
                }
            };
            predict::PredictInput::Text {
                text: text.clone(),
                target: a.target.clone().unwrap_or_default(),
                span,
            }
        }
        (None, Some(p)) => predict::PredictInput::File {
            path: p.clone(),
            skip_bad: a.skip_bad,
        },
        _ => anyhow::bail!("give either --text with --target, or --input FILE"),
    };
    let single = matches!(input, predict::PredictInput::Text { .. });
    let cfg = predict::PredictConfig {
        input,
        output: a.output.clone(),
        infer: a.batch.options()?,
    };
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
        eprintln!(
            "wrote {} predictions to {}",
            out.predictions.len(),
            cfg.output
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        );
    }
    Ok(())
}

fn run_eval(a: EvalArgs) -> Result<()> {
    let model = a.model.choice()?.load().context("loading the model")?;
    let cfg = evaluate::EvalConfig {
        data: a.data.clone(),
        skip_bad: a.skip_bad,
        infer: a.batch.options()?,
    };
    let pb = progress_bar(0, "evaluating");
    let (report, preds) = evaluate::evaluate(&model, &cfg, &|n| pb.inc(n as u64))
        .with_context(|| format!("evaluating on {}", a.data.display()))?;
    pb.finish_and_clear();
    report_skips(&a.data, &report.skipped);
    println!(
        "model {} ({})\ndata  {}\n",
        report.model, report.arithmetic, report.data
    );
    print!("{}", report.metrics.table());
    println!(
        "\ncalibration: ECE {:.4}, NLL {:.4}, mean confidence {:.3} (temperature {:.3})",
        report.calibration.ece,
        report.calibration.nll,
        report.calibration.mean_confidence,
        report.temperature
    );
    println!(
        "\n{:.1} pairs/s ({:.2} s){}",
        report.pairs_per_second,
        report.seconds,
        if report.truncated > 0 {
            format!(
                ", {} sentences cut to the model's length limit",
                report.truncated
            )
        } else {
            String::new()
        }
    );
    if let Some(path) = &a.report {
        stance::io::atomic::write_bytes(path, serde_json::to_string_pretty(&report)?.as_bytes())?;
        eprintln!("report written to {}", path.display());
    }
    if let Some(path) = &a.predictions {
        let mut s = String::new();
        for p in &preds {
            s += &serde_json::to_string(p)?;
            s.push('\n');
        }
        stance::io::atomic::write_bytes(path, s.as_bytes())?;
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let kernels = std::env::var("STANCE_KERNEL_THREADS").ok();
    let on_gpu = |d: &str| !matches!(d.parse::<DeviceSpec>(), Ok(DeviceSpec::Cpu));
    let mode = match (&cli.command, kernels.as_deref()) {
        (Command::Train(t), _) if t.micro_batches == Some(1) || on_gpu(&t.device) => {
            stance::device::CpuThreading::ThreadedKernels
        }
        (_, Some("threaded")) => stance::device::CpuThreading::ThreadedKernels,
        _ => stance::device::CpuThreading::ParallelBatches,
    };
    stance::device::configure_cpu_threads(cli.threads, mode);
    let result = match cli.command {
        Command::Predict(a) => run_predict(a),
        Command::Eval(a) => run_eval(a),
        Command::Train(a) => run_train(*a),
        Command::Average(a) => run_average(a),
        Command::Calibrate(a) => run_calibrate(a),
        Command::Score(a) => run_score(a),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // `stance score … | head`: the reader went away; nothing is wrong.
        Err(e) if is_broken_pipe(&e) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.to_string().contains("Broken pipe")
    })
}
