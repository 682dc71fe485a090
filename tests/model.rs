//! Encoder and model tests: reference values of the real MiniLM, padding invariance, fast vs
//! differentiable paths, gradients to every weight, model directory round trips, bad files.

mod common;

use candle_core::{DType, Device, Tensor};
use stance::encode::{Batch, Encoded};
use stance::model::layers::Path as KernelPath;
use stance::model::Pooling;
use stance::store::dir::{LoadOptions, NewModel};
use stance::store::{ModelSource, StanceModel};
use stance::testing::{tiny_model, tiny_models};

use stance::testing::max_abs_diff;

fn labels() -> Vec<String> {
    ["supportive", "neutral", "critical"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn minilm_model(dir: &std::path::Path) -> StanceModel {
    let new = NewModel {
        labels: labels(),
        marker: None,
        pooling: Pooling::ClsTarget,
        max_length: 128,
        seed: 1,
    };
    StanceModel::from_base(
        &ModelSource::Dir(dir.to_path_buf()),
        &new,
        &LoadOptions::default(),
    )
    .unwrap()
}

#[derive(serde::Deserialize)]
struct RefPair {
    first: String,
    second: String,
    input_ids: Vec<u32>,
    token_type_ids: Vec<u32>,
    hidden: Vec<Vec<f32>>,
}

fn reference() -> Vec<RefPair> {
    #[derive(serde::Deserialize)]
    struct R {
        pairs: Vec<RefPair>,
    }
    let s = std::fs::read_to_string(common::root().join("tests/fixtures/minilm-reference.json"))
        .unwrap();
    serde_json::from_str::<R>(&s).unwrap().pairs
}

fn encode_ref(m: &StanceModel, p: &RefPair) -> Encoded {
    let start = p.first.find(&p.second).unwrap();
    let start = p.first[..start].chars().count();
    m.pair_encoder()
        .encode(&p.first, start, start + p.second.chars().count())
        .unwrap()
}

#[test]
fn minilm_matches_pytorch_reference_on_both_paths() {
    let Some(dir) = common::minilm() else { return };
    let mut m = minilm_model(&dir);
    for fused in [false, true] {
        if fused {
            m.prepare_inference(stance::model::Precision::F32).unwrap();
        }
        for p in reference() {
            let enc = encode_ref(&m, &p);
            assert_eq!(
                enc.ids, p.input_ids,
                "token ids differ from Hugging Face's tokenizer"
            );
            assert_eq!(enc.type_ids, p.token_type_ids);
            let batch = Batch::new(&[&enc], 0, DType::F32, &Device::Cpu).unwrap();
            let want = Tensor::new(p.hidden.clone(), &Device::Cpu).unwrap();
            for path in common::KERNEL_PATHS {
                let h = m
                    .net()
                    .encoder
                    .forward(
                        &batch.input_ids,
                        &batch.token_type_ids,
                        &batch.attention_mask,
                        path,
                        None,
                    )
                    .unwrap();
                let d = max_abs_diff(&h.squeeze(0).unwrap(), &want);
                assert!(d < 2e-4, "max |diff| {d} on {path:?}, fused qkv {fused}");
            }
        }
    }
}

/// int8 linear layers (AVX-512 VNNI, or AVX2 with 7-bit weights) stay close to PyTorch's f32 hidden states: every token's
/// vector keeps a cosine similarity above 0.99 and the mean absolute error stays small.
#[test]
fn minilm_int8_stays_close_to_pytorch_reference() {
    let Some(dir) = common::minilm() else { return };
    if !common::needs_int8_kernel() {
        return;
    }
    let mut m = minilm_model(&dir);
    m.prepare_inference(stance::model::Precision::Int8).unwrap();
    assert_eq!(m.arithmetic(), "int8");
    for p in reference() {
        let enc = encode_ref(&m, &p);
        let batch = Batch::new(&[&enc], 0, DType::F32, &Device::Cpu).unwrap();
        let h = m
            .net()
            .encoder
            .forward(
                &batch.input_ids,
                &batch.token_type_ids,
                &batch.attention_mask,
                KernelPath::Fast,
                None,
            )
            .unwrap()
            .squeeze(0)
            .unwrap()
            .to_vec2::<f32>()
            .unwrap();
        let (mut abs, mut count) = (0f64, 0usize);
        for (got, want) in h.iter().zip(&p.hidden) {
            let cos = common::cosine(got, want);
            assert!(cos > 0.99, "token cosine {cos}");
            abs += got
                .iter()
                .zip(want)
                .map(|(a, b)| (a - b).abs() as f64)
                .sum::<f64>();
            count += got.len();
        }
        let mean = abs / count as f64;
        assert!(mean < 0.05, "mean |diff| {mean}");
        // And the f32 path would be far closer: the comparison can tell them apart.
        assert!(mean > 1e-5, "int8 path looks like f32 (mean |diff| {mean})");
    }
}

#[test]
fn minilm_hidden_states_do_not_depend_on_padding() {
    let Some(dir) = common::minilm() else { return };
    let m = minilm_model(&dir);
    let refs = reference();
    let encs: Vec<Encoded> = refs.iter().map(|p| encode_ref(&m, p)).collect();
    assert_ne!(encs[0].len(), encs[1].len());
    let both = Batch::new(&[&encs[0], &encs[1]], 0, DType::F32, &Device::Cpu).unwrap();
    let h = m
        .net()
        .encoder
        .forward(
            &both.input_ids,
            &both.token_type_ids,
            &both.attention_mask,
            KernelPath::Fast,
            None,
        )
        .unwrap();
    for (row, enc) in encs.iter().enumerate() {
        let alone = Batch::new(&[enc], 0, DType::F32, &Device::Cpu).unwrap();
        let ha = m
            .net()
            .encoder
            .forward(
                &alone.input_ids,
                &alone.token_type_ids,
                &alone.attention_mask,
                KernelPath::Fast,
                None,
            )
            .unwrap();
        let hb = h.get(row).unwrap().narrow(0, 0, enc.len()).unwrap();
        let d = max_abs_diff(&ha.squeeze(0).unwrap(), &hb);
        assert!(d < 1e-4, "row {row}: padded vs unpadded differ by {d}");
    }
}

fn tiny_batch(m: &StanceModel) -> Batch {
    let texts = [
        ("China praised Russia for its restraint.", 14, 20),
        (
            "Beijing said the sanctions on Moscow were unlawful and would fail badly.",
            0,
            7,
        ),
        ("Moscow.", 0, 6),
    ];
    let encs: Vec<Encoded> = texts
        .iter()
        .map(|&(t, s, e)| m.pair_encoder().encode(t, s, e).unwrap())
        .collect();
    let refs: Vec<&Encoded> = encs.iter().collect();
    Batch::new(&refs, 0, DType::F32, &Device::Cpu).unwrap()
}

#[test]
fn fast_and_differentiable_paths_agree_on_random_model() {
    for mut m in [3, 4]
        .into_iter()
        .flat_map(|seed| tiny_models(seed).unwrap())
    {
        let batch = tiny_batch(&m);
        let slow = |packed_linear| {
            m.net()
                .forward(&batch, KernelPath::Differentiable { packed_linear }, None)
                .unwrap()
        };
        let (candle, packed) = (slow(false), slow(true));
        let d = max_abs_diff(&candle, &packed);
        assert!(d < 1e-4, "candle and packed training kernels differ by {d}");
        let slow = candle;
        m.prepare_inference(stance::model::Precision::F32).unwrap();
        let fast = m.net().forward(&batch, KernelPath::Fast, None).unwrap();
        let d = max_abs_diff(&slow, &fast);
        assert!(d < 1e-4, "logits differ by {d}");
        assert!(
            slow.abs()
                .unwrap()
                .sum_all()
                .unwrap()
                .to_scalar::<f32>()
                .unwrap()
                > 0.0
        );
    }
}

#[test]
fn gradients_reach_every_weight() {
    for m in tiny_models(5).unwrap() {
        for packed_linear in [false, true] {
            gradients_reach_every_weight_of(&m, packed_linear);
        }
    }
}

fn gradients_reach_every_weight_of(m: &StanceModel, packed_linear: bool) {
    let batch = tiny_batch(m);
    let logits = m
        .net()
        .forward(&batch, KernelPath::Differentiable { packed_linear }, None)
        .unwrap();
    let targets = Tensor::new(&[0u32, 2, 1], &Device::Cpu).unwrap();
    let loss = candle_nn::loss::cross_entropy(&logits, &targets).unwrap();
    let grads = loss.backward().unwrap();
    let data = m.varmap().data().lock().unwrap();
    let mut without = Vec::new();
    for (name, var) in data.iter() {
        let ok = grads
            .get(var.as_tensor())
            .map(|g| {
                g.abs()
                    .unwrap()
                    .sum_all()
                    .unwrap()
                    .to_scalar::<f32>()
                    .unwrap()
                    > 0.0
            })
            .unwrap_or(false);
        if !ok {
            without.push(name.clone());
        }
    }
    assert!(data.len() > 30);
    assert!(
        without.is_empty(),
        "{}: no gradient for {without:?}",
        m.config().model_type
    );
}

/// A row's hidden states do not depend on the other rows of its batch (padding), on either
/// path, for both architectures (MPNet adds a position bias of the padded length).
#[test]
fn random_models_do_not_depend_on_padding() {
    for mut m in tiny_models(6).unwrap() {
        for fused in [false, true] {
            if fused {
                m.prepare_inference(stance::model::Precision::F32).unwrap();
            }
            let both = tiny_batch(&m);
            for path in common::KERNEL_PATHS {
                let all = m.net().forward(&both, path, None).unwrap();
                let texts = ["China praised Russia for its restraint.", "Moscow."];
                for (row, (text, spans)) in [(texts[0], (14, 20)), (texts[1], (0, 6))]
                    .into_iter()
                    .enumerate()
                {
                    let enc = m.pair_encoder().encode(text, spans.0, spans.1).unwrap();
                    let alone = Batch::new(&[&enc], 0, DType::F32, &Device::Cpu).unwrap();
                    let one = m.net().forward(&alone, path, None).unwrap();
                    let row = if row == 0 { 0 } else { 2 };
                    let d = max_abs_diff(&one.squeeze(0).unwrap(), &all.get(row).unwrap());
                    assert!(
                        d < 1e-5,
                        "{} {path:?} fused {fused}: row {row} differs by {d} when padded",
                        m.config().model_type
                    );
                }
            }
        }
    }
}

#[test]
fn model_directory_round_trips_exactly() {
    let m = tiny_model(7).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model");
    m.save(&out, DType::F32).unwrap();
    for f in [
        "config.json",
        "tokenizer.json",
        "model.safetensors",
        "stance.json",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let back = StanceModel::load(&ModelSource::Dir(out.clone()), &LoadOptions::default()).unwrap();
    assert_eq!(back.meta(), m.meta());
    assert_eq!(back.config(), m.config());
    let (a, b) = (m.tensors().unwrap(), back.tensors().unwrap());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, t) in &a {
        assert_eq!(max_abs_diff(t, &b[k]), 0.0, "{k} changed");
    }
    let batch = tiny_batch(&m);
    assert_eq!(
        m.net().predict(&batch).unwrap(),
        back.net().predict(&batch).unwrap()
    );
    // f16 on disk: close, not exact.
    m.save(&out, DType::F16).unwrap();
    let half = StanceModel::load(&ModelSource::Dir(out), &LoadOptions::default()).unwrap();
    let (p, q) = (
        m.net().predict(&batch).unwrap(),
        half.net().predict(&batch).unwrap(),
    );
    for (x, y) in p.iter().flatten().zip(q.iter().flatten()) {
        assert!((x - y).abs() < 1e-3);
    }
}

#[test]
fn bad_model_directories_get_clear_errors() {
    let m = tiny_model(8).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model");
    m.save(&out, DType::F32).unwrap();
    let load = || {
        StanceModel::load(&ModelSource::Dir(out.clone()), &LoadOptions::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    std::fs::write(out.join("model.safetensors"), b"not a safetensors file").unwrap();
    let e = load();
    assert!(
        e.contains("model.safetensors") && e.contains("cannot read weights"),
        "{e}"
    );
    std::fs::remove_file(out.join("stance.json")).unwrap();
    let e = load();
    assert!(e.contains("stance.json is missing"), "{e}");
    // A weights file that lacks layers is refused, not silently filled with zeros.
    let m2 = tiny_model(8).unwrap();
    m2.save(&out, DType::F32).unwrap();
    let mut t: std::collections::HashMap<String, Tensor> =
        m2.tensors().unwrap().into_iter().collect();
    t.retain(|k, _| !k.contains("layer.1."));
    candle_core::safetensors::save(&t, out.join("model.safetensors")).unwrap();
    let e = load();
    assert!(e.contains("missing from the file"), "{e}");

    // Metadata and config that do not match the weights are refused, never run silently.
    let edit_json = |file: &str, f: &dyn Fn(&mut serde_json::Value)| {
        let p = out.join(file);
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        f(&mut v);
        std::fs::write(&p, v.to_string()).unwrap();
    };
    let fresh = || tiny_model(8).unwrap().save(&out, DType::F32).unwrap();
    fresh();
    edit_json("config.json", &|v| v["num_attention_heads"] = 2.into());
    let e = load();
    assert!(
        e.contains("num_attention_heads is 2 (trained with 4)"),
        "{e}"
    );
    fresh();
    edit_json("config.json", &|v| v["hidden_act"] = "relu".into());
    assert!(load().contains("hidden_act"));
    // Without the record, fewer layers than the weights hold: the extra weights are unused.
    fresh();
    edit_json("stance.json", &|v| {
        v.as_object_mut().unwrap().remove("encoder");
    });
    edit_json("config.json", &|v| v["num_hidden_layers"] = 1.into());
    let e = load();
    assert!(e.contains("not used by the encoder"), "{e}");
    fresh();
    edit_json("stance.json", &|v| {
        v["labels"] = serde_json::json!(["a", "b", "a"])
    });
    assert!(load().contains("appears twice"));
    fresh();
    edit_json("stance.json", &|v| {
        v["labels"] = serde_json::json!(["a", " ", "c"])
    });
    assert!(load().contains("empty label"));
    fresh();
    edit_json("stance.json", &|v| {
        v["top_platt"] = serde_json::json!({"a": -1.0, "b": 0.0})
    });
    let e = load();
    assert!(e.contains("top_platt") && e.contains("stance.json"), "{e}");
    fresh();
    edit_json("stance.json", &|v| {
        v["top_isotonic"] = serde_json::json!({"ends": [0.5, 0.9], "values": [0.8, 0.4]})
    });
    let e = load();
    assert!(
        e.contains("top_isotonic") && e.contains("non-decreasing"),
        "{e}"
    );
    fresh();
    edit_json("stance.json", &|v| {
        v["top_platt"] = serde_json::json!({"a": 1.0, "b": 0.0});
        v["top_isotonic"] = serde_json::json!({"ends": [0.9], "values": [0.8]})
    });
    assert!(load().contains("both set"));
    fresh();
    edit_json("stance.json", &|v| {
        v["marker"] = serde_json::json!({"open": "", "close": ""})
    });
    let e = load();
    assert!(e.contains("marker") && e.contains("empty"), "{e}");
    fresh();
    edit_json("config.json", &|v| v["vocab_size"] = 20.into());
    let e = load();
    assert!(e.contains("vocab_size"), "{e}");
    // NaN weights.
    fresh();
    let mut t: std::collections::HashMap<String, Tensor> =
        m2.tensors().unwrap().into_iter().collect();
    let w = t["stance_head.bias"].clone();
    let nan = Tensor::new(vec![f32::NAN; w.elem_count()], &Device::Cpu).unwrap();
    t.insert("stance_head.bias".into(), nan);
    candle_core::safetensors::save(&t, out.join("model.safetensors")).unwrap();
    let e = load();
    assert!(e.contains("NaN"), "{e}");
    // One NaN among many values (a maximum of absolute values skips it).
    let mut t: std::collections::HashMap<String, Tensor> =
        m2.tensors().unwrap().into_iter().collect();
    let w = t["stance_head.weight"].clone();
    let mut v = w.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    v[5] = f32::NAN;
    let one = Tensor::new(v, &Device::Cpu)
        .unwrap()
        .reshape(w.shape())
        .unwrap();
    t.insert("stance_head.weight".into(), one);
    candle_core::safetensors::save(&t, out.join("model.safetensors")).unwrap();
    let e = load();
    assert!(e.contains("stance_head.weight holds 1 NaN"), "{e}");
}

#[test]
fn long_sentences_are_cut_around_the_target() {
    let m = tiny_model(9).unwrap();
    let filler = "word ".repeat(5000);
    let text = format!("{filler}China praised Russia. {filler}");
    let start = text.find("Russia").unwrap();
    let enc = m.pair_encoder().encode(&text, start, start + 6).unwrap();
    assert!(enc.truncated);
    assert_eq!(enc.len(), m.meta().max_length);
    assert!(!enc.target.is_empty());
    let tok = m.pair_encoder().tokenizer();
    let target_tokens: Vec<String> = enc
        .target
        .iter()
        .map(|&i| tok.id_to_token(enc.ids[i]).unwrap())
        .collect();
    assert_eq!(target_tokens.concat().replace("##", ""), "russia");
}

#[test]
fn target_positions_point_at_the_mention() {
    let m = tiny_model(9).unwrap();
    let tok = m.pair_encoder().tokenizer();
    for text in [
        "China praised Russia.",
        "“Russia” was praised",
        "Was it Russia",
    ] {
        let start = text.chars().take_while(|_| true).count()
            - text[text.find("Russia").unwrap()..].chars().count();
        let enc = m.pair_encoder().encode(text, start, start + 6).unwrap();
        let got: Vec<String> = enc
            .target
            .iter()
            .map(|&i| tok.id_to_token(enc.ids[i]).unwrap())
            .collect();
        assert_eq!(got, vec!["russia"], "{text}");
    }
}

#[test]
fn a_shipped_model_keeps_its_fingerprint_across_versions() {
    // Score files record the fingerprint (`"model"`), and `--resume` and `report` compare it:
    // how `stance.json` is read and written (typed sections, field order) must not move it. The
    // value is what earlier versions computed for this shipped model's directory.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/minilm-newsmtsc");
    let m = StanceModel::load(&ModelSource::Dir(dir), &LoadOptions::default()).unwrap();
    assert_eq!(m.fingerprint().unwrap(), "minilm-newsmtsc@d0d42991988e5be6");
}
