//! Layer norm that chooses its kernel by the path and the tensor's device.

use super::Path;
use crate::kernels::layer_norm::AddLayerNorm;
use crate::kernels::op::Op;
use crate::kernels::train_ops;
use candle_core::{DType, Result, Tensor};
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

    /// `norm(y + residual)`: on the fast CPU path one fused kernel (the same arithmetic), else
    /// the sum and [`LayerNorm::forward`].
    pub fn forward_residual(&self, y: &Tensor, residual: &Tensor, path: Path) -> Result<Tensor> {
        let fused = path == Path::Fast
            && y.device().is_cpu()
            && [y.dtype(), residual.dtype(), self.weight.dtype()] == [DType::F32; 3];
        if !fused {
            return self.forward(&(y + residual)?, path);
        }
        let op = AddLayerNorm {
            gamma: self.weight.to_vec1()?,
            beta: self.bias.to_vec1()?,
            eps: self.eps,
        };
        y.contiguous()?
            .apply_op2_no_bwd(&residual.contiguous()?, &Op(op))
    }
}
