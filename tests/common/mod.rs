#![allow(dead_code)]
use std::path::PathBuf;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real MiniLM base model, when `scripts/setup-base-model.sh` has installed it.
pub fn minilm() -> Option<PathBuf> {
    base_model("all-MiniLM-L6-v2", "scripts/setup-base-model.sh")
}

/// A base model under models/base, or a recorded skip naming the command that installs it.
fn base_model(name: &str, install: &str) -> Option<PathBuf> {
    let p = root().join("models/base").join(name);
    if p.join("model.safetensors").is_file() {
        return Some(p);
    }
    stance::testing::skip(
        &caller(),
        &format!("{} not installed; run {install}", p.display()),
    );
    None
}

/// NewsMTSC, when the shared data set sits beside the project.
pub fn newsmtsc(file: &str) -> Option<PathBuf> {
    let p = root().join("../shared/datasets/newsmtsc").join(file);
    if p.is_file() {
        Some(p)
    } else {
        stance::testing::skip(
            &caller(),
            &format!(
                "{} not found (NewsMTSC is read from ../shared when present)",
                p.display()
            ),
        );
        None
    }
}

/// The real MPNet base model, when `scripts/setup-base-model.sh mpnet` has installed it.
pub fn mpnet() -> Option<PathBuf> {
    base_model("all-mpnet-base-v2", "scripts/setup-base-model.sh mpnet")
}

/// The running test's name (the test harness names its threads after the tests).
pub fn caller() -> String {
    std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string()
}

/// Skips (visibly) a test that needs an int8 kernel (AVX-512 VNNI or AVX2) on a CPU without one.
pub fn needs_int8_kernel() -> bool {
    if stance::kernels::gemm_int8::Scheme::detect().is_some() {
        return true;
    }
    stance::testing::skip(
        &caller(),
        "no int8 kernel for this CPU (neither AVX-512 VNNI nor AVX2; int8 falls back to f32 here)",
    );
    false
}

/// Cosine similarity of two vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|y| y * y).sum::<f32>().sqrt();
    dot / (na * nb)
}

/// Every kernel path a forward pass can take: inference, and training with candle's or the
/// packed linear kernel.
pub const KERNEL_PATHS: [stance::model::layers::Path; 3] = [
    stance::model::layers::Path::Fast,
    stance::model::layers::Path::Differentiable {
        packed_linear: false,
    },
    stance::model::layers::Path::Differentiable {
        packed_linear: true,
    },
];
