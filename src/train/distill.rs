//! Knowledge distillation: a student learns from a teacher model's probabilities as well as from
//! the gold labels, and from unlabelled (sentence, target) pairs through the teacher alone.
//!
//! Per training pair `i` the loss is `(1 − α)·CE(yᵢ, q) + α·T²·KL(pᵀ ‖ qᵀ)`, where `q` is the
//! student's distribution (CE with label smoothing as in plain training), `pᵀ` and `qᵀ` are the
//! teacher's and the student's distributions at temperature `T`, and an unlabelled pair has no
//! CE term. The batch loss is the mean over its pairs. The `T²` keeps the gradient of the soft
//! term on the scale of the hard one (Hinton et al., 2015).
//!
//! The teacher may have another architecture and tokenizer: it encodes each pair with its own
//! tokenizer, once before training, and its logits are cached in the run folder under a key of
//! the data files and the teacher's files, so that epochs, seeds sharing a run folder, and
//! `--resume` reuse them.

use super::checkpoint::{fnv_file, fnv_update, FNV_START};
use crate::encode::Encoded;
use crate::error::{Error, Result};
use crate::infer::{logits_encoded, InferOptions};
use crate::io::Example;
use crate::store::dir::{CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE};
use crate::store::{LoadOptions, ModelSource, StanceModel};
use candle_core::{Tensor, D};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file in the run folder that holds the teacher's logits.
pub const CACHE_FILE: &str = "teacher-logits.json";

/// Distillation settings of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distill {
    /// The teacher: a model directory, shipped model name or hub id.
    pub teacher: String,
    /// α: the weight of the teacher's term (0: gold labels only; 1: teacher only).
    pub weight: f64,
    /// T: the temperature both distributions are softened by in the teacher's term.
    pub temperature: f64,
    /// Files of (sentence, target) pairs without labels, trained on through the teacher alone.
    pub unlabelled: Vec<PathBuf>,
}

impl Distill {
    pub fn validate(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.weight) {
            return Err(Error::Config(format!(
                "--distill-weight {} must be between 0 and 1",
                self.weight
            )));
        }
        if !(self.temperature > 0.0 && self.temperature.is_finite()) {
            return Err(Error::Config(format!(
                "--temperature {} must be positive",
                self.temperature
            )));
        }
        Ok(())
    }
}

/// The cached teacher logits and what they were computed from.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cache {
    key: String,
    labels: Vec<String>,
    teacher: String,
    seconds: f64,
    logits: Vec<Vec<f32>>,
}

/// The teacher's logits for every training pair (labelled, then unlabelled), in order: read from
/// the run folder's cache when it was computed from the same data and teacher, else computed
/// (and cached). Also the teacher's record for `stance.json`.
pub fn teacher_logits(
    d: &Distill,
    examples: &[Example],
    data_files: &[&Path],
    student_labels: &[String],
    out: &Path,
    progress: &dyn Fn(&str),
) -> Result<(Vec<Vec<f32>>, serde_json::Value)> {
    let src = crate::store::shipped::resolve_model(&d.teacher)?;
    let key = cache_key(&src, data_files)?;
    let path = out.join(CACHE_FILE);
    if let Some(c) = read_cache(&path, &key, examples.len()) {
        if c.labels != student_labels {
            return Err(labels_differ(&d.teacher, &c.labels, student_labels));
        }
        progress(&format!(
            "teacher logits for {} pairs reused from {}",
            c.logits.len(),
            path.display()
        ));
        let record = teacher_record(d, &c.teacher, None);
        return Ok((c.logits, record));
    }
    let mut teacher = StanceModel::load(&src, &LoadOptions::default())?;
    if teacher.labels() != student_labels {
        return Err(labels_differ(&d.teacher, teacher.labels(), student_labels));
    }
    teacher.prepare_inference(crate::model::Precision::Int8)?;
    progress(&format!(
        "computing the teacher's logits for {} pairs ({})",
        examples.len(),
        teacher.source()
    ));
    let t0 = std::time::Instant::now();
    let encoded: Vec<Encoded> = examples
        .iter()
        .map(|e| {
            teacher
                .pair_encoder()
                .encode(&e.text, e.start, e.end)
                .map_err(|err| {
                    Error::Tokenizer(format!(
                        "the teacher cannot encode line {} ({:?}): {err}",
                        e.line, e.target
                    ))
                })
        })
        .collect::<Result<_>>()?;
    // One batch per thread, as `score` runs (training's kernels are single-threaded).
    let opts = InferOptions {
        parallel_batches: None,
        ..InferOptions::default()
    };
    let logits = logits_encoded(&teacher, &encoded, &opts)?;
    let cache = Cache {
        key,
        labels: teacher.labels().to_vec(),
        teacher: teacher.source().to_string(),
        seconds: t0.elapsed().as_secs_f64(),
        logits,
    };
    let json = serde_json::to_vec(&cache)
        .map_err(|e| Error::Internal(format!("the teacher's logits: {e}")))?;
    crate::io::atomic::write_bytes(&path, &json)?;
    progress(&format!(
        "teacher logits computed in {:.1} s ({:.1} pairs/s)",
        cache.seconds,
        examples.len() as f64 / cache.seconds.max(1e-9)
    ));
    let record = teacher_record(d, &cache.teacher, teacher.meta().dev_scores.clone());
    Ok((cache.logits, record))
}

