//! Layer norm that chooses its kernel by the path and the tensor's device.

use super::Path;
use crate::kernels::train_ops;
use candle_core::{Result, Tensor};
use candle_nn::VarBuilder;

/// Layer norm, on the fused inference kernel, the fused training kernel with its gradient (CPU),
/// or composed candle ops (other devices).
pub struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f32,
}

impl LayerNorm {
    pub fn load(vb: VarBuilder, size: usize, eps: f64) -> Result<Self> {
        Ok(Self {
            weight: vb.get(size, "weight")?,
            bias: vb.get(size, "bias")?,
            eps: eps as f32,
        })
    }
    pub fn forward(&self, xs: &Tensor, path: Path) -> Result<Tensor> {
        match path {
            Path::Fast => {
                candle_nn::ops::layer_norm(&xs.contiguous()?, &self.weight, &self.bias, self.eps)
            }
            Path::Differentiable { .. } if train_ops::applies(xs) => {
                train_ops::layer_norm(xs, &self.weight, &self.bias, self.eps)
            }
            Path::Differentiable { .. } => {
                candle_nn::ops::layer_norm_slow(xs, &self.weight, &self.bias, self.eps)
            }
        }
    }
}
