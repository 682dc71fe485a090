//! Helpers for tests and benchmarks: a tiny BERT tokenizer and tiny random models (BERT, MPNet).

use crate::error::Result;
use crate::io::labels::DEFAULT_LABELS;
use crate::model::{EncoderConfig, StanceMeta};
use crate::store::{LoadOptions, StanceModel};
use candle_core::Tensor;

const SPECIALS: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

/// A WordPiece vocabulary: the special tokens, some whole words, and every lowercase letter,
/// digit and common punctuation mark both as a word start and as a `##` continuation, so that
/// any English text tokenizes without `[UNK]` floods.
pub fn tiny_vocab() -> Vec<String> {
    let mut v: Vec<String> = SPECIALS.iter().map(|s| s.to_string()).collect();
    for w in [
        "the",
        "china",
        "russia",
        "beijing",
        "moscow",
        "praised",
        "criticised",
        "said",
        "and",
        "of",
        "to",
        "a",
        "in",
        "is",
    ] {
        v.push(w.to_string());
    }
    let chars: Vec<char> = ('a'..='z').chain('0'..='9').collect();
    for c in &chars {
        v.push(c.to_string());
    }
    for c in &chars {
        v.push(format!("##{c}"));
    }
    for p in ".,;:!?'\"@()-’‘“”".chars() {
        v.push(p.to_string());
    }
    v
}

/// A BERT-style `tokenizer.json` over [`tiny_vocab`].
pub fn tiny_tokenizer_json() -> String {
    let vocab = tiny_vocab();
    let vocab_map: serde_json::Map<String, serde_json::Value> = vocab
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), serde_json::Value::from(i as u64)))
        .collect();
    let added: Vec<serde_json::Value> = SPECIALS
        .iter()
        .enumerate()
        .map(|(i, s)| {
            serde_json::json!({"id": i, "content": s, "single_word": false, "lstrip": false,
                "rstrip": false, "normalized": false, "special": true})
        })
        .collect();
    serde_json::json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                        "strip_accents": null, "lowercase": true},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                               "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab_map}
    })
    .to_string()
}

/// A tiny random BERT stance model (2 layers, hidden 32) with the default labels.
pub fn tiny_model(seed: u64) -> Result<StanceModel> {
    tiny_model_with_labels(seed, DEFAULT_LABELS.iter().map(|s| s.to_string()).collect())
}

pub fn tiny_model_with_labels(seed: u64, labels: Vec<String>) -> Result<StanceModel> {
    tiny_random(
        EncoderConfig::tiny(tiny_vocab().len()),
        labels,
        "tiny-random-bert",
        seed,
    )
}

/// A tiny random MPNet stance model (2 layers, hidden 32, relative-position bias).
pub fn tiny_mpnet_model(seed: u64) -> Result<StanceModel> {
    let labels = DEFAULT_LABELS.iter().map(|s| s.to_string()).collect();
    let cfg = EncoderConfig::tiny_mpnet(tiny_vocab().len());
    tiny_random(cfg, labels, "tiny-random-mpnet", seed)
}

fn tiny_random(
    cfg: EncoderConfig,
    labels: Vec<String>,
    name: &str,
    seed: u64,
) -> Result<StanceModel> {
    let mut meta = StanceMeta::new(labels, name);
    meta.max_length = 64;
    StanceModel::random(
        cfg,
        &tiny_tokenizer_json(),
        meta,
        seed,
        &LoadOptions::default(),
    )
}

/// Both tiny architectures, for tests that must hold for each.
pub fn tiny_models(seed: u64) -> Result<Vec<StanceModel>> {
    Ok(vec![tiny_model(seed)?, tiny_mpnet_model(seed)?])
}

/// Records that a test could not run here and why: printed (`SKIP: …`), and appended to the
/// file named by `STANCE_SKIP_LOG` when set, which CI prints and counts, so that a skipped test
/// is never taken for a pass.
pub fn skip(test: &str, reason: &str) {
    eprintln!("SKIP: {test}: {reason}");
    if let Some(path) = std::env::var_os("STANCE_SKIP_LOG") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            // One write per line: tests run in parallel and append to the same file.
            let _ = f.write_all(format!("{test}: {reason}\n").as_bytes());
        }
    }
}

/// Whether a test can run here: when `available` is false, the skip is recorded as [`skip`]
/// records it, for `if !runs_here(…) { return; }` at the top of a test.
pub fn runs_here(available: bool, test: &str, reason: &str) -> bool {
    if !available {
        skip(test, reason);
    }
    available
}

/// A path named `name` in a new temporary folder, which lives as long as the returned guard.
#[cfg(test)]
pub fn temp_path(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join(name);
    (dir, path)
}

/// Matrix shapes `(m, k, n)` written as `"1x8x3 13x40x70 …"`, for kernel tests.
pub fn shapes(list: &str) -> Vec<(usize, usize, usize)> {
    let dim = |d: &str| {
        d.parse::<usize>()
            .unwrap_or_else(|_| panic!("bad dimension {d:?}"))
    };
    list.split_whitespace()
        .map(|s| match s.split('x').map(dim).collect::<Vec<_>>()[..] {
            [m, k, n] => (m, k, n),
            _ => panic!("bad shape {s:?}: want MxKxN"),
        })
        .collect()
}

/// Largest absolute element of `t` (as f32), for comparisons in tests.
pub fn max_abs(t: &Tensor) -> f32 {
    t.abs()
        .and_then(|a| a.flatten_all())
        .and_then(|a| a.max(0))
        .and_then(|a| a.to_dtype(candle_core::DType::F32))
        .and_then(|a| a.to_scalar::<f32>())
        .unwrap_or(f32::INFINITY)
}

/// Largest absolute difference between two tensors of the same shape.
pub fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    a.sub(b).map(|d| max_abs(&d)).unwrap_or(f32::INFINITY)
}

/// Asserts that two ways of computing one function of `inputs` agree in value (1e-5) and in the
/// gradient of every input (within `grad_tol`) under a downstream loss that weights every output
/// differently. For tests; panics on any error.
pub fn grads_agree(
    fused: &dyn Fn(&[&Tensor]) -> candle_core::Result<Tensor>,
    composed: &dyn Fn(&[&Tensor]) -> candle_core::Result<Tensor>,
    inputs: &[Tensor],
    grad_tol: f32,
) {
    let vars: Vec<candle_core::Var> = inputs
        .iter()
        .map(|t| candle_core::Var::from_tensor(t).unwrap())
        .collect();
    let refs: Vec<&Tensor> = vars.iter().map(|v| v.as_tensor()).collect();
    let a = fused(&refs).unwrap();
    let b = composed(&refs).unwrap();
    let fd = max_abs_diff(&a, &b);
    assert!(fd < 1e-5, "forward differs by {fd}");
    // A downstream loss that weights every output differently.
    let w = Tensor::randn(0f32, 1.0, a.shape(), &candle_core::Device::Cpu).unwrap();
    let ga = (a * &w).unwrap().sum_all().unwrap().backward().unwrap();
    let gb = (b * &w).unwrap().sum_all().unwrap().backward().unwrap();
    for (i, v) in vars.iter().enumerate() {
        let (x, y) = (
            ga.get(v.as_tensor()).unwrap(),
            gb.get(v.as_tensor()).unwrap(),
        );
        let d = max_abs_diff(x, y);
        assert!(d < grad_tol, "gradient of input {i} differs by {d}");
    }
}
