//! Activations and softmax, each choosing its kernel by the path and the tensor's device.

use super::Path;
use crate::kernels::{gelu, train_ops};
use candle_core::{Result, Tensor, D};

/// The feed-forward activation, from `hidden_act` in `config.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    GeluErf,
    GeluTanh,
    Relu,
}

impl Activation {
    pub fn from_config(hidden_act: &str) -> Self {
        match hidden_act {
            "gelu" => Self::GeluErf,
            "relu" => Self::Relu,
            _ => Self::GeluTanh,
        }
    }

    pub fn forward(self, xs: &Tensor, path: Path) -> Result<Tensor> {
        match (self, path) {
            (Self::GeluErf, Path::Fast) => gelu::gelu_erf(xs),
            (Self::GeluErf, Path::Differentiable { .. }) => gelu::gelu_erf_differentiable(xs),
            (Self::GeluTanh, _) => xs.gelu(),
            (Self::Relu, _) => xs.relu(),
        }
    }
}

/// Softmax over the last dimension: the fused inference kernel, the fused training kernel with
/// its gradient (CPU), or candle's composed op (other devices).
pub fn softmax_last_dim(scores: &Tensor, path: Path) -> Result<Tensor> {
    match path {
        Path::Fast => candle_nn::ops::softmax_last_dim(scores),
        Path::Differentiable { .. } if train_ops::applies(scores) => {
            train_ops::softmax_last_dim(scores)
        }
        Path::Differentiable { .. } => candle_nn::ops::softmax(scores, D::Minus1),
    }
}
