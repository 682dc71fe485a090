//! Predictions for labelled or unlabelled examples: encode, run in batches, attach labels and
//! scores in input order.

use super::{argmax, encode_all, predict_encoded, InferOptions};
use crate::error::{Error, Result};
use crate::io::Example;
use crate::store::StanceModel;
use serde::Serialize;
use std::collections::BTreeMap;

/// One prediction.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Prediction {
    pub id: String,
    pub text: String,
    pub target: String,
    pub start: usize,
    pub end: usize,
    pub label: String,
    pub scores: BTreeMap<String, f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gold: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// Runs the model over examples; encoding failures are errors naming the example's line.
pub fn predict_examples(
    model: &StanceModel,
    examples: &[Example],
    infer: &InferOptions,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Prediction>> {
    let triples: Vec<(&str, usize, usize)> = examples
        .iter()
        .map(|e| (e.text.as_str(), e.start, e.end))
        .collect();
    let encoded = encode_all(model, &triples)
        .into_iter()
        .zip(examples)
        .map(|(r, e)| r.map_err(|err| Error::Tokenizer(format!("line {}: {err}", e.line))))
        .collect::<Result<Vec<_>>>()?;
    let probs = predict_encoded(model, &encoded, infer, progress)?;
    Ok(examples
        .iter()
        .zip(probs)
        .zip(&encoded)
        .map(|((e, p), enc)| Prediction {
            id: e.id.clone(),
            text: e.text.clone(),
            target: e.target.clone(),
            start: e.start,
            end: e.end,
            label: model.labels()[argmax(&p)].clone(),
            scores: model
                .meta()
                .labels
                .iter()
                .cloned()
                .zip(p.iter().copied())
                .collect(),
            gold: e.label.clone(),
            truncated: enc.truncated,
        })
        .collect())
}
