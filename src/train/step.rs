//! One optimizer step's loss and gradients: the loss, the batch's micro-batches run at the same
//! time with their gradients summed, and the weights that learn.

use super::distill;
use crate::encode::{Batch, Encoded};
use crate::error::{Error, Result};
use crate::io::Example;
use crate::kernels::train_ops;
use crate::model::layers::{Dropout, Path as KernelPath};
use crate::store::StanceModel;
use candle_core::{DType, Tensor, D};
use rand::{rngs::StdRng, SeedableRng};
use std::path::Path;

/// Stops a run whose loss is NaN or infinite, pointing at the intact checkpoint if there is one.
pub fn ensure_finite(loss: f64, step: usize, epoch: usize, ckpt: &Path) -> Result<()> {
    if loss.is_finite() {
        return Ok(());
    }
    let where_ = if ckpt.join("state.json").is_file() {
        format!(
            "the last checkpoint in {} is intact (--resume continues from it)",
            ckpt.display()
        )
    } else {
        "no checkpoint was written yet".to_string()
    };
    Err(Error::Diverged(format!(
        "loss is {loss} at step {step} (epoch {}); {where_}; try a lower --lr",
        epoch + 1,
    )))
}

/// Cross-entropy with label smoothing over `(batch, labels)` logits.
pub fn loss_fn(logits: &Tensor, targets: &Tensor, smoothing: f64) -> candle_core::Result<Tensor> {
    let logp = candle_nn::ops::log_softmax(logits, D::Minus1)?;
    let nll = logp
        .gather(&targets.unsqueeze(1)?, 1)?
        .squeeze(1)?
        .mean_all()?
        .neg()?;
    if smoothing <= 0.0 {
        return Ok(nll);
    }
    let uniform = logp.mean(D::Minus1)?.mean_all()?.neg()?;
    nll.affine(1.0 - smoothing, 0.0)? + uniform.affine(smoothing, 0.0)?
}

pub(super) fn encode(model: &StanceModel, exs: &[Example], path: &Path) -> Result<Vec<Encoded>> {
    use rayon::prelude::*;
    exs.par_iter()
        .map(|e| {
            model
                .pair_encoder()
                .encode(&e.text, e.start, e.end)
                .map_err(|err| Error::record(path, e.line, "text", err.to_string()))
        })
        .collect()
}

/// What a step learns from, per pair: the gold label index, whether it has one, and the
/// teacher's softened distribution (distillation).
pub(super) struct Targets<'a> {
    pub(super) gold: &'a [u32],
    pub(super) labelled: &'a [bool],
    pub(super) soft: Option<&'a [Vec<f32>]>,
}

pub(super) struct StepSettings<'a> {
    pub(super) pad: u32,
    pub(super) device: &'a candle_core::Device,
    pub(super) seed: u64,
    pub(super) step: usize,
    pub(super) dropout: f32,
    pub(super) smoothing: f64,
    pub(super) parts: usize,
    pub(super) kernels: KernelPath,
    /// (α, T) of distillation.
    pub(super) distill: Option<(f64, f64)>,
}

