//! Fused layer norm and softmax that keep their gradients (for training on CPU).
//!
//! candle's fused `layer_norm` and `softmax_last_dim` record no gradient, so training used to
//! compose them from a dozen broadcast and reduction ops, each with its own pass over memory
//! forward and backward. These ops do one pass forward and one backward, with the textbook
//! gradients:
//! - layer norm: `x̂ = (x − μ)·r`, `dx = r·(g·γ − mean(g·γ) − x̂·mean(g·γ·x̂))`, `dγ = Σ g·x̂`, `dβ = Σ g`;
//! - softmax: `dx = y·(g − Σ g·y)`.
//!
//! Also an embedding lookup whose backward writes the dense gradient of the table in one
//! zeroed allocation (candle's `index_select` backward zeroes a table-sized tensor and then
//! copies it in `index_add`: two passes over the 30522×384 word-embedding matrix per batch), and
//! an in-place sum of gradients.
//!
//! CPU and contiguous f32 only; elsewhere the callers keep the composed ops.

use super::op::{CpuInplace2, CpuOp1, CpuOp2, CpuOp3, Grads, Input, Op};
use candle_core::{Result, Shape, Tensor};

/// Whether the fused training ops apply to `xs`.
pub fn applies(xs: &Tensor) -> bool {
    xs.device().is_cpu() && xs.dtype() == candle_core::DType::F32
}

/// Mean and reciprocal standard deviation of one row (two passes, like PyTorch).
fn moments(row: &[f32], eps: f32) -> (f32, f32) {
    let n = row.len() as f32;
    let mean = row.iter().sum::<f32>() / n;
    let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
    (mean, (var + eps).sqrt().recip())
}

struct LayerNormTrain {
    eps: f32,
}

impl CpuOp3 for LayerNormTrain {
    const NAME: &'static str = "layer-norm-train";

    fn fwd(&self, x: Input, gamma: Input, beta: Input) -> Result<(Vec<f32>, Shape)> {
        let (shape, x) = (x.shape().clone(), x.f32()?);
        let (gamma, beta) = (gamma.f32()?, beta.f32()?);
        let h = gamma.len();
        if h == 0 || x.len() % h != 0 || beta.len() != h {
            candle_core::bail!("layer norm: shapes do not match")
        }
        let mut out = vec![0f32; x.len()];
        for (row, dst) in x.chunks_exact(h).zip(out.chunks_exact_mut(h)) {
            let (mean, r) = moments(row, self.eps);
            for (((d, v), g), b) in dst.iter_mut().zip(row).zip(gamma).zip(beta) {
                *d = (v - mean) * r * g + b;
            }
        }
        Ok((out, shape))
    }

    fn bwd(
        &self,
        [x, gamma, _beta]: [&Tensor; 3],
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<Grads<3>> {
        let h = gamma.elem_count();
        let m = x.elem_count() / h;
        let all = x.contiguous()?.apply_op3_no_bwd(
            &gamma.contiguous()?,
            &grad.contiguous()?,
            &Op(LayerNormGrad { eps: self.eps }),
        )?;
        let dx = all.narrow(0, 0, m)?.reshape(x.shape())?;
        let dgamma = all.get(m)?.reshape(gamma.shape())?;
        let dbeta = all.get(m + 1)?.reshape(gamma.shape())?;
        Ok([Some(dx), Some(dgamma), Some(dbeta)])
    }
}

/// Inputs `x`, `γ`, `g`; output `(m + 2, h)`: the m rows of `dx`, then `dγ`, then `dβ`.
struct LayerNormGrad {
    eps: f32,
}

impl CpuOp3 for LayerNormGrad {
    const NAME: &'static str = "layer-norm-grad";

    fn fwd(&self, x: Input, gamma: Input, g: Input) -> Result<(Vec<f32>, Shape)> {
        let (x, gamma, g) = (x.f32()?, gamma.f32()?, g.f32()?);
        let h = gamma.len();
        if h == 0 || x.len() % h != 0 || g.len() != x.len() {
            candle_core::bail!("layer norm grad: shapes do not match")
        }
        let m = x.len() / h;
        let mut out = vec![0f32; (m + 2) * h];
        let (dx, sums) = out.split_at_mut(m * h);
        let (dgamma, dbeta) = sums.split_at_mut(h);
        let mut xhat = vec![0f32; h];
        let mut gy = vec![0f32; h];
        for ((row, grow), drow) in x
            .chunks_exact(h)
            .zip(g.chunks_exact(h))
            .zip(dx.chunks_exact_mut(h))
        {
            let (mean, r) = moments(row, self.eps);
            let (mut s_gy, mut s_gyx) = (0f32, 0f32);
            for i in 0..h {
                let xh = (row[i] - mean) * r;
                let gyi = grow[i] * gamma[i];
                xhat[i] = xh;
                gy[i] = gyi;
                s_gy += gyi;
                s_gyx += gyi * xh;
                dgamma[i] += grow[i] * xh;
                dbeta[i] += grow[i];
            }
            let (a, b) = (s_gy / h as f32, s_gyx / h as f32);
            for i in 0..h {
                drow[i] = r * (gy[i] - a - xhat[i] * b);
            }
        }
        Ok((out, Shape::from((m + 2, h))))
    }
}

/// Layer norm over the last dimension with its gradient (CPU f32 callers only; see [`applies`]).
pub fn layer_norm(xs: &Tensor, gamma: &Tensor, beta: &Tensor, eps: f32) -> Result<Tensor> {
    xs.contiguous()?
        .apply_op3(gamma, beta, Op(LayerNormTrain { eps }))
}

struct SoftmaxTrain;

impl CpuOp1 for SoftmaxTrain {
    const NAME: &'static str = "softmax-train";

