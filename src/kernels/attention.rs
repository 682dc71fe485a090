//! Self-attention for inference in one pass per sequence: the scaled scores, the additive bias
//! (padding mask and MPNet's position bias), the softmax and the weighted sum of the values,
//! read straight from the fused QKV projection's `(batch, seq, 3·hidden)` output and written
//! straight into the `(batch, seq, hidden)` context the output projection reads.
//!
//! The composed candle ops it replaces (`q * scale`, `matmul(k.t())`, `broadcast_add`,
//! `softmax_last_dim`, `matmul(v)`, `transpose`) allocate and copy whole batch-sized tensors at
//! every step; here a sequence's heads go through small buffers that stay in cache. The
//! arithmetic is the same, step for step: the same scaling expression, the same `gemm` calls
//! with the same operand layouts as candle's CPU matmul, the same max/exp/sum of candle's
//! softmax. So the outputs equal the composed ops' bit for bit (unit test), and predictions do
//! not move.

use super::op::{CpuOp2, Input};
use candle_core::cpu::kernels::VecOps;
use candle_core::{Result, Shape};
use rayon::prelude::*;

/// The attention of one layer: `heads` heads of `head_dim` values each, scores scaled by
/// `scale` (1/√head_dim).
#[derive(Debug, Clone, Copy)]
pub struct Attention {
    pub heads: usize,
    pub head_dim: usize,
    pub scale: f64,
}

/// The additive bias's shape `(batch, heads or 1, seq or 1, seq)`, as the strides that read it
/// for a given (sequence, head, query row): a dimension of 1 is broadcast.
#[derive(Debug, Clone, Copy)]
struct BiasLayout {
    batch: usize,
    head: usize,
    row: usize,
}

impl BiasLayout {
    fn new(dims: &[usize], b: usize, heads: usize, t: usize) -> Result<Self> {
        let ok = |d: usize, full: usize| d == 1 || d == full;
        match *dims {
            [db, dh, dr, dc] if ok(db, b) && ok(dh, heads) && ok(dr, t) && dc == t => {
                let row = if dr == 1 { 0 } else { t };
                let head = if dh == 1 { 0 } else { dr * t };
                let batch = if db == 1 { 0 } else { dh * dr * t };
                Ok(Self { batch, head, row })
            }
            _ => candle_core::bail!(
                "fused attention: bias of shape {dims:?} does not broadcast to ({b}, {heads}, {t}, {t})"
            ),
        }
    }

    fn offset(&self, seq: usize, head: usize, row: usize) -> usize {
        seq * self.batch + head * self.head + row * self.row
    }
}

impl Attention {
    /// The context `(batch, seq, heads·head_dim)` from the fused projection `qkv`
    /// `(batch, seq, 3·heads·head_dim)` (queries, keys, values in that order, each head's values
    /// adjacent) and the additive `bias` (see [`BiasLayout`]). Sequences run in parallel.
    pub fn forward(
        &self,
        qkv: &[f32],
        (b, t): (usize, usize),
        bias: &[f32],
        bias_dims: &[usize],
    ) -> Result<Vec<f32>> {
        let h = self.heads * self.head_dim;
        if qkv.len() != b * t * 3 * h {
            candle_core::bail!(
                "fused attention: qkv has {} values, ({b}, {t}, 3·{h}) needs {}",
                qkv.len(),
                b * t * 3 * h
            );
        }
        let mut ctx = vec![0f32; b * t * h];
        if b == 0 || t == 0 || h == 0 {
            return Ok(ctx);
        }
        let layout = BiasLayout::new(bias_dims, b, self.heads, t)?;
        if bias.len() < layout.offset(b - 1, self.heads - 1, t - 1) + t {
            candle_core::bail!("fused attention: bias has too few values for its shape");
        }
        ctx.par_chunks_mut(t * h)
            .zip(qkv.par_chunks(t * 3 * h))
            .enumerate()
            .for_each(|(seq, (out, qkv))| {
                let mut buf = HeadBuffers::new(t, self.head_dim);
                for head in 0..self.heads {
                    buf.gather(qkv, head, self.head_dim, h, self.scale as f32);
                    buf.scores();
                    buf.softmax_rows(|row| &bias[layout.offset(seq, head, row)..][..t]);
                    buf.context_into(&mut out[head * self.head_dim..], h);
                }
            });
        Ok(ctx)
    }
}