fn labels_differ(teacher: &str, theirs: &[String], ours: &[String]) -> Error {
    Error::Config(format!(
        "the teacher {teacher} has labels {theirs:?}, the training data {ours:?}: they must be equal (same names, same order)"
    ))
}

fn teacher_record(
    d: &Distill,
    source: &str,
    dev: Option<crate::model::meta::DevScores>,
) -> serde_json::Value {
    serde_json::json!({
        "teacher": source,
        "teacher_dev_scores": dev,
        "distill_weight": d.weight,
        "temperature": d.temperature,
        "unlabelled": d.unlabelled.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
    })
}

/// A hash of the data files' contents and of the teacher's files.
fn cache_key(teacher: &ModelSource, data_files: &[&Path]) -> Result<String> {
    let mut h = FNV_START;
    for f in data_files {
        h = fnv_update(h, fnv_file(f)?.as_bytes());
    }
    for name in [
        WEIGHTS_FILE,
        CONFIG_FILE,
        TOKENIZER_FILE,
        crate::model::meta::META_FILE,
    ] {
        if let Some(p) = teacher.file(name, true)? {
            h = fnv_update(h, fnv_file(&p)?.as_bytes());
        }
    }
    Ok(format!("{h:016x}"))
}

fn read_cache(path: &Path, key: &str, rows: usize) -> Option<Cache> {
    let bytes = std::fs::read(path).ok()?;
    let c: Cache = serde_json::from_slice(&bytes).ok()?;
    (c.key == key && c.logits.len() == rows).then_some(c)
}

/// The teacher's distributions at temperature `t`, one row per pair.
pub fn soften(logits: &[Vec<f32>], t: f64) -> Vec<Vec<f32>> {
    logits
        .iter()
        .map(|row| {
            let m = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
            let e: Vec<f64> = row.iter().map(|&x| (((x - m) as f64) / t).exp()).collect();
            let z: f64 = e.iter().sum();
            e.iter().map(|v| (v / z) as f32).collect()
        })
        .collect()
}

