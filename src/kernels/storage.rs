//! Views of candle CPU storage as slices, and the row view of a tensor that every row-wise
//! kernel uses.

use candle_core::{CpuStorage, Layout, Result, Tensor};

/// The contiguous f32 values of a CPU storage, or an error naming `what`.
pub fn cpu_f32<'a>(s: &'a CpuStorage, l: &Layout, what: &str) -> Result<&'a [f32]> {
    match (s, l.contiguous_offsets()) {
        (CpuStorage::F32(d), Some((a, b))) => Ok(&d[a..b]),
        _ => candle_core::bail!("{what}: contiguous f32 input only"),
    }
}

/// The contiguous f32 values of a 2-D CPU storage with its `(rows, columns)`.
pub fn cpu_f32_2d<'a>(
    s: &'a CpuStorage,
    l: &Layout,
    what: &str,
) -> Result<(&'a [f32], (usize, usize))> {
    Ok((cpu_f32(s, l, what)?, l.shape().dims2()?))
}

/// The same, writable (in-place ops).
pub fn cpu_f32_mut<'a>(s: &'a mut CpuStorage, l: &Layout, what: &str) -> Result<&'a mut [f32]> {
    match (s, l.contiguous_offsets()) {
        (CpuStorage::F32(d), Some((a, b))) => Ok(&mut d[a..b]),
        _ => candle_core::bail!("{what}: contiguous f32 input only"),
    }
}

/// The contiguous u32 values (token ids) of a CPU storage, or an error naming `what`.
pub fn cpu_u32<'a>(s: &'a CpuStorage, l: &Layout, what: &str) -> Result<&'a [u32]> {
    match (s, l.contiguous_offsets()) {
        (CpuStorage::U32(d), Some((a, b))) => Ok(&d[a..b]),
        _ => candle_core::bail!("{what}: contiguous u32 input only"),
    }
}

/// Runs `f` on `x` viewed as `(rows, last dim)` and gives the result `x`'s leading dimensions
/// with a last dimension of `n`.
pub fn on_rows(x: &Tensor, n: usize, f: impl FnOnce(&Tensor) -> Result<Tensor>) -> Result<Tensor> {
    let mut dims = x.dims().to_vec();
    let k = *dims.last().unwrap_or(&0);
    let m = x.elem_count() / k.max(1);
    let y = f(&x.contiguous()?.reshape((m, k))?)?;
    if let Some(last) = dims.last_mut() {
        *last = n;
    }
    y.reshape(dims)
}
