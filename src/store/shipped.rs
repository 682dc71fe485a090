//! Shipped models: found by short name under `models/` (beside the working directory or the
//! executable's repository), and the default model used when `--model` is not given.

use super::hub::ModelSource;
use crate::error::{Error, Result};
use std::path::PathBuf;

/// The directory name of the shipped default model under `models/`.
pub const DEFAULT_MODEL_NAME: &str = "mpnet-newsmtsc-v7";

/// Folders a shipped model may sit in: `models/` under the current directory, and `models/`
/// beside the executable's repository (`target/*/stance` → `models/`).
fn model_roots() -> Vec<PathBuf> {
    let mut roots = vec![PathBuf::from("models")];
    if let Ok(exe) = std::env::current_exe() {
        for up in exe.ancestors().skip(1).take(4) {
            roots.push(up.join("models"));
        }
    }
    roots
}

/// The fastest shipped model, also reached as `--model fast`.
pub const FAST_MODEL_NAME: &str = "minilm-distilled";

/// Names that stand for a shipped model: `fast` (the fastest) and `default`.
fn alias(name: &str) -> &str {
    match name {
        "fast" => FAST_MODEL_NAME,
        "default" => DEFAULT_MODEL_NAME,
        other => other,
    }
}

/// A shipped model by its short name (`minilm-newsmtsc`, or `fast` / `default`), or `None`.
pub fn shipped_model(name: &str) -> Option<PathBuf> {
    let name = alias(name);
    model_roots()
        .into_iter()
        .map(|r| r.join(name))
        .find(|p| p.join(crate::model::meta::META_FILE).is_file())
}

/// A shipped model by its short name (or `fast` / `default`) under one `models/` folder.
pub fn shipped_model_under(root: &std::path::Path, name: &str) -> Option<PathBuf> {
    let dir = root.join(alias(name));
    dir.join(crate::model::meta::META_FILE)
        .is_file()
        .then_some(dir)
}

/// Resolves `--model`: a directory, the short name of a shipped model, or a hub id.
pub fn resolve_model(arg: &str) -> Result<ModelSource> {
    let is_name = !arg.contains('/') && !std::path::Path::new(arg).exists();
    if is_name {
        return shipped_model(arg).map(ModelSource::Dir).ok_or_else(|| {
            Error::Config(format!(
                "--model {arg}: no such folder, and no shipped model of that name under models/"
            ))
        });
    }
    ModelSource::parse(arg)
}

/// Finds the shipped default model: `$STANCE_MODEL`, else `models/` + [`DEFAULT_MODEL_NAME`] under
/// the current directory, else beside the executable's repository.
pub fn default_model() -> Result<ModelSource> {
    if let Some(p) = std::env::var_os("STANCE_MODEL") {
        return resolve_model(&p.to_string_lossy());
    }
    shipped_model(DEFAULT_MODEL_NAME)
        .map(ModelSource::Dir)
        .ok_or_else(|| {
            Error::Config(format!(
                "no --model given and the default model was not found (tried $STANCE_MODEL, {}); train one with `stance train` or pass --model DIR",
                model_roots()
                    .iter()
                    .map(|r| r.join(DEFAULT_MODEL_NAME).display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}
