//! `stance`: per-sentence, per-actor stance (supportive / neutral / critical) in news text.
//!
//! Data flows one way: input → sentences → actor mentions → encoded pairs → batches → encoder +
//! head → stance per (sentence, actor) → aggregates → output. Each command of the binary is a
//! function of [`commands`] with a typed config.

// Every unsafe block says why it is sound; every unsafe fn states its contract.
#![deny(clippy::undocumented_unsafe_blocks, clippy::missing_safety_doc)]

pub mod aggregate;
pub mod commands;
pub mod device;
pub mod encode;
pub mod error;
pub mod eval;
pub mod infer;
pub mod io;
pub mod kernels;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod store;
#[doc(hidden)]
pub mod testing;
pub mod text;
pub mod train;

pub use device::DeviceSpec;
pub use error::{Error, Result};
