//! `stance train`: full fine-tuning of a BERT-family encoder with the stance head.
//!
//! Each epoch runs length-bucketed shuffled batches through the differentiable path with
//! seeded dropout, AdamW with warm-up and linear decay, and gradient clipping; then scores the
//! dev sets, keeps the best model (by a named dev metric) in `--out`, and writes a checkpoint
//! (weights, optimizer moments, step) to `--out/checkpoint` from which `--resume` continues
//! exactly. Dropout masks are seeded by (seed, step), so a resumed run draws the same masks.

pub mod average;
pub mod batches;
pub mod calibrate;
pub mod checkpoint;
pub mod distill;
pub mod log;
pub mod optim;

pub use log::{write_learning_curves, TrainLogLine, CURVES_FILE, LOG_FILE};

use crate::device::{CpuThreading, DeviceSpec};
use crate::encode::{Batch, Encoded, Marker};
use crate::error::{Error, Result};
pub use crate::eval::dev::DevScore;
use crate::eval::dev::{calibrate_on, dev_scores};
pub use crate::eval::metrics::SelectMetric;
use crate::io::guard::RunFiles;
use crate::io::{labels, read_examples, Example, ReadOptions, Skip};
use crate::kernels::train_ops;
use crate::model::layers::{Dropout, Path as KernelPath};
use crate::model::Pooling;
use crate::store::dir::{LoadOptions, NewModel};
use crate::store::{ModelSource, StanceModel};
use candle_core::{DType, Tensor, D};
use optim::{lr_at, AdamW};
use rand::{rngs::StdRng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use checkpoint::CheckpointState;
pub use checkpoint::CHECKPOINT_DIR;

/// Everything `train` needs; defaults follow common BERT fine-tuning practice.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainConfig {
    pub base: String,
    pub train: PathBuf,
    pub dev: Vec<PathBuf>,
    pub out: PathBuf,
    pub epochs: usize,
    pub lr: f64,
    pub batch_size: usize,
    pub warmup: f64,
    pub weight_decay: f64,
    pub clip: f64,
    pub dropout: f32,
    pub max_length: usize,
    pub seed: u64,
    pub label_smoothing: f64,
    #[serde(with = "device_serde")]
    pub device: DeviceSpec,
    /// Dev metric that selects the best epoch.
    pub select: SelectMetric,
    pub marker: Option<Marker>,
    pub pooling: Pooling,
    pub freeze_word_embeddings: bool,
    pub skip_bad: bool,
    /// Continue from `out/checkpoint`.
    pub resume: bool,
    /// Start afresh even when `out` holds a trained model or a checkpoint (replacing them).
    #[serde(skip)]
    pub overwrite: bool,
    /// Write a step line to the log every N steps.
    pub log_every: usize,
    /// Stop after this many steps in total (for quick trials); the epoch's checkpoint is not written.
    pub max_steps: Option<usize>,
    /// Store the best model's weights in f16 (half the size).
    pub save_f16: bool,
    /// Parts each batch is split into, run at the same time on CPU (one per thread, each with
    /// single-threaded kernels) and whose gradients are summed. 1: the whole batch at once.
    #[serde(default = "one")]
    pub micro_batches: usize,
    /// Worker threads of the run's pool (as [`crate::device::configure_cpu_threads`] returned):
    /// with the micro-batches it decides the training kernels (see [`TrainConfig::kernels`]).
    #[serde(default = "one")]
    pub threads: usize,
    /// Also write a checkpoint every N steps inside an epoch (long runs lose at most N steps).
    #[serde(default)]
    pub checkpoint_every: Option<usize>,
    /// Learn also from a teacher model's probabilities (and from unlabelled pairs).
    #[serde(default)]
    pub distill: Option<distill::Distill>,
}

fn one() -> usize {
    1
}

/// Micro-batches of a CPU training step: as asked, else one per thread with at least four
/// pairs each (a batch under 8 pairs runs whole, on multi-threaded kernels); one on a GPU.
pub fn micro_batches_for(
    device: &DeviceSpec,
    requested: Option<usize>,
    threads: usize,
    batch_size: usize,
) -> usize {
    match (device, requested) {
        (DeviceSpec::Cpu, Some(n)) => n,
        (DeviceSpec::Cpu, None) => threads.min(batch_size / 4).max(1),
        _ => 1,
    }
}

