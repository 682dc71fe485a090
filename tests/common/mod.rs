#![allow(dead_code)]
use std::path::PathBuf;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real MiniLM base model, when `scripts/setup-base-model.sh` has installed it.
pub fn minilm() -> Option<PathBuf> {
    let p = root().join("models/base/all-MiniLM-L6-v2");
    if p.join("model.safetensors").is_file() {
        Some(p)
    } else {
        eprintln!(
            "SKIP: {} not installed; run scripts/setup-base-model.sh",
            p.display()
        );
        None
    }
}

/// NewsMTSC, when the shared data set sits beside the project.
pub fn newsmtsc(file: &str) -> Option<PathBuf> {
    let p = root().join("../shared/datasets/newsmtsc").join(file);
    if p.is_file() {
        Some(p)
    } else {
        eprintln!(
            "SKIP: {} not found (NewsMTSC is read from ../shared when present)",
            p.display()
        );
        None
    }
}

/// The real MPNet base model, when `scripts/setup-base-model.sh mpnet` has installed it.
pub fn mpnet() -> Option<PathBuf> {
    let p = root().join("models/base/all-mpnet-base-v2");
    if p.join("model.safetensors").is_file() {
        Some(p)
    } else {
        eprintln!(
            "SKIP: {} not installed; run scripts/setup-base-model.sh mpnet",
            p.display()
        );
        None
    }
}
