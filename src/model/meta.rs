//! `stance.json`: what a model directory needs beyond the encoder's own files.

use super::calibrator::{TopIsotonic, TopMap, TopPlatt};
pub use super::provenance::{CalibrationRecord, Training};
pub use crate::encode::Marker;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use std::path::Path;

pub const META_FILE: &str = "stance.json";
pub const FORMAT_VERSION: u32 = 1;

/// What the head reads from the encoder's last layer.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Pooling {
    /// The `[CLS]` vector.
    Cls,
    /// The mean over the target mention's tokens in the sentence.
    Target,
    /// `[CLS]` and the target mean, concatenated.
    #[default]
    ClsTarget,
}

impl Pooling {
    pub fn width(self, hidden: usize) -> usize {
        match self {
            Pooling::Cls | Pooling::Target => hidden,
            Pooling::ClsTarget => 2 * hidden,
        }
    }
}

/// The contents of `stance.json`. An absent optional field is left out of the file, except
/// those marked `serialize_always`, written as `null`.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StanceMeta {
    pub format_version: u32,
    /// Label names in the order of the head's outputs.
    pub labels: Vec<String>,
    /// Target marking in the sentence; `null` for none.
    #[serialize_always]
    pub marker: Option<Marker>,
    pub pooling: Pooling,
    /// Longest input in tokens (sentence + target + special tokens).
    pub max_length: usize,
    /// The checkpoint the encoder started from.
    pub base_model: String,
    /// How the model came to be: a training run's data and settings, or the models averaged
    /// (`null` when not recorded).
    #[serialize_always]
    #[serde(default, serialize_with = "sorted_keys")]
    pub training: Option<Training>,
    /// Scores on development sets at the selected epoch (`null` when none were taken).
    #[serialize_always]
    #[serde(default, serialize_with = "sorted_keys")]
    pub dev_scores: Option<DevScores>,
    /// Logits are divided by this before the softmax (temperature scaling, fitted on dev sets
    /// so that the probabilities are calibrated); absent means 1.
    pub temperature: Option<f64>,
    /// Platt scaling of the top probability, applied after the temperature (fitted with it on
    /// the dev sets); absent means the temperature alone.
    pub top_platt: Option<TopPlatt>,
    /// An isotonic map of the top probability, applied after the temperature instead of
    /// `top_platt` (a model has at most one of the two).
    pub top_isotonic: Option<TopIsotonic>,
    /// The encoder's shape as trained (from `config.json`): a `config.json` edited afterwards
    /// (layers, heads, activation, …) no longer matches and is refused at load time.
    pub encoder: Option<serde_json::Value>,
    /// How the temperature was fitted: data, and ECE / NLL before and after.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "sorted_keys"
    )]
    pub calibration: Option<CalibrationRecord>,
}

/// Writes a section through a JSON value, whose object keys are sorted: the layout these
/// sections had when they were untyped, so that `stance.json` files and the model fingerprints
/// that hash the metadata stay what they were.
fn sorted_keys<T: Serialize, S: serde::Serializer>(
    v: &T,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    serde_json::to_value(v)
        .map_err(serde::ser::Error::custom)?
        .serialize(s)
}

/// The dev metric that selects a training run's best epoch (`--select`): one list of names for
/// the CLI, the library, checkpoints and the model's metadata.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum SelectMetric {
    /// Macro-F1 over the labels.
    #[default]
    F1m,
    /// Accuracy.
    #[serde(alias = "acc")]
    Accuracy,
    /// Mean F1 of the supportive and critical labels.
    F1pn,
}

impl SelectMetric {
    pub fn as_str(self) -> &'static str {
        match self {
            SelectMetric::F1m => "f1m",
            SelectMetric::Accuracy => "accuracy",
            SelectMetric::F1pn => "f1pn",
        }
    }
}

impl std::fmt::Display for SelectMetric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One dev set's scores.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DevScore {
    pub data: String,
    pub f1m: f64,
    pub accuracy: f64,
    pub f1pn: Option<f64>,
}

/// The dev scores a model records: at the epoch training selected (by `select`), or of an
/// average (no epoch).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DevScores {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<SelectMetric>,
    #[serde(default)]
    pub scores: Vec<DevScore>,
}

