//! The int8 GEMM on Intel AMX tiles, for [`Scheme::Vnni`] packing on CPUs that have AMX-INT8.
//!
//! An AMX tile register holds up to 16 rows of 64 bytes. `tdpbusd` multiplies a tile of u8
//! codes (16 rows × 16 groups of four `k`) by a tile of i8 weights (16 groups × 16 columns of
//! four `k`) and adds the products into a tile of 16 × 16 `i32` sums: 16,384 multiply-adds in
//! one instruction, 256 times one `vpdpbusd`. The VNNI panels (groups × 32 columns × 4 bytes)
//! are already in the weight tile's layout: the tile of columns 0–15 is 16 group rows at a
//! stride of 128 bytes, columns 16–31 start 64 bytes further, so both kernels share one packing
//! and one quantisation of the activations. Four accumulator tiles hold 32 rows × one panel;
//! each step loads two code tiles and two weight tiles and issues four `tdpbusd`.
//!
//! The integer sums are exact, and the epilogue is the VNNI kernel's own
//! ([`super::gemm_int8::store_row`]), so the outputs equal the VNNI kernel's bit for bit.
//!
//! Rust has no stable AMX intrinsics, so the tile instructions are written as inline assembly;
//! Linux hands out the tile state only on request (`arch_prctl(ARCH_REQ_XCOMP_PERM)`), made once
//! in [`super::features::amx_int8`]. Used where `k` is a whole number of 64-byte tiles (every
//! shipped encoder: 384, 768, 1536, 3072); other shapes take the VNNI kernel.

#[cfg(target_arch = "x86_64")]
use super::gemm_int8::{quantise_rows, store_row, PackedInt8, PanelTerms};
#[cfg(target_arch = "x86_64")]
use super::panel::{panels_per_group, NR};

/// Bytes of `k` in one tile row (16 groups of four codes).
pub const TILE_K: usize = 64;
/// Rows of one tile.
const TILE_ROWS: usize = 16;
/// Rows sharing one pass over a group of panels: two tiles of codes, which stay in L1 while the
/// group's panels pass (measured end to end: 32 rows before 64, 128 and 256).
#[cfg(target_arch = "x86_64")]
const BLOCK_ROWS: usize = 32;

/// Whether this CPU and OS run the AMX kernel for an inner dimension of `kp` (padded) codes.
pub fn usable(kp: usize) -> bool {
    kp.is_multiple_of(TILE_K) && super::features::amx_int8()
}

/// The `ldtilecfg` operand: palette 1, then per tile its bytes per row and its rows.
#[repr(C, align(64))]
struct TileConfig {
    palette: u8,
    start_row: u8,
    reserved: [u8; 14],
    colsb: [u16; 16],
    rows: [u8; 16],
}

impl TileConfig {
    /// tmm0–3: sums (16 × 16 `i32`); tmm4–5: codes; tmm6–7: weights; all 16 rows × 64 bytes.
    fn whole_tiles() -> Self {
        let mut c = Self {
            palette: 1,
            start_row: 0,
            reserved: [0; 14],
            colsb: [0; 16],
            rows: [0; 16],
        };
        for t in 0..8 {
            c.colsb[t] = TILE_K as u16;
            c.rows[t] = TILE_ROWS as u8;
        }
        c
    }
}

/// 32 rows × 32 columns of `i32` sums, where the accumulator tiles are stored.
#[repr(C, align(64))]
struct Sums([i32; 32 * NR_SUMS]);
const NR_SUMS: usize = 32;

