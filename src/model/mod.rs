//! The network only: configuration and metadata, the encoder (BERT family and MPNet, see
//! [`arch`]), the target-aware head, and the layer types that choose their kernels.

pub mod arch;
pub mod calibrator;
pub mod classifier;
pub mod config;
pub mod encoder;
pub mod layers;
pub mod meta;
pub mod provenance;

pub use calibrator::{TopIsotonic, TopMap, TopMapKind, TopPlatt};
pub use classifier::StanceNet;
pub use config::EncoderConfig;
pub use layers::Precision;
pub use meta::{Pooling, StanceMeta};