mod device_serde {
    use crate::device::DeviceSpec;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(d: &DeviceSpec, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&d.to_string())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DeviceSpec, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl TrainConfig {
    pub fn new(base: &str, train: &Path, out: &Path) -> Self {
        Self {
            base: base.to_string(),
            train: train.to_path_buf(),
            dev: Vec::new(),
            out: out.to_path_buf(),
            epochs: 3,
            lr: 5e-5,
            batch_size: 16,
            warmup: 0.1,
            weight_decay: 0.01,
            clip: 1.0,
            dropout: 0.1,
            max_length: 128,
            seed: 42,
            label_smoothing: 0.0,
            device: DeviceSpec::Cpu,
            select: SelectMetric::F1m,
            marker: Some(Marker::default()),
            pooling: Pooling::default(),
            freeze_word_embeddings: false,
            skip_bad: false,
            resume: false,
            overwrite: false,
            log_every: 50,
            max_steps: None,
            save_f16: false,
            micro_batches: 1,
            threads: 1,
            checkpoint_every: None,
            distill: None,
        }
    }

    /// The kernels of a training step: the packed single-threaded linear kernel when each
    /// matrix product gets one thread (several micro-batches at once, or a one-thread run).
    pub fn kernels(&self) -> KernelPath {
        let threading = CpuThreading::for_training(self.micro_batches, &self.device);
        KernelPath::Differentiable {
            packed_linear: threading.kernel_threads(self.threads) == 1,
        }
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Config(m));
        if self.epochs == 0 {
            return bad("--epochs must be at least 1".into());
        }
        if !(self.lr > 0.0 && self.lr < 1.0) {
            return bad(format!("--lr {} is out of range (0, 1)", self.lr));
        }
        if self.max_steps == Some(0) {
            return bad("--max-steps must be at least 1 (0 would save an untrained model)".into());
        }
        if self.checkpoint_every == Some(0) {
            return bad("--checkpoint-every must be at least 1".into());
        }
        if self.micro_batches == 0 {
            return bad("--micro-batches must be at least 1".into());
        }
        if self.batch_size == 0 {
            return bad("--batch-size must be at least 1".into());
        }
        if !(0.0..1.0).contains(&self.warmup) {
            return bad("--warmup is a share of the steps in [0, 1)".into());
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad("--dropout must be in [0, 1)".into());
        }
        if !(0.0..1.0).contains(&self.label_smoothing) {
            return bad("--label-smoothing must be in [0, 1)".into());
        }
        if let Some(d) = &self.distill {
            d.validate()?;
        }
        Ok(())
    }
}

/// Defaults of the settings that matter most, per encoder size, as measured on NewsMTSC.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recipe {
    pub name: &'static str,
    pub epochs: usize,
    pub lr: f64,
    pub label_smoothing: f64,
}

impl Recipe {
    /// MiniLM-size encoders (hidden size up to 512): the shipped model's recipe, the best of
    /// the measured ones (models/minilm-newsmtsc/README.md).
    pub const SMALL: Recipe = Recipe {
        name: "small",
        epochs: 4,
        lr: 1e-4,
        label_smoothing: 0.1,
    };
    /// Base-size encoders (MPNet, BERT-base): lr 3e-5, as in the one-epoch PyTorch probe that
    /// reached test-rw F1m 82.0 after a single epoch, over three epochs.
    pub const BASE: Recipe = Recipe {
        name: "base",
        epochs: 3,
        lr: 3e-5,
        label_smoothing: 0.0,
    };

    pub fn named(name: &str) -> Result<Self> {
        match name {
            "small" => Ok(Self::SMALL),
            "base" => Ok(Self::BASE),
            _ => Err(Error::Config(format!("--recipe {name}: use small or base"))),
        }
    }

    /// The recipe for a base encoder, by its hidden size.
    pub fn for_base(base: &str) -> Result<Self> {
        let src = ModelSource::parse(base)?;
        let path = src
            .file(crate::store::dir::CONFIG_FILE, true)?
            .unwrap_or_default();
        let cfg = crate::model::EncoderConfig::read(&path)?;
        Ok(if cfg.hidden_size <= 512 {
            Self::SMALL
        } else {
            Self::BASE
        })
    }
}

/// What happened in one epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    pub epoch: usize,
    pub train_loss: f64,
    pub seconds: f64,
    pub pairs_per_second: f64,
    /// (file, F1m, accuracy, F1pn) per dev set.
    pub dev: Vec<DevScore>,
    pub selected: bool,
}

/// Stops a run whose loss is NaN or infinite, pointing at the intact checkpoint if there is one.
pub fn ensure_finite(loss: f64, step: usize, epoch: usize, ckpt: &Path) -> Result<()> {
    if loss.is_finite() {
        return Ok(());
    }
    let where_ = if ckpt.join("state.json").is_file() {
        format!(
            "the last checkpoint in {} is intact (--resume continues from it)",
            ckpt.display()
        )
    } else {
        "no checkpoint was written yet".to_string()
    };
    Err(Error::Diverged(format!(
        "loss is {loss} at step {step} (epoch {}); {where_}; try a lower --lr",
        epoch + 1,
    )))
}

#[derive(Debug)]
pub struct TrainOutcome {
    pub history: Vec<EpochRecord>,
    pub best_epoch: Option<usize>,
    pub skipped: Vec<Skip>,
    pub steps: usize,
}

/// Progress reporting hooks (the binary draws a bar).
pub trait TrainProgress: Sync {
    fn start(&self, _total_steps: usize, _done: usize) {}
    fn step(&self, _step: usize, _loss: f64, _lr: f64) {}
    /// An epoch finished and was scored on the dev sets (called before its message).
    fn epoch(&self, _record: &EpochRecord) {}
    fn message(&self, _msg: &str) {}
}

