//! The int8 GEMM of the inference linear layers: the packed weights, the portable reference, and
//! the AVX-512 VNNI kernel (the AVX2 kernel is in [`super::gemm_int8_avx2`]).
//!
//! Weights are quantised once, symmetrically per output channel (`w ≈ s_j · q`, `q ∈ [-127, 127]`).
//! Activations are quantised on the fly, asymmetrically per row (`x ≈ s_r · (u − z_r)`,
//! `u ∈ [0, 255]`), which suits both the layer-normed inputs and the mostly positive GELU
//! outputs. `vpdpbusd` multiplies four `u8 × i8` pairs per 32-bit lane and sums them into `i32`,
//! four times the multiply-adds per instruction of an f32 FMA; the zero point is removed with the
//! precomputed column sums: `y = s_r · s_j · (Σ u·q − z_r · Σ q) + b`.
//!
//! CPUs with AVX2 but no VNNI use [`Scheme::Avx2`]: `vpmaddubsw` sums two `u8 × i8` products
//! into a saturating `i16`, so the weights keep 7 bits (`q ∈ [-63, 63]`, `2 · 255 · 63 < 2¹⁵`)
//! and every sum stays exact; the panels are 16 columns wide (two 8-lane registers).
//!
//! Sums stay exact in `i32` for any `k` below 66,000 (`255 · 127 · k < 2³¹`); the only error is the
//! rounding of weights and activations. Single-threaded by design, like [`super::gemm_f32`].

#[cfg(target_arch = "x86_64")]
use super::panel::dispatch_rows;
use super::panel::{panels_per_group, MB, MR, NR};
use super::storage::cpu_f32;
use super::{features, gemm_int8_amx, gemm_int8_avx2};
use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape};

/// Which kernel the weights are packed for: its panel width and weight range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// AVX-512 VNNI: 32-column panels, 8-bit weights.
    Vnni,
    /// AVX2: 16-column panels, 7-bit weights (so `vpmaddubsw` never saturates).
    Avx2,
}

impl Scheme {
    /// The scheme this CPU runs, if it has an int8 kernel.
    pub fn detect() -> Option<Self> {
        if features::avx512_vnni() {
            Some(Self::Vnni)
        } else if features::avx2_fma() {
            Some(Self::Avx2)
        } else {
            None
        }
    }

    /// Output columns per packed panel.
    pub(super) fn panel_width(self) -> usize {
        match self {
            Self::Vnni => NR,
            Self::Avx2 => gemm_int8_avx2::NR,
        }
    }

    /// The largest weight code.
    fn weight_max(self) -> f32 {
        match self {
            Self::Vnni => 127.0,
            Self::Avx2 => 63.0,
        }
    }
}

/// A quantised, packed weight matrix with its bias; applies itself to f32 rows as a candle op.
pub struct PackedInt8 {
    pub n: usize,
    pub(super) k: usize,
    /// `k` rounded up to a multiple of 4 (one VNNI group).
    pub(super) kp: usize,
    pub(super) scheme: Scheme,
    /// ceil(n / w) panels of (kp / 4) groups × w columns × 4 bytes, w the scheme's panel width.
    pub(super) panels: Vec<i8>,
    /// Per column (padded to whole panels): Σ_k q.
    pub(super) colsum: Vec<i32>,
    /// Per column (padded): the weight scale.
    pub(super) wscale: Vec<f32>,
    /// Per column (padded): the bias.
    pub(super) bias: Vec<f32>,
    pub(super) gelu: bool,
}

impl PackedInt8 {
    /// Quantises `w` (row-major `(n, k)`) and packs it for this CPU's int8 kernel; `None` where
    /// the CPU has none. `gelu` applies GELU (erf) to the output.
    pub fn new(w: &[f32], n: usize, k: usize, bias: Option<&[f32]>, gelu: bool) -> Option<Self> {
        Scheme::detect().map(|s| Self::with_scheme(w, n, k, bias, gelu, s))
    }