/// The distillation loss of a batch (see the module docs): `logits (b, L)`, `targets (b)` (any
/// value where unlabelled), `soft (b, L)` the teacher's distributions at temperature `t`,
/// `labelled (b)` 1 or 0.
pub fn distill_loss(
    logits: &Tensor,
    targets: &Tensor,
    soft: &Tensor,
    labelled: &Tensor,
    alpha: f64,
    t: f64,
    smoothing: f64,
) -> candle_core::Result<Tensor> {
    let logp = candle_nn::ops::log_softmax(logits, D::Minus1)?;
    let nll = logp.gather(&targets.unsqueeze(1)?, 1)?.squeeze(1)?.neg()?;
    let ce = if smoothing > 0.0 {
        let uniform = logp.mean(D::Minus1)?.neg()?;
        (nll.affine(1.0 - smoothing, 0.0)? + uniform.affine(smoothing, 0.0)?)?
    } else {
        nll
    };
    let logq_t = candle_nn::ops::log_softmax(&logits.affine(1.0 / t, 0.0)?, D::Minus1)?;
    // KL(p ‖ q) = Σ p·(log p − log q); p log p is constant for the student but kept, so that the
    // value is the divergence itself (0 when the student matches the teacher).
    let plogp = soft.mul(&soft.clamp(1e-30f32, 1f32)?.log()?)?;
    let kl = (plogp - soft.mul(&logq_t)?)?.sum(D::Minus1)?;
    let per_row = (ce.mul(labelled)?.affine(1.0 - alpha, 0.0)? + kl.affine(alpha * t * t, 0.0)?)?;
    per_row.mean_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn ln_softmax(row: &[f64]) -> Vec<f64> {
        let m = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let z: f64 = row.iter().map(|x| (x - m).exp()).sum();
        row.iter().map(|x| x - m - z.ln()).collect()
    }

    #[test]
    fn loss_equals_the_hand_computed_value() {
        let dev = Device::Cpu;
        let student = [[2.0f64, 0.5, -1.0], [0.0, 1.0, 0.3]];
        let teacher = [[3.0f32, 0.0, -2.0], [-1.0, 2.0, 1.0]];
        let (alpha, t, eps) = (0.4, 2.0, 0.1);
        let y = [0u32, 2];
        let labelled = [1f32, 0.0];
        let soft = soften(&teacher.iter().map(|r| r.to_vec()).collect::<Vec<_>>(), t);
        let mut want = 0.0;
        for i in 0..2 {
            let logq = ln_softmax(&student[i]);
            let ce = -(1.0 - eps) * logq[y[i] as usize] - eps * logq.iter().sum::<f64>() / 3.0;
            let logq_t = ln_softmax(&student[i].map(|x| x / t));
            let p: Vec<f64> = ln_softmax(&teacher[i].map(|x| x as f64 / t))
                .iter()
                .map(|x| x.exp())
                .collect();
            let kl: f64 = (0..3).map(|j| p[j] * (p[j].ln() - logq_t[j])).sum();
            want += labelled[i] as f64 * (1.0 - alpha) * ce + alpha * t * t * kl;
        }
        want /= 2.0;
        let logits = Tensor::new(&student.map(|r| r.map(|x| x as f32)), &dev).unwrap();
        let got = distill_loss(
            &logits,
            &Tensor::new(&y, &dev).unwrap(),
            &Tensor::new(soft, &dev).unwrap().reshape((2, 3)).unwrap(),
            &Tensor::new(&labelled, &dev).unwrap(),
            alpha,
            t,
            eps,
        )
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
        assert!((got as f64 - want).abs() < 1e-5, "{got} vs {want}");
    }

    #[test]
    fn without_the_teacher_term_it_is_the_plain_loss() {
        let dev = Device::Cpu;
        let logits = Tensor::new(&[[1.5f32, -0.5, 0.2], [0.1, 0.2, 2.0]], &dev).unwrap();
        let y = Tensor::new(&[1u32, 2], &dev).unwrap();
        let soft = Tensor::new(&[[0.2f32, 0.3, 0.5], [0.9, 0.05, 0.05]], &dev).unwrap();
        let ones = Tensor::new(&[1f32, 1.0], &dev).unwrap();
        let plain = super::super::loss_fn(&logits, &y, 0.1)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        let ours = distill_loss(&logits, &y, &soft, &ones, 0.0, 3.0, 0.1)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        assert!((plain - ours).abs() < 1e-6, "{plain} vs {ours}");
    }

    #[test]
    fn kl_is_zero_when_the_student_matches_the_teacher() {
        let dev = Device::Cpu;
        let row = vec![1.0f32, -2.0, 0.5];
        let t = 2.5;
        let soft = soften(std::slice::from_ref(&row), t);
        let logits = Tensor::new(&[[1.0f32, -2.0, 0.5]], &dev).unwrap();
        let loss = distill_loss(
            &logits,
            &Tensor::new(&[0u32], &dev).unwrap(),
            &Tensor::new(soft, &dev).unwrap().reshape((1, 3)).unwrap(),
            &Tensor::new(&[0f32], &dev).unwrap(),
            1.0,
            t,
            0.0,
        )
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
        assert!(loss.abs() < 1e-6, "{loss}");
    }

    #[test]
    fn settings_out_of_range_are_refused() {
        let d = |weight, temperature| Distill {
            teacher: "t".into(),
            weight,
            temperature,
            unlabelled: vec![],
        };
        assert!(d(0.5, 2.0).validate().is_ok());
        assert!(d(1.5, 2.0).validate().is_err());
        assert!(d(0.5, 0.0).validate().is_err());
        assert!(d(0.5, f64::NAN).validate().is_err());
    }
}
