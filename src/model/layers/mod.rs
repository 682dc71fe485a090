//! Layer types that choose their kernel inside (as text-embeddings-inference's `layers/`): the
//! architectures above them say what is computed, these say how.

pub mod activation;
pub mod dropout;
pub mod layer_norm;
pub mod linear;

pub use activation::{softmax_last_dim, Activation};
pub use dropout::{maybe_dropout, Dropout};
pub use layer_norm::LayerNorm;
pub use linear::{linear_train, Linear, Precision};

/// Which kernels to use: the fast inference kernels (no gradient), or kernels that keep their
/// gradients for training.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    Fast,
    /// `packed_linear`: linear layers on the packed single-threaded training kernel where the
    /// CPU has it (the caller knows each product gets one thread), else candle's.
    Differentiable {
        packed_linear: bool,
    },
}