    /// [`Self::new`] for a given scheme (whether or not this CPU runs its kernel).
    pub fn with_scheme(
        w: &[f32],
        n: usize,
        k: usize,
        bias: Option<&[f32]>,
        gelu: bool,
        scheme: Scheme,
    ) -> Self {
        let nr = scheme.panel_width();
        let qmax = scheme.weight_max();
        let kp = k.div_ceil(4) * 4;
        let np = n.div_ceil(nr);
        let groups = kp / 4;
        let mut panels = vec![0i8; np * groups * nr * 4];
        let mut colsum = vec![0i32; np * nr];
        let mut wscale = vec![0f32; np * nr];
        let mut b = vec![0f32; np * nr];
        for j in 0..n {
            let row = &w[j * k..(j + 1) * k];
            let amax = row.iter().fold(0f32, |m, v| m.max(v.abs()));
            let s = if amax > 0.0 { amax / qmax } else { 1.0 };
            wscale[j] = s;
            let (p, c) = (j / nr, j % nr);
            let mut sum = 0i32;
            for (kk, v) in row.iter().enumerate() {
                let q = (v / s).round().clamp(-qmax, qmax) as i8;
                sum += q as i32;
                let (g, t) = (kk / 4, kk % 4);
                panels[((p * groups + g) * nr + c) * 4 + t] = q;
            }
            colsum[j] = sum;
        }
        if let Some(bv) = bias {
            b[..n].copy_from_slice(&bv[..n]);
        }
        Self {
            n,
            k,
            kp,
            scheme,
            panels,
            colsum,
            wscale,
            bias: b,
            gelu,
        }
    }
}

/// Asymmetric per-row quantisation parameters: scale and zero point.
pub(super) fn row_params(lo: f32, hi: f32) -> (f32, i32) {
    let (lo, hi) = (lo.min(0.0), hi.max(0.0));
    let s = (hi - lo) / 255.0;
    if s > 0.0 && s.is_finite() {
        (s, ((-lo / s).round() as i32).clamp(0, 255))
    } else {
        (1.0, 0)
    }
}

/// Portable reference of the whole operation (without GELU): the integer sums every kernel
/// must reproduce exactly.
fn forward_scalar(q: &PackedInt8, x: &[f32], m: usize, y: &mut [f32]) {
    let groups = q.kp / 4;
    let nr = q.scheme.panel_width();
    let mut u = vec![0u8; q.kp];
    for r in 0..m {
        let row = &x[r * q.k..(r + 1) * q.k];
        let (lo, hi) = row
            .iter()
            .fold((0f32, 0f32), |(a, b), v| (a.min(*v), b.max(*v)));
        let (s, z) = row_params(lo, hi);
        for (d, v) in u.iter_mut().zip(row) {
            *d = ((v * (1.0 / s)).round_ties_even() as i32 + z).clamp(0, 255) as u8;
        }
        for j in 0..q.n {
            let (p, c) = (j / nr, j % nr);
            let mut acc = 0i32;
            for (kk, &code) in u.iter().enumerate().take(q.k) {
                let (g, t) = (kk / 4, kk % 4);
                acc += code as i32 * q.panels[((p * groups + g) * nr + c) * 4 + t] as i32;
            }
            y[r * q.n + j] = s * q.wscale[j] * (acc - z * q.colsum[j]) as f32 + q.bias[j];
        }
    }
}

impl CustomOp1 for PackedInt8 {
    fn name(&self) -> &'static str {
        match self.scheme {
            Scheme::Vnni => "int8-linear-vnni",
            Scheme::Avx2 => "int8-linear-avx2",
        }
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let x = cpu_f32(storage, layout, "int8 linear")?;
        let (m, k) = layout.shape().dims2()?;
        if k != self.k {
            candle_core::bail!("int8 linear: input width {k}, weights {}", self.k)
        }
        let y = self
            .run(self.fastest_kernel(), x, m)
            .expect("the fastest kernel runs on this CPU and shape");
        Ok((CpuStorage::F32(y), Shape::from((m, self.n))))
    }
}

/// The int8 kernels, from fastest to portable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// Intel AMX tiles ([`Scheme::Vnni`] packing, `k` a multiple of 64).
    Amx,
    /// AVX-512 VNNI ([`Scheme::Vnni`] packing).
    Vnni,
    /// AVX2 ([`Scheme::Avx2`] packing).
    Avx2,
    /// The portable reference (either packing).
    Scalar,
}

impl PackedInt8 {
    /// The fastest kernel this CPU runs for these weights.
    pub fn fastest_kernel(&self) -> Kernel {
        [Kernel::Amx, Kernel::Vnni, Kernel::Avx2]
            .into_iter()
            .find(|k| self.runs(*k))
            .unwrap_or(Kernel::Scalar)
    }

