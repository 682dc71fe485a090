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
    /// The map of the top probability applied after the temperature (from `stance.json`),
    /// written as `stance.json` writes it: `top_platt` or `top_isotonic`.
    #[serde(skip)]
    pub top_map: Option<crate::model::TopMap>,
    pub top_platt: Option<crate::model::TopPlatt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_isotonic: Option<crate::model::TopIsotonic>,
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
    let applied_map = model.net().applied_calibration().1.cloned();
    let report = EvalReport {
        data: cfg.data.display().to_string(),
        model: model.source().to_string(),
        arithmetic: model.arithmetic(),
        metrics,
        temperature: model.net().applied_calibration().0,
        top_map: applied_map.clone(),
        top_platt: match &applied_map {
            Some(crate::model::TopMap::Platt(m)) => Some(*m),
            _ => None,
        },
        top_isotonic: match applied_map {
            Some(crate::model::TopMap::Isotonic(m)) => Some(m),
            _ => None,
        },
        calibration: calibration_of(model.labels(), &preds),
        skipped,
        truncated: preds.iter().filter(|p| p.truncated).count(),
        seconds,
        pairs_per_second: preds.len() as f64 / seconds.max(1e-9),
    };
    Ok((report, preds))
}

/// The evaluation as charts in `dir` (SVG, written atomically): `confusion.svg` (heatmap with
/// counts), `per-label.svg` (precision, recall, F1) and `reliability.svg` (accuracy against the
/// predicted probability, 10 bins).
pub fn plot(report: &EvalReport, preds: &[Prediction], dir: &std::path::Path) -> Result<()> {
    use crate::report::charts::{confusion, per_label, reliability, ReliabilityBin};
    std::fs::create_dir_all(dir).map_err(|e| crate::error::Error::io(dir, e))?;
    let m = &report.metrics;
    let write =
        |name: &str, svg: String| crate::io::atomic::write_bytes(dir.join(name), svg.as_bytes());
    let data = std::path::Path::new(&report.data)
        .file_name()
        .map_or(report.data.clone(), |f| f.to_string_lossy().into_owned());
    let about = format!("{} on {data} ({} pairs)", report.model, m.count);
    write("confusion.svg", confusion(&m.labels, &m.confusion, &about)?)?;
    let values: Vec<[f64; 3]> = m
        .per_label
        .iter()
        .map(|l| [100.0 * l.precision, 100.0 * l.recall, 100.0 * l.f1])
        .collect();
    write("per-label.svg", per_label(&m.labels, &values, &about)?)?;
    let bins = crate::eval::calibration::ECE_BINS;
    let mut sums = vec![(0f64, 0usize, 0usize); bins];
    for p in preds {
        let (Some(gold), Some(conf)) = (&p.gold, p.scores.get(&p.label)) else {
            continue;
        };
        let b = ((*conf as f64 * bins as f64) as usize).min(bins - 1);
        sums[b].0 += *conf as f64;
        sums[b].1 += usize::from(*gold == p.label);
        sums[b].2 += 1;
    }
    let bins: Vec<ReliabilityBin> = sums
        .iter()
        .map(|&(c, ok, n)| ReliabilityBin {
            confidence: c / n.max(1) as f64,
            accuracy: ok as f64 / n.max(1) as f64,
            count: n,
        })
        .collect();
    write("reliability.svg", reliability(&bins, &about)?)
}
