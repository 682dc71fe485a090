//! Evaluation: metrics and reports.

pub mod calibration;
pub mod dev;
pub mod mentions;
pub mod metrics;
pub use calibration::Calibration;
pub use metrics::{compute, LabelScores, Metrics};
