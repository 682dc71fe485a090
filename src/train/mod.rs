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
mod config;
mod data;
pub mod distill;
pub mod log;
pub mod optim;
mod run;
mod step;

pub use config::{micro_batches_for, Recipe, TrainConfig, TRAIN_FILES};
pub(crate) use data::read_model_devs;
pub use log::{write_learning_curves, TrainLogLine, CURVES_FILE, LOG_FILE};
pub use step::{ensure_finite, loss_fn};

use crate::error::{Error, Result};
pub use crate::eval::dev::DevScore;
pub use crate::eval::metrics::SelectMetric;
use crate::io::Skip;
use crate::store::dir::{LoadOptions, NewModel};
use crate::store::{ModelSource, StanceModel};
use candle_core::DType;
use data::TrainData;
use run::{EpochSums, Run};
use serde::{Deserialize, Serialize};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use checkpoint::CheckpointState;
pub use checkpoint::CHECKPOINT_DIR;

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

/// Trains (or, with `--resume`, continues) a run: set-up, then per epoch the batches, dev
/// scoring with selection of the best epoch, and a checkpoint. `stop` is polled between steps
/// (Ctrl-C): the run then ends with [`Error::Interrupted`], leaving the last finished checkpoint
/// and best model intact.
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
