//! `stance eval`: scores a labelled file and reports F1m, accuracy, F1pn, per-label scores and
//! the confusion matrix.

use crate::error::{Error, Result};
pub use crate::eval::dev::{calibration_of, metrics_of};
use crate::eval::{Calibration, Metrics};
use crate::infer::predict::{predict_examples, Prediction};
use crate::infer::InferOptions;
use crate::io::{read_examples, ReadOptions, Skip};
use crate::store::StanceModel;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct EvalConfig {
    pub data: PathBuf,
    pub skip_bad: bool,
    pub infer: InferOptions,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    pub data: String,
    pub model: String,
    /// Inference arithmetic: `f32` or `int8` on CPU, the dtype and device on a GPU.
    pub arithmetic: String,
    pub metrics: Metrics,
    /// Temperature the probabilities were scaled by (from the model's `stance.json`).
    pub temperature: f64,
    /// ECE (10 bins) and NLL of the probabilities.
    pub calibration: Calibration,
    pub skipped: Vec<Skip>,
    pub truncated: usize,
    pub seconds: f64,
    pub pairs_per_second: f64,
}

/// Gold label indices for `examples`; a gold label the model does not know is an error naming
/// the line (or a skip with `skip_bad`).
pub fn evaluate(
    model: &StanceModel,
    cfg: &EvalConfig,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<(EvalReport, Vec<Prediction>)> {
    let ds = read_examples(
        &cfg.data,
        &ReadOptions {
            skip_bad: cfg.skip_bad,
            require_label: true,
        },
    )?;
    let mut skipped = ds.skipped;
    let mut examples = Vec::with_capacity(ds.examples.len());
    for e in ds.examples {
        let label = e.label.as_deref().unwrap_or_default();
        if model.meta().label_index(label).is_none() {
            let msg = format!(
                "label {label:?} is not one of the model's labels {:?}",
                model.labels()
            );
            if cfg.skip_bad {
                skipped.push(Skip {
                    line: e.line,
                    field: "label".into(),
                    message: msg,
                });
                continue;
            }
            return Err(Error::record(&cfg.data, e.line, "label", msg));
        }
        examples.push(e);
    }
    if examples.is_empty() {
        return Err(Error::Input {
            path: cfg.data.clone(),
            message: "no examples left to evaluate".into(),
        });
    }
    let t0 = std::time::Instant::now();
    let preds = predict_examples(model, &examples, &cfg.infer, progress)?;
    let seconds = t0.elapsed().as_secs_f64();
    let metrics = metrics_of(model.labels(), &preds);
    let report = EvalReport {
        data: cfg.data.display().to_string(),
        model: model.source().to_string(),
        arithmetic: model.arithmetic(),
        metrics,
        temperature: model.net().temperature,
        calibration: calibration_of(model.labels(), &preds),
        skipped,
        truncated: preds.iter().filter(|p| p.truncated).count(),
        seconds,
        pairs_per_second: preds.len() as f64 / seconds.max(1e-9),
    };
    Ok((report, preds))
}
