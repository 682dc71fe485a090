//! Evaluation: metrics and reports.

pub mod metrics;
pub use metrics::{compute, LabelScores, Metrics};
