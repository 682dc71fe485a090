//! AdamW with decoupled weight decay (none on biases and layer norms), layer-wise learning-rate
//! decay, global-norm gradient clipping, and a state that can be saved and restored exactly.

use crate::error::{Error, Result};
use crate::kernels::op::{CpuInplace2, CpuInplace3, Input, Op};
use crate::kernels::storage::cpu_f32;
use candle_core::backprop::GradStore;
use candle_core::{DType, Device, Tensor, Var};
use std::collections::HashMap;
use std::path::Path;

fn fused_applies(t: &Tensor) -> bool {
    t.device().is_cpu() && t.dtype() == DType::F32 && t.is_contiguous()
}

/// Σ g² of a contiguous f32 CPU tensor, read in place.
fn cpu_sum_of_squares(g: &Tensor) -> Option<f64> {
    if !fused_applies(g) {
        return None;
    }
    let (st, l) = g.storage_and_layout();
    match &*st {
        candle_core::Storage::Cpu(c) => cpu_f32(c, l, "adamw")
            .ok()
            .map(|d| d.iter().map(|&v| (v as f64) * (v as f64)).sum()),
        _ => None,
    }
}

/// `m ← β·m + (1 − β)·(s·g)` (or `(s·g)²` for the second moment), in place.
struct Moment {
    beta: f32,
    scale: f32,
    square: bool,
}

impl CpuInplace2 for Moment {
    const NAME: &'static str = "adamw-moment";

    fn fwd(&self, m: &mut [f32], g: Input) -> candle_core::Result<()> {
        let g = g.f32()?;
        if m.len() != g.len() {
            candle_core::bail!("adamw: moment and gradient sizes differ")
        }
        let (b, a) = (self.beta, 1.0 - self.beta);
        if self.square {
            for (m, g) in m.iter_mut().zip(g) {
                let g = g * self.scale;
                *m = b * *m + a * g * g;
            }
        } else {
            for (m, g) in m.iter_mut().zip(g) {
                *m = b * *m + a * (g * self.scale);
            }
        }
        Ok(())
    }
}

/// `w ← keep·w − lr·(m / bc1) / (√(v / bc2) + ε)`, in place.
struct Apply {
    lr: f32,
    keep: f32,
    bc1: f32,
    bc2: f32,
    eps: f32,
}

impl CpuInplace3 for Apply {
    const NAME: &'static str = "adamw-apply";

    fn fwd(&self, w: &mut [f32], m: Input, v: Input) -> candle_core::Result<()> {
        let (m, v) = (m.f32()?, v.f32()?);
        if w.len() != m.len() || w.len() != v.len() {
            candle_core::bail!("adamw: weight and moment sizes differ")
        }
        let (i1, i2) = (1.0 / self.bc1, 1.0 / self.bc2);
        for ((w, m), v) in w.iter_mut().zip(m).zip(v) {
            *w = self.keep * *w - self.lr * (m * i1) / ((v * i2).sqrt() + self.eps);
        }
        Ok(())
    }
}

pub struct Param {
    pub name: String,
    pub var: Var,
    pub decay: bool,
    /// Factor on the step's learning rate (layer-wise decay; 1 for every weight without it).
    pub lr_scale: f64,
    m: Tensor,
    v: Tensor,
}

pub struct AdamW {
    pub params: Vec<Param>,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    /// Updates applied so far.
    pub t: usize,
}

/// The encoder layer a weight belongs to (`encoder.layer.N.…`).
fn encoder_layer(name: &str) -> Option<usize> {
    let rest = name.strip_prefix("encoder.layer.")?;
    rest.split('.').next()?.parse().ok()
}

/// Weights below the first encoder layer: embeddings, and the position bias every layer shares.
fn is_input_side(name: &str) -> bool {
    name.starts_with("embeddings.") || name.starts_with("encoder.relative_attention_bias")
}

/// Whether a weight gets weight decay (not biases, not layer norms).
pub fn decays(name: &str) -> bool {
    !(name.ends_with(".bias") || name.contains("LayerNorm"))
}

