//! The residual sum and the layer norm after it in one pass, for inference: `norm(y + x)`
//! without the sum as a tensor of its own (one allocation and one pass over the batch fewer
//! per norm). The arithmetic is candle's `y + x` then `candle_nn::ops::layer_norm`, step for
//! step (the sums in the same order, the same expressions), so the outputs equal the composed
//! ops' bit for bit (unit test) and predictions do not move.

use super::op::{CpuOp2, Input};
use candle_core::{Result, Shape};
use rayon::prelude::*;

/// `gamma · (s − mean(s)) / √(var(s) + eps) + beta` of each row of `s = y + x`.
pub struct AddLayerNorm {
    pub gamma: Vec<f32>,
    pub beta: Vec<f32>,
    pub eps: f32,
}

impl AddLayerNorm {
    /// The normalised rows of `y + x` (both of `rows × gamma.len()` values).
    pub fn forward(&self, y: &[f32], x: &[f32]) -> Result<Vec<f32>> {
        let n = self.gamma.len();
        if n == 0 || self.beta.len() != n || y.len() != x.len() || !y.len().is_multiple_of(n) {
            candle_core::bail!(
                "residual layer norm: {} and {} values do not make rows of {n} (beta {})",
                y.len(),
                x.len(),
                self.beta.len()
            );
        }
        // Each row's sums are written straight into fresh memory (no zeroing pass over the
        // batch first) and normalised while the row is in cache.
        let mut out: Vec<f32> = Vec::with_capacity(y.len());
        out.spare_capacity_mut()[..y.len()]
            .par_chunks_mut(n)
            .zip(y.par_chunks(n).zip(x.par_chunks(n)))
            .for_each(|(row, (y, x))| {
                for ((o, &a), &b) in row.iter_mut().zip(y).zip(x) {
                    o.write(a + b);
                }
                // SAFETY: every value of `row` was written just above.
                let row = unsafe { &mut *(row as *mut [std::mem::MaybeUninit<f32>] as *mut [f32]) };
                self.normalise(row);
            });
        // SAFETY: the chunks cover the first `y.len()` values, each written above.
        unsafe { out.set_len(y.len()) };
        Ok(out)
    }

    /// Normalises one row of sums in place.
    fn normalise(&self, out: &mut [f32]) {
        let (mut sum, mut sum2) = (0f32, 0f32);
        for &v in out.iter() {
            sum += v;
            sum2 += v * v;
        }
        let n = out.len() as f32;
        let mean = sum / n;
        let var = sum2 / n - mean * mean;
        let inv_std = (var + self.eps).sqrt().recip();
        for ((o, &g), &b) in out.iter_mut().zip(&self.gamma).zip(&self.beta) {
            *o = (*o - mean) * inv_std * g + b;
        }
    }
}

impl CpuOp2 for AddLayerNorm {
    const NAME: &'static str = "residual-layer-norm";

    /// `a`: the layer's output `y`; `b`: the residual `x`, of the same shape.
    fn fwd(&self, a: Input, b: Input) -> Result<(Vec<f32>, Shape)> {
        if a.shape() != b.shape() {
            candle_core::bail!(
                "residual layer norm: shapes {:?} and {:?} differ",
                a.shape(),
                b.shape()
            );
        }
        Ok((self.forward(a.f32()?, b.f32()?)?, a.shape().clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::op::Op;
    use candle_core::{Device, Tensor};

    #[test]
    fn equals_candles_sum_then_layer_norm_bit_for_bit() {
        let dev = Device::Cpu;
        for (rows, n) in [(1, 1), (3, 7), (40, 384), (17, 768)] {
            let y = Tensor::randn(0.5f32, 2.0, (rows, n), &dev).unwrap();
            let x = Tensor::randn(-0.3f32, 1.5, (rows, n), &dev).unwrap();
            let gamma = Tensor::randn(1f32, 0.2, n, &dev).unwrap();
            let beta = Tensor::randn(0f32, 0.2, n, &dev).unwrap();
            let eps = 1e-5;
            let want = candle_nn::ops::layer_norm(&(&y + &x).unwrap(), &gamma, &beta, eps).unwrap();
            let op = AddLayerNorm {
                gamma: gamma.to_vec1().unwrap(),
                beta: beta.to_vec1().unwrap(),
                eps,
            };
            let got = y.apply_op2_no_bwd(&x, &Op(op)).unwrap();
            let bits = |t: &Tensor| -> Vec<u32> {
                let v: Vec<f32> = t.flatten_all().unwrap().to_vec1().unwrap();
                v.into_iter().map(f32::to_bits).collect()
            };
            assert_eq!(bits(&want), bits(&got), "rows {rows} n {n}");
        }
    }

    #[test]
    fn refuses_mismatched_inputs() {
        let op = AddLayerNorm {
            gamma: vec![1.0; 4],
            beta: vec![0.0; 4],
            eps: 1e-5,
        };
        assert!(op.forward(&[0.0; 8], &[0.0; 4]).is_err());
        assert!(op.forward(&[0.0; 6], &[0.0; 6]).is_err());
    }
}