    /// Whether `kernel` runs here: the CPU has its features and the weights its packing.
    pub fn runs(&self, kernel: Kernel) -> bool {
        match kernel {
            Kernel::Amx => self.scheme == Scheme::Vnni && gemm_int8_amx::usable(self.kp),
            Kernel::Vnni => self.scheme == Scheme::Vnni && features::avx512_vnni(),
            Kernel::Avx2 => self.scheme == Scheme::Avx2 && features::avx2_fma(),
            Kernel::Scalar => true,
        }
    }

    /// The product of the `m` rows of `x` (`m × k` values) with these weights by `kernel`,
    /// GELU applied if the weights ask for it; `None` where `kernel` does not run here
    /// ([`Self::runs`]) or `x` is not `m × k`.
    pub fn run(&self, kernel: Kernel, x: &[f32], m: usize) -> Option<Vec<f32>> {
        if !self.runs(kernel) || x.len() != m * self.k {
            return None;
        }
        if kernel == Kernel::Scalar {
            return Some(self.run_scalar(x, m));
        }
        #[cfg(target_arch = "x86_64")]
        {
            let mut y: Vec<f32> = Vec::with_capacity(m * self.n);
            let out = y.spare_capacity_mut().as_mut_ptr() as *mut f32;
            // SAFETY: `runs` checked the kernel's CPU features (and OS grant) and that the
            // weights are packed for it; `x` holds m × k values. Each kernel stores each of the
            // m × n outputs once (masked or copied stores cover the last panel's columns
            // exactly), so the buffer is initialised before `set_len`.
            unsafe {
                match kernel {
                    Kernel::Amx => gemm_int8_amx::forward(self, x, m, out),
                    Kernel::Vnni => forward_vnni(self, x, m, out),
                    Kernel::Avx2 => gemm_int8_avx2::forward(self, x, m, out),
                    Kernel::Scalar => unreachable!("handled above"),
                }
                y.set_len(m * self.n);
            }
            Some(y)
        }
        #[cfg(not(target_arch = "x86_64"))]
        None
    }

    fn run_scalar(&self, x: &[f32], m: usize) -> Vec<f32> {
        let mut y = vec![0f32; m * self.n];
        forward_scalar(self, x, m, &mut y);
        if self.gelu {
            super::gelu::gelu_in_place(&mut y);
        }
        y
    }
}

/// The int8 product of `m` rows of `x` with the quantised weight `q`, written to `y`.
///
/// # Safety
/// The CPU must support AVX-512F, AVX-512BW and AVX-512 VNNI ([`features::avx512_vnni`]), `q`
/// must be packed with [`Scheme::Vnni`]; `x` holds `m × q.k` values and `y` points to `m × q.n`
/// writable floats not aliased by `x`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn forward_vnni(q: &PackedInt8, x: &[f32], m: usize, y: *mut f32) {
    let (u, sx, zx) = quantise_rows(x, m, q.k, q.kp, m);
    for_each_tile(q, &u, &sx, &zx, y, m, MR, NR, |t| micro(t));
}

/// One micro-kernel call: `rows` rows of u8 codes at `a` (stride `lda` bytes, `groups` groups of
/// four) times the weight panel at `b`, turned into outputs by the epilogue terms `e` and
/// written to `rows × cols` floats at `c` (stride `ldc`).
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub(super) struct Tile {
    pub(super) a: *const u8,
    pub(super) lda: usize,
    pub(super) groups: usize,
    pub(super) b: *const i8,
    pub(super) e: Epilogue,
    pub(super) c: *mut f32,
    pub(super) ldc: usize,
    pub(super) rows: usize,
    pub(super) cols: usize,
}