/// One head of one sequence: its scaled queries, keys and values copied out contiguous (the
/// layouts candle's matmul sees), and the `(seq, seq)` scores.
struct HeadBuffers {
    t: usize,
    d: usize,
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
    scores: Vec<f32>,
}

impl HeadBuffers {
    fn new(t: usize, d: usize) -> Self {
        Self {
            t,
            d,
            q: vec![0.0; t * d],
            k: vec![0.0; t * d],
            v: vec![0.0; t * d],
            scores: vec![0.0; t * t],
        }
    }

    /// Copies head `head` of the queries (scaled as candle's `q * scale`, an affine map with
    /// a zero offset), keys and values out of one sequence's `(seq, 3·h)` rows.
    fn gather(&mut self, qkv: &[f32], head: usize, d: usize, h: usize, scale: f32) {
        for r in 0..self.t {
            let row = &qkv[r * 3 * h + head * d..];
            let (q, k, v) = (&row[..d], &row[h..h + d], &row[2 * h..2 * h + d]);
            for (dst, &x) in self.q[r * d..(r + 1) * d].iter_mut().zip(q) {
                *dst = x * scale + 0.0;
            }
            self.k[r * d..(r + 1) * d].copy_from_slice(k);
            self.v[r * d..(r + 1) * d].copy_from_slice(v);
        }
    }

    /// `scores = q · kᵀ`, as candle's matmul calls `gemm` for `q.matmul(&k.t())`.
    fn scores(&mut self) {
        let (t, d) = (self.t, self.d);
        // SAFETY: dst is t×t (row stride t), lhs t×d (row stride d), rhs the transpose of the
        // t×d keys (column stride d, row stride 1): every index gemm forms is inside the three
        // buffers, which do not overlap.
        unsafe {
            gemm_f32(
                (t, t, d),
                (self.scores.as_mut_ptr(), 1, t as isize),
                (self.q.as_ptr(), 1, d as isize),
                (self.k.as_ptr(), d as isize, 1),
            )
        }
    }

    /// Adds each row's bias and takes its softmax in place, as candle's `broadcast_add` then
    /// `softmax_last_dim` (max, `exp` of the difference, candle's vectorised sum, division).
    fn softmax_rows<'b>(&mut self, bias_row: impl Fn(usize) -> &'b [f32]) {
        let t = self.t;
        for (r, row) in self.scores.chunks_exact_mut(t).enumerate() {
            for (s, &b) in row.iter_mut().zip(bias_row(r)) {
                *s += b;
            }
            let mut max = f32::NEG_INFINITY;
            // SAFETY: `row` holds t ≥ 1 values.
            unsafe { f32::vec_reduce_max(row.as_ptr(), &mut max, t) };
            for s in row.iter_mut() {
                *s = (*s - max).exp();
            }
            let mut sum = 0.0;
            // SAFETY: as above.
            unsafe { f32::vec_reduce_sum(row.as_ptr(), &mut sum, t) };
            for s in row.iter_mut() {
                *s /= sum;
            }
        }
    }

    /// `out[r, 0..d] = Σ_c p[r, c] · v[c]`, into rows `h` apart (the head's columns of the
    /// context), as candle's matmul calls `gemm` for `probs.matmul(&v)`.
    fn context_into(&self, out: &mut [f32], h: usize) {
        let (t, d) = (self.t, self.d);
        assert!(out.len() >= (t - 1) * h + d, "context slice too short");
        // SAFETY: dst rows are h apart with d columns, inside `out` (asserted); lhs is the t×t
        // probabilities, rhs the t×d values, both contiguous.
        unsafe {
            gemm_f32(
                (t, d, t),
                (out.as_mut_ptr(), 1, h as isize),
                (self.scores.as_ptr(), 1, t as isize),
                (self.v.as_ptr(), 1, d as isize),
            )
        }
    }
}

/// `dst = lhs · rhs` (`m×k` by `k×n`), each operand given as (pointer, column stride, row
/// stride), one thread, with the arguments candle's CPU matmul passes (`alpha` 0, `beta` 1, the
/// destination not read).
///
/// # Safety
/// Every element `ptr + i·rs + j·cs` for the operand's rows `i` and columns `j` must be inside
/// its allocation; `dst` must not overlap `lhs` or `rhs`.
unsafe fn gemm_f32(
    (m, n, k): (usize, usize, usize),
    (dst, dst_cs, dst_rs): (*mut f32, isize, isize),
    (lhs, lhs_cs, lhs_rs): (*const f32, isize, isize),
    (rhs, rhs_cs, rhs_rs): (*const f32, isize, isize),
) {
    gemm::gemm(
        m,
        n,
        k,
        dst,
        dst_cs,
        dst_rs,
        false,
        lhs,
        lhs_cs,
        lhs_rs,
        rhs,
        rhs_cs,
        rhs_rs,
        0.0,
        1.0,
        false,
        false,
        false,
        gemm::Parallelism::None,
    )
}

