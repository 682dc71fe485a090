//! Each CLI command as a library function with a typed config.

pub mod evaluate;
pub mod mentions;
pub mod pairs;
pub mod predict;
pub mod report;
pub mod score;

use crate::device::DeviceSpec;
use crate::error::Result;
use crate::model::Precision;
pub use crate::store::shipped::{default_model, resolve_model, shipped_model, DEFAULT_MODEL_NAME};
use crate::store::{LoadOptions, StanceModel};
use candle_core::DType;

/// Model loading settings shared by the commands.
#[derive(Debug, Clone, Default)]
pub struct ModelChoice {
    /// `None`: the shipped default model.
    pub model: Option<String>,
    pub device: DeviceSpec,
    /// Compute in half precision (f16 on CUDA; ignored on CPU, where f32 is faster).
    pub half: bool,
    /// Arithmetic of the linear layers on CPU (int8 needs AVX-512 VNNI or AVX2; ignored on CUDA).
    pub precision: Precision,
}

impl ModelChoice {
    pub fn load(&self) -> Result<StanceModel> {
        let src = match &self.model {
            Some(m) => resolve_model(m)?,
            None => default_model()?,
        };
        let device = self.device.open()?;
        let dtype = if self.half && !device.is_cpu() {
            DType::F16
        } else {
            DType::F32
        };
        let mut m = StanceModel::load(&src, &LoadOptions { device, dtype })?;
        m.prepare_inference(self.precision)?;
        Ok(m)
    }
}
