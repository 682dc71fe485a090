//! `stance predict`: stance toward one target in one text, or for every example of a file.

use crate::error::{Error, Result};
pub use crate::infer::predict::{predict_examples, Prediction};
use crate::infer::InferOptions;
use crate::io::atomic::AtomicFile;
use crate::io::{examples::example_from_text, read_examples, ReadOptions, Skip};
use crate::store::StanceModel;
use std::io::Write;
use std::path::PathBuf;

/// Input of `predict`.
#[derive(Debug, Clone)]
pub enum PredictInput {
    /// A text and a target given as a string (first whole-word occurrence) or a span.
    Text {
        text: String,
        target: String,
        span: Option<(usize, usize)>,
    },
    File {
        path: PathBuf,
        skip_bad: bool,
    },
}

#[derive(Debug, Clone)]
pub struct PredictConfig {
    pub input: PredictInput,
    /// JSONL output file (written atomically); `None` returns the predictions only.
    pub output: Option<PathBuf>,
    pub infer: InferOptions,
}

pub struct PredictOutcome {
    pub predictions: Vec<Prediction>,
    pub skipped: Vec<Skip>,
}

pub fn predict(
    model: &StanceModel,
    cfg: &PredictConfig,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<PredictOutcome> {
    let (examples, skipped) = match &cfg.input {
        PredictInput::Text { text, target, span } => {
            let ex = example_from_text("text", 1, text, target, *span).map_err(Error::Config)?;
            (vec![ex], Vec::new())
        }
        PredictInput::File { path, skip_bad } => {
            let ds = read_examples(
                path,
                &ReadOptions {
                    skip_bad: *skip_bad,
                    require_label: false,
                },
            )?;
            (ds.examples, ds.skipped)
        }
    };
    let predictions = predict_examples(model, &examples, &cfg.infer, progress)?;
    if let Some(out) = &cfg.output {
        let mut f = AtomicFile::create(out)?;
        for p in &predictions {
            let line = serde_json::to_string(p).map_err(|e| Error::Internal(e.to_string()))?;
            writeln!(f, "{line}").map_err(|e| Error::io(out, e))?;
        }
        f.commit()?;
    }
    Ok(PredictOutcome {
        predictions,
        skipped,
    })
}