/// The tile walk shared by the register-blocked int8 kernels (VNNI, AVX2): groups of panels
/// that stay in L2 ([`panels_per_group`]), then blocks of [`MB`] rows (a block's codes stay in
/// cache across the group's panels), then each `nr`-column panel, then tiles of up to `mr` rows,
/// each handed to `micro`. Inlined into each kernel, so the walk and the
/// micro-kernel calls run with the kernel's target features.
///
/// # Safety
/// `q` is packed with panels `nr` wide; `u` holds `m` rows of `q.kp` codes and `sx`, `zx` their
/// `m` scales and zero points; `y` points to `m × q.n` writable floats; `micro` must be safe to
/// call with any [`Tile`] of at most `mr` rows and `nr` columns built from these.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn for_each_tile(
    q: &PackedInt8,
    u: &[u8],
    sx: &[f32],
    zx: &[i32],
    y: *mut f32,
    m: usize,
    mr: usize,
    nr: usize,
    mut micro: impl FnMut(&Tile),
) {
    let (kp, n) = (q.kp, q.n);
    let panels = n.div_ceil(nr);
    let group = panels_per_group(kp * nr);
    for first in (0..panels).step_by(group) {
        let mut r0 = 0;
        while r0 < m {
            let rb = MB.min(m - r0);
            for p in first..(first + group).min(panels) {
                let mut r = r0;
                while r < r0 + rb {
                    let rows = mr.min(r0 + rb - r);
                    micro(&Tile {
                        a: u.as_ptr().add(r * kp),
                        lda: kp,
                        groups: kp / 4,
                        b: q.panels.as_ptr().add(p * kp * nr),
                        e: q.epilogue(sx.as_ptr().add(r), zx.as_ptr().add(r), p * nr),
                        c: y.add(r * n + p * nr),
                        ldc: n,
                        rows,
                        cols: nr.min(n - p * nr),
                    });
                    r += rows;
                }
            }
            r0 += rb;
        }
    }
}

#[cfg(target_arch = "x86_64")]
impl PackedInt8 {
    /// The epilogue terms of the rows whose scales and zero points start at `sx`, `zx`, and of
    /// the columns from `col` on.
    ///
    /// # Safety
    /// `col` is within the (padded) column terms.
    #[inline(always)]
    pub(super) unsafe fn epilogue(&self, sx: *const f32, zx: *const i32, col: usize) -> Epilogue {
        Epilogue {
            sx,
            zx,
            colsum: self.colsum.as_ptr().add(col),
            wscale: self.wscale.as_ptr().add(col),
            bias: self.bias.as_ptr().add(col),
            gelu: self.gelu,
        }
    }
}

/// Quantises the `m` rows of `x` (`k` values each) to u8 codes, `kp` per row with the padding
/// zero, followed by `rows − m` rows of zero codes (the AMX kernel's whole tiles), with each
/// row's scale and zero point: the portable reference's arithmetic.
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512BW. `x` holds `m × k` values (the loads are masked
/// to each row's `k`), `k ≤ kp` and `m ≤ rows`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
pub(super) unsafe fn quantise_rows(
    x: &[f32],
    m: usize,
    k: usize,
    kp: usize,
    rows: usize,
) -> (Vec<u8>, Vec<f32>, Vec<i32>) {
    use std::arch::x86_64::*;
    debug_assert!(x.len() >= m * k && k <= kp && m <= rows);
    // Fresh memory: each code row is stored below and its padding zeroed, so the buffer is
    // not cleared first.
    let mut u: Vec<u8> = Vec::with_capacity(rows * kp);
    let mut sx = vec![0f32; m];
    let mut zx = vec![0i32; m];
    let full = k / 16 * 16;
    let tail: __mmask16 = ((1u32 << (k - full)) - 1) as u16;
    for r in 0..m {
        let row = x.as_ptr().add(r * k);
        let mut lo = _mm512_setzero_ps();
        let mut hi = _mm512_setzero_ps();
        let mut i = 0;
        while i < full {
            let v = _mm512_loadu_ps(row.add(i));
            lo = _mm512_min_ps(lo, v);
            hi = _mm512_max_ps(hi, v);
            i += 16;
        }
        if tail != 0 {
            let v = _mm512_maskz_loadu_ps(tail, row.add(full));
            lo = _mm512_min_ps(lo, v);
            hi = _mm512_max_ps(hi, v);
        }
        let (s, z) = row_params(_mm512_reduce_min_ps(lo), _mm512_reduce_max_ps(hi));
        sx[r] = s;
        zx[r] = z;
        let inv = _mm512_set1_ps(1.0 / s);
        let zv = _mm512_set1_epi32(z);
        let (zero, top) = (_mm512_setzero_si512(), _mm512_set1_epi32(255));
        let dst = u.as_mut_ptr().add(r * kp);
        let mut i = 0;
        while i < k {
            let mask: __mmask16 = if i + 16 <= k { 0xFFFF } else { tail };
            let v = _mm512_maskz_loadu_ps(mask, row.add(i));
            let c = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(v, inv)), zv);
            let c = _mm512_min_epi32(_mm512_max_epi32(c, zero), top);
            _mm512_mask_cvtepi32_storeu_epi8(dst.add(i) as *mut i8, mask, c);
            i += 16;
        }
        std::ptr::write_bytes(dst.add(k), 0, kp - k);
    }
    std::ptr::write_bytes(u.as_mut_ptr().add(m * kp), 0, (rows - m) * kp);
    // Every code of the m rows (k stored, kp − k zeroed) and the rows − m zero rows is written.
    u.set_len(rows * kp);
    (u, sx, zx)
}

