//! Model directories on disk: loading and saving (`config.json`, `tokenizer.json`,
//! `model.safetensors`, `stance.json`, swapped in atomically), weights files, and where a model
//! comes from (a folder, a hub cache, the shipped default).

pub mod dir;
pub mod hub;
pub mod shipped;
pub mod weights;

pub use dir::{LoadOptions, NewModel, StanceModel};
pub use hub::ModelSource;
