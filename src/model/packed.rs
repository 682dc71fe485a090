//! Inference-only linear layers with pre-packed weights and an AVX-512 f32 kernel.
//!
//! candle's CPU matmul (the `gemm` crate on stable Rust) uses 256-bit AVX2 kernels. On CPUs with
//! AVX-512 this module computes `y = x Wᵀ + b` (optionally followed by GELU) with 512-bit FMAs:
//! `W` is packed once into panels of 32 output columns (`k × 32`, contiguous), and an 8 × 32
//! register-blocked micro-kernel streams rows of `x` against each panel. Single-threaded by
//! design: inference runs one batch per core. Elsewhere (no AVX-512, other devices or dtypes)
//! candle's `Linear` is used. The result equals candle's up to float summation order.

use super::fast_ops::{cpu_f32, erf_approx};
use super::int8::{self, QuantLinear};
use candle_core::{CpuStorage, CustomOp1, Layout, Module, Result, Shape, Tensor};
use candle_nn::Linear;

const NR: usize = 32;
const MR: usize = 12;
const MB: usize = 96;
/// Depth of one pass over a panel (256 × 32 floats = 32 KiB, resident in L1).
const KC: usize = 256;

/// Arithmetic of the inference linear layers on CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Precision {
    /// f32 throughout (the reference).
    #[default]
    F32,
    /// int8 weights and activations in the linear layers (AVX-512 VNNI), f32 elsewhere.
    Int8,
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::F32 => "f32",
            Self::Int8 => "int8",
        })
    }
}

/// A linear layer ready for inference.
pub struct PackedLinear {
    fallback: Linear,
    packed: Option<Packed>,
    quant: Option<QuantLinear>,
    gelu: bool,
}

struct Packed {
    n: usize,
    k: usize,
    /// ceil(n / 32) panels of k × 32 floats.
    panels: Vec<f32>,
    /// Bias padded to a multiple of 32.
    bias: Vec<f32>,
    gelu: bool,
}

/// Whether the AVX-512 kernel can run here.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

impl PackedLinear {
    /// Packs `linear` (weights `(n, k)`, f32 on CPU); `gelu` applies GELU (erf) to the output.
    /// With [`Precision::Int8`] on a CPU with AVX-512 VNNI the weights are quantised to int8;
    /// otherwise they are packed for the f32 kernel where AVX-512 is available.
    pub fn new(linear: &Linear, gelu: bool, precision: Precision) -> Result<Self> {
        let w = linear.weight();
        let on_cpu_f32 = w.device().is_cpu() && w.dtype() == candle_core::DType::F32;
        if precision == Precision::Int8 && on_cpu_f32 && int8::available() {
            let (n, k) = w.dims2()?;
            let wv = w.flatten_all()?.to_vec1::<f32>()?;
            let bv = match linear.bias() {
                Some(b) => Some(b.to_vec1::<f32>()?),
                None => None,
            };
            return Ok(Self {
                fallback: linear.clone(),
                packed: None,
                quant: Some(QuantLinear::new(&wv, n, k, bv.as_deref(), gelu)),
                gelu,
            });
        }
        let usable = available() && on_cpu_f32;
        let packed = if usable {
            let (n, k) = w.dims2()?;
            let wv = w.flatten_all()?.to_vec1::<f32>()?;
            let np = n.div_ceil(NR);
            let panels = pack_nk(&wv, n, k);
            let mut bias = vec![0f32; np * NR];
            if let Some(b) = linear.bias() {
                let bv = b.to_vec1::<f32>()?;
                bias[..n].copy_from_slice(&bv);
            }
            Some(Packed {
                n,
                k,
                panels,
                bias,
                gelu,
            })
        } else {
            None
        };
        Ok(Self {
            fallback: linear.clone(),
            packed,
            quant: None,
            gelu,
        })
    }

    /// The arithmetic this layer runs with on f32 CPU input.
    pub fn precision(&self) -> Precision {
        if self.quant.is_some() {
            Precision::Int8
        } else {
            Precision::F32
        }
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let on_cpu = x.device().is_cpu() && x.dtype() == candle_core::DType::F32;
        match (&self.quant, &self.packed) {
            (Some(q), _) if on_cpu => rows_through(x, q, q.n),
            (None, Some(p)) if on_cpu => rows_through(x, p, p.n),
            _ => {
                let y = self.fallback.forward(x)?;
                if self.gelu {
                    super::fast_ops::gelu_erf(&y)
                } else {
                    Ok(y)
                }
            }
        }
    }
}

