//! The int8 GEMM for CPUs with AVX2 but no VNNI ([`Scheme::Avx2`] packing).
//!
//! `vpmaddubsw` multiplies 32 `u8 × i8` pairs and adds neighbours into 16 saturating `i16`;
//! `vpmaddwd` against ones widens neighbouring pairs into `i32`. Together they sum four
//! products per 32-bit lane, as one `vpdpbusd` does, at about 1.6 times the multiply-adds per
//! cycle of f32 FMAs on a CPU of this class (with 7-bit weights no `i16` sum saturates, so the
//! integer sums equal the portable reference's). A micro-kernel holds 4 rows × 16 columns in
//! 8 accumulators, leaving registers for the two weight vectors, the broadcast codes and the
//! ones.
//!
//! [`Scheme::Avx2`]: super::gemm_int8::Scheme::Avx2

#[cfg(target_arch = "x86_64")]
use super::gemm_int8::{for_each_tile, row_params, PackedInt8, Tile};

/// Output columns per panel (two 8-lane registers).
pub const NR: usize = 16;
/// Rows per micro-kernel call.
#[cfg(target_arch = "x86_64")]
const MR: usize = 4;

/// The int8 product of `m` rows of `x` with the quantised weight `q`, written to `y`.
///
/// # Safety
/// The CPU must support AVX2 and FMA ([`super::features::avx2_fma`]), `q` must be packed with
/// [`super::gemm_int8::Scheme::Avx2`]; `x` holds `m × q.k` values and `y` points to `m × q.n`
/// writable floats not aliased by `x`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
pub unsafe fn forward(q: &PackedInt8, x: &[f32], m: usize, y: *mut f32) {
    debug_assert_eq!(q.scheme.panel_width(), NR);
    let (u, sx, zx) = quantise_rows(x, m, q.k, q.kp);
    for_each_tile(q, &u, &sx, &zx, y, m, MR, NR, |t| micro(t));
}

/// Quantises each row to u8 codes (`kp` per row, the padding zero), with its scale and zero
/// point: the same arithmetic as the portable reference.
///
/// # Safety
///
/// The CPU must support AVX2 and FMA ([`super::features::avx2_fma`]). The vector loads stay
/// inside each row's bounds-checked slice, so an `x` shorter than `m * k` panics rather than
/// reads out of bounds; `k <= kp` is required for the codes (checked by slicing too).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn quantise_rows(x: &[f32], m: usize, k: usize, kp: usize) -> (Vec<u8>, Vec<f32>, Vec<i32>) {
    use std::arch::x86_64::*;
    let mut u = vec![0u8; m * kp];
    let mut sx = vec![0f32; m];
    let mut zx = vec![0i32; m];
    let full = k / 8 * 8;
    for r in 0..m {
        let row = &x[r * k..(r + 1) * k];
        let (mut lo, mut hi) = (_mm256_setzero_ps(), _mm256_setzero_ps());
        for i in (0..full).step_by(8) {
            let v = _mm256_loadu_ps(row.as_ptr().add(i));
            lo = _mm256_min_ps(lo, v);
            hi = _mm256_max_ps(hi, v);
        }
        let (mut l, mut h) = (0f32, 0f32);
        let (mut lv, mut hv) = ([0f32; 8], [0f32; 8]);
        _mm256_storeu_ps(lv.as_mut_ptr(), lo);
        _mm256_storeu_ps(hv.as_mut_ptr(), hi);
        for (a, b) in lv
            .iter()
            .zip(&hv)
            .chain(row[full..].iter().zip(&row[full..]))
        {
            l = l.min(*a);
            h = h.max(*b);
        }
        let (s, z) = row_params(l, h);
        sx[r] = s;
        zx[r] = z;
        let inv = 1.0 / s;
        for (d, v) in u[r * kp..r * kp + k].iter_mut().zip(row) {
            *d = ((v * inv).round_ties_even() as i32 + z).clamp(0, 255) as u8;
        }
    }
    (u, sx, zx)
}

/// One tile of up to 4 rows times one 16-column panel ([`Tile`]), by `vpmaddubsw` and
/// `vpmaddwd`.
///
/// # Safety
/// The CPU must support AVX2 and FMA; `t.a` points to `t.rows` rows of `4 × t.groups` codes at
/// stride `t.lda`, `t.b` to the panel's `t.groups × 4 × 16` weights, the epilogue's row terms to
/// `t.rows` values and its column terms to 16 (whole panels are padded), and `t.c` to `t.rows`
/// writable rows of at least `t.cols` floats at stride `t.ldc`; `t.rows ≤ 4`, `t.cols ≤ 16`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn micro(t: &Tile) {
    let (a, b, c, e) = (t.a, t.b, t.c, t.e);
    let (lda, ldc, groups, rows, cols) = (t.lda, t.ldc, t.groups, t.rows, t.cols);
    use std::arch::x86_64::*;
    let ones = _mm256_set1_epi16(1);
    let mut acc = [[_mm256_setzero_si256(); 2]; MR];
    macro_rules! run {
        ($mr:expr) => {{
            for g in 0..groups {
                let b0 = _mm256_loadu_si256(b.add(g * NR * 4) as *const _);
                let b1 = _mm256_loadu_si256(b.add(g * NR * 4 + 32) as *const _);
                for r in 0..$mr {
                    let av =
                        _mm256_set1_epi32((a.add(r * lda + g * 4) as *const i32).read_unaligned());
                    let p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(av, b0), ones);
                    let p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(av, b1), ones);
                    acc[r][0] = _mm256_add_epi32(acc[r][0], p0);
                    acc[r][1] = _mm256_add_epi32(acc[r][1], p1);
                }
            }
        }};
    }
    match rows {
        4 => run!(4),
        3 => run!(3),
        2 => run!(2),
        _ => run!(1),
    }
    let cs = [
        _mm256_loadu_si256(e.colsum as *const _),
        _mm256_loadu_si256(e.colsum.add(8) as *const _),
    ];
    let ws = [_mm256_loadu_ps(e.wscale), _mm256_loadu_ps(e.wscale.add(8))];
    let bs = [_mm256_loadu_ps(e.bias), _mm256_loadu_ps(e.bias.add(8))];
    for (r, row) in acc.iter().enumerate().take(rows) {
        let z = _mm256_set1_epi32(*e.zx.add(r));
        let s = _mm256_set1_ps(*e.sx.add(r));
        let mut out = [0f32; NR];
        for h in 0..2 {
            let v = _mm256_sub_epi32(row[h], _mm256_mullo_epi32(z, cs[h]));
            let o = _mm256_fmadd_ps(_mm256_cvtepi32_ps(v), _mm256_mul_ps(s, ws[h]), bs[h]);
            _mm256_storeu_ps(out.as_mut_ptr().add(h * 8), o);
        }
        if e.gelu {
            super::gelu::gelu_in_place(&mut out);
        }
        std::ptr::copy_nonoverlapping(out.as_ptr(), c.add(r * ldc), cols);
    }
}
