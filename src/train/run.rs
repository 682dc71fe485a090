//! A run in progress: its set-up from a fresh start or a checkpoint, the epochs of steps, the
//! selection of the best epoch on the dev sets, and the checkpoints.

use super::data::TrainData;
use super::optim::{lr_at, AdamW};
use super::step::{encode, ensure_finite, step_gradients, trainable, StepSettings, Targets};
use super::{
    batches, checkpoint, distill, log, write_learning_curves, EpochRecord, TrainConfig,
    TrainLogLine, TrainOutcome, TrainProgress,
};
use crate::encode::Encoded;
use crate::error::{Error, Result};
use crate::eval::dev::{calibrate_on, dev_scores};
use crate::io::{Example, Skip};
use crate::model::provenance::{Training, TrainingRun};
use crate::store::StanceModel;
use candle_core::DType;
use checkpoint::CheckpointState;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Running sums of the epoch in progress (carried over a mid-epoch checkpoint).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct EpochSums {
    pub(super) loss_sum: f64,
    pub(super) seen: usize,
    pub(super) seconds: f64,
}

/// A run in progress: the model, its optimizer, the encoded data, and where the run stands.
pub(super) struct Run<'a> {
    pub(super) cfg: &'a TrainConfig,
    pub(super) model: StanceModel,
    pub(super) opt: AdamW,
    pub(super) devs: &'a [(PathBuf, Vec<Example>)],
    pub(super) train_enc: Vec<Encoded>,
    pub(super) lens: Vec<usize>,
    pub(super) targets: Vec<u32>,
    /// Per pair: whether it has a gold label (unlabelled pairs learn from the teacher only).
    pub(super) labelled: Vec<bool>,
    /// The teacher's distributions at the distillation temperature, per pair.
    pub(super) soft: Option<Vec<Vec<f32>>>,
    pub(super) device: candle_core::Device,
    pub(super) train_hash: String,
    pub(super) data_hash: String,
    pub(super) per_epoch: usize,
    pub(super) total_steps: usize,
    pub(super) warmup_steps: usize,
    pub(super) start_epoch: usize,
    /// Within the epoch a checkpoint stopped in: batches already taken and their sums.
    pub(super) resume_in_epoch: Option<(usize, EpochSums)>,
    pub(super) step: usize,
    pub(super) best: Option<f64>,
    pub(super) history: Vec<EpochRecord>,
}

impl<'a> Run<'a> {
    pub(super) fn new(
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
        let (soft, teacher) = teacher_targets(cfg, data, model.labels(), progress)?;
        model.meta_mut().training = Some(training_record(cfg, data.examples.len(), teacher));
        let mut opt = AdamW::new(
            trainable(&model, cfg.freeze_word_embeddings)?,
            cfg.weight_decay,
        )?
        .with_layer_decay(cfg.layer_decay);
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

    pub(super) fn reached_max_steps(&self) -> bool {
        self.cfg.max_steps.is_some_and(|m| self.step >= m)
    }

    /// The batches of one epoch (from where a mid-epoch checkpoint stopped): a step each, with
    /// step log lines and step checkpoints.
    pub(super) fn epoch(
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
    pub(super) fn step(&mut self, rows: &[usize], epoch: usize) -> Result<(f64, f64, f64)> {
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
    pub(super) fn select(
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
            calibrate_on(&mut self.model, &scores, crate::model::TopMapKind::None);
            let dtype = if cfg.save_f16 { DType::F16 } else { DType::F32 };
            self.model.save(&cfg.out, dtype)?;
        }
        Ok(())
    }

    /// Writes the checkpoint: `epochs_done` whole epochs and `batches_done` batches of the next
    /// with their running `sums`.
    pub(super) fn checkpoint(
        &self,
        epochs_done: usize,
        batches_done: usize,
        sums: EpochSums,
    ) -> Result<()> {
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

    pub(super) fn outcome(self, skipped: Vec<Skip>) -> TrainOutcome {
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
pub(super) type SoftTargets = Vec<Vec<f32>>;

/// The teacher's softened distributions for every training pair (labelled, then unlabelled),
/// and its record for `stance.json`; `None` without distillation.
pub(super) fn teacher_targets(
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

/// The `training` record of `stance.json`: data and settings of the run, and its teacher.
pub(super) fn training_record(
    cfg: &TrainConfig,
    examples: usize,
    distill: Option<serde_json::Value>,
) -> Training {
    Training::Run(Box::new(TrainingRun {
        train: cfg.train.display().to_string(),
        dev: cfg.dev.iter().map(|d| d.display().to_string()).collect(),
        examples,
        epochs: cfg.epochs,
        lr: cfg.lr,
        batch_size: cfg.batch_size,
        warmup: cfg.warmup,
        weight_decay: cfg.weight_decay,
        layer_decay: cfg.layer_decay,
        clip: cfg.clip,
        dropout: f64::from(cfg.dropout),
        label_smoothing: cfg.label_smoothing,
        seed: cfg.seed,
        select: cfg.select,
        freeze_word_embeddings: cfg.freeze_word_embeddings,
        device: cfg.device.to_string(),
        micro_batches: cfg.micro_batches,
        distill,
        other: Default::default(),
    }))
}

/// `epoch N: loss L, P pairs/s, dev-rw.jsonl F1m F, … (best so far: saved)`.
pub(super) fn epoch_message(rec: &EpochRecord) -> String {
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
