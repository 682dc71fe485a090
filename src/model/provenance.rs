//! The `training` and `calibration` sections of `stance.json`, typed: how a model came to be
//! and how its probabilities were calibrated. Both keep fields they do not name (`other`), and
//! a `training` section of a layout this version does not know is kept as it is
//! ([`Training::Other`]), so that every model directory written so far loads and writes back
//! unchanged.

use super::meta::{DevScores, SelectMetric};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use serde_with::skip_serializing_none;

/// How a model came to be.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Training {
    /// The uniform average of other models (`stance average`).
    Average { average_of: Vec<AveragedModel> },
    /// A training run (`stance train`).
    Run(Box<TrainingRun>),
    /// A layout this version does not know.
    Other(Value),
}

/// The data and settings of a training run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrainingRun {
    pub train: String,
    pub dev: Vec<String>,
    /// Labelled training pairs.
    pub examples: usize,
    pub epochs: usize,
    pub lr: f64,
    pub batch_size: usize,
    pub warmup: f64,
    pub weight_decay: f64,
    /// Layer-wise learning-rate decay; absent (1) for runs without it.
    #[serde(default = "one_f64", skip_serializing_if = "is_one")]
    pub layer_decay: f64,
    pub clip: f64,
    /// f64 so that the f32 setting written by earlier versions reads back to the same digits.
    pub dropout: f64,
    pub label_smoothing: f64,
    pub seed: u64,
    pub select: SelectMetric,
    #[serde(default)]
    pub freeze_word_embeddings: bool,
    pub device: String,
    #[serde(default = "one")]
    pub micro_batches: usize,
    /// The teacher of a distillation run: its name, α, T, and the pairs it labelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distill: Option<Value>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

fn one() -> usize {
    1
}

fn one_f64() -> f64 {
    1.0
}

fn is_one(v: &f64) -> bool {
    *v == 1.0
}

/// One model of an average: its name, how it was trained, its dev scores.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AveragedModel {
    pub model: String,
    #[serde(default)]
    pub training: Option<Training>,
    #[serde(default)]
    pub dev_scores: Option<DevScores>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Calibration figures of a set of predictions.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Calibration {
    /// Expected calibration error, 10 equal-width bins of the top probability.
    pub ece: f64,
    /// Mean negative log-likelihood of the gold label (natural log).
    pub nll: f64,
    /// Mean top probability.
    pub mean_confidence: f64,
}

/// One calibration set's figures before and after the fitted map.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DevCalibration {
    pub data: String,
    pub before: Calibration,
    pub after: Calibration,
}

/// How the probabilities were calibrated: the method, the temperature, and each calibration
/// set's figures; or why none was fitted (`method: "none"`, `reason`).
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CalibrationRecord {
    pub method: String,
    pub temperature: Option<f64>,
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dev: Vec<DevCalibration>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run, or an average of two or more models each made of runs.
    fn made_of_runs(t: &Training) -> bool {
        match t {
            Training::Run(r) => r.examples > 0 && r.lr > 0.0,
            Training::Average { average_of } => {
                average_of.len() >= 2
                    && average_of
                        .iter()
                        .all(|m| m.training.as_ref().is_some_and(made_of_runs))
            }
            Training::Other(_) => false,
        }
    }

    #[test]
    fn every_shipped_model_reads_typed_and_writes_back_the_same() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
        let mut read = 0;
        for entry in std::fs::read_dir(&root).unwrap().flatten() {
            let p = entry.path().join(super::super::meta::META_FILE);
            if !p.is_file() {
                continue;
            }
            let raw: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            let training: Training = serde_json::from_value(raw["training"].clone()).unwrap();
            // Every shipped model is a run or an average of runs (averages of averages
            // included), none of an unknown layout.
            assert!(
                made_of_runs(&training),
                "{p:?}: training of an unknown layout"
            );
            assert_eq!(serde_json::to_value(&training).unwrap(), raw["training"]);
            let cal: CalibrationRecord =
                serde_json::from_value(raw["calibration"].clone()).unwrap();
            assert!(cal.temperature.is_some() && !cal.dev.is_empty(), "{p:?}");
            assert_eq!(serde_json::to_value(&cal).unwrap(), raw["calibration"]);
            read += 1;
        }
        assert!(read >= 2, "no shipped model found under {root:?}");
    }

    #[test]
    fn unknown_layouts_are_kept_as_they_are() {
        let v = serde_json::json!({"note": "made by hand", "epochs": "three"});
        let t: Training = serde_json::from_value(v.clone()).unwrap();
        assert!(matches!(t, Training::Other(_)));
        assert_eq!(serde_json::to_value(&t).unwrap(), v);
        let c = serde_json::json!({"method": "none", "reason": "too few pairs", "extra": 1});
        let r: CalibrationRecord = serde_json::from_value(c.clone()).unwrap();
        assert_eq!(r.reason.as_deref(), Some("too few pairs"));
        assert_eq!(serde_json::to_value(&r).unwrap(), c);
    }
}