pub struct NoProgress;
impl TrainProgress for NoProgress {}

fn read_labelled(path: &Path, skip_bad: bool) -> Result<(Vec<Example>, Vec<Skip>)> {
    let ds = read_examples(
        path,
        &ReadOptions {
            skip_bad,
            require_label: true,
        },
    )?;
    Ok((ds.examples, ds.skipped))
}

/// Reads labelled dev files whose labels must all be among `labels` (which `whose` names in the
/// error); skipped records are added to `skipped`.
pub(crate) fn read_devs(
    paths: &[PathBuf],
    labels: &[String],
    whose: &str,
    skip_bad: bool,
    skipped: &mut Vec<Skip>,
) -> Result<Vec<(PathBuf, Vec<Example>)>> {
    let mut devs = Vec::new();
    for d in paths {
        let (exs, sk) = read_labelled(d, skip_bad)?;
        skipped.extend(sk);
        if let Some(e) = exs.iter().find(|e| {
            !labels
                .iter()
                .any(|l| Some(l.as_str()) == e.label.as_deref())
        }) {
            return Err(Error::record(
                d,
                e.line,
                "label",
                format!(
                    "label {:?} does not occur in {whose} (labels: {labels:?})",
                    e.label.as_deref().unwrap_or_default(),
                ),
            ));
        }
        devs.push((d.clone(), exs));
    }
    Ok(devs)
}

/// Cross-entropy with label smoothing over `(batch, labels)` logits.
pub fn loss_fn(logits: &Tensor, targets: &Tensor, smoothing: f64) -> candle_core::Result<Tensor> {
    let logp = candle_nn::ops::log_softmax(logits, D::Minus1)?;
    let nll = logp
        .gather(&targets.unsqueeze(1)?, 1)?
        .squeeze(1)?
        .mean_all()?
        .neg()?;
    if smoothing <= 0.0 {
        return Ok(nll);
    }
    let uniform = logp.mean(D::Minus1)?.mean_all()?.neg()?;
    nll.affine(1.0 - smoothing, 0.0)? + uniform.affine(smoothing, 0.0)?
}

fn encode(model: &StanceModel, exs: &[Example], path: &Path) -> Result<Vec<Encoded>> {
    use rayon::prelude::*;
    exs.par_iter()
        .map(|e| {
            model
                .pair_encoder()
                .encode(&e.text, e.start, e.end)
                .map_err(|err| Error::record(path, e.line, "text", err.to_string()))
        })
        .collect()
}

/// What a step learns from, per pair: the gold label index, whether it has one, and the
/// teacher's softened distribution (distillation).
struct Targets<'a> {
    gold: &'a [u32],
    labelled: &'a [bool],
    soft: Option<&'a [Vec<f32>]>,
}

struct StepSettings<'a> {
    pad: u32,
    device: &'a candle_core::Device,
    seed: u64,
    step: usize,
    dropout: f32,
    smoothing: f64,
    parts: usize,
    kernels: KernelPath,
    /// (α, T) of distillation.
    distill: Option<(f64, f64)>,
}

