//! Distillation on tiny random models: the student follows a confident teacher, α = 0 is plain
//! training, the teacher's logits are cached and reused or recomputed as they should, labels
//! must match, and unlabelled pairs from `stance pairs` train through the teacher.

use candle_core::{DType, Tensor};
use stance::commands::pairs::{pairs, PairsConfig};
use stance::store::{LoadOptions, ModelSource, StanceModel};
use stance::testing::{tiny_model, tiny_model_with_labels, tiny_mpnet_model};
use stance::text::actors::Gazetteer;
use stance::train::distill::{Distill, CACHE_FILE};
use stance::train::{train, TrainConfig, TrainProgress};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

const NAMES: [&str; 6] = ["China", "Russia", "Beijing", "Moscow", "Kiev", "Paris"];

/// A separable set: the verb decides the label.
fn write_data(dir: &Path, name: &str, n: usize) -> PathBuf {
    let verbs = [
        ("praised", "supportive"),
        ("met", "neutral"),
        ("attacked", "critical"),
    ];
    let mut s = String::new();
    for i in 0..n {
        let (verb, label) = verbs[i % 3];
        let a = NAMES[i % NAMES.len()];
        let b = NAMES[(i / 3 + 1) % NAMES.len()];
        let start = a.len() + verb.len() + 2;
        let text = format!("{a} {verb} {b} today.");
        s += &serde_json::json!({"text": text, "target": b, "start": start, "end": start + b.len(), "label": label}).to_string();
        s.push('\n');
    }
    let p = dir.join(name);
    std::fs::write(&p, s).unwrap();
    p
}

/// A teacher of another architecture (MPNet) that calls everything `critical`.
fn confident_teacher(dir: &Path, name: &str, bias: f32) -> String {
    let m = tiny_mpnet_model(5).unwrap();
    let b = Tensor::new(&[0f32, 0.0, bias], &candle_core::Device::Cpu).unwrap();
    m.set_weight("stance_head.bias", &b).unwrap();
    let p = dir.join(name);
    m.save(&p, DType::F32).unwrap();
    p.display().to_string()
}

fn config(dir: &Path, out: &str) -> TrainConfig {
    let base = dir.join("base");
    if !base.exists() {
        tiny_model(11).unwrap().save(&base, DType::F32).unwrap();
    }
    let train_file = write_data(dir, "train.jsonl", 60);
    let mut cfg = TrainConfig::new(&base.display().to_string(), &train_file, &dir.join(out));
    cfg.epochs = 3;
    cfg.lr = 3e-3;
    cfg.batch_size = 8;
    cfg.seed = 7;
    cfg
}

fn distill(teacher: &str, weight: f64) -> Option<Distill> {
    Some(Distill {
        teacher: teacher.into(),
        weight,
        temperature: 1.0,
        unlabelled: vec![],
    })
}

#[derive(Default)]
struct Messages(Mutex<Vec<String>>);

impl TrainProgress for Messages {
    fn message(&self, msg: &str) {
        self.0.lock().unwrap().push(msg.to_string());
    }
}

impl Messages {
    fn said(&self, what: &str) -> bool {
        self.0.lock().unwrap().iter().any(|m| m.contains(what))
    }
}

fn run(cfg: &TrainConfig) -> Messages {
    let m = Messages::default();
    train(cfg, &m, Arc::new(AtomicBool::new(false))).unwrap();
    m
}

/// Share of the training pairs the model at `out` calls `label`.
fn share(out: &Path, data: &Path, label: &str) -> f64 {
    let m = StanceModel::load(&ModelSource::Dir(out.into()), &LoadOptions::default()).unwrap();
    let ds = stance::io::read_examples(data, &Default::default()).unwrap();
    let items: Vec<(&str, usize, usize)> = ds
        .examples
        .iter()
        .map(|e| (e.text.as_str(), e.start, e.end))
        .collect();
    let enc: Vec<_> = stance::infer::encode_all(&m, &items)
        .into_iter()
        .map(|e| e.unwrap())
        .collect();
    let probs = stance::infer::predict_encoded(&m, &enc, &Default::default(), &|_| {}).unwrap();
    let hits = probs
        .iter()
        .filter(|p| m.labels()[stance::infer::argmax(p)] == label)
        .count();
    hits as f64 / probs.len() as f64
}

#[test]
fn the_student_moves_toward_a_confident_teacher() {
    let dir = tempfile::tempdir().unwrap();
    let teacher = confident_teacher(dir.path(), "teacher", 8.0);
    let plain = config(dir.path(), "plain");
    run(&plain);
    let mut taught = config(dir.path(), "taught");
    taught.distill = distill(&teacher, 1.0);
    run(&taught);
    let (before, after) = (
        share(&plain.out, &plain.train, "critical"),
        share(&taught.out, &taught.train, "critical"),
    );
    assert!(
        after > 0.9 && after > before + 0.3,
        "critical: {before:.2} without the teacher, {after:.2} with it"
    );
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(taught.out.join("stance.json")).unwrap())
            .unwrap();
    let d = &meta["training"]["distill"];
    assert_eq!(d["distill_weight"], 1.0);
    assert_eq!(d["temperature"], 1.0);
    assert!(d["teacher"].as_str().unwrap().contains("teacher"), "{d}");
}