/// Store masks of the two 16-lane halves of a 32-column panel with `cols` columns in use.
pub(crate) fn column_masks(cols: usize) -> [u16; 2] {
    let lanes = |c: usize| -> u16 {
        if c >= 16 {
            0xFFFF
        } else {
            ((1u32 << c) - 1) as u16
        }
    };
    [lanes(cols), lanes(cols.saturating_sub(16))]
}

/// Packs `w`, row-major `(n, k)` (a linear layer's weights: output column j reads row j).
fn pack_nk(w: &[f32], n: usize, k: usize) -> Vec<f32> {
    let np = n.div_ceil(NR);
    let mut panels = vec![0f32; np * k * NR];
    for j in 0..n {
        let (p, c) = (j / NR, j % NR);
        for kk in 0..k {
            panels[p * k * NR + kk * NR + c] = w[j * k + kk];
        }
    }
    panels
}

/// Packs `b`, row-major `(k, n)` (output column j reads column j).
fn pack_kn(b: &[f32], k: usize, n: usize) -> Vec<f32> {
    let np = n.div_ceil(NR);
    let mut panels = vec![0f32; np * k * NR];
    for kk in 0..k {
        let row = &b[kk * n..(kk + 1) * n];
        for p in 0..np {
            let cols = NR.min(n - p * NR);
            let at = p * k * NR + kk * NR;
            panels[at..at + cols].copy_from_slice(&row[p * NR..p * NR + cols]);
        }
    }
    panels
}

/// `a (m × k) · B`, with B packed into `n` columns; single-threaded, AVX-512 (checked by callers).
fn matmul_packed(a: &[f32], m: usize, k: usize, panels: &[f32], n: usize) -> Vec<f32> {
    let zeros = vec![0f32; n.div_ceil(NR) * NR];
    let mut y: Vec<f32> = Vec::with_capacity(m * n);
    #[cfg(target_arch = "x86_64")]
    unsafe {
        // SAFETY: callers check `available()`; the first pass over k stores all m × n outputs.
        gemm_avx512(
            a,
            m,
            k,
            panels,
            &zeros,
            n,
            y.spare_capacity_mut().as_mut_ptr() as *mut f32,
        );
        y.set_len(m * n);
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (a, k, panels, zeros);
        y.resize(m * n, 0.0);
    }
    y
}

/// `x (m, k) · wᵀ` with `w (n, k)` on the packed kernel: the values and `(m, n)`.
fn product(
    s1: &CpuStorage,
    l1: &Layout,
    s2: &CpuStorage,
    l2: &Layout,
) -> Result<(Vec<f32>, usize, usize)> {
    let (x, w) = (
        cpu_f32(s1, l1, "packed matmul")?,
        cpu_f32(s2, l2, "packed matmul")?,
    );
    let ((m, k), (n, k2)) = (l1.shape().dims2()?, l2.shape().dims2()?);
    if k != k2 {
        candle_core::bail!("packed matmul: widths {k} and {k2}")
    }
    Ok((matmul_packed(x, m, k, &pack_nk(w, n, k), n), m, n))
}

/// Gradients of `x · wᵀ` for the upstream gradient `g`: input and weight, and `g` made
/// contiguous (whose column sums are the bias gradient).
fn product_grads(x: &Tensor, w: &Tensor, g: &Tensor) -> Result<(Tensor, Tensor, Tensor)> {
    let g = g.contiguous()?;
    let dx = g.apply_op2_no_bwd(&w.contiguous()?, &GradInput)?;
    let dw = g.apply_op2_no_bwd(&x.contiguous()?, &GradWeight)?;
    Ok((dx, dw, g))
}

/// `x (m, k) · wᵀ` with `w (n, k)`, differentiable; its backward runs on the same kernel.
struct MatmulTrain;

impl candle_core::CustomOp2 for MatmulTrain {
    fn name(&self) -> &'static str {
        "packed-matmul-train"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (y, m, n) = product(s1, l1, s2, l2)?;
        Ok((CpuStorage::F32(y), Shape::from((m, n))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _res: &Tensor,
        g: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let (dx, dw, _) = product_grads(x, w, g)?;
        Ok((Some(dx), Some(dw)))
    }
}

/// `g (m, n) · w (n, k)`: the input gradient.
struct GradInput;

impl candle_core::CustomOp2 for GradInput {
    fn name(&self) -> &'static str {
        "packed-matmul-grad-input"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (g, w) = (
            cpu_f32(s1, l1, "packed matmul")?,
            cpu_f32(s2, l2, "packed matmul")?,
        );
        let ((m, n), (n2, k)) = (l1.shape().dims2()?, l2.shape().dims2()?);
        if n != n2 {
            candle_core::bail!("packed matmul grad: widths {n} and {n2}")
        }
        let y = matmul_packed(g, m, n, &pack_kn(w, n, k), k);
        Ok((CpuStorage::F32(y), Shape::from((m, k))))
    }
}

