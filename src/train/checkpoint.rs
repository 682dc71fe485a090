//! Training checkpoints: `OUT/checkpoint/` holds the weights (f32), the optimizer's moments and
//! `state.json` (where the run stands, down to the batch within an epoch). A checkpoint is
//! written to `.checkpoint.tmp` (its `state.json` last) and swapped in; a kill at any point of
//! the swap leaves a complete checkpoint that [`recover`] puts back in place.

use super::optim::AdamW;
use super::{EpochRecord, TrainConfig};
use crate::error::{Error, Result};
use crate::io::atomic::fault_point;
use crate::store::StanceModel;
use candle_core::DType;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const CHECKPOINT_DIR: &str = "checkpoint";
const STATE_FILE: &str = "state.json";
const OPTIMIZER_FILE: &str = "optimizer.safetensors";

/// Where a run stands (`checkpoint/state.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckpointState {
    /// Epochs finished (dev-scored).
    pub epochs_done: usize,
    /// Optimizer steps taken in all.
    pub step: usize,
    /// Batches of the unfinished epoch `epochs_done + 1` already taken (0 at an epoch's end).
    #[serde(default)]
    pub batches_done: usize,
    /// Running sums of the unfinished epoch, so that its record comes out as without the stop.
    #[serde(default)]
    pub epoch_loss_sum: f64,
    #[serde(default)]
    pub epoch_seen: usize,
    #[serde(default)]
    pub epoch_seconds: f64,
    pub best: Option<f64>,
    pub history: Vec<EpochRecord>,
    pub config: TrainConfig,
    /// FNV-1a hash of the training file's bytes: a resumed run must read the same data.
    #[serde(default)]
    pub train_hash: Option<String>,
    /// FNV-1a over the dev and unlabelled files' hashes, in order: a resumed run must select
    /// and distil on the same data too (absent in checkpoints of older versions).
    #[serde(default)]
    pub data_hash: Option<String>,
}

/// The hash of a run's dev and unlabelled files (see [`CheckpointState::data_hash`]).
pub fn data_hash(cfg: &TrainConfig) -> Result<String> {
    let unlabelled = cfg.distill.iter().flat_map(|d| d.unlabelled.iter());
    let mut h = FNV_START;
    for p in cfg.dev.iter().chain(unlabelled) {
        h = fnv_update(h, file_hash(p)?.as_bytes());
    }
    Ok(format!("{h:016x}"))
}

fn tmp_dir(out: &Path) -> PathBuf {
    out.join(format!(".{CHECKPOINT_DIR}.tmp"))
}
fn old_dir(out: &Path) -> PathBuf {
    out.join(format!(".{CHECKPOINT_DIR}.old"))
}
pub fn dir(out: &Path) -> PathBuf {
    out.join(CHECKPOINT_DIR)
}

/// Writes a checkpoint of `model`, `opt` and `state` into `out/checkpoint`, replacing the
/// previous one only once the new one is complete.
pub fn save(out: &Path, model: &StanceModel, opt: &AdamW, state: &CheckpointState) -> Result<()> {
    let tmp = tmp_dir(out);
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    }
    model.save(&tmp, DType::F32)?;
    fault_point();
    opt.save(&tmp.join(OPTIMIZER_FILE))?;
    fault_point();
    crate::io::atomic::write_bytes(
        tmp.join(STATE_FILE),
        serde_json::to_string_pretty(state)
            .map_err(|e| Error::Internal(format!("the checkpoint state: {e}")))?
            .as_bytes(),
    )?;
    let (ckpt, old) = (dir(out), old_dir(out));
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
    }
    if ckpt.exists() {
        std::fs::rename(&ckpt, &old).map_err(|e| Error::io(&ckpt, e))?;
    }
    fault_point();
    std::fs::rename(&tmp, &ckpt).map_err(|e| Error::io(&ckpt, e))?;
    fault_point();
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
    }
    Ok(())
}

/// Puts a complete checkpoint back in place after a stop inside [`save`]'s swap: a finished
/// `.checkpoint.tmp` (its state written) is newer than `.checkpoint.old`.
pub fn recover(out: &Path) -> Result<()> {
    let (ckpt, tmp, old) = (dir(out), tmp_dir(out), old_dir(out));
    if !ckpt.join(STATE_FILE).is_file() {
        let from = if tmp.join(STATE_FILE).is_file() {
            Some(tmp.clone())
        } else if old.join(STATE_FILE).is_file() {
            Some(old.clone())
        } else {
            None
        };
        if let Some(from) = from {
            if ckpt.exists() {
                std::fs::remove_dir_all(&ckpt).map_err(|e| Error::io(&ckpt, e))?;
            }
            std::fs::rename(&from, &ckpt).map_err(|e| Error::io(&from, e))?;
        }
    }
    for leftover in [tmp, old] {
        if leftover.exists() {
            std::fs::remove_dir_all(&leftover).map_err(|e| Error::io(&leftover, e))?;
        }
    }
    Ok(())
}

/// Reads the checkpoint's state, after [`recover`].
pub fn read_state(out: &Path) -> Result<CheckpointState> {
    let sp = dir(out).join(STATE_FILE);
    if !sp.is_file() {
        return Err(Error::Config(format!(
            "--resume: no checkpoint in {} (none was written yet, or the folder is another run's)",
            dir(out).display()
        )));
    }
    let s = std::fs::read_to_string(&sp).map_err(|e| Error::io(&sp, e))?;
    serde_json::from_str(&s).map_err(|e| Error::model(&sp, e.to_string()))
}

pub fn optimizer_file(out: &Path) -> PathBuf {
    dir(out).join(OPTIMIZER_FILE)
}

/// FNV-1a over a file's bytes, as hex.
pub fn file_hash(path: &Path) -> Result<String> {
    fnv_file(path)
}

pub use crate::io::hash::{fnv_file, fnv_update, FNV_START};

/// The settings a resumed run must share with the run that wrote the checkpoint: everything
/// that changes the batches, the schedule or the loss. Output, logging and stopping settings
/// may differ.
pub fn check_same_run(saved: &TrainConfig, now: &TrainConfig) -> Result<()> {
    // Paths are compared by what they name, not how they are spelt (`a/../b` = `b`).
    let canonical = |p: &std::path::Path| -> String {
        p.canonicalize()
            .unwrap_or_else(|_| p.to_path_buf())
            .display()
            .to_string()
    };
    let strip = |c: &TrainConfig| -> serde_json::Value {
        let mut c = c.clone();
        c.train = canonical(&c.train).into();
        c.dev = c.dev.iter().map(|d| canonical(d).into()).collect();
        if std::path::Path::new(&c.base).exists() {
            c.base = canonical(std::path::Path::new(&c.base));
        }
        let mut v = serde_json::to_value(&c).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            for k in [
                "out",
                "resume",
                "log_every",
                "max_steps",
                "save_f16",
                "checkpoint_every",
                "skip_bad",
                "device",
            ] {
                o.remove(k);
            }
        }
        v
    };
    let (a, b) = (strip(saved), strip(now));
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return Ok(());
    };
    let differ: Vec<String> = a
        .iter()
        .filter(|(k, v)| b.get(*k) != Some(v))
        .map(|(k, v)| {
            format!(
                "{k}: checkpoint {v}, now {}",
                b.get(k).cloned().unwrap_or_default()
            )
        })
        .collect();
    if differ.is_empty() {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "--resume with other settings than the checkpoint's run ({}); start a new run in another --out, or resume with the same settings",
            differ.join("; ")
        )))
    }
}