/// The int8 product of `m` rows of `x` with the quantised weight `q`, written to `y`.
///
/// # Safety
/// The CPU must support AVX-512F/BW/VNNI and the OS must have granted AMX tile data
/// ([`super::features::amx_int8`], checked by [`usable`]), `q` must be packed with
/// [`super::gemm_int8::Scheme::Vnni`] and `q.kp` be a multiple of [`TILE_K`]; `x` holds
/// `m × q.k` values and `y` points to `m × q.n` writable floats not aliased by `x`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
pub unsafe fn forward(q: &PackedInt8, x: &[f32], m: usize, y: *mut f32) {
    let (kp, n) = (q.kp, q.n);
    debug_assert!(kp.is_multiple_of(TILE_K) && q.scheme.panel_width() == NR);
    // Whole tiles of rows: the padding rows are zero codes whose sums are never stored.
    let mp = m.div_ceil(TILE_ROWS) * TILE_ROWS;
    let (u, sx, zx) = quantise_rows(x, m, q.k, kp, mp);
    let panel_bytes = kp / 4 * NR * 4;
    let config = TileConfig::whole_tiles();
    tile::configure(&config);
    let mut sums = Sums([0; 32 * NR_SUMS]);
    let panels = n.div_ceil(NR);
    let group = panels_per_group(panel_bytes);
    for first in (0..panels).step_by(group) {
        let mut r0 = 0;
        while r0 < mp {
            let block_end = (r0 + BLOCK_ROWS).min(mp);
            for p in first..(first + group).min(panels) {
                let panel = q.panels.as_ptr().add(p * panel_bytes);
                let e = q.epilogue(sx.as_ptr(), zx.as_ptr(), p * NR);
                let terms = PanelTerms::load(&e);
                let cols = NR.min(n - p * NR);
                let mut r = r0;
                while r < block_end {
                    let tiles = if r + 2 * TILE_ROWS <= block_end { 2 } else { 1 };
                    let codes = u.as_ptr().add(r * kp);
                    panel_sums(codes, kp, panel, tiles == 2, &mut sums);
                    for rr in r..(r + tiles * TILE_ROWS).min(m) {
                        let row = sums.0.as_ptr().add((rr - r) * NR_SUMS) as *const _;
                        let acc = [
                            std::arch::x86_64::_mm512_loadu_si512(row),
                            std::arch::x86_64::_mm512_loadu_si512(
                                sums.0.as_ptr().add((rr - r) * NR_SUMS + 16) as *const _,
                            ),
                        ];
                        store_row(acc, &e, &terms, rr, y.add(rr * n + p * NR), cols);
                    }
                    r += tiles * TILE_ROWS;
                }
            }
            r0 = block_end;
        }
    }
    tile::release();
}

/// Sums of 32 rows (`two_tiles`) or 16 rows of codes (stride `lda`) with one 32-column panel,
/// over all of `k`, stored in `out` (row stride 32; with one tile, rows 16–31 are untouched).
///
/// # Safety
/// Tiles configured by [`TileConfig::whole_tiles`]; `a` points to 32 (or 16) rows of `lda`
/// codes, `lda` a multiple of [`TILE_K`]; `b` to the panel's `lda / 4` groups × 128 bytes.
#[cfg(target_arch = "x86_64")]
#[inline]
unsafe fn panel_sums(a: *const u8, lda: usize, b: *const i8, two_tiles: bool, out: &mut Sums) {
    tile::zero_sums();
    let mut t = 0;
    while t < lda {
        let w = b.add(t / 4 * NR * 4);
        prefetch_next_weights(w);
        tile::load_weights(w);
        tile::load_codes_4(a.add(t), lda);
        if two_tiles {
            tile::load_codes_5(a.add(TILE_ROWS * lda + t), lda);
            tile::dot_4_tiles();
        } else {
            tile::dot_2_tiles();
        }
        t += TILE_K;
    }
    tile::store_sums(out.0.as_mut_ptr(), two_tiles);
}

/// Asks for the next step's weights (the 2 KiB after `w`'s) in L1: tile loads are not seen by
/// the hardware prefetchers as the vector loads they follow are. A prefetch past the panel's end
/// is harmless (prefetches never fault).
#[cfg(target_arch = "x86_64")]
#[inline]
fn prefetch_next_weights(w: *const i8) {
    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
    const STEP: usize = TILE_ROWS * NR * 4;
    for line in 0..STEP / 64 {
        // SAFETY: prefetching is a hint; it reads nothing and never faults, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(w.wrapping_add(STEP + line * 64)) };
    }
}

/// The tile instructions, one `asm!` each. Tile registers are not Rust values: these functions
/// only touch them (and the memory named), and callers keep the order load → dot → store.
#[cfg(target_arch = "x86_64")]
mod tile {
    use super::{TileConfig, NR_SUMS};
    use std::arch::asm;