/// The loss (mean over the batch) and its gradients for one batch. With `parts > 1` the batch is
/// split into that many nearly equal parts that run concurrently on the rayon pool, each with
/// its own dropout stream; their losses are weighted by size and their gradients summed, which
/// equals the whole batch's gradient (up to dropout masks and summation order).
pub(super) fn step_gradients(
    model: &StanceModel,
    rows: &[usize],
    targets: &Targets,
    enc: &[Encoded],
    s: &StepSettings,
) -> Result<(f64, candle_core::backprop::GradStore)> {
    let parts = s.parts.min(rows.len()).max(1);
    let chunk = rows.len().div_ceil(parts);
    let run = |pi: usize, part: &[usize]| -> Result<(f64, candle_core::backprop::GradStore)> {
        let refs: Vec<&Encoded> = part.iter().map(|&i| &enc[i]).collect();
        let batch = Batch::new(&refs, s.pad, DType::F32, s.device)?;
        let y = Tensor::new(
            part.iter().map(|&i| targets.gold[i]).collect::<Vec<u32>>(),
            s.device,
        )?;
        let mut rng = StdRng::seed_from_u64(
            s.seed
                ^ (s.step as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ (pi as u64).wrapping_mul(0xD1B5_4A32_D192_ED03),
        );
        let dropout = (s.dropout > 0.0).then_some(Dropout {
            p: s.dropout,
            rng: &mut rng,
        });
        let logits = model.net().forward(&batch, s.kernels, dropout)?;
        let weight = part.len() as f64 / rows.len() as f64;
        // With α = 0 and gold labels throughout, the teacher adds nothing: the plain loss, so
        // that the run is exactly the run without a teacher.
        let plain = |alpha: f64| alpha == 0.0 && part.iter().all(|&i| targets.labelled[i]);
        let loss = match (s.distill, targets.soft) {
            (Some((alpha, t)), Some(soft)) if !plain(alpha) => {
                let n = logits.dim(1)?;
                let p: Vec<f32> = part.iter().flat_map(|&i| soft[i].iter().copied()).collect();
                let p = Tensor::from_vec(p, (part.len(), n), s.device)?;
                let has: Vec<f32> = part
                    .iter()
                    .map(|&i| f32::from(u8::from(targets.labelled[i])))
                    .collect();
                let has = Tensor::from_vec(has, part.len(), s.device)?;
                distill::distill_loss(&logits, &y, &p, &has, alpha, t, s.smoothing)?
            }
            _ => loss_fn(&logits, &y, s.smoothing)?,
        };
        let loss = (loss * weight)?;
        let lv = loss.to_dtype(DType::F64)?.to_scalar::<f64>()?;
        Ok((lv, loss.backward()?))
    };
    if parts == 1 {
        return run(0, rows);
    }
    use rayon::prelude::*;
    let results: Vec<Result<(f64, candle_core::backprop::GradStore)>> = rows
        .par_chunks(chunk)
        .enumerate()
        .map(|(pi, part)| run(pi, part))
        .collect();
    let mut it = results.into_iter();
    let (mut loss, mut total) = match it.next() {
        Some(r) => r?,
        None => return Err(Error::Internal("a training step got an empty batch".into())),
    };
    // Sums go in place into the first part's gradients where a gradient is alone on its
    // storage (a backward pass may hand one tensor, or views of it, to several inputs: those get
    // a fresh sum).
    let mut owners: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for id in total.get_ids() {
        if let Some(t) = total.get_id(*id) {
            *owners.entry(train_ops::storage_id(t)).or_default() += 1;
        }
    }
    for r in it {
        let (l, g) = r?;
        loss += l;
        for id in g.get_ids().copied().collect::<Vec<_>>() {
            let Some(t) = g.get_id(id) else { continue };
            let sum = match total.get_id(id) {
                Some(acc) => {
                    let own = owners.get(&train_ops::storage_id(acc)) == Some(&1);
                    if own && train_ops::add_assign(acc, t).is_ok() {
                        continue;
                    }
                    (acc + t)?
                }
                None => t.clone(),
            };
            total.insert_id(id, sum);
        }
    }
    Ok((loss, total))
}

/// Sorted (name, var) list of the trainable weights.
pub(super) fn trainable(
    model: &StanceModel,
    freeze_word: bool,
) -> Result<Vec<(String, candle_core::Var)>> {
    let data = crate::store::dir::variables(model.varmap())?;
    let mut v: Vec<(String, candle_core::Var)> = data
        .iter()
        .filter(|(k, _)| !(freeze_word && k.as_str() == "embeddings.word_embeddings.weight"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn non_finite_loss_stops_the_run() {
        let (_dir, ckpt) = crate::testing::temp_path("checkpoint");
        assert!(ensure_finite(0.5, 3, 0, &ckpt).is_ok());
        for bad in [f64::NAN, f64::INFINITY] {
            let e = ensure_finite(bad, 3, 0, &ckpt).unwrap_err();
            assert!(
                matches!(&e, Error::Diverged(m) if m.contains("no checkpoint was written yet") && m.contains("lower --lr")),
                "{e}"
            );
        }
        // The message names the checkpoint only when there is one.
        std::fs::create_dir_all(&ckpt).unwrap();
        std::fs::write(ckpt.join("state.json"), "{}").unwrap();
        let e = ensure_finite(f64::NAN, 3, 0, &ckpt)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&ckpt.display().to_string()) && e.contains("--resume"),
            "{e}"
        );
    }
    #[test]
    fn smoothed_loss() {
        let dev = candle_core::Device::Cpu;
        let logits = Tensor::new(&[[2.0f32, 0.0, -2.0]], &dev).unwrap();
        let y = Tensor::new(&[0u32], &dev).unwrap();
        let plain = loss_fn(&logits, &y, 0.0)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        let z: f32 = [2.0f32, 0.0, -2.0].iter().map(|x| x.exp()).sum();
        assert!((plain - (z.ln() - 2.0)).abs() < 1e-5);
        let smooth = loss_fn(&logits, &y, 0.3)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        let uniform = z.ln() - 0.0; // mean of the log-probabilities' negation
        assert!((smooth - (0.7 * plain + 0.3 * uniform)).abs() < 1e-5);
    }
}
