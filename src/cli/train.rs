//! `stance train`.
use super::progress::{counter, report_skips, stop_on_ctrl_c};
use anyhow::{Context, Result};
use clap::Args;
use indicatif::ProgressBar;
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct TrainArgs {
    /// Starting checkpoint: a local directory or a Hugging Face hub id (e.g. sentence-transformers/all-MiniLM-L6-v2).
    #[arg(long, value_name = "DIR|ID")]
    pub(crate) base: String,
    /// Labelled training data (NewsMTSC JSONL, simple JSONL or CSV). Its labels become the model's labels.
    #[arg(long, value_name = "FILE")]
    pub(crate) train: PathBuf,
    /// Labelled development data, scored after each epoch (repeatable). The first selects the best epoch.
    #[arg(long, value_name = "FILE")]
    pub(crate) dev: Vec<PathBuf>,
    /// Output directory: the best model, train-log.jsonl, and checkpoint/ for --resume.
    #[arg(short, long, visible_alias = "out", value_name = "DIR")]
    pub(crate) output: PathBuf,
    /// Passes over the training data (default: the recipe's, see --recipe).
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10000))]
    pub(crate) epochs: Option<usize>,
    /// Peak learning rate (AdamW) (default: the recipe's, see --recipe).
    #[arg(long)]
    pub(crate) lr: Option<f64>,
    /// Defaults for --epochs, --lr and --label-smoothing: `small` (MiniLM-size encoders: 4
    /// epochs, lr 1e-4, label smoothing 0.1, the shipped model's measured recipe) or `base`
    /// (hidden size 768 and up: 3 epochs, lr 3e-5, no smoothing); chosen by the base encoder's
    /// hidden size when not given. Flags given explicitly win.
    #[arg(long, value_parser = ["small", "base"])]
    pub(crate) recipe: Option<String>,
    /// Examples per step.
    #[arg(long, default_value_t = 16, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=65536))]
    pub(crate) batch_size: usize,
    /// Share of the steps spent warming the learning rate up linearly (then it decays linearly to 0).
    #[arg(long, default_value_t = 0.1)]
    pub(crate) warmup: f64,
    /// Decoupled weight decay (not on biases and layer norms).
    #[arg(long, default_value_t = 0.01)]
    pub(crate) weight_decay: f64,
    /// Layer-wise learning-rate decay: the top encoder layer learns at D times --lr, each layer
    /// below at D times the one above, the embeddings lowest, the stance head at --lr (1: off;
    /// 0.9 is usual for base-size encoders).
    #[arg(long, default_value_t = 1.0, value_name = "D", value_parser = layer_decay)]
    pub(crate) layer_decay: f64,
    /// Clip the global gradient norm to this value (0: no clipping).
    #[arg(long, default_value_t = 1.0)]
    pub(crate) clip: f64,
    /// Dropout on embeddings, attention and feed-forward outputs, and the pooled vector.
    #[arg(long, default_value_t = 0.1)]
    pub(crate) dropout: f32,
    /// Longest input in tokens; longer sentences are cut around the target.
    #[arg(long, default_value_t = 128, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(8..=100000))]
    pub(crate) max_length: usize,
    /// Seed for the head's initialisation, shuffling and dropout.
    #[arg(long, default_value_t = 42)]
    pub(crate) seed: u64,
    /// Label smoothing of the cross-entropy loss (default: the recipe's, see --recipe).
    #[arg(long)]
    pub(crate) label_smoothing: Option<f64>,
    /// Where to train: cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu", value_name = "DEVICE", value_parser = super::args::parse_device)]
    pub(crate) device: stance::DeviceSpec,
    /// Dev metric that selects the best epoch.
    #[arg(long, value_enum, default_value_t = stance::train::SelectMetric::F1m)]
    pub(crate) select: stance::train::SelectMetric,
    /// Do not mark the target in the sentence (plain `[CLS] sentence [SEP] target [SEP]` input).
    #[arg(long)]
    pub(crate) no_marker: bool,
    /// What the head reads: cls, target (mean of the target's tokens) or cls-target (both).
    #[arg(long, value_enum, ignore_case = true, default_value = "cls-target")]
    pub(crate) pooling: stance::model::Pooling,
    /// Keep the word-embedding matrix fixed (much faster steps on CPU; every other weight is trained).
    #[arg(long)]
    pub(crate) freeze_word_embeddings: bool,
    /// Skip malformed records (reported) instead of stopping at the first.
    #[arg(long)]
    pub(crate) skip_bad: bool,
    /// Continue from OUT/checkpoint (the same data and settings).
    #[arg(long)]
    pub(crate) resume: bool,
    /// Start afresh even when --out holds a trained model or a checkpoint, replacing them
    /// (without it such a run is refused: --resume continues it instead).
    #[arg(long, conflicts_with = "resume")]
    pub(crate) overwrite: bool,
    /// Write a step line to train-log.jsonl every N steps.
    #[arg(long, default_value_t = 50)]
    pub(crate) log_every: usize,
    /// Stop after N steps in total (quick trials).
    #[arg(long)]
    pub(crate) max_steps: Option<usize>,
    /// Also write OUT/checkpoint every N steps inside an epoch, so that a stopped long run loses
    /// at most N steps (--resume continues from the batch where it stopped).
    #[arg(long, value_name = "N")]
    pub(crate) checkpoint_every: Option<usize>,
    /// Store the best model's weights in f16 (half the size on disk).
    #[arg(long)]
    pub(crate) save_f16: bool,
    /// Distil from this trained model (directory, shipped name or hub id): the loss adds the
    /// divergence from its probabilities. It may have another architecture and tokenizer; its
    /// labels must equal the training data's. Its logits are computed once and cached in --out.
    #[arg(long, value_name = "MODEL")]
    pub(crate) teacher: Option<String>,
    /// Weight α of the teacher's term: loss = (1−α)·CE(gold) + α·T²·KL(teacher ‖ student).
    #[arg(
        long,
        default_value_t = 0.5,
        value_name = "ALPHA",
        requires = "teacher"
    )]
    pub(crate) distill_weight: f64,
    /// Temperature T that softens both distributions in the teacher's term.
    #[arg(long, default_value_t = 2.0, value_name = "T", requires = "teacher")]
    pub(crate) temperature: f64,
    /// A file of (sentence, target) pairs without labels (simple JSONL/CSV layout, e.g. from
    /// `stance pairs`), learnt from through the teacher alone (repeatable).
    #[arg(long, value_name = "FILE", requires = "teacher")]
    pub(crate) unlabelled: Vec<PathBuf>,
    /// CPU: split each batch into N parts that run at the same time, one per thread with
    /// single-threaded kernels, and sum their gradients (default: one per thread, at least 4 rows
    /// each). 1 runs the whole batch with multi-threaded kernels instead. Results are
    /// deterministic for a fixed seed and N. Always 1 on CUDA.
    #[arg(long, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
    pub(crate) micro_batches: Option<usize>,
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
        // A hidden bar (standard error is not a terminal: a background run writing a log) drops
        // `println`; the messages must reach the log all the same.
        if self.0.is_hidden() {
            eprintln!("{msg}");
        } else {
            self.0.println(msg);
        }
    }
}

