//! The MPNet encoder against PyTorch: relative-position buckets (always; the fixture holds
//! them) and, where `scripts/setup-base-model.sh mpnet` installed the real all-mpnet-base-v2,
//! last-layer hidden states on both paths, padded and unpadded, f32 and int8.

mod common;

use candle_core::{DType, Device, Tensor};
use stance::encode::{Batch, Encoded};
use stance::model::arch::relative_position_bucket;
use stance::model::layers::Path as KernelPath;
use stance::model::{Pooling, Precision};
use stance::store::dir::{LoadOptions, NewModel};
use stance::store::{ModelSource, StanceModel};
use stance::testing::max_abs_diff;

#[derive(serde::Deserialize)]
struct RefPair {
    first: String,
    second: String,
    input_ids: Vec<u32>,
    hidden: Vec<Vec<f32>>,
}

#[derive(serde::Deserialize)]
struct Buckets {
    from: i64,
    values: Vec<u32>,
}

#[derive(serde::Deserialize)]
struct Reference {
    pairs: Vec<RefPair>,
    buckets: Buckets,
}

fn reference() -> Reference {
    let s = std::fs::read_to_string(common::root().join("tests/fixtures/mpnet-reference.json"))
        .unwrap();
    serde_json::from_str(&s).unwrap()
}

#[test]
fn relative_buckets_match_pytorch() {
    let r = reference();
    assert_eq!(r.buckets.values.len(), 601);
    for (i, &want) in r.buckets.values.iter().enumerate() {
        let rel = r.buckets.from + i as i64;
        assert_eq!(relative_position_bucket(rel, 32), want, "offset {rel}");
    }
}

fn mpnet_model(dir: &std::path::Path) -> StanceModel {
    let new = NewModel {
        labels: ["supportive", "neutral", "critical"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        marker: None,
        pooling: Pooling::ClsTarget,
        max_length: 256,
        seed: 1,
    };
    StanceModel::from_base(
        &ModelSource::Dir(dir.to_path_buf()),
        &new,
        &LoadOptions::default(),
    )
    .unwrap()
}

fn encode_ref(m: &StanceModel, p: &RefPair) -> Encoded {
    let start = p.first.find(&p.second).unwrap();
    let start = p.first[..start].chars().count();
    m.pair_encoder()
        .encode(&p.first, start, start + p.second.chars().count())
        .unwrap()
}

fn hidden(m: &StanceModel, batch: &Batch, path: KernelPath) -> Tensor {
    m.net()
        .encoder
        .forward(
            &batch.input_ids,
            &batch.token_type_ids,
            &batch.attention_mask,
            path,
            None,
        )
        .unwrap()
}

#[test]
fn mpnet_matches_pytorch_reference_on_both_paths_with_and_without_padding() {
    let Some(dir) = common::mpnet() else { return };
    let r = reference();
    let mut m = mpnet_model(&dir);
    assert_eq!(m.config().pad_token_id, 1);
    let encs: Vec<Encoded> = r.pairs.iter().map(|p| encode_ref(&m, p)).collect();
    for (p, e) in r.pairs.iter().zip(&encs) {
        assert_eq!(e.ids, p.input_ids, "token ids differ from Hugging Face's");
    }
    let refs: Vec<&Encoded> = encs.iter().collect();
    let padded = Batch::new(&refs, 1, DType::F32, &Device::Cpu).unwrap();
    for fused in [false, true] {
        if fused {
            m.prepare_inference(Precision::F32).unwrap();
        }
        for path in common::KERNEL_PATHS {
            let all = hidden(&m, &padded, path);
            for (row, (p, e)) in r.pairs.iter().zip(&encs).enumerate() {
                let want = Tensor::new(p.hidden.clone(), &Device::Cpu).unwrap();
                let alone = Batch::new(&[e], 1, DType::F32, &Device::Cpu).unwrap();
                let h = hidden(&m, &alone, path);
                let d = max_abs_diff(&h.squeeze(0).unwrap(), &want);
                assert!(
                    d < 5e-4,
                    "pair {row}: max |diff| {d} on {path:?}, fused {fused}"
                );
                let h = all.get(row).unwrap().narrow(0, 0, e.len()).unwrap();
                let d = max_abs_diff(&h, &want);
                assert!(d < 5e-4, "pair {row} padded: max |diff| {d} on {path:?}");
            }
        }
    }
}

#[test]
fn mpnet_int8_stays_close_to_pytorch_reference() {
    let Some(dir) = common::mpnet() else { return };
    if !common::needs_int8_kernel() {
        return;
    }
    let r = reference();
    let mut m = mpnet_model(&dir);
    m.prepare_inference(Precision::Int8).unwrap();
    assert_eq!(m.arithmetic(), "int8");
    for p in &r.pairs {
        let e = encode_ref(&m, p);
        let batch = Batch::new(&[&e], 1, DType::F32, &Device::Cpu).unwrap();
        let h = hidden(&m, &batch, KernelPath::Fast)
            .squeeze(0)
            .unwrap()
            .to_vec2::<f32>()
            .unwrap();
        for (got, want) in h.iter().zip(&p.hidden) {
            let cos = common::cosine(got, want);
            assert!(cos > 0.99, "token cosine {cos}");
        }
    }
}
