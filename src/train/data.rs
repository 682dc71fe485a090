//! The data of a run: the labelled training pairs, the unlabelled ones (distillation) and the
//! dev sets, read and checked against each other.

use super::TrainConfig;
use crate::error::{Error, Result};
use crate::io::{labels, read_examples, Example, ReadOptions, Skip};
use std::path::{Path, PathBuf};

pub(super) fn read_labelled(path: &Path, skip_bad: bool) -> Result<(Vec<Example>, Vec<Skip>)> {
    let ds = read_examples(
        path,
        &ReadOptions {
            skip_bad,
            require_label: true,
        },
    )?;
    Ok((ds.examples, ds.skipped))
}

/// A labelled file and its examples.
pub(crate) type Labelled = (PathBuf, Vec<Example>);

/// Reads labelled dev files whose labels must all be among `labels` (which `whose` names in the
/// error); skipped records are added to `skipped`.
pub(crate) fn read_devs(
    paths: &[PathBuf],
    labels: &[String],
    whose: &str,
    skip_bad: bool,
    skipped: &mut Vec<Skip>,
) -> Result<Vec<Labelled>> {
    let mut devs = Vec::new();
    for d in paths {
        let (exs, sk) = read_labelled(d, skip_bad)?;
        skipped.extend(sk);
        if let Some(e) = exs.iter().find(|e| {
            !labels
                .iter()
                .any(|l| Some(l.as_str()) == e.label.as_deref())
        }) {
            return Err(Error::record(
                d,
                e.line,
                "label",
                format!(
                    "label {:?} does not occur in {whose} (labels: {labels:?})",
                    e.label.as_deref().unwrap_or_default(),
                ),
            ));
        }
        devs.push((d.clone(), exs));
    }
    Ok(devs)
}

/// The dev sets of a trained (or averaged) model, with the records skipped reading them.
pub(crate) fn read_model_devs(
    paths: &[PathBuf],
    labels: &[String],
    skip_bad: bool,
) -> Result<(Vec<Labelled>, Vec<Skip>)> {
    let mut skipped = Vec::new();
    let devs = read_devs(paths, labels, "the model's labels", skip_bad, &mut skipped)?;
    Ok((devs, skipped))
}

/// The training examples, their label names, the dev sets, and what was skipped reading them.
pub(super) struct TrainData {
    pub(super) examples: Vec<Example>,
    /// Pairs without labels (distillation), per file.
    pub(super) unlabelled: Vec<Labelled>,
    pub(super) labels: Vec<String>,
    pub(super) devs: Vec<Labelled>,
    pub(super) skipped: Vec<Skip>,
}

impl TrainData {
    pub(super) fn read(cfg: &TrainConfig) -> Result<Self> {
        let (examples, mut skipped) = read_labelled(&cfg.train, cfg.skip_bad)?;
        let labels = labels::label_list(examples.iter().filter_map(|e| e.label.as_deref()));
        let devs = read_devs(
            &cfg.dev,
            &labels,
            &format!("the training data {}", cfg.train.display()),
            cfg.skip_bad,
            &mut skipped,
        )?;
        let mut unlabelled = Vec::new();
        for path in cfg.distill.iter().flat_map(|d| &d.unlabelled) {
            let ds = read_examples(
                path,
                &ReadOptions {
                    skip_bad: cfg.skip_bad,
                    require_label: false,
                },
            )?;
            skipped.extend(ds.skipped);
            let exs = ds
                .examples
                .into_iter()
                .map(|e| Example { label: None, ..e });
            unlabelled.push((path.clone(), exs.collect()));
        }
        Ok(Self {
            examples,
            unlabelled,
            labels,
            devs,
            skipped,
        })
    }
}
