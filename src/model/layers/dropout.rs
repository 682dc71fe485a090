//! Training-time dropout with masks drawn on the host from a seeded generator.

use candle_core::{Result, Tensor};
use rand::{rngs::StdRng, Rng};

/// Training-time dropout with a seeded generator: masks are drawn on the host, so that a run
/// is reproducible for a fixed seed whatever the device.
pub struct Dropout<'a> {
    pub p: f32,
    pub rng: &'a mut StdRng,
}

impl Dropout<'_> {
    pub fn apply(&mut self, xs: &Tensor) -> Result<Tensor> {
        if self.p <= 0.0 {
            return Ok(xs.clone());
        }
        let n = xs.elem_count();
        let keep = 1.0 / (1.0 - self.p);
        let p = self.p;
        let mask: Vec<f32> = (0..n)
            .map(|_| {
                if self.rng.random::<f32>() < p {
                    0.0
                } else {
                    keep
                }
            })
            .collect();
        let mask = Tensor::from_vec(mask, xs.shape(), xs.device())?.to_dtype(xs.dtype())?;
        xs * mask
    }
}

pub fn maybe_dropout(xs: Tensor, dropout: &mut Option<Dropout>) -> Result<Tensor> {
    match dropout {
        Some(d) => d.apply(&xs),
        None => Ok(xs),
    }
}