/// `gᵀ (n, m) · x (m, k)`: the weight gradient.
struct GradWeight;

impl candle_core::CustomOp2 for GradWeight {
    fn name(&self) -> &'static str {
        "packed-matmul-grad-weight"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (g, x) = (
            cpu_f32(s1, l1, "packed matmul")?,
            cpu_f32(s2, l2, "packed matmul")?,
        );
        let ((m, n), (m2, k)) = (l1.shape().dims2()?, l2.shape().dims2()?);
        if m != m2 {
            candle_core::bail!("packed matmul grad: rows {m} and {m2}")
        }
        let mut gt = vec![0f32; n * m];
        for (r, row) in g.chunks_exact(n).enumerate() {
            for (j, v) in row.iter().enumerate() {
                gt[j * m + r] = *v;
            }
        }
        let y = matmul_packed(&gt, n, m, &pack_kn(x, m, k), k);
        Ok((CpuStorage::F32(y), Shape::from((n, k))))
    }
}

/// `x (m, k) · wᵀ + b`: the training product with its bias added in place, so that neither a
/// broadcast in the forward pass nor a reduction over rows in candle's backward is needed.
struct MatmulBiasTrain;

impl candle_core::CustomOp3 for MatmulBiasTrain {
    fn name(&self) -> &'static str {
        "packed-matmul-bias-train"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let b = cpu_f32(s3, l3, "packed matmul")?;
        let (mut y, m, n) = product(s1, l1, s2, l2)?;
        if b.len() != n {
            candle_core::bail!("packed matmul: bias of {} for {n} outputs", b.len())
        }
        for row in y.chunks_exact_mut(n) {
            for (v, bias) in row.iter_mut().zip(b) {
                *v += bias;
            }
        }
        Ok((CpuStorage::F32(y), Shape::from((m, n))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _b: &Tensor,
        _res: &Tensor,
        g: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (dx, dw, g) = product_grads(x, w, g)?;
        let db = g.apply_op1_no_bwd(&ColumnSums)?;
        Ok((Some(dx), Some(dw), Some(db)))
    }
}

/// Column sums of `g (m, n)`: the bias gradient.
struct ColumnSums;

impl CustomOp1 for ColumnSums {
    fn name(&self) -> &'static str {
        "column-sums"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let g = cpu_f32(s, l, "column sums")?;
        let (_, n) = l.shape().dims2()?;
        let mut acc = vec![0f32; n];
        for row in g.chunks_exact(n.max(1)) {
            for (a, v) in acc.iter_mut().zip(row) {
                *a += v;
            }
        }
        Ok((CpuStorage::F32(acc), Shape::from(n)))
    }
}

/// A linear layer for training: on CPU with AVX-512 and single-threaded kernels (training with
/// micro-batches) the products, forward and backward, run on the packed kernel; candle's
/// `Linear` elsewhere. Same gradients up to summation order.
pub fn linear_train(lin: &Linear, x: &Tensor) -> Result<Tensor> {
    let w = lin.weight();
    let usable = available()
        && x.device().is_cpu()
        && x.dtype() == candle_core::DType::F32
        && w.dtype() == candle_core::DType::F32
        && crate::device::kernel_threads() == 1;
    if !usable {
        return lin.forward(x);
    }
    linear_packed_train(lin, x)
}

/// [`linear_train`] on the packed kernel (needs AVX-512 and f32 CPU tensors).
fn linear_packed_train(lin: &Linear, x: &Tensor) -> Result<Tensor> {
    let w = lin.weight();
    let (n, _) = w.dims2()?;
    on_rows(x, n, |x2| match lin.bias() {
        Some(b) => x2.apply_op3(w, b, MatmulBiasTrain),
        None => x2.apply_op2(w, MatmulTrain),
    })
}

/// Runs `f` on `x` viewed as `(rows, last dim)` and gives the result `x`'s leading dimensions
/// with a last dimension of `n`.
fn on_rows(x: &Tensor, n: usize, f: impl FnOnce(&Tensor) -> Result<Tensor>) -> Result<Tensor> {
    let mut dims = x.dims().to_vec();
    let k = *dims.last().unwrap_or(&0);
    let m = x.elem_count() / k.max(1);
    let y = f(&x.contiguous()?.reshape((m, k))?)?;
    if let Some(last) = dims.last_mut() {
        *last = n;
    }
    y.reshape(dims)
}

