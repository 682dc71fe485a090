//! The target-aware classifier: encoder + pooling of `[CLS]` and the target's tokens + a linear
//! head to the model's labels.

use super::calibrator::TopMap;
use super::config::EncoderConfig;
use super::encoder::Encoder;
use super::layers::{Dropout, Path};
use super::meta::Pooling;
pub use crate::encode::Batch;
use candle_core::{DType, Device, IndexOp, Module, Result, Tensor, Var};
use candle_nn::{Linear, VarBuilder, VarMap};
use rand::{rngs::StdRng, SeedableRng};
use rand_distr::{Distribution, Normal};

pub const HEAD_PREFIX: &str = "stance_head";

pub struct StanceNet {
    pub encoder: Encoder,
    head: Linear,
    pooling: Pooling,
    /// Temperature the logits are divided by in [`StanceNet::predict`] (1: none). The model's
    /// metadata holds the calibration; this is what scoring applies, set only through
    /// [`StanceNet::apply_calibration`] (by the model store, which keeps the two in step).
    temperature: f64,
    /// Applied to the probabilities after the temperature (none: the temperature alone).
    top_map: Option<TopMap>,
    pub dtype: DType,
    pub device: Device,
}

impl StanceNet {
    /// Makes scoring apply `temperature` and then `top_map` (1 and none: raw probabilities).
    pub fn apply_calibration(&mut self, temperature: f64, top_map: Option<TopMap>) {
        self.temperature = temperature;
        self.top_map = top_map;
    }

    /// The temperature and top-probability map scoring applies.
    pub fn applied_calibration(&self) -> (f64, Option<&TopMap>) {
        (self.temperature, self.top_map.as_ref())
    }

    /// Inserts a seeded random head (normal, std 0.02; zero bias) into `varmap` unless present.
    pub fn init_head(
        varmap: &VarMap,
        in_dim: usize,
        n_labels: usize,
        seed: u64,
        device: &Device,
    ) -> Result<()> {
        let mut data = varmap
            .data()
            .lock()
            .map_err(|_| candle_core::Error::Msg("poisoned var map".into()))?;
        let wname = format!("{HEAD_PREFIX}.weight");
        if !data.contains_key(&wname) {
            let mut rng = StdRng::seed_from_u64(seed);
            let normal =
                Normal::new(0f32, 0.02).map_err(|e| candle_core::Error::Msg(e.to_string()))?;
            let w: Vec<f32> = (0..in_dim * n_labels)
                .map(|_| normal.sample(&mut rng))
                .collect();
            data.insert(
                wname,
                Var::from_tensor(&Tensor::from_vec(w, (n_labels, in_dim), device)?)?,
            );
            data.insert(
                format!("{HEAD_PREFIX}.bias"),
                Var::zeros(n_labels, DType::F32, device)?,
            );
        }
        Ok(())
    }

    /// Builds the network over the variables in `varmap` (which must hold every weight).
    pub fn build(
        varmap: &VarMap,
        cfg: &EncoderConfig,
        pooling: Pooling,
        n_labels: usize,
        dtype: DType,
        device: &Device,
    ) -> Result<Self> {
        let vb = VarBuilder::from_varmap(varmap, dtype, device);
        let encoder = Encoder::load(vb.clone(), cfg)?;
        let head = candle_nn::linear(pooling.width(cfg.hidden_size), n_labels, vb.pp(HEAD_PREFIX))?;
        Ok(Self {
            encoder,
            head,
            pooling,
            temperature: 1.0,
            top_map: None,
            dtype,
            device: device.clone(),
        })
    }

    /// Label logits `(batch, labels)`.
    pub fn forward(
        &self,
        batch: &Batch,
        path: Path,
        mut dropout: Option<Dropout>,
    ) -> Result<Tensor> {
        let h = self.encoder.forward(
            &batch.input_ids,
            &batch.token_type_ids,
            &batch.attention_mask,
            path,
            dropout.as_mut().map(|d| Dropout {
                p: d.p,
                rng: &mut *d.rng,
            }),
        )?;
        let cls = || h.i((.., 0, ..));
        let target =
            || -> Result<Tensor> { batch.target_weights.unsqueeze(1)?.matmul(&h)?.squeeze(1) };
        let pooled = match self.pooling {
            Pooling::Cls => cls()?,
            Pooling::Target => target()?,
            Pooling::ClsTarget => Tensor::cat(&[cls()?, target()?], 1)?,
        };
        let pooled = match dropout.as_mut() {
            Some(d) => d.apply(&pooled)?,
            None => pooled,
        };
        self.head.forward(&pooled)
    }

    /// Raw logits `(rows, labels)` of a batch (inference path, no temperature).
    pub fn logits(&self, batch: &Batch) -> Result<Vec<Vec<f32>>> {
        self.forward(batch, Path::Fast, None)?
            .to_dtype(DType::F32)?
            .to_vec2::<f32>()
    }

    /// Label probabilities as f32 rows, for inference (calibrated: the temperature, then the
    /// top-probability map if there is one).
    pub fn predict(&self, batch: &Batch) -> Result<Vec<Vec<f32>>> {
        let mut logits = self
            .forward(batch, Path::Fast, None)?
            .to_dtype(DType::F32)?;
        if self.temperature != 1.0 {
            logits = (logits / self.temperature)?;
        }
        let mut probs = candle_nn::ops::softmax_last_dim(&logits)?.to_vec2::<f32>()?;
        if let Some(map) = &self.top_map {
            probs.iter_mut().for_each(|row| map.apply(row));
        }
        Ok(probs)
    }
}
