//! Model input: a (sentence, target span) encoded as token ids with the target marked, and padded
//! batches of such pairs. Below the model: it knows the tokenizer, not the network.

pub mod batch;
pub mod pair;

pub use batch::Batch;
pub use pair::{Encoded, Marker, PairEncoder};