/// Applies a row-wise inference op (no gradient) to `x`; the last dimension becomes `n`.
fn rows_through(x: &Tensor, op: &impl CustomOp1, n: usize) -> Result<Tensor> {
    on_rows(x, n, |x2| x2.apply_op1_no_bwd(op))
}

impl CustomOp1 for Packed {
    fn name(&self) -> &'static str {
        "packed-linear-avx512"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let x = cpu_f32(storage, layout, "packed linear")?;
        let (m, k) = layout.shape().dims2()?;
        if k != self.k {
            candle_core::bail!("packed linear: input width {k}, weights {}", self.k)
        }
        let mut y: Vec<f32> = Vec::with_capacity(m * self.n);
        #[cfg(target_arch = "x86_64")]
        unsafe {
            // SAFETY: `available()` was checked when packing. The kernel's first pass over k
            // stores every one of the m × n outputs (masked stores cover the last panel's
            // columns exactly), so the buffer is fully initialised before `set_len`.
            gemm_avx512(
                x,
                m,
                k,
                &self.panels,
                &self.bias,
                self.n,
                y.spare_capacity_mut().as_mut_ptr() as *mut f32,
            );
            y.set_len(m * self.n);
        }
        #[cfg(not(target_arch = "x86_64"))]
        y.resize(m * self.n, 0.0);
        if self.gelu {
            const S: f32 = std::f32::consts::FRAC_1_SQRT_2;
            for v in y.iter_mut() {
                *v = 0.5 * *v * (1.0 + erf_approx(*v * S));
            }
        }
        Ok((CpuStorage::F32(y), Shape::from((m, self.n))))
    }
}

/// `y = x · Wᵀ + bias` for `m` rows of `x` (`m × k`) against the packed panels of `W` (`n`
/// outputs, panels of 32 columns padded with zeros).
///
/// # Safety
/// The CPU must support AVX-512F; `x` holds `m × k` values, `panels` the packing of an `n × k`
/// weight (`⌈n/32⌉` panels of `k × 32`), `bias` `n` values, and `y` points to `m × n` writable
/// floats not aliased by the inputs.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn gemm_avx512(
    x: &[f32],
    m: usize,
    k: usize,
    panels: &[f32],
    bias: &[f32],
    n: usize,
    y: *mut f32,
) {
    let np = n.div_ceil(NR);
    let mut r0 = 0;
    while r0 < m {
        let rb = MB.min(m - r0);
        for p in 0..np {
            let cols = NR.min(n - p * NR);
            let mut k0 = 0;
            while k0 < k {
                let kc = KC.min(k - k0);
                let panel = panels.as_ptr().add(p * k * NR + k0 * NR);
                let mut r = r0;
                while r < r0 + rb {
                    let rows = MR.min(r0 + rb - r);
                    micro(
                        kc,
                        k,
                        x.as_ptr().add(r * k + k0),
                        panel,
                        bias.as_ptr().add(p * NR),
                        y.add(r * n + p * NR),
                        n,
                        rows,
                        cols,
                        k0 > 0,
                    );
                    r += rows;
                }
                k0 += kc;
            }
        }
        r0 += rb;
    }
}

