//! Scoring a model on labelled dev sets: metrics, the probabilities and gold labels behind
//! them, and the temperature fitted on them (used by `train`, `average`, `calibrate`, `eval`).

use super::calibration::{
    self, calibrate_rows, fit_temperature, fit_top_isotonic, fit_top_platt, measure, Calibration,
};
use super::{compute, Metrics};
use crate::error::Result;
use crate::infer::predict::{predict_examples, Prediction};
use crate::infer::InferOptions;
use crate::io::Example;
use crate::model::{TopMap, TopMapKind};
use crate::store::StanceModel;
use std::path::PathBuf;

pub use crate::model::meta::DevScore;

use crate::model::provenance::CalibrationRecord;
pub use crate::model::provenance::DevCalibration;

/// Metrics of predictions that carry their gold label (labels outside `labels` count as the first).
pub fn metrics_of(labels: &[String], preds: &[Prediction]) -> Metrics {
    let index = |l: &str| labels.iter().position(|x| x == l).unwrap_or(0);
    let gold: Vec<usize> = preds
        .iter()
        .map(|p| index(p.gold.as_deref().unwrap_or_default()))
        .collect();
    let pred: Vec<usize> = preds.iter().map(|p| index(&p.label)).collect();
    compute(labels, &gold, &pred)
}

/// ECE and NLL of predictions that carry their gold label.
pub fn calibration_of(labels: &[String], preds: &[Prediction]) -> Calibration {
    let index = |l: &str| labels.iter().position(|x| x == l).unwrap_or(0);
    let probs: Vec<Vec<f32>> = preds
        .iter()
        .map(|p| labels.iter().map(|l| p.scores[l]).collect())
        .collect();
    let gold: Vec<usize> = preds
        .iter()
        .map(|p| index(p.gold.as_deref().unwrap_or_default()))
        .collect();
    calibration::measure(&probs, &gold)
}

/// A model's predictions on one dev set: its scores, and the probabilities and gold label
/// indices (for calibration).
pub struct DevRun {
    pub score: DevScore,
    pub metrics: Metrics,
    pub probs: Vec<Vec<f32>>,
    pub gold: Vec<usize>,
}

pub fn dev_scores(model: &StanceModel, devs: &[(PathBuf, Vec<Example>)]) -> Result<Vec<DevRun>> {
    let mut out = Vec::new();
    for (path, exs) in devs {
        let preds = predict_examples(model, exs, &InferOptions::default(), &|_| {})?;
        let m = metrics_of(model.labels(), &preds);
        let labels = model.labels();
        out.push(DevRun {
            score: DevScore {
                data: path.display().to_string(),
                f1m: m.f1m,
                accuracy: m.accuracy,
                f1pn: m.f1pn,
            },
            metrics: m,
            probs: preds
                .iter()
                .map(|p| labels.iter().map(|l| p.scores[l]).collect())
                .collect(),
            gold: preds
                .iter()
                .map(|p| {
                    labels
                        .iter()
                        .position(|l| Some(l) == p.gold.as_ref())
                        .unwrap_or(0)
                })
                .collect(),
        });
    }
    Ok(out)
}

/// Fewest labelled pairs a temperature is fitted on.
pub const MIN_CALIBRATION_PAIRS: usize = 100;

/// Why `gold` (label indices of the pooled calibration pairs) cannot calibrate a model: fewer
/// than [`MIN_CALIBRATION_PAIRS`] pairs, or a single label. `None` when it can.
pub fn too_little_to_calibrate(gold: &[usize]) -> Option<String> {
    let labels: std::collections::HashSet<usize> = gold.iter().copied().collect();
    if gold.len() < MIN_CALIBRATION_PAIRS {
        Some(format!(
            "{} labelled pairs; a temperature needs at least {MIN_CALIBRATION_PAIRS}",
            gold.len()
        ))
    } else if labels.len() < 2 {
        Some("every pair has the same label; a temperature needs at least two labels".into())
    } else {
        None
    }
}

/// Fits the temperature (and then the top-probability map of kind `top_map`) on the dev runs
/// (all sets pooled; the runs were made at temperature 1) and records them, with ECE and NLL
/// per set before and after, in the model's metadata.
pub fn calibrate_on(
    model: &mut StanceModel,
    runs: &[DevRun],
    top_map: TopMapKind,
) -> Vec<DevCalibration> {
    let probs: Vec<Vec<f32>> = runs.iter().flat_map(|r| r.probs.clone()).collect();
    let gold: Vec<usize> = runs.iter().flat_map(|r| r.gold.clone()).collect();
    if probs.is_empty() {
        return Vec::new();
    }
    if let Some(why) = too_little_to_calibrate(&gold) {
        // A temperature fitted on a handful of pairs or on one label only says how sure the
        // model is of that label (a near-untrained model would claim 95%): none is fitted.
        model.meta_mut().temperature = None;
        model.meta_mut().set_top_map(None);
        model.meta_mut().calibration = Some(CalibrationRecord {
            method: "none".into(),
            temperature: None,
            reason: Some(why.to_string()),
            dev: Vec::new(),
            other: Default::default(),
        });
        return runs
            .iter()
            .map(|r| DevCalibration {
                data: r.score.data.clone(),
                before: measure(&r.probs, &r.gold),
                after: measure(&r.probs, &r.gold),
            })
            .collect();
    }
    let t = fit_temperature(&probs, &gold);
    let scaled = || calibrate_rows(&probs, t, None);
    let map = match top_map {
        TopMapKind::None => None,
        TopMapKind::Platt => fit_top_platt(&scaled(), &gold).map(TopMap::Platt),
        TopMapKind::Isotonic => fit_top_isotonic(&scaled(), &gold).map(TopMap::Isotonic),
    };
    let per_set: Vec<DevCalibration> = runs
        .iter()
        .map(|r| {
            let scaled = calibrate_rows(&r.probs, t, map.as_ref());
            DevCalibration {
                data: r.score.data.clone(),
                before: measure(&r.probs, &r.gold),
                after: measure(&scaled, &r.gold),
            }
        })
        .collect();
    // The metadata only: the network keeps scoring raw probabilities (later epochs of a training
    // run are calibrated afresh from them).
    model.meta_mut().temperature = Some(t);
    let method = match &map {
        Some(TopMap::Platt(_)) => {
            "temperature scaling (NLL), then Platt scaling of the top probability (all dev sets pooled)"
        }
        Some(TopMap::Isotonic(_)) => {
            "temperature scaling (NLL), then an isotonic map of the top probability (all dev sets pooled)"
        }
        None => "temperature scaling (NLL, all dev sets pooled)",
    };
    model.meta_mut().set_top_map(map);
    model.meta_mut().calibration = Some(CalibrationRecord {
        method: method.into(),
        temperature: Some(t),
        reason: None,
        dev: per_set.clone(),
        other: Default::default(),
    });
    per_set
}
