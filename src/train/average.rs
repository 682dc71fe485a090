//! `stance average`: the uniform average of the weights of several models fine-tuned from the
//! same base with the same labels and input format (a "model soup", Wortsman et al. 2022).
//! Fine-tuning runs that differ only in seed or data order usually stay in one basin of the
//! loss, and their average often scores at least as well as the best of them at no cost at
//! inference time. The averaged model can be scored on dev sets, which are recorded in its
//! `stance.json` like a trained model's.

use super::{read_model_devs, DevScore};
use crate::error::{Error, Result};
use crate::eval::dev::{calibrate_on, dev_scores};
use crate::io::guard::RunFiles;
use crate::io::Skip;
use crate::model::meta::{DevScores, SelectMetric};
use crate::model::provenance::{AveragedModel, Training};
use crate::store::dir::LoadOptions;
use crate::store::{ModelSource, StanceModel};
use candle_core::{DType, Tensor};
use std::path::{Path, PathBuf};

/// What to average and where to write it.
#[derive(Debug, Clone)]
pub struct AverageConfig {
    /// Model directories or hub ids (at least two).
    pub models: Vec<String>,
    /// Labelled files to score the average on (optional).
    pub dev: Vec<PathBuf>,
    pub out: PathBuf,
    /// Store the weights in f16.
    pub save_f16: bool,
    pub skip_bad: bool,
    /// Write into `out` even when it exists and is not empty (a model there is replaced).
    pub overwrite: bool,
}

#[derive(Debug)]
pub struct AverageOutcome {
    pub models: usize,
    pub weights: usize,
    pub dev: Vec<DevScore>,
    pub skipped: Vec<Skip>,
}

/// Why two models cannot be averaged, or `None` when they can.
fn incompatibility(a: &StanceModel, b: &StanceModel) -> Option<String> {
    if a.meta().labels != b.meta().labels {
        return Some(format!(
            "labels {:?} differ from {:?}",
            b.meta().labels,
            a.meta().labels
        ));
    }
    if a.meta().marker != b.meta().marker || a.meta().pooling != b.meta().pooling {
        return Some("target marker or pooling differs".into());
    }
    if a.config() != b.config() {
        return Some("encoder config (config.json) differs".into());
    }
    if a.tokenizer_json() != b.tokenizer_json() {
        return Some("tokenizer (tokenizer.json) differs".into());
    }
    None
}

/// Averages the models' weights uniformly (in f32), scores the result on the dev files and
/// writes it to `cfg.out` atomically.
impl AverageConfig {
    /// The files this run reads and writes, for [`RunFiles::check`].
    pub fn planned_files(&self) -> RunFiles {
        let mut f = RunFiles::new();
        for m in &self.models {
            if Path::new(m).exists() {
                f.read("--model", m);
            }
        }
        for d in &self.dev {
            f.read("--dev", d);
        }
        f.write_into("--out", &self.out, &crate::store::dir::MODEL_FILES);
        f
    }
}

/// An output folder that exists and holds anything (a model, or files of the user's) would be
/// written into: refused unless `overwrite` says so, as `train` refuses.
fn refuse_to_replace(cfg: &AverageConfig) -> Result<()> {
    let occupied = match std::fs::read_dir(&cfg.out) {
        Ok(mut entries) => entries.next().is_some(),
        Err(_) => cfg.out.exists(),
    };
    if !occupied || cfg.overwrite {
        return Ok(());
    }
    Err(Error::Config(format!(
        "--output {} exists and is not empty; choose a new folder or pass --overwrite to replace what is there",
        cfg.out.display()
    )))
}

pub fn average(cfg: &AverageConfig, progress: &dyn Fn(&str)) -> Result<AverageOutcome> {
    if cfg.models.len() < 2 {
        return Err(Error::Config(
            "average needs at least two models (--model A --model B …)".into(),
        ));
    }
    cfg.planned_files().check()?;
    refuse_to_replace(cfg)?;
    let opts = LoadOptions::default();
    progress(&format!("loading {}", cfg.models[0]));
    let first = StanceModel::load(&ModelSource::parse(&cfg.models[0])?, &opts)?;
    let mut sums = first.tensors()?;
    let mut sources = vec![averaged(&cfg.models[0], &first)];
    for name in &cfg.models[1..] {
        progress(&format!("loading {name}"));
        let m = StanceModel::load(&ModelSource::parse(name)?, &opts)?;
        if let Some(why) = incompatibility(&first, &m) {
            return Err(Error::Model {
                path: name.into(),
                message: format!("cannot average it with {}: {why}", cfg.models[0]),
            });
        }
        let other = m.tensors()?;
        if other.len() != sums.len() || other.keys().any(|k| !sums.contains_key(k)) {
            return Err(Error::Model {
                path: name.into(),
                message: format!(
                    "cannot average it with {}: their weights have different names",
                    cfg.models[0]
                ),
            });
        }
        for (k, t) in other {
            let acc = sums.get_mut(&k).ok_or_else(|| Error::Model {
                path: name.into(),
                message: format!("weight {k} missing"),
            })?;
            if acc.dims() != t.dims() {
                return Err(Error::Model {
                    path: name.into(),
                    message: format!(
                        "cannot average it with {}: weight {k} has shape {:?}, not {:?}",
                        cfg.models[0],
                        t.dims(),
                        acc.dims()
                    ),
                });
            }
            *acc = (&*acc + t.to_dtype(DType::F32)?)?;
        }
        sources.push(averaged(name, &m));
    }
    let scale = 1.0 / cfg.models.len() as f64;
    let mut model = first;
    for (k, t) in &sums {
        let mean: Tensor = t.affine(scale, 0.0)?;
        model.set_weight(k, &mean)?;
    }
    model.meta_mut().training = Some(Training::Average {
        average_of: sources,
    });
    let (devs, skipped) = read_model_devs(&cfg.dev, model.labels(), cfg.skip_bad)?;
    let mut dev = Vec::new();
    model.meta_mut().dev_scores = None;
    // The first model's temperature does not fit the average: refitted on the dev sets, or
    // none.
    model.set_temperature(None);
    model.meta_mut().calibration = None;
    if !devs.is_empty() {
        progress("scoring the average on the dev sets");
        let scores = dev_scores(&model, &devs)?;
        dev = scores.iter().map(|r| r.score.clone()).collect();
        model.meta_mut().dev_scores = Some(DevScores {
            epoch: None,
            select: Some(SelectMetric::F1m),
            scores: dev.clone(),
        });
        calibrate_on(&mut model, &scores, crate::model::TopMapKind::None);
    }
    model.save(&cfg.out, if cfg.save_f16 { DType::F16 } else { DType::F32 })?;
    Ok(AverageOutcome {
        models: cfg.models.len(),
        weights: sums.len(),
        dev,
        skipped,
    })
}

/// One model of an average as its `training` record names it.
fn averaged(name: &str, m: &StanceModel) -> AveragedModel {
    AveragedModel {
        model: name.to_string(),
        training: m.meta().training.clone(),
        dev_scores: m.meta().dev_scores.clone(),
        other: Default::default(),
    }
}
