//! Files in and out, below everything that computes: labelled (sentence, target) examples in NewsMTSC JSONL or a simple
//! JSONL/CSV layout, plain-text and JSONL articles for scoring, and atomic output files.

pub mod articles;
pub mod atomic;
pub mod examples;
pub mod guard;
pub mod hash;
pub mod labels;
pub mod scores;

pub use examples::{read_examples, Dataset, Example, ReadOptions, Skip};