/// Per-row and per-column terms that turn the integer sums into outputs.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub(super) struct Epilogue {
    pub(super) sx: *const f32,
    pub(super) zx: *const i32,
    pub(super) colsum: *const i32,
    pub(super) wscale: *const f32,
    pub(super) bias: *const f32,
    pub(super) gelu: bool,
}

/// One tile of up to 12 rows times one 32-column panel ([`Tile`]).
///
/// # Safety
/// The CPU must support AVX-512F, AVX-512BW and AVX-512 VNNI; `t.a` points to `t.rows` rows of
/// `4 × t.groups` codes at stride `t.lda`, `t.b` to the panel's `t.groups × 4 × 32` weights, the
/// epilogue's row scales and zero points to `t.rows` values and its column terms to 32 (whole
/// panels are padded), and `t.c` to `t.rows` writable rows of at least `t.cols` floats at stride
/// `t.ldc`; `t.rows ≤ 12` and `t.cols ≤ 32`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn micro(t: &Tile) {
    let (a, b, c, e) = (t.a, t.b, t.c, t.e);
    let (lda, ldc, groups, rows, cols) = (t.lda, t.ldc, t.groups, t.rows, t.cols);
    use std::arch::x86_64::*;
    // Each row count has its own accumulators and its own epilogue loop, both of a constant
    // length: the compiler then keeps the sums in registers. With one array for every row count
    // and a store loop of `rows` iterations, the array had to live in memory and each group's
    // 24 sums were also stored to the stack, which halved the kernel's speed on an AMD EPYC.
    macro_rules! run {
        ($mr:expr) => {{
            let mut acc = [[_mm512_setzero_si512(); 2]; $mr];
            for g in 0..groups {
                let b0 = _mm512_loadu_si512(b.add(g * NR * 4) as *const _);
                let b1 = _mm512_loadu_si512(b.add(g * NR * 4 + 64) as *const _);
                for r in 0..$mr {
                    let av =
                        _mm512_set1_epi32((a.add(r * lda + g * 4) as *const i32).read_unaligned());
                    acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], av, b0);
                    acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], av, b1);
                }
            }
            let terms = PanelTerms::load(&e);
            for (r, row) in acc.iter().enumerate() {
                store_row(*row, &e, &terms, r, c.add(r * ldc), cols);
            }
        }};
    }
    dispatch_rows!(rows, run);
}

/// The column terms of one 32-column panel in registers: column sums, weight scales, bias.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub(super) struct PanelTerms {
    colsum: [std::arch::x86_64::__m512i; 2],
    wscale: [std::arch::x86_64::__m512; 2],
    bias: [std::arch::x86_64::__m512; 2],
}

#[cfg(target_arch = "x86_64")]
impl PanelTerms {
    /// Loads the panel's terms from `e`.
    ///
    /// # Safety
    /// The CPU must support AVX-512F; `e`'s column pointers hold 32 values each (whole panels
    /// are padded).
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(super) unsafe fn load(e: &Epilogue) -> Self {
        use std::arch::x86_64::*;
        Self {
            colsum: [
                _mm512_loadu_si512(e.colsum as *const _),
                _mm512_loadu_si512(e.colsum.add(16) as *const _),
            ],
            wscale: [_mm512_loadu_ps(e.wscale), _mm512_loadu_ps(e.wscale.add(16))],
            bias: [_mm512_loadu_ps(e.bias), _mm512_loadu_ps(e.bias.add(16))],
        }
    }
}

