//! Padding encoded pairs into a batch of tensors on a device.

use super::pair::Encoded;
use candle_core::{DType, Device, Result, Tensor};

/// A padded batch on a device.
pub struct Batch {
    pub input_ids: Tensor,
    pub token_type_ids: Tensor,
    pub attention_mask: Tensor,
    /// `(batch, seq)`: 1/n on the n target tokens of each row, 0 elsewhere.
    pub target_weights: Tensor,
    pub rows: usize,
    pub seq_len: usize,
}

impl Batch {
    pub fn new(items: &[&Encoded], pad_id: u32, dtype: DType, device: &Device) -> Result<Self> {
        let b = items.len();
        let t = items.iter().map(|e| e.len()).max().unwrap_or(1).max(1);
        let mut ids = vec![pad_id; b * t];
        let mut types = vec![0u32; b * t];
        let mut mask = vec![0f32; b * t];
        let mut tw = vec![0f32; b * t];
        for (r, e) in items.iter().enumerate() {
            let row = r * t;
            ids[row..row + e.len()].copy_from_slice(&e.ids);
            types[row..row + e.len()].copy_from_slice(&e.type_ids);
            mask[row..row + e.len()].iter_mut().for_each(|m| *m = 1.0);
            let n = e.target.len().max(1) as f32;
            for &p in &e.target {
                if p < t {
                    tw[row + p] = 1.0 / n;
                }
            }
        }
        Ok(Self {
            input_ids: Tensor::from_vec(ids, (b, t), device)?,
            token_type_ids: Tensor::from_vec(types, (b, t), device)?,
            attention_mask: Tensor::from_vec(mask, (b, t), device)?,
            target_weights: Tensor::from_vec(tw, (b, t), device)?.to_dtype(dtype)?,
            rows: b,
            seq_len: t,
        })
    }
}
