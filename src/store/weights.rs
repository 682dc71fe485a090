//! Reading safetensors weights: f32 / f16 / bf16, keys with or without a `bert.` / `roberta.` / `mpnet.`
//! prefix, old `LayerNorm.gamma/beta` names; pooler and pre-training heads are ignored.

use crate::error::{Error, Result};
use candle_core::{DType, Device, Tensor};
use std::collections::HashMap;
use std::path::Path;

/// Normalises a checkpoint key to the encoder's naming, or `None` for keys the model does not use.
pub fn normalise_key(key: &str) -> Option<String> {
    let mut k = key;
    for prefix in ["bert.", "roberta.", "mpnet.", "model."] {
        if let Some(rest) = k.strip_prefix(prefix) {
            k = rest;
        }
    }
    if k.starts_with("pooler.")
        || k.starts_with("cls.")
        || k.starts_with("lm_head.")
        || k.ends_with("position_ids")
    {
        return None;
    }
    let k = k
        .replace("LayerNorm.gamma", "LayerNorm.weight")
        .replace("LayerNorm.beta", "LayerNorm.bias");
    Some(k)
}

/// Loads every floating-point tensor of a safetensors file, converted to `dtype`, on `device`.
pub fn load(path: &Path, dtype: DType, device: &Device) -> Result<HashMap<String, Tensor>> {
    let raw = candle_core::safetensors::load(path, &Device::Cpu)
        .map_err(|e| Error::model(path, format!("cannot read weights: {e}")))?;
    let mut out = HashMap::with_capacity(raw.len());
    for (key, t) in raw {
        if !matches!(
            t.dtype(),
            DType::F32 | DType::F16 | DType::BF16 | DType::F64
        ) {
            continue;
        }
        let Some(name) = normalise_key(&key) else {
            continue;
        };
        let t = t.to_dtype(dtype)?;
        let largest = t
            .abs()
            .and_then(|a| a.flatten_all())
            .and_then(|a| a.max(0))
            .and_then(|a| a.to_dtype(DType::F64))
            .and_then(|a| a.to_scalar::<f64>());
        if !largest.is_ok_and(f64::is_finite) && t.elem_count() > 0 {
            return Err(Error::model(
                path,
                format!("weight {key} holds NaN or infinite values"),
            ));
        }
        out.insert(name, t.to_device(device)?);
    }
    if out.is_empty() {
        return Err(Error::model(
            path,
            "no floating-point tensors in the weights file",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn keys() {
        assert_eq!(
            normalise_key("bert.encoder.layer.0.output.LayerNorm.gamma").as_deref(),
            Some("encoder.layer.0.output.LayerNorm.weight")
        );
        assert_eq!(normalise_key("embeddings.position_ids"), None);
        assert_eq!(normalise_key("pooler.dense.weight"), None);
        assert_eq!(
            normalise_key("stance_head.weight").as_deref(),
            Some("stance_head.weight")
        );
    }
}