#[test]
fn weight_zero_is_exactly_plain_training() {
    let dir = tempfile::tempdir().unwrap();
    let teacher = confident_teacher(dir.path(), "teacher", 8.0);
    let plain = config(dir.path(), "plain");
    run(&plain);
    let mut zero = config(dir.path(), "zero");
    zero.distill = distill(&teacher, 0.0);
    run(&zero);
    let w = |p: &Path| std::fs::read(p.join("model.safetensors")).unwrap();
    assert!(w(&plain.out) == w(&zero.out), "α = 0 changed the weights");
}

#[test]
fn teacher_logits_are_cached_reused_and_recomputed_when_inputs_change() {
    let dir = tempfile::tempdir().unwrap();
    let teacher = confident_teacher(dir.path(), "teacher", 8.0);
    let mut cfg = config(dir.path(), "run");
    cfg.distill = distill(&teacher, 0.5);
    cfg.max_steps = Some(2);
    // Later fresh runs go into the same folder on purpose.
    cfg.overwrite = true;
    cfg.checkpoint_every = Some(1);
    assert!(run(&cfg).said("computing the teacher's logits"));
    let cache = cfg.out.join(CACHE_FILE);
    let key = |p: &Path| -> String {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        v["key"].as_str().unwrap().to_string()
    };
    let first = key(&cache);
    // --resume reuses them.
    let mut resumed = cfg.clone();
    resumed.resume = true;
    resumed.max_steps = Some(3);
    let said = run(&resumed);
    assert!(said.said("reused") && !said.said("computing"));
    assert_eq!(key(&cache), first);
    // Other training data: recomputed.
    let mut other = cfg.clone();
    other.train = write_data(dir.path(), "train2.jsonl", 63);
    assert!(run(&other).said("computing the teacher's logits"));
    assert_ne!(key(&cache), first);
    // Another teacher in the same folder: recomputed.
    let again = run(&cfg);
    assert!(again.said("computing"), "the data went back: a new key");
    let second = key(&cache);
    confident_teacher(dir.path(), "teacher", -8.0);
    assert!(run(&cfg).said("computing the teacher's logits"));
    assert_ne!(key(&cache), second);
}

#[test]
fn a_teacher_with_other_labels_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("teacher");
    tiny_model_with_labels(3, vec!["FAVOR".into(), "NONE".into(), "AGAINST".into()])
        .unwrap()
        .save(&t, DType::F32)
        .unwrap();
    let mut cfg = config(dir.path(), "run");
    cfg.distill = distill(&t.display().to_string(), 0.5);
    let e = train(&cfg, &Messages::default(), Arc::new(AtomicBool::new(false)))
        .unwrap_err()
        .to_string();
    assert!(e.contains("labels") && e.contains("FAVOR"), "{e}");
}

#[test]
fn unlabelled_pairs_from_an_archive_train_through_the_teacher() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("archive.jsonl");
    let docs = [
        "China praised Russia today. Moscow met Paris.",
        "Kiev attacked Moscow today.\n\nBeijing met China and Russia.",
    ];
    let mut s = String::new();
    for (i, d) in docs.iter().enumerate() {
        s += &serde_json::json!({"id": format!("d{i}"), "text": d}).to_string();
        s.push('\n');
    }
    std::fs::write(&archive, s).unwrap();
    let pairs_file = dir.path().join("pairs.jsonl");
    let stats = pairs(
        &Gazetteer::default_international().unwrap(),
        &PairsConfig {
            fields: Default::default(),
            inputs: vec![archive.display().to_string()],
            output: Some(pairs_file.clone()),
        },
        &mut std::io::sink(),
    )
    .unwrap();
    assert!(stats.pairs >= 6, "{} pairs", stats.pairs);
    let lines = std::fs::read_to_string(&pairs_file).unwrap();
    assert_eq!(lines.lines().count(), stats.pairs);
    let teacher = confident_teacher(dir.path(), "teacher", 8.0);
    let mut cfg = config(dir.path(), "run");
    cfg.epochs = 1;
    cfg.distill = Some(Distill {
        unlabelled: vec![pairs_file],
        ..distill(&teacher, 0.5).unwrap()
    });
    run(&cfg);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cfg.out.join("stance.json")).unwrap())
            .unwrap();
    assert_eq!(
        meta["training"]["distill"]["unlabelled_pairs"],
        stats.pairs as u64
    );
    let cached: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cfg.out.join(CACHE_FILE)).unwrap()).unwrap();
    assert_eq!(cached["logits"].as_array().unwrap().len(), 60 + stats.pairs);
}
