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
        check_finite(path, &key, &t)?;
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

/// Refuses a tensor with NaN or infinite values, naming it and how many it holds. The test is a
/// sum of `t · 0`, which is NaN exactly when some value is not finite (a maximum of absolute
/// values is not: NaN compares false and is skipped); only then are the values counted.
fn check_finite(path: &Path, key: &str, t: &Tensor) -> Result<()> {
    if t.elem_count() == 0 {
        return Ok(());
    }
    let probe = t
        .to_dtype(DType::F32)
        .and_then(|t| t.flatten_all())
        .and_then(|t| t.affine(0.0, 0.0))
        .and_then(|t| t.sum_all())
        .and_then(|t| t.to_scalar::<f32>())?;
    if probe.is_finite() {
        return Ok(());
    }
    let values = t.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
    let nan = values.iter().filter(|v| v.is_nan()).count();
    let inf = values.iter().filter(|v| v.is_infinite()).count();
    Err(Error::model(
        path,
        format!(
            "weight {key} holds {nan} NaN and {inf} infinite values (of {}); the file is damaged or the training diverged",
            values.len()
        ),
    ))
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

    #[test]
    fn non_finite_weights_are_refused_with_their_count() {
        let p = Path::new("model.safetensors");
        let ok = Tensor::new(&[1.0f32, -2.0, 3.0], &Device::Cpu).unwrap();
        assert!(check_finite(p, "w", &ok).is_ok());
        let one_nan = Tensor::new(&[1.0f32, f32::NAN, 3.0], &Device::Cpu).unwrap();
        let e = check_finite(p, "stance_head.weight", &one_nan)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("stance_head.weight holds 1 NaN and 0 infinite"),
            "{e}"
        );
        let inf = Tensor::new(&[f32::INFINITY, f32::NEG_INFINITY, 0.0], &Device::Cpu)
            .unwrap()
            .to_dtype(DType::F16)
            .unwrap();
        let e = check_finite(p, "emb", &inf).unwrap_err().to_string();
        assert!(e.contains("0 NaN and 2 infinite"), "{e}");
    }
}