/// Turns one row's integer sums over a 32-column panel (two registers) into outputs: removes
/// the zero point, scales, adds the bias, applies GELU if asked, and stores the `cols` in use.
///
/// # Safety
/// The CPU must support AVX-512F, AVX-512BW and VNNI; `e`'s row terms hold at least `r + 1`
/// values; `dst` points to `cols ≤ 32` writable floats.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
#[inline]
pub(super) unsafe fn store_row(
    acc: [std::arch::x86_64::__m512i; 2],
    e: &Epilogue,
    t: &PanelTerms,
    r: usize,
    dst: *mut f32,
    cols: usize,
) {
    use std::arch::x86_64::*;
    let masks = super::panel::column_masks(cols);
    let z = _mm512_set1_epi32(*e.zx.add(r));
    let s = _mm512_set1_ps(*e.sx.add(r));
    for (h, mask) in masks.into_iter().enumerate() {
        let v = _mm512_sub_epi32(acc[h], _mm512_mullo_epi32(z, t.colsum[h]));
        let mut out = _mm512_fmadd_ps(
            _mm512_cvtepi32_ps(v),
            _mm512_mul_ps(s, t.wscale[h]),
            t.bias[h],
        );
        if e.gelu {
            out = super::gelu::gelu_avx512(out);
        }
        _mm512_mask_storeu_ps(dst.add(h * 16), mask, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::gelu::gelu_scalar;
    use rand::{Rng, SeedableRng};

    fn data(len: usize, seed: u64, scale: f32) -> Vec<f32> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        (0..len)
            .map(|_| (rng.random::<f32>() * 2.0 - 1.0) * scale)
            .collect()
    }

    fn exact(w: &[f32], b: &[f32], x: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut y = vec![0f32; m * n];
        for r in 0..m {
            for j in 0..n {
                let s: f32 = (0..k).map(|kk| x[r * k + kk] * w[j * k + kk]).sum();
                y[r * n + j] = s + b[j];
            }
        }
        y
    }

    /// Runs `q`'s own SIMD kernel (VNNI or AVX2, by its packing) where this CPU has it; `None`
    /// (and a visible skip) where it has not.
    fn run_kernel(q: &PackedInt8, x: &[f32], m: usize) -> Option<Vec<f32>> {
        let kernel = match q.scheme {
            Scheme::Vnni => Kernel::Vnni,
            Scheme::Avx2 => Kernel::Avx2,
        };
        let got = q.run(kernel, x, m);
        if got.is_none() {
            crate::testing::skip(
                &format!("int8 {kernel:?} kernel"),
                "this CPU lacks its features; the scalar reference was checked",
            );
        }
        got
    }

    /// Each kernel computes exactly the portable reference's integer sums for its scheme, and the
    /// reference is within the rounding error of the exact f32 product.
    #[test]
    fn matches_reference_and_f32_within_rounding() {
        for scheme in [Scheme::Vnni, Scheme::Avx2] {
            // The last shape has several groups of panels, the last one partial.
            for (m, k, n) in crate::testing::shapes(
                "1x8x3 13x40x70 25x384x96 7x37x33 5x64x16 100x1536x40 110x3072x200",
            ) {
                check_scheme(scheme, m, k, n);
            }
            // Every tile height the micro-kernels have a branch for (12 on VNNI, 4 on AVX2).
            for m in 1..=MR {
                check_scheme(scheme, m, 72, 40);
            }
        }
    }

    fn check_scheme(scheme: Scheme, m: usize, k: usize, n: usize) {
        let w = data(n * k, 1, 0.2);
        let b = data(n, 2, 0.5);
        // One column with an outlier, as layer-normed activations have.
        let mut x = data(m * k, 3, 1.5);
        x[0] = 9.0;
        let q = PackedInt8::with_scheme(&w, n, k, Some(&b), false, scheme);
        let mut want = vec![0f32; m * n];
        forward_scalar(&q, &x, m, &mut want);
        let exact = exact(&w, &b, &x, m, k, n);
        // Rounding bound: each product errs by at most |x|·Δw/2 + |w|·Δx/2 + Δx·Δw/4.
        for r in 0..m {
            let xr = &x[r * k..(r + 1) * k];
            let (lo, hi) = xr
                .iter()
                .fold((0f32, 0f32), |(a, b), v| (a.min(*v), b.max(*v)));
            let dx = (hi - lo) / 255.0;
            for j in 0..n {
                let wr = &w[j * k..(j + 1) * k];
                let dw = wr.iter().fold(0f32, |a, v| a.max(v.abs())) / scheme.weight_max();
                let bound: f32 = xr
                    .iter()
                    .zip(wr)
                    .map(|(xv, wv)| xv.abs() * dw / 2.0 + wv.abs() * dx / 2.0 + dx * dw / 4.0)
                    .sum::<f32>()
                    + 1e-4;
                let d = (want[r * n + j] - exact[r * n + j]).abs();
                assert!(
                    d <= bound,
                    "{scheme:?} ({m},{k},{n}) row {r} col {j}: {d} > {bound}"
                );
            }
        }
        for gelu in [false, true] {
            let qg = PackedInt8::with_scheme(&w, n, k, Some(&b), gelu, scheme);
            let Some(got) = run_kernel(&qg, &x, m) else {
                return;
            };
            for (g, r) in got.iter().zip(&want) {
                let r = if gelu { gelu_scalar(*r) } else { *r };
                assert!(
                    (g - r).abs() <= 1e-5 * r.abs().max(1.0),
                    "{scheme:?} ({m},{k},{n}) gelu {gelu}: kernel {g} vs reference {r}"
                );
            }
        }
    }

    /// The AMX kernel gives the VNNI kernel's outputs bit for bit (same sums, same epilogue), at
    /// shapes that cover one and several tiles of `k`, a last block of 16 rows, partial panels
    /// and row blocks, with and without GELU.
    #[test]
    fn amx_equals_vnni_bit_for_bit() {
        let why = "this CPU or OS has no AMX-INT8; the VNNI and scalar kernels were checked";
        if !crate::testing::runs_here(gemm_int8_amx::usable(64), "int8 AMX kernel", why) {
            return;
        }
        // The last two shapes have several groups of panels, the last one partial (96 KiB and
        // 24 KiB panels).
        let shapes =
            "1x64x3 17x128x70 33x384x96 100x768x40 47x1536x33 130x3072x64 70x3072x600 40x768x1000";
        for (m, k, n) in crate::testing::shapes(shapes) {
            let w = data(n * k, 7, 0.2);
            let b = data(n, 8, 0.5);
            let mut x = data(m * k, 9, 1.5);
            x[0] = 9.0;
            for gelu in [false, true] {
                let q = PackedInt8::with_scheme(&w, n, k, Some(&b), gelu, Scheme::Vnni);
                assert_eq!(q.fastest_kernel(), Kernel::Amx);
                let vnni = q.run(Kernel::Vnni, &x, m).expect("AMX CPUs have VNNI");
                let amx = q.run(Kernel::Amx, &x, m).expect("checked above");
                let same = vnni
                    .iter()
                    .zip(&amx)
                    .all(|(a, b)| a.to_bits() == b.to_bits());
                assert!(same, "({m},{k},{n}) gelu {gelu}: AMX differs from VNNI");
            }
        }
    }

    /// The AVX2 scheme's sums cannot saturate `vpmaddubsw`: the largest codes on both sides
    /// give the exact product sum.
    #[test]
    fn avx2_sums_do_not_saturate_at_the_extreme_codes() {
        let (m, k, n) = (2, 64, 16);
        // Rows whose codes are all 255 (positive) and weights at ±63: the pair sums reach
        // 2 · 255 · 63, the largest value the scheme allows.
        let x = vec![1.0f32; m * k];
        let w: Vec<f32> = (0..n * k)
            .map(|i| if (i / k) % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let q = PackedInt8::with_scheme(&w, n, k, None, false, Scheme::Avx2);
        let mut want = vec![0f32; m * n];
        forward_scalar(&q, &x, m, &mut want);
        for (j, v) in want.iter().enumerate() {
            let sign = if j % n % 2 == 0 { 1.0 } else { -1.0 };
            assert!((v - sign * k as f32).abs() < 1e-3, "reference {v}");
        }
        if let Some(got) = run_kernel(&q, &x, m) {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn zero_and_constant_rows_are_exact() {
        let (m, k, n) = (3, 16, 5);
        let w = data(n * k, 4, 0.3);
        let b = data(n, 5, 0.3);
        let mut x = vec![0f32; m * k];
        x[k..2 * k].iter_mut().for_each(|v| *v = 2.0);
        let q = PackedInt8::with_scheme(&w, n, k, Some(&b), false, Scheme::Vnni);
        let mut y = vec![0f32; m * n];
        forward_scalar(&q, &x, m, &mut y);
        for j in 0..n {
            assert!((y[j] - b[j]).abs() < 1e-6, "zero row must give the bias");
        }
    }
}
