//! Differentiable products for training on the packed f32 kernel: `x · wᵀ (+ b)` whose backward
//! (input and weight gradients, bias column sums) runs on the same kernel.

use super::gemm_f32::{matmul_packed, pack_kn, pack_nk};
use super::op::{CpuOp1, CpuOp2, CpuOp3, Grads, Input, Op};
use candle_core::{Result, Shape, Tensor};

/// `x (m, k) · wᵀ (+ b)` with `w (n, k)`, differentiable. Needs AVX-512 and f32 CPU tensors
/// (an error otherwise): callers choose it with [`super::features::avx512`].
pub fn matmul_train(x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Result<Tensor> {
    match b {
        Some(b) => x.apply_op3(w, b, Op(MatmulBiasTrain)),
        None => x.apply_op2(w, Op(MatmulTrain)),
    }
}

/// `x (m, k) · wᵀ` with `w (n, k)` on the packed kernel: the values and `(m, n)`.
fn product(x: Input, w: Input) -> Result<(Vec<f32>, usize, usize)> {
    let (x, (m, k)) = x.f32_2d()?;
    let (w, (n, k2)) = w.f32_2d()?;
    if k != k2 {
        candle_core::bail!("packed matmul: widths {k} and {k2}")
    }
    Ok((matmul_packed(x, m, k, &pack_nk(w, n, k), n)?, m, n))
}

/// Gradients of `x · wᵀ` for the upstream gradient `g`: input and weight, and `g` made
/// contiguous (whose column sums are the bias gradient).
fn product_grads(x: &Tensor, w: &Tensor, g: &Tensor) -> Result<(Tensor, Tensor, Tensor)> {
    let g = g.contiguous()?;
    let dx = g.apply_op2_no_bwd(&w.contiguous()?, &Op(GradInput))?;
    let dw = g.apply_op2_no_bwd(&x.contiguous()?, &Op(GradWeight))?;
    Ok((dx, dw, g))
}

/// `x (m, k) · wᵀ` with `w (n, k)`, differentiable; its backward runs on the same kernel.
struct MatmulTrain;

impl CpuOp2 for MatmulTrain {
    const NAME: &'static str = "packed-matmul-train";

    fn fwd(&self, x: Input, w: Input) -> Result<(Vec<f32>, Shape)> {
        let (y, m, n) = product(x, w)?;
        Ok((y, Shape::from((m, n))))
    }

    fn bwd(&self, [x, w]: [&Tensor; 2], _res: &Tensor, g: &Tensor) -> Result<Grads<2>> {
        let (dx, dw, _) = product_grads(x, w, g)?;
        Ok([Some(dx), Some(dw)])
    }
}

/// `g (m, n) · w (n, k)`: the input gradient.
struct GradInput;

impl CpuOp2 for GradInput {
    const NAME: &'static str = "packed-matmul-grad-input";

    fn fwd(&self, g: Input, w: Input) -> Result<(Vec<f32>, Shape)> {
        let (g, (m, n)) = g.f32_2d()?;
        times_kn(g, (m, n), w, "widths")
    }
}

/// `gᵀ (n, m) · x (m, k)`: the weight gradient.
struct GradWeight;

impl CpuOp2 for GradWeight {
    const NAME: &'static str = "packed-matmul-grad-weight";

    fn fwd(&self, g: Input, x: Input) -> Result<(Vec<f32>, Shape)> {
        let (g, (m, n)) = g.f32_2d()?;
        let mut gt = vec![0f32; n * m];
        for (r, row) in g.chunks_exact(n).enumerate() {
            for (j, v) in row.iter().enumerate() {
                gt[j * m + r] = *v;
            }
        }
        times_kn(&gt, (n, m), x, "rows")
    }
}

/// `a (rows, inner) · b (inner, k)` on the packed kernel, with its shape; `what` names the
/// shared dimension in the error when the two disagree.
fn times_kn(
    a: &[f32],
    (rows, inner): (usize, usize),
    b: Input,
    what: &str,
) -> Result<(Vec<f32>, Shape)> {
    let (b, (inner2, k)) = b.f32_2d()?;
    if inner != inner2 {
        candle_core::bail!("packed matmul grad: {what} {inner} and {inner2}")
    }
    let y = matmul_packed(a, rows, inner, &pack_kn(b, inner, k), k)?;
    Ok((y, Shape::from((rows, k))))
}

/// `x (m, k) · wᵀ + b`: the training product with its bias added in place, so that neither a
/// broadcast in the forward pass nor a reduction over rows in candle's backward is needed.
struct MatmulBiasTrain;

impl CpuOp3 for MatmulBiasTrain {
    const NAME: &'static str = "packed-matmul-bias-train";

    fn fwd(&self, x: Input, w: Input, b: Input) -> Result<(Vec<f32>, Shape)> {
        let b = b.f32()?;
        let (mut y, m, n) = product(x, w)?;
        if b.len() != n {
            candle_core::bail!("packed matmul: bias of {} for {n} outputs", b.len())
        }
        for row in y.chunks_exact_mut(n) {
            for (v, bias) in row.iter_mut().zip(b) {
                *v += bias;
            }
        }
        Ok((y, Shape::from((m, n))))
    }

    fn bwd(&self, [x, w, _b]: [&Tensor; 3], _res: &Tensor, g: &Tensor) -> Result<Grads<3>> {
        let (dx, dw, g) = product_grads(x, w, g)?;
        let db = g.apply_op1_no_bwd(&Op(ColumnSums))?;
        Ok([Some(dx), Some(dw), Some(db)])
    }
}

/// Column sums of `g (m, n)`: the bias gradient.
struct ColumnSums;

impl CpuOp1 for ColumnSums {
    const NAME: &'static str = "column-sums";

    fn fwd(&self, g: Input) -> Result<(Vec<f32>, Shape)> {
        let (g, (_, n)) = g.f32_2d()?;
        let mut acc = vec![0f32; n];
        for row in g.chunks_exact(n.max(1)) {
            for (a, v) in acc.iter_mut().zip(row) {
                *a += v;
            }
        }
        Ok((acc, Shape::from(n)))
    }
}