/// The library's training config from the flags and the run's worker threads (which, with the
/// batch size, decide the micro-batches and so the kernels).
pub(crate) fn train_config(a: &TrainArgs, workers: usize) -> Result<stance::train::TrainConfig> {
    let recipe = match a.recipe.as_deref() {
        Some(name) => stance::train::Recipe::named(name)?,
        None => stance::train::Recipe::for_base(&a.base)
            .with_context(|| format!("reading the base encoder {}", a.base))?,
    };
    Ok(stance::train::TrainConfig {
        base: a.base.clone(),
        train: a.train.clone(),
        dev: a.dev.clone(),
        out: a.output.clone(),
        // The recipe's values unless given.
        epochs: a.epochs.unwrap_or(recipe.epochs),
        lr: a.lr.unwrap_or(recipe.lr),
        label_smoothing: a.label_smoothing.unwrap_or(recipe.label_smoothing),
        // The flags as they are.
        batch_size: a.batch_size,
        warmup: a.warmup,
        weight_decay: a.weight_decay,
        layer_decay: a.layer_decay,
        clip: a.clip,
        dropout: a.dropout,
        max_length: a.max_length,
        seed: a.seed,
        device: a.device,
        select: a.select,
        pooling: a.pooling,
        freeze_word_embeddings: a.freeze_word_embeddings,
        skip_bad: a.skip_bad,
        resume: a.resume,
        overwrite: a.overwrite,
        log_every: a.log_every,
        max_steps: a.max_steps,
        checkpoint_every: a.checkpoint_every,
        save_f16: a.save_f16,
        // Settings made from flags.
        marker: (!a.no_marker).then(stance::encode::Marker::default),
        distill: a.teacher.as_ref().map(|t| stance::train::distill::Distill {
            teacher: t.clone(),
            weight: a.distill_weight,
            temperature: a.temperature,
            unlabelled: a.unlabelled.clone(),
        }),
        micro_batches: stance::train::micro_batches_for(
            &a.device,
            a.micro_batches,
            workers,
            a.batch_size,
        ),
        threads: workers,
    })
}

pub(crate) fn run_train(a: TrainArgs, workers: usize) -> Result<()> {
    let cfg = train_config(&a, workers)?;
    let stop = stop_on_ctrl_c(
        "\ninterrupt: stopping after this step; the last finished checkpoint is kept",
    );
    let pb = counter(Some(0), "training", "steps", "{msg}");
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
        outln!(
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
        Some(e) => outln!("best model (epoch {e}) written to {}", cfg.out.display()),
        None => outln!("no epoch finished; nothing written"),
    }
    Ok(())
}

/// A layer-wise decay in (0, 1].
fn layer_decay(s: &str) -> std::result::Result<f64, String> {
    match s.parse::<f64>() {
        Ok(d) if d > 0.0 && d <= 1.0 => Ok(d),
        Ok(d) => Err(format!("{d} is not in (0, 1]")),
        Err(e) => Err(e.to_string()),
    }
}