    /// Row stride of a weight tile: one panel group row (32 columns × 4 bytes).
    const WEIGHT_STRIDE: usize = 128;

    /// # Safety
    /// The CPU has AMX and the OS granted tile data to this process.
    #[inline]
    pub unsafe fn configure(c: &TileConfig) {
        asm!("ldtilecfg [{0}]", in(reg) c as *const TileConfig, options(nostack, readonly));
    }

    /// Returns the tile state to its initial, unused state (so context switches stop saving it).
    ///
    /// # Safety
    /// The CPU has AMX.
    #[inline]
    pub unsafe fn release() {
        asm!("tilerelease", options(nostack, nomem));
    }

    /// # Safety
    /// Tiles configured.
    #[inline]
    pub unsafe fn zero_sums() {
        asm!(
            "tilezero tmm0",
            "tilezero tmm1",
            "tilezero tmm2",
            "tilezero tmm3",
            options(nostack, nomem)
        );
    }

    /// Loads the weight tiles of columns 0–15 (tmm6) and 16–31 (tmm7) of 16 groups at `w`.
    ///
    /// # Safety
    /// Tiles configured; `w` points to 16 × 128 readable bytes.
    #[inline]
    pub unsafe fn load_weights(w: *const i8) {
        asm!(
            "tileloadd tmm6, [{w} + {s}*1]",
            "tileloadd tmm7, [{w} + {s}*1 + 64]",
            w = in(reg) w,
            s = in(reg) WEIGHT_STRIDE,
            options(nostack, readonly)
        );
    }

    /// # Safety
    /// Tiles configured; `a` points to 16 rows of 64 readable bytes at stride `lda`.
    #[inline]
    pub unsafe fn load_codes_4(a: *const u8, lda: usize) {
        asm!("tileloadd tmm4, [{a} + {s}*1]", a = in(reg) a, s = in(reg) lda, options(nostack, readonly));
    }

    /// # Safety
    /// As [`load_codes_4`].
    #[inline]
    pub unsafe fn load_codes_5(a: *const u8, lda: usize) {
        asm!("tileloadd tmm5, [{a} + {s}*1]", a = in(reg) a, s = in(reg) lda, options(nostack, readonly));
    }

    /// tmm0 += tmm4·tmm6, tmm1 += tmm4·tmm7, tmm2 += tmm5·tmm6, tmm3 += tmm5·tmm7.
    ///
    /// # Safety
    /// Tiles configured and loaded.
    #[inline]
    pub unsafe fn dot_4_tiles() {
        asm!(
            "tdpbusd tmm0, tmm4, tmm6",
            "tdpbusd tmm1, tmm4, tmm7",
            "tdpbusd tmm2, tmm5, tmm6",
            "tdpbusd tmm3, tmm5, tmm7",
            options(nostack, nomem)
        );
    }

    /// tmm0 += tmm4·tmm6, tmm1 += tmm4·tmm7.
    ///
    /// # Safety
    /// Tiles configured and loaded.
    #[inline]
    pub unsafe fn dot_2_tiles() {
        asm!(
            "tdpbusd tmm0, tmm4, tmm6",
            "tdpbusd tmm1, tmm4, tmm7",
            options(nostack, nomem)
        );
    }

    /// Stores tmm0/tmm1 (rows 0–15, columns 0–15 / 16–31) and, if `both`, tmm2/tmm3 (rows
    /// 16–31) to `out`, 32 `i32` per row.
    ///
    /// # Safety
    /// Tiles configured; `out` points to 32 × 32 writable `i32`.
    #[inline]
    pub unsafe fn store_sums(out: *mut i32, both: bool) {
        let s = NR_SUMS * 4;
        asm!(
            "tilestored [{o} + {s}*1], tmm0",
            "tilestored [{o} + {s}*1 + 64], tmm1",
            o = in(reg) out,
            s = in(reg) s,
            options(nostack)
        );
        if both {
            asm!(
                "tilestored [{o} + {s}*1], tmm2",
                "tilestored [{o} + {s}*1 + 64], tmm3",
                o = in(reg) out.add(16 * NR_SUMS),
                s = in(reg) s,
                options(nostack)
            );
        }
    }
}