    fn fwd(&self, x: Input) -> Result<(Vec<f32>, Shape)> {
        let shape = x.shape().clone();
        let x = x.f32()?;
        let n = shape.dims().last().copied().unwrap_or(1).max(1);
        let mut out = vec![0f32; x.len()];
        for (row, dst) in x.chunks_exact(n).zip(out.chunks_exact_mut(n)) {
            let max = row.iter().fold(f32::NEG_INFINITY, |a, &v| a.max(v));
            let mut sum = 0f32;
            for (d, v) in dst.iter_mut().zip(row) {
                *d = (v - max).exp();
                sum += *d;
            }
            let inv = sum.recip();
            dst.iter_mut().for_each(|d| *d *= inv);
        }
        Ok((out, shape))
    }

    fn bwd(&self, _arg: &Tensor, res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(
            res.contiguous()?
                .apply_op2_no_bwd(&grad.contiguous()?, &Op(SoftmaxGrad))?,
        ))
    }
}

/// Inputs `y` (the softmax) and `g`; output `y·(g − Σ g·y)` per row.
struct SoftmaxGrad;

impl CpuOp2 for SoftmaxGrad {
    const NAME: &'static str = "softmax-grad";

    fn fwd(&self, y: Input, g: Input) -> Result<(Vec<f32>, Shape)> {
        let shape = y.shape().clone();
        let (y, g) = (y.f32()?, g.f32()?);
        let n = shape.dims().last().copied().unwrap_or(1).max(1);
        if y.len() != g.len() {
            candle_core::bail!("softmax grad: shapes do not match")
        }
        let mut out = vec![0f32; y.len()];
        for ((yr, gr), dst) in y
            .chunks_exact(n)
            .zip(g.chunks_exact(n))
            .zip(out.chunks_exact_mut(n))
        {
            let dot: f32 = yr.iter().zip(gr).map(|(a, b)| a * b).sum();
            for ((d, a), b) in dst.iter_mut().zip(yr).zip(gr) {
                *d = a * (b - dot);
            }
        }
        Ok((out, shape))
    }
}

/// Softmax over the last dimension with its gradient (CPU f32 callers only; see [`applies`]).
pub fn softmax_last_dim(xs: &Tensor) -> Result<Tensor> {
    xs.contiguous()?.apply_op1(Op(SoftmaxTrain))
}

/// Rows `ids` of `table (v, h)`, differentiable in `table`.
struct EmbeddingLookup;

impl CpuOp2 for EmbeddingLookup {
    const NAME: &'static str = "embedding-lookup-train";

    fn fwd(&self, table: Input, ids: Input) -> Result<(Vec<f32>, Shape)> {
        let (table, (v, h)) = table.f32_2d()?;
        let ids = ids.u32()?;
        let mut out = Vec::with_capacity(ids.len() * h);
        for &id in ids {
            let id = id as usize;
            if id >= v {
                candle_core::bail!("embedding lookup: id {id} outside the table of {v} rows")
            }
            out.extend_from_slice(&table[id * h..(id + 1) * h]);
        }
        Ok((out, Shape::from((ids.len(), h))))
    }

    fn bwd(&self, [table, ids]: [&Tensor; 2], _res: &Tensor, g: &Tensor) -> Result<Grads<2>> {
        let (v, h) = table.dims2()?;
        let ids = ids.flatten_all()?.to_vec1::<u32>()?;
        let g = g.contiguous()?.flatten_all()?.to_vec1::<f32>()?;
        // One zeroed allocation (fresh pages come zeroed from the OS), then only the used rows.
        let mut d = vec![0f32; v * h];
        for (&id, row) in ids.iter().zip(g.chunks_exact(h)) {
            let id = id as usize;
            for (a, b) in d[id * h..(id + 1) * h].iter_mut().zip(row) {
                *a += b;
            }
        }
        Ok([Some(Tensor::from_vec(d, (v, h), table.device())?), None])
    }
}

/// `table[ids]` with shape `ids.dims() + (h,)`, recording a gradient for `table` (CPU, f32).
pub fn embedding(table: &Tensor, ids: &Tensor) -> Result<Tensor> {
    let h = table.dim(1)?;
    let mut dims = ids.dims().to_vec();
    dims.push(h);
    let flat = ids.flatten_all()?.contiguous()?;
    table
        .contiguous()?
        .apply_op2(&flat, Op(EmbeddingLookup))?
        .reshape(dims)
}