impl StanceMeta {
    pub fn new(labels: Vec<String>, base_model: &str) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            labels,
            marker: Some(Marker::default()),
            pooling: Pooling::default(),
            max_length: 128,
            base_model: base_model.to_string(),
            training: None,
            dev_scores: None,
            temperature: None,
            top_platt: None,
            top_isotonic: None,
            encoder: None,
            calibration: None,
        }
    }

    pub fn read(path: &Path) -> Result<Self> {
        let s = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let m: StanceMeta = serde_json::from_str(&s)
            .map_err(|e| Error::model(path, format!("bad {META_FILE}: {e}")))?;
        if m.format_version > FORMAT_VERSION {
            return Err(Error::model(
                path,
                format!(
                    "format_version {} is newer than this program understands ({FORMAT_VERSION})",
                    m.format_version
                ),
            ));
        }
        if m.labels.len() < 2 {
            return Err(Error::model(path, "a model needs at least two labels"));
        }
        if let Some(l) = m.labels.iter().find(|l| l.trim().is_empty()) {
            return Err(Error::model(path, format!("empty label {l:?} in `labels`")));
        }
        for (i, l) in m.labels.iter().enumerate() {
            if m.labels[..i].contains(l) {
                return Err(Error::model(
                    path,
                    format!("label {l:?} appears twice in `labels`"),
                ));
            }
        }
        if let Some(mk) = &m.marker {
            if mk.open.trim().is_empty() || mk.close.trim().is_empty() {
                // The model was trained to see the target between its markers: empty ones
                // feed it inputs unlike any it learnt from.
                return Err(Error::model(
                    path,
                    format!(
                        "the target marker {:?} … {:?} is empty; a model trained without markers has `\"marker\": null`",
                        mk.open, mk.close
                    ),
                ));
            }
        }
        if let Some(t) = m.temperature {
            if !(t.is_finite() && t > 0.0) {
                return Err(Error::model(
                    path,
                    format!("temperature {t} must be a positive finite number"),
                ));
            }
        }
        if let Some(map) = m.top_platt {
            if !map.is_valid() {
                return Err(Error::model(
                    path,
                    format!(
                        "top_platt {{a: {}, b: {}}} must have a finite a > 0 and a finite b",
                        map.a, map.b
                    ),
                ));
            }
        }
        if let Some(map) = &m.top_isotonic {
            if m.top_platt.is_some() {
                return Err(Error::model(
                    path,
                    "top_platt and top_isotonic are both set; a model applies one top-probability map",
                ));
            }
            if !map.is_valid() {
                return Err(Error::model(
                    path,
                    "top_isotonic must have as many ends as values, both non-decreasing, the values \
                     probabilities",
                ));
            }
        }
        if m.max_length < 8 {
            return Err(Error::model(path, "max_length must be at least 8"));
        }
        Ok(m)
    }

    /// The top-probability map applied after the temperature, if any.
    pub fn top_map(&self) -> Option<TopMap> {
        match (&self.top_platt, &self.top_isotonic) {
            (Some(p), _) => Some(TopMap::Platt(*p)),
            (None, Some(i)) => Some(TopMap::Isotonic(i.clone())),
            (None, None) => None,
        }
    }

    /// Records `map` as the top-probability map (replacing either kind).
    pub fn set_top_map(&mut self, map: Option<TopMap>) {
        (self.top_platt, self.top_isotonic) = match map {
            Some(TopMap::Platt(p)) => (Some(p), None),
            Some(TopMap::Isotonic(i)) => (None, Some(i)),
            None => (None, None),
        };
    }

    pub fn label_index(&self, label: &str) -> Option<usize> {
        self.labels.iter().position(|l| l == label)
    }
}

#[cfg(test)]
mod dev_scores_tests {
    use super::*;

    #[test]
    fn shipped_metadata_reads_typed_dev_scores() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
        let mut read = 0;
        for entry in std::fs::read_dir(&root).unwrap().flatten() {
            let p = entry.path().join(META_FILE);
            if !p.is_file() {
                continue;
            }
            let meta = StanceMeta::read(&p).unwrap();
            let dev = meta.dev_scores.as_ref().unwrap_or_else(|| panic!("{p:?}"));
            assert_eq!(dev.select, Some(SelectMetric::F1m), "{p:?}");
            assert!(dev.scores.len() >= 2, "{p:?}");
            assert!(
                dev.scores.iter().all(|s| s.f1m > 0.5 && s.f1m < 1.0),
                "{p:?}"
            );
            // Written back, the section keeps its layout.
            let v = serde_json::to_value(&meta).unwrap();
            assert!(v["dev_scores"]["scores"][0]["f1m"].is_f64(), "{p:?}");
            read += 1;
        }
        assert!(read >= 2, "no shipped model found under {root:?}");
        // No dev scores: null, as before.
        let v = serde_json::to_value(Option::<DevScores>::None).unwrap();
        assert!(v.is_null());
    }
}