impl CpuOp2 for Attention {
    const NAME: &'static str = "fused-attention";

    /// `a`: the fused projection `(batch, seq, 3·hidden)`; `b`: the additive bias.
    fn fwd(&self, a: Input, b: Input) -> Result<(Vec<f32>, Shape)> {
        let (bs, t, _) = a.shape().dims3()?;
        let ctx = self.forward(a.f32()?, (bs, t), b.f32()?, b.shape().dims())?;
        Ok((ctx, Shape::from((bs, t, self.heads * self.head_dim))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::op::Op;
    use candle_core::{Device, Tensor};

    /// The composed candle ops the kernel replaces (the encoder's path before it).
    fn composed(qkv: &Tensor, bias: &Tensor, att: Attention) -> Result<Tensor> {
        let (b, t, _) = qkv.dims3()?;
        let (heads, d) = (att.heads, att.head_dim);
        let qkv = qkv.reshape((b, t, 3, heads, d))?.permute((2, 0, 3, 1, 4))?;
        let (q, k, v) = (
            qkv.get(0)?.contiguous()?,
            qkv.get(1)?.contiguous()?,
            qkv.get(2)?.contiguous()?,
        );
        let scores = ((q * att.scale)?.matmul(&k.t()?)?).broadcast_add(bias)?;
        let probs = candle_nn::ops::softmax_last_dim(&scores)?;
        probs
            .matmul(&v)?
            .transpose(1, 2)?
            .reshape((b, t, heads * d))
    }

    fn check(b: usize, t: usize, heads: usize, d: usize, bias_dims: &[usize]) {
        let dev = Device::Cpu;
        let att = Attention {
            heads,
            head_dim: d,
            scale: 1.0 / (d as f64).sqrt(),
        };
        let qkv = Tensor::randn(0f32, 1.0, (b, t, 3 * heads * d), &dev).unwrap();
        let mut bias = Tensor::randn(0f32, 1.0, bias_dims, &dev).unwrap();
        if bias_dims[2] == 1 {
            // A padding mask: the last column masked for every sequence.
            let mask: Vec<f32> = (0..bias.elem_count())
                .map(|i| {
                    if i % t == t - 1 && t > 1 {
                        -10000.0
                    } else {
                        0.0
                    }
                })
                .collect();
            bias = Tensor::from_vec(mask, bias_dims, &dev).unwrap();
        }
        let want = composed(&qkv, &bias, att).unwrap();
        let got = qkv.apply_op2_no_bwd(&bias, &Op(att)).unwrap();
        let (want, got) = (
            want.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
            got.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
        );
        assert_eq!(want.len(), got.len());
        let differing = want
            .iter()
            .zip(&got)
            .filter(|(a, b)| a.to_bits() != b.to_bits())
            .count();
        assert_eq!(
            differing, 0,
            "b {b} t {t} heads {heads} d {d} bias {bias_dims:?}"
        );
    }

    #[test]
    fn equals_the_composed_ops_bit_for_bit_with_a_padding_mask() {
        for (b, t) in [(1, 1), (1, 7), (3, 19), (8, 64), (2, 130)] {
            check(b, t, 12, 32, &[b, 1, 1, t]); // MiniLM: 12 heads of 32
        }
    }

    #[test]
    fn equals_the_composed_ops_bit_for_bit_with_a_position_bias() {
        for (b, t) in [(1, 5), (4, 33), (2, 96)] {
            check(b, t, 12, 64, &[b, 12, t, t]); // MPNet: 12 heads of 64, per-head (t, t) bias
            check(b, t, 4, 64, &[1, 4, t, t]);
        }
    }

    #[test]
    fn refuses_a_bias_that_does_not_broadcast() {
        let att = Attention {
            heads: 2,
            head_dim: 4,
            scale: 0.5,
        };
        let qkv = vec![0.0; 3 * 5 * 24];
        let err = att.forward(&qkv, (3, 5), &[0.0; 10], &[2, 1, 1, 5]);
        assert!(err.is_err());
        let err = att.forward(&qkv[1..], (3, 5), &[0.0; 15], &[3, 1, 1, 5]);
        assert!(err.is_err());
    }
}