/// `acc += x` in place (same shape, contiguous f32 on CPU).
struct AddAssign;

impl CpuInplace2 for AddAssign {
    const NAME: &'static str = "add-assign";

    fn fwd(&self, acc: &mut [f32], x: Input) -> Result<()> {
        let x = x.f32()?;
        if acc.len() != x.len() {
            candle_core::bail!("add in place: {} and {} elements", acc.len(), x.len())
        }
        for (a, b) in acc.iter_mut().zip(x) {
            *a += b;
        }
        Ok(())
    }
}

/// Adds `x` into `acc` in place. The caller guarantees that no other tensor shares `acc`'s
/// storage.
pub fn add_assign(acc: &Tensor, x: &Tensor) -> Result<()> {
    acc.inplace_op2(x, &Op(AddAssign))
}

/// An identity of a tensor's storage (equal for tensors that share it, views included).
pub fn storage_id(t: &Tensor) -> usize {
    let (storage, _) = t.storage_and_layout();
    &*storage as *const candle_core::Storage as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var, D};

    #[test]
    fn layer_norm_gradients_match_the_composed_op() {
        let dev = Device::Cpu;
        for (rows, h) in [(1, 8), (2 * 7, 48), (3, 384)] {
            let x = (Tensor::randn(0f32, 2.0, (rows, 1, h), &dev).unwrap() + 0.5).unwrap();
            let g = (Tensor::randn(0f32, 0.3, h, &dev).unwrap() + 1.0).unwrap();
            let b = Tensor::randn(0f32, 0.3, h, &dev).unwrap();
            crate::testing::grads_agree(
                &|t| layer_norm(t[0], t[1], t[2], 1e-12),
                &|t| candle_nn::ops::layer_norm_slow(t[0], t[1], t[2], 1e-12),
                &[x, g, b],
                1e-4,
            );
        }
    }

    #[test]
    fn softmax_gradients_match_the_composed_op() {
        let dev = Device::Cpu;
        for shape in [(1, 1, 5), (2, 3, 17), (4, 2, 64)] {
            let x = Tensor::randn(0f32, 3.0, shape, &dev).unwrap();
            crate::testing::grads_agree(
                &|t| softmax_last_dim(t[0]),
                &|t| candle_nn::ops::softmax(t[0], D::Minus1),
                &[x],
                1e-4,
            );
        }
    }

    #[test]
    fn embedding_lookup_matches_index_select_with_repeated_ids() {
        let dev = Device::Cpu;
        let table = Var::from_tensor(&Tensor::randn(0f32, 1.0, (11, 6), &dev).unwrap()).unwrap();
        let ids = Tensor::new(&[[3u32, 0, 3, 10], [7, 3, 1, 0]], &dev).unwrap();
        let ours = embedding(table.as_tensor(), &ids).unwrap();
        let theirs = table
            .as_tensor()
            .index_select(&ids.flatten_all().unwrap(), 0)
            .unwrap()
            .reshape((2, 4, 6))
            .unwrap();
        assert_eq!(crate::testing::max_abs_diff(&ours, &theirs), 0.0);
        let w = Tensor::randn(0f32, 1.0, (2, 4, 6), &dev).unwrap();
        let ga = (ours * &w).unwrap().sum_all().unwrap().backward().unwrap();
        let gb = (theirs * &w)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        let (a, b) = (
            ga.get(table.as_tensor()).unwrap(),
            gb.get(table.as_tensor()).unwrap(),
        );
        assert!(crate::testing::max_abs_diff(a, b) < 1e-6);
        // Row 3 (three uses) got a gradient, row 5 (none) did not.
        let row = |r: usize| {
            a.get(r)
                .unwrap()
                .abs()
                .unwrap()
                .sum_all()
                .unwrap()
                .to_scalar::<f32>()
                .unwrap()
        };
        assert!(row(3) > 0.0 && row(5) == 0.0);
        let bad = Tensor::new(&[11u32], &dev).unwrap();
        assert!(embedding(table.as_tensor(), &bad).is_err());
    }

    #[test]
    fn add_assign_adds_in_place_and_storage_ids_tell_storage_apart() {
        let dev = Device::Cpu;
        let acc = Tensor::new(&[1f32, 2.0, 3.0], &dev).unwrap();
        let same = acc.clone();
        let x = Tensor::new(&[0.5f32, -2.0, 1.0], &dev).unwrap();
        let view = acc.narrow(0, 1, 2).unwrap();
        assert_eq!(storage_id(&acc), storage_id(&same));
        assert_eq!(storage_id(&acc), storage_id(&view));
        assert_ne!(storage_id(&acc), storage_id(&x));
        add_assign(&acc, &x).unwrap();
        assert_eq!(acc.to_vec1::<f32>().unwrap(), vec![1.5, 0.0, 4.0]);
    }
}