/// `rows` (≤ 12) rows of x (row stride `lda`) times `kc` rows of one panel (32 columns, `cols`
/// of them stored). The first pass over k adds the bias; later ones accumulate into `c`.
///
/// # Safety
/// The CPU must support AVX-512F; `a` points to `rows` rows of at least `kc` floats at stride
/// `lda`, `b` to `kc × 32` panel floats, `bias` to `cols` floats, `c` to `rows` writable rows of
/// at least `cols` floats at stride `ldc`; `rows ≤ 12` and `cols ≤ 32`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
unsafe fn micro(
    kc: usize,
    lda: usize,
    a: *const f32,
    b: *const f32,
    bias: *const f32,
    c: *mut f32,
    ldc: usize,
    rows: usize,
    cols: usize,
    accumulate: bool,
) {
    use std::arch::x86_64::*;
    let mut acc = [[_mm512_setzero_ps(); 2]; MR];
    macro_rules! run {
        ($mr:expr) => {{
            for kk in 0..kc {
                let b0 = _mm512_loadu_ps(b.add(kk * NR));
                let b1 = _mm512_loadu_ps(b.add(kk * NR + 16));
                for r in 0..$mr {
                    let av = _mm512_set1_ps(*a.add(r * lda + kk));
                    acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
                    acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
                }
            }
        }};
    }
    match rows {
        12 => run!(12),
        11 => run!(11),
        10 => run!(10),
        9 => run!(9),
        8 => run!(8),
        7 => run!(7),
        6 => run!(6),
        5 => run!(5),
        4 => run!(4),
        3 => run!(3),
        2 => run!(2),
        _ => run!(1),
    }
    let [m0, m1] = column_masks(cols);
    for (r, row) in acc.iter().enumerate().take(rows) {
        let dst = c.add(r * ldc);
        let (base0, base1) = if accumulate {
            (
                _mm512_maskz_loadu_ps(m0, dst),
                _mm512_maskz_loadu_ps(m1, dst.add(16)),
            )
        } else {
            (_mm512_loadu_ps(bias), _mm512_loadu_ps(bias.add(16)))
        };
        _mm512_mask_storeu_ps(dst, m0, _mm512_add_ps(row[0], base0));
        _mm512_mask_storeu_ps(dst.add(16), m1, _mm512_add_ps(row[1], base1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Tensor};

    fn check(m: usize, k: usize, n: usize, gelu: bool) {
        let dev = Device::Cpu;
        let w = Tensor::randn(0f32, 0.5, (n, k), &dev).unwrap();
        let b = Tensor::randn(0f32, 0.5, n, &dev).unwrap();
        let x = Tensor::randn(0f32, 1.0, (2, m, k), &dev).unwrap();
        let lin = Linear::new(w, Some(b));
        let want = lin.forward(&x).unwrap();
        let want = if gelu { want.gelu_erf().unwrap() } else { want };
        let got = PackedLinear::new(&lin, gelu, Precision::F32)
            .unwrap()
            .forward(&x)
            .unwrap();
        assert_eq!(got.dims(), want.dims());
        let d = (got - want)
            .unwrap()
            .abs()
            .unwrap()
            .flatten_all()
            .unwrap()
            .max(0)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        assert!(d < 1e-4, "m {m} k {k} n {n} gelu {gelu}: max diff {d}");
    }

    #[test]
    fn training_matmul_matches_candle_forward_and_backward() {
        if !available() {
            crate::testing::skip(
                "training_matmul_matches_candle_forward_and_backward",
                "no AVX-512 here; training uses candle's Linear",
            );
            return;
        }
        let dev = Device::Cpu;
        for ((m, k, n), with_bias) in [
            ((5, 8, 3), true),
            ((37, 40, 70), true),
            ((64, 384, 96), true),
            ((37, 40, 70), false),
        ] {
            let w = candle_core::Var::from_tensor(&Tensor::randn(0f32, 0.5, (n, k), &dev).unwrap())
                .unwrap();
            let b =
                candle_core::Var::from_tensor(&Tensor::randn(0f32, 0.5, n, &dev).unwrap()).unwrap();
            let x =
                candle_core::Var::from_tensor(&Tensor::randn(0f32, 1.0, (1, m, k), &dev).unwrap())
                    .unwrap();
            let lin = Linear::new(
                w.as_tensor().clone(),
                with_bias.then(|| b.as_tensor().clone()),
            );
            let up = Tensor::randn(0f32, 1.0, (1, m, n), &dev).unwrap();
            let ours_y = linear_packed_train(&lin, x.as_tensor()).unwrap();
            let theirs_y = lin.forward(x.as_tensor()).unwrap();
            assert!(crate::testing::max_abs_diff(&ours_y, &theirs_y) < 1e-4);
            let ga = (ours_y * &up)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap();
            let gb = (theirs_y * &up)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap();
            let vars = if with_bias {
                vec![&x, &w, &b]
            } else {
                vec![&x, &w]
            };
            for v in vars {
                let d = crate::testing::max_abs_diff(
                    ga.get(v.as_tensor()).unwrap(),
                    gb.get(v.as_tensor()).unwrap(),
                );
                assert!(d < 1e-3, "({m},{k},{n}): gradient differs by {d}");
            }
        }
    }

    #[test]
    fn equals_candle_linear_on_odd_shapes() {
        if !available() {
            // The fallback is candle's Linear itself: comparing it with itself proves nothing.
            crate::testing::skip(
                "equals_candle_linear_on_odd_shapes",
                "no AVX-512 here; the fallback is candle's Linear",
            );
            return;
        }
        for (m, k, n) in [
            (1, 8, 3),
            (13, 40, 70),
            (9, 384, 384),
            (64, 64, 33),
            (130, 96, 1152),
            (25, 1536, 48),
            (7, 600, 40),
        ] {
            check(m, k, n, false);
            check(m, k, n, true);
        }
    }
}
