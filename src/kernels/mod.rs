//! CPU kernels: the lowest layer. Feature detection, the f32 and int8 GEMMs (one panel
//! geometry, one row dispatch), erf/GELU, the fused training ops with their gradients, and views
//! of candle's CPU storage. Every fast path is chosen at run time from [`features`] and has a
//! portable fallback in the layer above (candle's own kernels).
//!
//! Each `unsafe fn` states its preconditions (CPU features, slice lengths, panel padding) in a
//! `# Safety` section; the public entry points are safe and check them.

pub mod attention;
pub mod features;
pub mod gelu;
pub mod gemm_f32;
pub mod gemm_int8;
pub mod gemm_int8_amx;
pub mod gemm_int8_avx2;
pub mod layer_norm;
pub mod matmul_train;
pub mod op;
pub mod panel;
pub mod storage;
pub mod train_ops;
