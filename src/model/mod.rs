//! The model: a BERT-family encoder, the target-aware head, input encoding, and model
//! directories (`config.json`, `tokenizer.json`, `model.safetensors`, `stance.json`).

pub mod arch;
pub mod bert;
pub mod classifier;
pub mod config;
pub mod dir;
pub mod encode;
pub mod fast_ops;
pub mod hub;
pub mod int8;
pub mod meta;
pub mod packed;
pub mod train_ops;
pub mod weights;

pub use classifier::{Batch, StanceNet};
pub use config::EncoderConfig;
pub use dir::{LoadOptions, StanceModel};
pub use encode::{Encoded, PairEncoder};
pub use hub::ModelSource;
pub use meta::{Marker, Pooling, StanceMeta};
pub use packed::Precision;
