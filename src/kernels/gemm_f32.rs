//! The f32 GEMM on AVX-512: `y = x Wᵀ + b`, optionally followed by GELU.
//!
//! candle's CPU matmul (the `gemm` crate on stable Rust) uses 256-bit AVX2 kernels. On CPUs with
//! AVX-512 this kernel uses 512-bit FMAs: `W` is packed once into panels of 32 output columns
//! (`k × 32`, contiguous), and a 12 × 32 register-blocked micro-kernel streams rows of `x`
//! against each panel (see [`super::panel`]). Single-threaded by design: inference runs one
//! batch per core. The result equals candle's up to float summation order.

use super::features::avx512 as available;
use super::panel::NR;
#[cfg(target_arch = "x86_64")]
use super::panel::{column_masks, dispatch_rows, MB, MR};
use super::storage::cpu_f32;
use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape};

/// Depth of one pass over a panel (256 × 32 floats = 32 KiB, resident in L1).
#[cfg(target_arch = "x86_64")]
const KC: usize = 256;

/// A weight matrix packed for the f32 kernel, with its bias; applies itself to f32 rows as a
/// candle op (inference: no gradient).
pub struct PackedF32 {
    pub n: usize,
    k: usize,
    /// ceil(n / 32) panels of k × 32 floats.
    panels: Vec<f32>,
    /// Bias padded to a multiple of 32.
    bias: Vec<f32>,
    gelu: bool,
}

impl PackedF32 {
    /// Packs `w` (row-major `(n, k)`) and `bias` (`n` values); `gelu` applies GELU (erf) to the
    /// output. `None` where the CPU lacks AVX-512 (callers keep candle's kernel).
    pub fn new(w: &[f32], n: usize, k: usize, bias: Option<&[f32]>, gelu: bool) -> Option<Self> {
        if !available() || w.len() != n * k || bias.is_some_and(|b| b.len() != n) {
            return None;
        }
        let mut padded = vec![0f32; n.div_ceil(NR) * NR];
        if let Some(b) = bias {
            padded[..n].copy_from_slice(b);
        }
        Some(Self {
            n,
            k,
            panels: pack_nk(w, n, k),
            bias: padded,
            gelu,
        })
    }
}

/// Packs `w`, row-major `(n, k)` (a linear layer's weights: output column j reads row j).
pub fn pack_nk(w: &[f32], n: usize, k: usize) -> Vec<f32> {
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
pub fn pack_kn(b: &[f32], k: usize, n: usize) -> Vec<f32> {
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

/// `a (m × k) · B`, with `B` packed by [`pack_nk`] or [`pack_kn`] into `n` columns;
/// single-threaded. An error where the CPU lacks AVX-512 or the lengths do not match.
pub fn matmul_packed(a: &[f32], m: usize, k: usize, panels: &[f32], n: usize) -> Result<Vec<f32>> {
    if !available() {
        candle_core::bail!("packed matmul: this CPU has no AVX-512")
    }
    if a.len() != m * k || panels.len() != n.div_ceil(NR) * k * NR {
        candle_core::bail!(
            "packed matmul: {} values for {m} × {k}, {} panel values for {k} × {n}",
            a.len(),
            panels.len()
        )
    }
    let zeros = vec![0f32; n.div_ceil(NR) * NR];
    let mut y: Vec<f32> = Vec::with_capacity(m * n);
    #[cfg(target_arch = "x86_64")]
    // SAFETY: AVX-512 and the lengths of `a`, `panels` and the bias were checked above; the
    // first pass over k stores all m × n outputs, so `y` is initialised before `set_len`.
    unsafe {
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
        let _ = zeros;
        y.resize(m * n, 0.0);
    }
    Ok(y)
}

impl CustomOp1 for PackedF32 {
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
            // SAFETY: `available()` was checked when packing (`PackedF32::new`). The kernel's first pass over k
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
            super::gelu::gelu_in_place(&mut y);
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
    dispatch_rows!(rows, run);
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

    fn data(len: usize, seed: u32) -> Vec<f32> {
        (0..len as u32)
            .map(|i| {
                ((i.wrapping_mul(2654435761).wrapping_add(seed) >> 8) % 2001) as f32 / 1000.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn packed_products_equal_the_naive_product() {
        if !available() {
            crate::testing::skip(
                "packed_products_equal_the_naive_product",
                "no AVX-512 here; the packed kernel cannot run",
            );
            return;
        }
        for (m, k, n) in [(1, 8, 3), (13, 40, 70), (25, 300, 33), (97, 16, 64)] {
            let a = data(m * k, 1);
            let w = data(n * k, 2);
            let want: Vec<f32> = (0..m * n)
                .map(|i| (0..k).map(|kk| a[i / n * k + kk] * w[i % n * k + kk]).sum())
                .collect();
            // `w` as (n, k) rows, and the same matrix transposed to (k, n).
            let wt: Vec<f32> = (0..k * n).map(|i| w[i % n * k + i / n]).collect();
            for got in [
                matmul_packed(&a, m, k, &pack_nk(&w, n, k), n).unwrap(),
                matmul_packed(&a, m, k, &pack_kn(&wt, k, n), n).unwrap(),
            ] {
                let d = got
                    .iter()
                    .zip(&want)
                    .map(|(x, y)| (x - y).abs())
                    .fold(0f32, f32::max);
                assert!(d < 1e-4, "({m},{k},{n}): {d}");
            }
        }
    }

    #[test]
    fn mismatched_lengths_are_errors_not_reads_out_of_bounds() {
        let panels = vec![0f32; 8 * NR];
        assert!(matmul_packed(&[1.0; 7], 1, 8, &panels, 3).is_err());
        assert!(matmul_packed(&[1.0; 8], 1, 8, &panels[1..], 3).is_err());
    }
}
