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
pub mod optim;

use crate::device::DeviceSpec;
use crate::encode::{Batch, Encoded, Marker};
use crate::error::{Error, Result};
pub use crate::eval::dev::DevScore;
use crate::eval::dev::{calibrate_on, dev_scores};
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
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use checkpoint::CheckpointState;
pub use checkpoint::CHECKPOINT_DIR;
pub const LOG_FILE: &str = "train-log.jsonl";

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
    /// Dev metric that selects the best epoch: f1m, accuracy or f1pn.
    pub select: String,
    pub marker: Option<Marker>,
    pub pooling: Pooling,
    pub freeze_word_embeddings: bool,
    pub skip_bad: bool,
    /// Continue from `out/checkpoint`.
    pub resume: bool,
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
    /// Also write a checkpoint every N steps inside an epoch (long runs lose at most N steps).
    #[serde(default)]
    pub checkpoint_every: Option<usize>,
}

fn one() -> usize {
    1
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
            select: "f1m".into(),
            marker: Some(Marker::default()),
            pooling: Pooling::default(),
            freeze_word_embeddings: false,
            skip_bad: false,
            resume: false,
            log_every: 50,
            max_steps: None,
            save_f16: false,
            micro_batches: 1,
            checkpoint_every: None,
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
        if !["f1m", "accuracy", "f1pn"].contains(&self.select.as_str()) {
            return bad(format!(
                "--select {}: use f1m, accuracy or f1pn",
                self.select
            ));
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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

/// On resume: drops the log lines written after the checkpoint (they will be written again).
fn trim_log(out: &Path, state: &CheckpointState) -> Result<()> {
    let p = out.join(LOG_FILE);
    let Ok(text) = std::fs::read_to_string(&p) else {
        return Ok(());
    };
    let kept: String = text
        .lines()
        .filter(|line| {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                return false;
            };
            match v["type"].as_str() {
                Some("step") => v["step"].as_u64().is_some_and(|s| s as usize <= state.step),
                Some("epoch") => v["record"]["epoch"]
                    .as_u64()
                    .is_some_and(|e| e as usize <= state.epochs_done),
                _ => true,
            }
        })
        .map(|l| format!("{l}\n"))
        .collect();
    crate::io::atomic::write_bytes(&p, kept.as_bytes())
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

struct StepSettings<'a> {
    pad: u32,
    device: &'a candle_core::Device,
    seed: u64,
    step: usize,
    dropout: f32,
    smoothing: f64,
    parts: usize,
}

/// The loss (mean over the batch) and its gradients for one batch. With `parts > 1` the batch is
/// split into that many nearly equal parts that run concurrently on the rayon pool, each with
/// its own dropout stream; their losses are weighted by size and their gradients summed, which
/// equals the whole batch's gradient (up to dropout masks and summation order).
fn step_gradients(
    model: &StanceModel,
    rows: &[usize],
    enc: &[Encoded],
    targets: &[u32],
    s: &StepSettings,
) -> Result<(f64, candle_core::backprop::GradStore)> {
    let parts = s.parts.min(rows.len()).max(1);
    let chunk = rows.len().div_ceil(parts);
    let run = |pi: usize, part: &[usize]| -> Result<(f64, candle_core::backprop::GradStore)> {
        let refs: Vec<&Encoded> = part.iter().map(|&i| &enc[i]).collect();
        let batch = Batch::new(&refs, s.pad, DType::F32, s.device)?;
        let y = Tensor::new(
            part.iter().map(|&i| targets[i]).collect::<Vec<u32>>(),
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
        let logits = model
            .net()
            .forward(&batch, KernelPath::Differentiable, dropout)?;
        let weight = part.len() as f64 / rows.len() as f64;
        let loss = (loss_fn(&logits, &y, s.smoothing)? * weight)?;
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

fn append_log(out: &Path, value: &serde_json::Value) -> Result<()> {
    let p = out.join(LOG_FILE);
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&p)
        .map_err(|e| Error::io(&p, e))?;
    writeln!(f, "{value}").map_err(|e| Error::io(&p, e))?;
    crate::io::atomic::fault_point();
    Ok(())
}

/// Sorted (name, var) list of the trainable weights.
fn trainable(model: &StanceModel, freeze_word: bool) -> Result<Vec<(String, candle_core::Var)>> {
    let data = model
        .varmap()
        .data()
        .lock()
        .map_err(|_| Error::Config("poisoned var map".into()))?;
    let mut v: Vec<(String, candle_core::Var)> = data
        .iter()
        .filter(|(k, _)| !(freeze_word && k.as_str() == "embeddings.word_embeddings.weight"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(v)
}

/// Runs training. `stop` is polled between steps (Ctrl-C): the run then ends with
/// [`Error::Interrupted`], leaving the last finished checkpoint and best model intact.
pub fn train(
    cfg: &TrainConfig,
    progress: &dyn TrainProgress,
    stop: Arc<AtomicBool>,
) -> Result<TrainOutcome> {
    cfg.validate()?;
    let device = cfg.device.open()?;
    let opts = LoadOptions {
        device: device.clone(),
        dtype: DType::F32,
    };
    let (train_ex, mut skipped) = read_labelled(&cfg.train, cfg.skip_bad)?;
    let label_names = labels::label_list(train_ex.iter().filter_map(|e| e.label.as_deref()));
    let devs = read_devs(
        &cfg.dev,
        &label_names,
        &format!("the training data {}", cfg.train.display()),
        cfg.skip_bad,
        &mut skipped,
    )?;
    std::fs::create_dir_all(&cfg.out).map_err(|e| Error::io(&cfg.out, e))?;
    let ckpt = checkpoint::dir(&cfg.out);
    let train_hash = checkpoint::file_hash(&cfg.train)?;

    // Model and optimizer: fresh from the base, or from the checkpoint.
    let (mut model, state) = if cfg.resume {
        checkpoint::recover(&cfg.out)?;
        let state = checkpoint::read_state(&cfg.out)?;
        checkpoint::check_same_run(&state.config, cfg)?;
        if state.train_hash.as_ref().is_some_and(|h| *h != train_hash) {
            return Err(Error::Config(format!(
                "--resume: {} is not the file the checkpoint's run trained on (its contents changed)",
                cfg.train.display()
            )));
        }
        trim_log(&cfg.out, &state)?;
        let m = StanceModel::load(&ModelSource::Dir(ckpt.clone()), &opts)?;
        if m.labels() != label_names {
            return Err(Error::Config(format!(
                "the checkpoint's labels {:?} differ from the training data's {label_names:?}",
                m.labels()
            )));
        }
        (m, Some(state))
    } else {
        let base = ModelSource::parse(&cfg.base)?;
        let new = NewModel {
            labels: label_names.clone(),
            marker: cfg.marker.clone(),
            pooling: cfg.pooling,
            max_length: cfg.max_length,
            seed: cfg.seed,
        };
        let m = StanceModel::from_base(&base, &new, &opts)?;
        // A fresh run starts a fresh log.
        let _ = std::fs::remove_file(cfg.out.join(LOG_FILE));
        (m, None)
    };
    if cfg.freeze_word_embeddings {
        model.net_mut().encoder.freeze_word_embeddings();
    }
    // Dev sets are scored on raw probabilities (a checkpoint carries the best epoch's
    // temperature in its metadata); each selected epoch fits its own.
    model.net_mut().temperature = 1.0;
    model.meta_mut().training = serde_json::json!({
        "train": cfg.train.display().to_string(),
        "dev": cfg.dev.iter().map(|d| d.display().to_string()).collect::<Vec<_>>(),
        "examples": train_ex.len(),
        "epochs": cfg.epochs, "lr": cfg.lr, "batch_size": cfg.batch_size, "warmup": cfg.warmup,
        "weight_decay": cfg.weight_decay, "clip": cfg.clip, "dropout": cfg.dropout,
        "label_smoothing": cfg.label_smoothing, "seed": cfg.seed, "select": cfg.select,
        "freeze_word_embeddings": cfg.freeze_word_embeddings, "device": cfg.device.to_string(),
        "micro_batches": cfg.micro_batches,
    });
    let mut opt = AdamW::new(
        trainable(&model, cfg.freeze_word_embeddings)?,
        cfg.weight_decay,
    )?;
    let (start_epoch, mut step, mut best, mut history) = match &state {
        Some(s) => {
            opt.load(&checkpoint::optimizer_file(&cfg.out), s.step)?;
            (s.epochs_done, s.step, s.best, s.history.clone())
        }
        None => (0, 0, None, Vec::new()),
    };
    // Within the epoch the checkpoint stopped in: batches already taken and their sums.
    let mut resume_in_epoch = state.as_ref().map(|s| {
        (
            s.batches_done,
            s.epoch_loss_sum,
            s.epoch_seen,
            s.epoch_seconds,
        )
    });

    progress.message(&format!("encoding {} training pairs", train_ex.len()));
    let train_enc = encode(&model, &train_ex, &cfg.train)?;
    let lens: Vec<usize> = train_enc.iter().map(|e| e.len()).collect();
    let targets: Vec<u32> = train_ex
        .iter()
        .map(|e| {
            model
                .meta()
                .label_index(e.label.as_deref().unwrap_or_default())
                .unwrap_or(0) as u32
        })
        .collect();
    let per_epoch = train_enc.len().div_ceil(cfg.batch_size);
    let total_steps = per_epoch * cfg.epochs;
    let warmup_steps = (cfg.warmup * total_steps as f64).round() as usize;
    let pad = model.config().pad_token_id as u32;
    progress.start(cfg.max_steps.unwrap_or(total_steps).min(total_steps), step);

    let checkpoint_state = |epochs_done: usize,
                            step: usize,
                            batches_done: usize,
                            sums: (f64, usize, f64),
                            best: Option<f64>,
                            history: &[EpochRecord]| CheckpointState {
        epochs_done,
        step,
        batches_done,
        epoch_loss_sum: sums.0,
        epoch_seen: sums.1,
        epoch_seconds: sums.2,
        best,
        history: history.to_vec(),
        config: cfg.clone(),
        train_hash: Some(train_hash.clone()),
    };
    for epoch in start_epoch..cfg.epochs {
        let t0 = std::time::Instant::now();
        let (skip, mut loss_sum, mut seen, earlier_seconds) =
            resume_in_epoch.take().unwrap_or((0, 0.0, 0, 0.0));
        let epoch_batches = batches::epoch_batches(&lens, cfg.batch_size, cfg.seed, epoch);
        for (bi, rows) in epoch_batches.into_iter().enumerate().skip(skip) {
            if stop.load(Ordering::SeqCst) {
                return Err(Error::Interrupted);
            }
            if cfg.max_steps.is_some_and(|m| step >= m) {
                break;
            }
            let (lv, grads) = step_gradients(
                &model,
                &rows,
                &train_enc,
                &targets,
                &StepSettings {
                    pad,
                    device: &device,
                    seed: cfg.seed,
                    step,
                    dropout: cfg.dropout,
                    smoothing: cfg.label_smoothing,
                    parts: cfg.micro_batches,
                },
            )?;
            ensure_finite(lv, step, epoch, &ckpt)?;
            let norm = opt.grad_norm(&grads)?;
            let scale = if cfg.clip > 0.0 && norm > cfg.clip {
                cfg.clip / norm
            } else {
                1.0
            };
            let lr = lr_at(step, total_steps, warmup_steps, cfg.lr);
            opt.step(&grads, lr, scale)?;
            step += 1;
            loss_sum += lv * rows.len() as f64;
            seen += rows.len();
            progress.step(step, lv, lr);
            if cfg.log_every > 0 && step % cfg.log_every == 0 {
                append_log(
                    &cfg.out,
                    &serde_json::json!({"type": "step", "epoch": epoch + 1, "step": step, "loss": lv, "lr": lr, "grad_norm": norm, "seconds": earlier_seconds + t0.elapsed().as_secs_f64()}),
                )?;
            }
            if cfg.checkpoint_every.is_some_and(|n| step % n == 0) && bi + 1 < per_epoch {
                let sums = (loss_sum, seen, earlier_seconds + t0.elapsed().as_secs_f64());
                let st = checkpoint_state(epoch, step, bi + 1, sums, best, &history);
                checkpoint::save(&cfg.out, &model, &opt, &st)?;
                progress.message(&format!("checkpoint at step {step}"));
            }
        }
        let seconds = earlier_seconds + t0.elapsed().as_secs_f64();
        let scores = dev_scores(&model, &devs)?;
        let value = scores.first().and_then(|r| r.metrics.get(&cfg.select));
        let selected = devs.is_empty() || value.is_some_and(|v| best.is_none_or(|b| v > b));
        if selected {
            best = value.or(best);
        }
        let rec = EpochRecord {
            epoch: epoch + 1,
            train_loss: loss_sum / seen.max(1) as f64,
            seconds,
            pairs_per_second: seen as f64 / seconds.max(1e-9),
            dev: scores.iter().map(|r| r.score.clone()).collect(),
            selected,
        };
        progress.message(&format!(
            "epoch {}: loss {:.4}, {:.1} pairs/s{}{}",
            rec.epoch,
            rec.train_loss,
            rec.pairs_per_second,
            rec.dev
                .iter()
                .map(|d| format!(
                    ", {} F1m {:.2}",
                    Path::new(&d.data)
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default(),
                    100.0 * d.f1m
                ))
                .collect::<String>(),
            if selected {
                " (best so far: saved)"
            } else {
                ""
            }
        ));
        append_log(
            &cfg.out,
            &serde_json::json!({"type": "epoch", "record": rec}),
        )?;
        history.push(rec);
        if selected {
            model.meta_mut().dev_scores = serde_json::json!({ "epoch": epoch + 1, "select": cfg.select, "scores": scores.iter().map(|r| &r.score).collect::<Vec<_>>() });
            // Only the metadata: dev scoring during training stays at temperature 1.
            calibrate_on(&mut model, &scores);
            model.save(&cfg.out, if cfg.save_f16 { DType::F16 } else { DType::F32 })?;
        }
        if cfg.max_steps.is_some_and(|m| step >= m) {
            break;
        }
        let st = checkpoint_state(epoch + 1, step, 0, (0.0, 0, 0.0), best, &history);
        checkpoint::save(&cfg.out, &model, &opt, &st)?;
    }
    let best_epoch = history.iter().rev().find(|r| r.selected).map(|r| r.epoch);
    Ok(TrainOutcome {
        history,
        best_epoch,
        skipped,
        steps: step,
    })
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