impl AdamW {
    /// `vars` in a fixed (sorted) order; names decide weight decay.
    pub fn new(vars: Vec<(String, Var)>, weight_decay: f64) -> Result<Self> {
        let params = vars
            .into_iter()
            .map(|(name, var)| {
                let m = var.zeros_like()?;
                let v = var.zeros_like()?;
                Ok(Param {
                    decay: decays(&name),
                    lr_scale: 1.0,
                    name,
                    var,
                    m,
                    v,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            params,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay,
            t: 0,
        })
    }

    /// Layer-wise learning-rate decay: the top encoder layer learns at `decay` times the step's
    /// rate, each layer below at `decay` times the one above, the embeddings (and MPNet's shared
    /// position bias) one step below layer 0; the head at the full rate. `decay` 1 changes
    /// nothing. Lower layers hold the general language knowledge that a small labelled set
    /// should move least.
    pub fn with_layer_decay(mut self, decay: f64) -> Self {
        if decay == 1.0 {
            return self;
        }
        let layers = self
            .params
            .iter()
            .filter_map(|p| encoder_layer(&p.name))
            .max()
            .map_or(0, |top| top + 1);
        for p in &mut self.params {
            let depth = match encoder_layer(&p.name) {
                Some(i) => layers - i,
                None if is_input_side(&p.name) => layers + 1,
                None => 0,
            };
            p.lr_scale = decay.powi(depth as i32);
        }
        self
    }

    /// Global L2 norm of the gradients.
    pub fn grad_norm(&self, grads: &GradStore) -> Result<f64> {
        let mut sum = 0f64;
        for p in &self.params {
            if let Some(g) = grads.get(p.var.as_tensor()) {
                if let Some(s) = cpu_sum_of_squares(g) {
                    sum += s;
                    continue;
                }
                sum += g
                    .sqr()?
                    .sum_all()?
                    .to_dtype(DType::F64)?
                    .to_scalar::<f64>()?;
            }
        }
        Ok(sum.sqrt())
    }

    /// One update with learning rate `lr`; gradients are scaled by `grad_scale` (clipping).
    pub fn step(&mut self, grads: &GradStore, lr: f64, grad_scale: f64) -> Result<()> {
        self.t += 1;
        let (b1, b2) = (self.beta1, self.beta2);
        let bc1 = 1.0 - b1.powi(self.t as i32);
        let bc2 = 1.0 - b2.powi(self.t as i32);
        for p in &mut self.params {
            let Some(g) = grads.get(p.var.as_tensor()) else {
                continue;
            };
            let lr = lr * p.lr_scale;
            let w = p.var.as_tensor();
            if [w, g, &p.m, &p.v].iter().all(|t| fused_applies(t)) {
                // One pass each over m, v and w, in place: no temporaries of the weight's size.
                let scale = grad_scale as f32;
                p.m.inplace_op2(
                    g,
                    &Op(Moment {
                        beta: b1 as f32,
                        scale,
                        square: false,
                    }),
                )?;
                p.v.inplace_op2(
                    g,
                    &Op(Moment {
                        beta: b2 as f32,
                        scale,
                        square: true,
                    }),
                )?;
                let decay = if p.decay { lr * self.weight_decay } else { 0.0 };
                w.inplace_op3(
                    &p.m,
                    &p.v,
                    &Op(Apply {
                        lr: lr as f32,
                        keep: (1.0 - decay) as f32,
                        bc1: bc1 as f32,
                        bc2: bc2 as f32,
                        eps: self.eps as f32,
                    }),
                )?;
                continue;
            }
            let g = if grad_scale != 1.0 {
                g.affine(grad_scale, 0.0)?
            } else {
                g.clone()
            };
            p.m = (p.m.affine(b1, 0.0)? + g.affine(1.0 - b1, 0.0)?)?;
            p.v = (p.v.affine(b2, 0.0)? + g.sqr()?.affine(1.0 - b2, 0.0)?)?;
            let denom = (p.v.affine(1.0 / bc2, 0.0)?.sqrt()? + self.eps)?;
            let update = p.m.affine(1.0 / bc1, 0.0)?.div(&denom)?;
            let w = p.var.as_tensor();
            let decayed = if p.decay && self.weight_decay > 0.0 {
                w.affine(1.0 - lr * self.weight_decay, 0.0)?
            } else {
                w.clone()
            };
            p.var.set(&(decayed - update.affine(lr, 0.0)?)?)?;
        }
        Ok(())
    }

    /// Saves the moments (safetensors).
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut map: HashMap<String, Tensor> = HashMap::new();
        for p in &self.params {
            map.insert(format!("m.{}", p.name), p.m.to_device(&Device::Cpu)?);
            map.insert(format!("v.{}", p.name), p.v.to_device(&Device::Cpu)?);
        }
        candle_core::safetensors::save(&map, path)
            .map_err(|e| Error::model(path, e.to_string()))?;
        crate::io::atomic::umask_permissions(path)
    }

    pub fn load(&mut self, path: &Path, t: usize) -> Result<()> {
        let dev = self
            .params
            .first()
            .map(|p| p.var.device().clone())
            .unwrap_or(Device::Cpu);
        let map = candle_core::safetensors::load(path, &dev)
            .map_err(|e| Error::model(path, format!("cannot read optimizer state: {e}")))?;
        for p in &mut self.params {
            let get = |k: String| {
                map.get(&k)
                    .cloned()
                    .ok_or_else(|| Error::model(path, format!("optimizer state lacks {k}")))
            };
            p.m = get(format!("m.{}", p.name))?;
            p.v = get(format!("v.{}", p.name))?;
        }
        self.t = t;
        Ok(())
    }
}

/// Linear warm-up over `warmup_steps`, then linear decay to 0 at `total_steps`.
pub fn lr_at(step: usize, total_steps: usize, warmup_steps: usize, peak: f64) -> f64 {
    if warmup_steps > 0 && step < warmup_steps {
        peak * (step + 1) as f64 / warmup_steps as f64
    } else {
        let rest = total_steps.saturating_sub(warmup_steps).max(1) as f64;
        peak * (1.0 - (step - warmup_steps) as f64 / rest).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn schedule() {
        assert!((lr_at(0, 100, 10, 1.0) - 0.1).abs() < 1e-12);
        assert!((lr_at(9, 100, 10, 1.0) - 1.0).abs() < 1e-12);
        assert!((lr_at(10, 100, 10, 1.0) - 1.0).abs() < 1e-12);
        assert!((lr_at(55, 100, 10, 1.0) - 0.5).abs() < 1e-12);
        assert!(lr_at(99, 100, 10, 1.0) > 0.0);
    }
    #[test]
    fn decay_groups() {
        assert!(decays("encoder.layer.0.intermediate.dense.weight"));
        assert!(!decays("encoder.layer.0.output.LayerNorm.weight"));
        assert!(!decays("stance_head.bias"));
    }
    #[test]
    fn adamw_moves_against_the_gradient() {
        let var = Var::new(&[1.0f32, -1.0], &Device::Cpu).unwrap();
        let mut opt = AdamW::new(vec![("w.weight".into(), var.clone())], 0.0).unwrap();
        let loss = var.as_tensor().sqr().unwrap().sum_all().unwrap();
        let grads = loss.backward().unwrap();
        opt.step(&grads, 0.1, 1.0).unwrap();
        let v = var.as_tensor().to_vec1::<f32>().unwrap();
        // First Adam step moves each weight by ~lr against the sign of its gradient.
        assert!(
            (v[0] - 0.9).abs() < 1e-4 && (v[1] + 0.9).abs() < 1e-4,
            "{v:?}"
        );
    }

    /// Three steps with decay, clipping scale and changing gradients against AdamW written out
    /// in f64 for each weight.
    #[test]
    fn fused_update_matches_the_formula() {
        let w0 = [0.5f64, -1.5, 2.0, 0.0];
        let var = Var::new(&w0.map(|v| v as f32), &Device::Cpu).unwrap();
        let mut opt = AdamW::new(vec![("l.weight".into(), var.clone())], 0.1).unwrap();
        let (mut w, mut m, mut v) = (w0, [0f64; 4], [0f64; 4]);
        for t in 1..=3 {
            // loss = Σ c·w³ → g = 3c·w²
            let c = t as f64 * 0.5;
            let loss = (var.as_tensor().powf(3.0).unwrap() * c)
                .unwrap()
                .sum_all()
                .unwrap();
            let grads = loss.backward().unwrap();
            let (lr, scale) = (0.01, 0.5);
            opt.step(&grads, lr, scale).unwrap();
            let (b1, b2, eps, wd) = (0.9f64, 0.999f64, 1e-8, 0.1);
            for i in 0..4 {
                let g = 3.0 * c * w[i] * w[i] * scale;
                m[i] = b1 * m[i] + (1.0 - b1) * g;
                v[i] = b2 * v[i] + (1.0 - b2) * g * g;
                let mh = m[i] / (1.0 - b1.powi(t));
                let vh = v[i] / (1.0 - b2.powi(t));
                w[i] = w[i] * (1.0 - lr * wd) - lr * mh / (vh.sqrt() + eps);
            }
            let got = var.as_tensor().to_vec1::<f32>().unwrap();
            for i in 0..4 {
                assert!(
                    (got[i] as f64 - w[i]).abs() < 1e-5,
                    "step {t}: {got:?} vs {w:?}"
                );
            }
        }
    }

    /// Layer-wise decay scales each weight's rate by its depth below the top layer: one weight
    /// per group, the same gradient, and the first Adam step moves each by about its own rate.
    #[test]
    fn layer_decay_scales_the_rate_by_depth() {
        let names = [
            "embeddings.word_embeddings.weight",
            "encoder.relative_attention_bias.weight",
            "encoder.layer.0.output.dense.weight",
            "encoder.layer.1.output.dense.weight",
            "stance_head.weight",
        ];
        let vars: Vec<Var> = names
            .iter()
            .map(|_| Var::new(&[1.0f32], &Device::Cpu).unwrap())
            .collect();
        let named = names
            .iter()
            .zip(&vars)
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect();
        let mut opt = AdamW::new(named, 0.0).unwrap().with_layer_decay(0.5);
        let scales: Vec<f64> = opt.params.iter().map(|p| p.lr_scale).collect();
        assert_eq!(scales, [0.125, 0.125, 0.25, 0.5, 1.0]);
        let loss = vars
            .iter()
            .map(|v| v.as_tensor().sum_all().unwrap())
            .reduce(|a, b| (a + b).unwrap())
            .unwrap();
        opt.step(&loss.backward().unwrap(), 0.1, 1.0).unwrap();
        for (v, scale) in vars.iter().zip(scales) {
            let moved = 1.0 - v.as_tensor().to_vec1::<f32>().unwrap()[0] as f64;
            assert!((moved - 0.1 * scale).abs() < 1e-5, "{moved} vs {scale}");
        }
        // Decay 1 leaves every rate as it was.
        let plain = AdamW::new(
            vec![("encoder.layer.0.x.weight".into(), vars[2].clone())],
            0.0,
        )
        .unwrap()
        .with_layer_decay(1.0);
        assert_eq!(plain.params[0].lr_scale, 1.0);
    }
}