/// The loss (mean over the batch) and its gradients for one batch. With `parts > 1` the batch is
/// split into that many nearly equal parts that run concurrently on the rayon pool, each with
/// its own dropout stream; their losses are weighted by size and their gradients summed, which
/// equals the whole batch's gradient (up to dropout masks and summation order).
fn step_gradients(
    model: &StanceModel,
    rows: &[usize],
    targets: &Targets,
    enc: &[Encoded],
    s: &StepSettings,
) -> Result<(f64, candle_core::backprop::GradStore)> {
    let parts = s.parts.min(rows.len()).max(1);
    let chunk = rows.len().div_ceil(parts);
    let run = |pi: usize, part: &[usize]| -> Result<(f64, candle_core::backprop::GradStore)> {
        let refs: Vec<&Encoded> = part.iter().map(|&i| &enc[i]).collect();
        let batch = Batch::new(&refs, s.pad, DType::F32, s.device)?;
        let y = Tensor::new(
            part.iter().map(|&i| targets.gold[i]).collect::<Vec<u32>>(),
            s.device,
        )?;
        let mut rng = StdRng::seed_from_u64(
            s.seed
                ^ (s.step as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ (pi as u64).wrapping_mul(0xD1B5_4A32_D192_ED03),
        );
        let dropout = (s.dropout > 0.0).then_some(Dropout {
            p: s.dropout,
            rng: &mut rng,
        });
        let logits = model.net().forward(&batch, s.kernels, dropout)?;
        let weight = part.len() as f64 / rows.len() as f64;
        // With α = 0 and gold labels throughout, the teacher adds nothing: the plain loss, so
        // that the run is exactly the run without a teacher.
        let plain = |alpha: f64| alpha == 0.0 && part.iter().all(|&i| targets.labelled[i]);
        let loss = match (s.distill, targets.soft) {
            (Some((alpha, t)), Some(soft)) if !plain(alpha) => {
                let n = logits.dim(1)?;
                let p: Vec<f32> = part.iter().flat_map(|&i| soft[i].iter().copied()).collect();
                let p = Tensor::from_vec(p, (part.len(), n), s.device)?;
                let has: Vec<f32> = part
                    .iter()
                    .map(|&i| f32::from(u8::from(targets.labelled[i])))
                    .collect();
                let has = Tensor::from_vec(has, part.len(), s.device)?;
                distill::distill_loss(&logits, &y, &p, &has, alpha, t, s.smoothing)?
            }
            _ => loss_fn(&logits, &y, s.smoothing)?,
        };
        let loss = (loss * weight)?;
        let lv = loss.to_dtype(DType::F64)?.to_scalar::<f64>()?;
        Ok((lv, loss.backward()?))
    };
    if parts == 1 {
        return run(0, rows);
    }
    use rayon::prelude::*;
    let results: Vec<Result<(f64, candle_core::backprop::GradStore)>> = rows
        .par_chunks(chunk)
        .enumerate()
        .map(|(pi, part)| run(pi, part))
        .collect();
    let mut it = results.into_iter();
    let (mut loss, mut total) = match it.next() {
        Some(r) => r?,
        None => return Err(Error::Config("empty batch".into())),
    };
    // Sums go in place into the first part's gradients where a gradient is alone on its
    // storage (a backward pass may hand one tensor, or views of it, to several inputs: those get
    // a fresh sum).
    let mut owners: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for id in total.get_ids() {
        if let Some(t) = total.get_id(*id) {
            *owners.entry(train_ops::storage_id(t)).or_default() += 1;
        }
    }
    for r in it {
        let (l, g) = r?;
        loss += l;
        for id in g.get_ids().copied().collect::<Vec<_>>() {
            let Some(t) = g.get_id(id) else { continue };
            let sum = match total.get_id(id) {
                Some(acc) => {
                    let own = owners.get(&train_ops::storage_id(acc)) == Some(&1);
                    if own && train_ops::add_assign(acc, t).is_ok() {
                        continue;
                    }
                    (acc + t)?
                }
                None => t.clone(),
            };
            total.insert_id(id, sum);
        }
    }
    Ok((loss, total))
}

/// The file in the run folder with the run's learning curves, rewritten after every epoch.
/// Sorted (name, var) list of the trainable weights.
fn trainable(model: &StanceModel, freeze_word: bool) -> Result<Vec<(String, candle_core::Var)>> {
    let data = model
        .varmap()
        .data()
        .lock()
        .map_err(|_| Error::PoisonedLock("the model's variables"))?;
    let mut v: Vec<(String, candle_core::Var)> = data
        .iter()
        .filter(|(k, _)| !(freeze_word && k.as_str() == "embeddings.word_embeddings.weight"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(v)
}

/// Trains (or, with `--resume`, continues) a run: set-up, then per epoch the batches, dev
/// scoring with selection of the best epoch, and a checkpoint. `stop` is polled between steps
/// (Ctrl-C): the run then ends with [`Error::Interrupted`], leaving the last finished checkpoint
/// and best model intact.
/// What `train` writes into its output folder besides the model files.
pub const TRAIN_FILES: [&str; 6] = [
    checkpoint::CHECKPOINT_DIR,
    ".checkpoint.tmp",
    ".checkpoint.old",
    LOG_FILE,
    CURVES_FILE,
    distill::CACHE_FILE,
];

impl TrainConfig {
    /// The files this run reads and writes, for [`RunFiles::check`]: no output over an input.
    pub fn planned_files(&self) -> RunFiles {
        let mut f = RunFiles::new();
        if Path::new(&self.base).exists() {
            f.read("--base", &self.base);
        }
        f.read("--train", &self.train);
        for d in &self.dev {
            f.read("--dev", d);
        }
        if let Some(d) = &self.distill {
            if Path::new(&d.teacher).exists() {
                f.read("--teacher", &d.teacher);
            }
            for u in &d.unlabelled {
                f.read("--unlabelled", u);
            }
        }
        let names: Vec<&str> = crate::store::dir::MODEL_FILES
            .iter()
            .chain(&TRAIN_FILES)
            .copied()
            .collect();
        f.write_into("--out", &self.out, &names);
        f
    }
}

pub fn train(
    cfg: &TrainConfig,
    progress: &dyn TrainProgress,
    stop: Arc<AtomicBool>,
) -> Result<TrainOutcome> {
    cfg.validate()?;
    cfg.planned_files().check()?;
    let mut data = TrainData::read(cfg)?;
    let skipped = std::mem::take(&mut data.skipped);
    std::fs::create_dir_all(&cfg.out).map_err(|e| Error::io(&cfg.out, e))?;
    let train_hash = checkpoint::file_hash(&cfg.train)?;
    let data_hash = checkpoint::data_hash(cfg)?;
    let (model, state) = start_or_resume(cfg, &data.labels, &train_hash, &data_hash)?;
    let mut run = Run::new(cfg, model, state, &data, train_hash, progress)?;
    run.data_hash = data_hash;
    for epoch in run.start_epoch..cfg.epochs {
        let sums = run.epoch(epoch, progress, &stop)?;
        run.select(epoch, sums, progress)?;
        if run.reached_max_steps() {
            break;
        }
        run.checkpoint(epoch + 1, 0, EpochSums::default())?;
    }
    Ok(run.outcome(skipped))
}

/// The training examples, their label names, the dev sets, and what was skipped reading them.
struct TrainData {
    examples: Vec<Example>,
    /// Pairs without labels (distillation), per file.
    unlabelled: Vec<(PathBuf, Vec<Example>)>,
    labels: Vec<String>,
    devs: Vec<(PathBuf, Vec<Example>)>,
    skipped: Vec<Skip>,
}

impl TrainData {
    fn read(cfg: &TrainConfig) -> Result<Self> {
        let (examples, mut skipped) = read_labelled(&cfg.train, cfg.skip_bad)?;
        let labels = labels::label_list(examples.iter().filter_map(|e| e.label.as_deref()));
        let devs = read_devs(
            &cfg.dev,
            &labels,
            &format!("the training data {}", cfg.train.display()),
            cfg.skip_bad,
            &mut skipped,
        )?;
        let mut unlabelled = Vec::new();
        for path in cfg.distill.iter().flat_map(|d| &d.unlabelled) {
            let ds = read_examples(
                path,
                &ReadOptions {
                    skip_bad: cfg.skip_bad,
                    require_label: false,
                },
            )?;
            skipped.extend(ds.skipped);
            let exs = ds
                .examples
                .into_iter()
                .map(|e| Example { label: None, ..e });
            unlabelled.push((path.clone(), exs.collect()));
        }
        Ok(Self {
            examples,
            unlabelled,
            labels,
            devs,
            skipped,
        })
    }
}

/// A fresh run into a folder that holds a trained model or a checkpoint would replace them:
/// refused unless `overwrite` says so.
fn refuse_to_replace(cfg: &TrainConfig) -> Result<()> {
    let model = cfg.out.join(crate::model::meta::META_FILE);
    let ckpt = checkpoint::dir(&cfg.out);
    let held = if model.is_file() {
        "a trained model"
    } else if ckpt.exists() {
        "a checkpoint"
    } else {
        return Ok(());
    };
    if cfg.overwrite {
        return Ok(());
    }
    Err(Error::Config(format!(
        "--out {} already holds {held}; pass --resume to continue its run or --overwrite to replace it",
        cfg.out.display()
    )))
}

/// The model to train: from the base encoder with a fresh head, or, with `--resume`, from the
/// checkpoint (after checking that it belongs to this run) with its state.
fn start_or_resume(
    cfg: &TrainConfig,
    label_names: &[String],
    train_hash: &str,
    data_hash: &str,
) -> Result<(StanceModel, Option<CheckpointState>)> {
    let opts = LoadOptions {
        device: cfg.device.open()?,
        dtype: DType::F32,
    };
    if !cfg.resume {
        refuse_to_replace(cfg)?;
        let base = ModelSource::parse(&cfg.base)?;
        let new = NewModel {
            labels: label_names.to_vec(),
            marker: cfg.marker.clone(),
            pooling: cfg.pooling,
            max_length: cfg.max_length,
            seed: cfg.seed,
        };
        let m = StanceModel::from_base(&base, &new, &opts)?;
        // A fresh run starts a fresh log.
        let _ = std::fs::remove_file(cfg.out.join(LOG_FILE));
        return Ok((m, None));
    }
    checkpoint::recover(&cfg.out)?;
    let state = checkpoint::read_state(&cfg.out)?;
    checkpoint::check_same_run(&state.config, cfg)?;
    if state.train_hash.as_ref().is_some_and(|h| h != train_hash) {
        return Err(Error::Config(format!(
            "--resume: {} is not the file the checkpoint's run trained on (its contents changed)",
            cfg.train.display()
        )));
    }
    if state.data_hash.as_ref().is_some_and(|h| h != data_hash) {
        return Err(Error::Config(
            "--resume: a --dev or --unlabelled file is not the one the checkpoint's run used (its contents changed)".into(),
        ));
    }
    log::trim(&cfg.out, state.step, state.epochs_done)?;
    let m = StanceModel::load(&ModelSource::Dir(checkpoint::dir(&cfg.out)), &opts)?;
    if m.labels() != label_names {
        return Err(Error::Config(format!(
            "the checkpoint's labels {:?} differ from the training data's {label_names:?}",
            m.labels()
        )));
    }
    Ok((m, Some(state)))
}

/// Running sums of the epoch in progress (carried over a mid-epoch checkpoint).
#[derive(Debug, Clone, Copy, Default)]
struct EpochSums {
    loss_sum: f64,
    seen: usize,
    seconds: f64,
}

/// A run in progress: the model, its optimizer, the encoded data, and where the run stands.
struct Run<'a> {
    cfg: &'a TrainConfig,
    model: StanceModel,
    opt: AdamW,
    devs: &'a [(PathBuf, Vec<Example>)],
    train_enc: Vec<Encoded>,
    lens: Vec<usize>,
    targets: Vec<u32>,
    /// Per pair: whether it has a gold label (unlabelled pairs learn from the teacher only).
    labelled: Vec<bool>,
    /// The teacher's distributions at the distillation temperature, per pair.
    soft: Option<Vec<Vec<f32>>>,
    device: candle_core::Device,
    train_hash: String,
    data_hash: String,
    per_epoch: usize,
    total_steps: usize,
    warmup_steps: usize,
    start_epoch: usize,
    /// Within the epoch a checkpoint stopped in: batches already taken and their sums.
    resume_in_epoch: Option<(usize, EpochSums)>,
    step: usize,
    best: Option<f64>,
    history: Vec<EpochRecord>,
}

impl<'a> Run<'a> {
    fn new(
        cfg: &'a TrainConfig,
        mut model: StanceModel,
        state: Option<CheckpointState>,
        data: &'a TrainData,
        train_hash: String,
        progress: &dyn TrainProgress,
    ) -> Result<Self> {
        if cfg.freeze_word_embeddings {
            model.net_mut().encoder.freeze_word_embeddings();
        }
        // Dev sets are scored on raw probabilities (a checkpoint carries the best epoch's
        // temperature in its metadata); each selected epoch fits its own.
        model.score_raw();
        model.meta_mut().training = training_record(cfg, data.examples.len());
        let (soft, teacher) = teacher_targets(cfg, data, model.labels(), progress)?;
        if let Some(t) = teacher {
            model.meta_mut().training["distill"] = t;
        }
        let mut opt = AdamW::new(
            trainable(&model, cfg.freeze_word_embeddings)?,
            cfg.weight_decay,
        )?;
        if let Some(s) = &state {
            opt.load(&checkpoint::optimizer_file(&cfg.out), s.step)?;
        }
        progress.message(&format!("encoding {} training pairs", data.examples.len()));
        let mut train_enc = encode(&model, &data.examples, &cfg.train)?;
        for (path, exs) in &data.unlabelled {
            train_enc.extend(encode(&model, exs, path)?);
        }
        let lens: Vec<usize> = train_enc.iter().map(|e| e.len()).collect();
        let all = || {
            data.examples
                .iter()
                .chain(data.unlabelled.iter().flat_map(|(_, exs)| exs))
        };
        let targets: Vec<u32> = all()
            .map(|e| {
                model
                    .meta()
                    .label_index(e.label.as_deref().unwrap_or_default())
                    .unwrap_or(0) as u32
            })
            .collect();
        let labelled: Vec<bool> = all().map(|e| e.label.is_some()).collect();
        let per_epoch = train_enc.len().div_ceil(cfg.batch_size);
        let total_steps = per_epoch * cfg.epochs;
        let step = state.as_ref().map_or(0, |s| s.step);
        progress.start(cfg.max_steps.unwrap_or(total_steps).min(total_steps), step);
        Ok(Self {
            cfg,
            device: model.net().device.clone(),
            model,
            opt,
            devs: &data.devs,
            train_enc,
            lens,
            targets,
            labelled,
            soft,
            train_hash,
            data_hash: String::new(),
            per_epoch,
            total_steps,
            warmup_steps: (cfg.warmup * total_steps as f64).round() as usize,
            start_epoch: state.as_ref().map_or(0, |s| s.epochs_done),
            resume_in_epoch: state.as_ref().map(|s| {
                let sums = EpochSums {
                    loss_sum: s.epoch_loss_sum,
                    seen: s.epoch_seen,
                    seconds: s.epoch_seconds,
                };
                (s.batches_done, sums)
            }),
            step,
            best: state.as_ref().and_then(|s| s.best),
            history: state.map(|s| s.history).unwrap_or_default(),
        })
    }

    fn reached_max_steps(&self) -> bool {
        self.cfg.max_steps.is_some_and(|m| self.step >= m)
    }

    /// The batches of one epoch (from where a mid-epoch checkpoint stopped): a step each, with
    /// step log lines and step checkpoints.
    fn epoch(
        &mut self,
        epoch: usize,
        progress: &dyn TrainProgress,
        stop: &AtomicBool,
    ) -> Result<EpochSums> {
        let cfg = self.cfg;
        let t0 = std::time::Instant::now();
        let (skip, mut sums) = self.resume_in_epoch.take().unwrap_or_default();
        let earlier_seconds = sums.seconds;
        let epoch_batches = batches::epoch_batches(&self.lens, cfg.batch_size, cfg.seed, epoch);
        for (bi, rows) in epoch_batches.into_iter().enumerate().skip(skip) {
            if stop.load(Ordering::SeqCst) {
                return Err(Error::Interrupted);
            }
            if self.reached_max_steps() {
                break;
            }
            let (loss, lr, norm) = self.step(&rows, epoch)?;
            sums.loss_sum += loss * rows.len() as f64;
            sums.seen += rows.len();
            sums.seconds = earlier_seconds + t0.elapsed().as_secs_f64();
            progress.step(self.step, loss, lr);
            if cfg.log_every > 0 && self.step.is_multiple_of(cfg.log_every) {
                log::append(
                    &cfg.out,
                    &TrainLogLine::Step {
                        epoch: epoch + 1,
                        step: self.step,
                        loss,
                        lr,
                        grad_norm: norm,
                        seconds: sums.seconds,
                    },
                )?;
            }
            let mid_epoch = bi + 1 < self.per_epoch;
            if cfg
                .checkpoint_every
                .is_some_and(|n| self.step.is_multiple_of(n))
                && mid_epoch
            {
                self.checkpoint(epoch, bi + 1, sums)?;
                write_learning_curves(&cfg.out)?;
                progress.message(&format!("checkpoint at step {}", self.step));
            }
        }
        sums.seconds = earlier_seconds + t0.elapsed().as_secs_f64();
        Ok(sums)
    }

    /// One optimizer step on the batch `rows`: the loss, learning rate and gradient norm.
    fn step(&mut self, rows: &[usize], epoch: usize) -> Result<(f64, f64, f64)> {
        let cfg = self.cfg;
        let (loss, grads) = step_gradients(
            &self.model,
            rows,
            &Targets {
                gold: &self.targets,
                labelled: &self.labelled,
                soft: self.soft.as_deref(),
            },
            &self.train_enc,
            &StepSettings {
                pad: self.model.config().pad_token_id as u32,
                device: &self.device,
                seed: cfg.seed,
                step: self.step,
                dropout: cfg.dropout,
                smoothing: cfg.label_smoothing,
                parts: cfg.micro_batches,
                kernels: cfg.kernels(),
                distill: cfg.distill.as_ref().map(|d| (d.weight, d.temperature)),
            },
        )?;
        ensure_finite(loss, self.step, epoch, &checkpoint::dir(&cfg.out))?;
        let norm = self.opt.grad_norm(&grads)?;
        let scale = if cfg.clip > 0.0 && norm > cfg.clip {
            cfg.clip / norm
        } else {
            1.0
        };
        let lr = lr_at(self.step, self.total_steps, self.warmup_steps, cfg.lr);
        self.opt.step(&grads, lr, scale)?;
        self.step += 1;
        Ok((loss, lr, norm))
    }

    /// Scores the dev sets after an epoch and, if it is the best so far by the selection metric
    /// (or there is no dev set), saves the model with its dev scores and temperature.
    fn select(
        &mut self,
        epoch: usize,
        sums: EpochSums,
        progress: &dyn TrainProgress,
    ) -> Result<()> {
        let cfg = self.cfg;
        let scores = dev_scores(&self.model, self.devs)?;
        let value = scores.first().and_then(|r| r.metrics.get(cfg.select));
        let selected =
            self.devs.is_empty() || value.is_some_and(|v| self.best.is_none_or(|b| v > b));
        if selected {
            self.best = value.or(self.best);
        }
        let rec = EpochRecord {
            epoch: epoch + 1,
            train_loss: sums.loss_sum / sums.seen.max(1) as f64,
            seconds: sums.seconds,
            pairs_per_second: sums.seen as f64 / sums.seconds.max(1e-9),
            dev: scores.iter().map(|r| r.score.clone()).collect(),
            selected,
        };
        progress.epoch(&rec);
        progress.message(&epoch_message(&rec));
        log::append(
            &cfg.out,
            &TrainLogLine::Epoch {
                record: rec.clone(),
            },
        )?;
        write_learning_curves(&cfg.out)?;
        self.history.push(rec);
        if selected {
            self.model.meta_mut().dev_scores = Some(crate::model::meta::DevScores {
                epoch: Some(epoch + 1),
                select: Some(cfg.select),
                scores: scores.iter().map(|r| r.score.clone()).collect(),
            });
            // Only the metadata: dev scoring during training stays at temperature 1.
            calibrate_on(&mut self.model, &scores, false);
            let dtype = if cfg.save_f16 { DType::F16 } else { DType::F32 };
            self.model.save(&cfg.out, dtype)?;
        }
        Ok(())
    }

    /// Writes the checkpoint: `epochs_done` whole epochs and `batches_done` batches of the next
    /// with their running `sums`.
    fn checkpoint(&self, epochs_done: usize, batches_done: usize, sums: EpochSums) -> Result<()> {
        let state = CheckpointState {
            epochs_done,
            step: self.step,
            batches_done,
            epoch_loss_sum: sums.loss_sum,
            epoch_seen: sums.seen,
            epoch_seconds: sums.seconds,
            best: self.best,
            history: self.history.clone(),
            config: self.cfg.clone(),
            train_hash: Some(self.train_hash.clone()),
            data_hash: Some(self.data_hash.clone()),
        };
        checkpoint::save(&self.cfg.out, &self.model, &self.opt, &state)
    }

    fn outcome(self, skipped: Vec<Skip>) -> TrainOutcome {
        let best_epoch = self
            .history
            .iter()
            .rev()
            .find(|r| r.selected)
            .map(|r| r.epoch);
        TrainOutcome {
            history: self.history,
            best_epoch,
            skipped,
            steps: self.step,
        }
    }
}

/// The teacher's softened distributions, one row per training pair.
type SoftTargets = Vec<Vec<f32>>;

/// The teacher's softened distributions for every training pair (labelled, then unlabelled),
/// and its record for `stance.json`; `None` without distillation.
fn teacher_targets(
    cfg: &TrainConfig,
    data: &TrainData,
    labels: &[String],
    progress: &dyn TrainProgress,
) -> Result<(Option<SoftTargets>, Option<serde_json::Value>)> {
    let Some(d) = &cfg.distill else {
        return Ok((None, None));
    };
    let examples: Vec<Example> = data
        .examples
        .iter()
        .chain(data.unlabelled.iter().flat_map(|(_, exs)| exs))
        .cloned()
        .collect();
    let mut files: Vec<&Path> = vec![cfg.train.as_path()];
    files.extend(data.unlabelled.iter().map(|(p, _)| p.as_path()));
    let (logits, mut record) =
        distill::teacher_logits(d, &examples, &files, labels, &cfg.out, &|m| {
            progress.message(m)
        })?;
    record["unlabelled_pairs"] = data
        .unlabelled
        .iter()
        .map(|(_, e)| e.len())
        .sum::<usize>()
        .into();
    Ok((Some(distill::soften(&logits, d.temperature)), Some(record)))
}

/// The `training` record of `stance.json`: data and settings of the run.
fn training_record(cfg: &TrainConfig, examples: usize) -> serde_json::Value {
    serde_json::json!({
        "train": cfg.train.display().to_string(),
        "dev": cfg.dev.iter().map(|d| d.display().to_string()).collect::<Vec<_>>(),
        "examples": examples,
        "epochs": cfg.epochs, "lr": cfg.lr, "batch_size": cfg.batch_size, "warmup": cfg.warmup,
        "weight_decay": cfg.weight_decay, "clip": cfg.clip, "dropout": cfg.dropout,
        "label_smoothing": cfg.label_smoothing, "seed": cfg.seed, "select": cfg.select,
        "freeze_word_embeddings": cfg.freeze_word_embeddings, "device": cfg.device.to_string(),
        "micro_batches": cfg.micro_batches,
    })
}

/// `epoch N: loss L, P pairs/s, dev-rw.jsonl F1m F, … (best so far: saved)`.
fn epoch_message(rec: &EpochRecord) -> String {
    let devs: String = rec
        .dev
        .iter()
        .map(|d| {
            let name = Path::new(&d.data)
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            format!(", {name} F1m {:.2}", 100.0 * d.f1m)
        })
        .collect();
    let saved = if rec.selected {
        " (best so far: saved)"
    } else {
        ""
    };
    format!(
        "epoch {}: loss {:.4}, {:.1} pairs/s{devs}{saved}",
        rec.epoch, rec.train_loss, rec.pairs_per_second
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn non_finite_loss_stops_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let ckpt = dir.path().join("checkpoint");
        assert!(ensure_finite(0.5, 3, 0, &ckpt).is_ok());
        for bad in [f64::NAN, f64::INFINITY] {
            let e = ensure_finite(bad, 3, 0, &ckpt).unwrap_err();
            assert!(
                matches!(&e, Error::Diverged(m) if m.contains("no checkpoint was written yet") && m.contains("lower --lr")),
                "{e}"
            );
        }
        // The message names the checkpoint only when there is one.
        std::fs::create_dir_all(&ckpt).unwrap();
        std::fs::write(ckpt.join("state.json"), "{}").unwrap();
        let e = ensure_finite(f64::NAN, 3, 0, &ckpt)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&ckpt.display().to_string()) && e.contains("--resume"),
            "{e}"
        );
    }
    #[test]
    fn smoothed_loss() {
        let dev = candle_core::Device::Cpu;
        let logits = Tensor::new(&[[2.0f32, 0.0, -2.0]], &dev).unwrap();
        let y = Tensor::new(&[0u32], &dev).unwrap();
        let plain = loss_fn(&logits, &y, 0.0)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        let z: f32 = [2.0f32, 0.0, -2.0].iter().map(|x| x.exp()).sum();
        assert!((plain - (z.ln() - 2.0)).abs() < 1e-5);
        let smooth = loss_fn(&logits, &y, 0.3)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        let uniform = z.ln() - 0.0; // mean of the log-probabilities' negation
        assert!((smooth - (0.7 * plain + 0.3 * uniform)).abs() < 1e-5);
    }
}
