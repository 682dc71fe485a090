//! Text processing before the model: sentence segmentation and actor mention finding.

pub mod actors;
pub mod segment;
