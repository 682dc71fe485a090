//! Training on a tiny random BERT: learning, determinism, exact resume, custom labels, bad data.

use candle_core::DType;
use stance::model::TopMapKind;
use stance::store::{LoadOptions, ModelSource, StanceModel};
use stance::testing::tiny_model;
use stance::train::{train, NoProgress, TrainConfig, TrainProgress};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

const NAMES: [&str; 6] = ["China", "Russia", "Beijing", "Moscow", "Kiev", "Paris"];

/// A separable set: the verb decides the label.
fn write_data(dir: &Path, name: &str, n: usize, labels: [&str; 3]) -> PathBuf {
    let verbs = [
        ("praised", labels[0]),
        ("met", labels[1]),
        ("attacked", labels[2]),
    ];
    let mut s = String::new();
    for i in 0..n {
        let (verb, label) = verbs[i % 3];
        let a = NAMES[i % NAMES.len()];
        let b = NAMES[(i / 3 + 1) % NAMES.len()];
        let text = format!("{a} {verb} {b} today.");
        s += &serde_json::json!({"text": text, "target": b, "start": a.len() + verb.len() + 2, "end": a.len() + verb.len() + 2 + b.len(), "label": label}).to_string();
        s.push('\n');
    }
    let p = dir.join(name);
    std::fs::write(&p, s).unwrap();
    p
}

fn base(dir: &Path) -> String {
    let p = dir.join("base");
    tiny_model(11).unwrap().save(&p, DType::F32).unwrap();
    p.display().to_string()
}

fn config(dir: &Path, out: &str) -> TrainConfig {
    let train_file = write_data(
        dir,
        "train.jsonl",
        60,
        ["supportive", "neutral", "critical"],
    );
    let dev = write_data(dir, "dev.jsonl", 12, ["supportive", "neutral", "critical"]);
    let mut cfg = TrainConfig::new(&base(dir), &train_file, &dir.join(out));
    cfg.dev = vec![dev];
    cfg.epochs = 4;
    cfg.lr = 3e-3;
    cfg.batch_size = 8;
    cfg.seed = 7;
    cfg.log_every = 1;
    cfg
}

fn no_stop() -> Arc<AtomicBool> {
    Arc::new(AtomicBool::new(false))
}

fn weights(dir: &Path) -> Vec<(String, Vec<f32>)> {
    let m = StanceModel::load(
        &ModelSource::Dir(dir.to_path_buf()),
        &LoadOptions::default(),
    )
    .unwrap();
    m.tensors()
        .unwrap()
        .into_iter()
        .map(|(k, t)| (k, t.flatten_all().unwrap().to_vec1::<f32>().unwrap()))
        .collect()
}

/// Panics with the first differing weight and the largest difference.
fn assert_same_weights(a: &Path, b: &Path, what: &str) {
    let (wa, wb) = (weights(a), weights(b));
    assert_eq!(wa.len(), wb.len(), "{what}: different weight sets");
    for ((ka, va), (kb, vb)) in wa.iter().zip(&wb) {
        assert_eq!(ka, kb, "{what}");
        let d = va
            .iter()
            .zip(vb)
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max);
        assert!(d == 0.0, "{what}: {ka} differs by up to {d}");
    }
}

/// Raises the stop flag once epoch `n` has been reported (its checkpoint is then written before
/// the next step polls the flag), as a Ctrl-C at that moment would.
/// Asks the run to stop once it has taken `.0` steps.
struct StopAfterStep(usize, Arc<AtomicBool>);
impl TrainProgress for StopAfterStep {
    fn step(&self, step: usize, _loss: f64, _lr: f64) {
        if step >= self.0 {
            self.1.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

fn log_steps(out: &Path) -> Vec<u64> {
    std::fs::read_to_string(out.join("train-log.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["type"] == "step")
        .map(|v| v["step"].as_u64().unwrap())
        .collect()
}

struct StopAfterEpoch(usize, Arc<AtomicBool>);

/// Trains `cfg` and stops it after its first epoch; the run must end interrupted.
fn train_first_epoch_only(cfg: &TrainConfig) {
    let stop = Arc::new(AtomicBool::new(false));
    let err = train(cfg, &StopAfterEpoch(1, stop.clone()), stop).unwrap_err();
    assert!(matches!(err, stance::Error::Interrupted), "{err}");
}
impl TrainProgress for StopAfterEpoch {
    fn epoch(&self, record: &stance::train::EpochRecord) {
        if record.epoch == self.0 {
            self.1.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

#[test]
fn loss_decreases_and_dev_scores_rise_on_a_separable_set() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "out");
    let out = train(&cfg, &NoProgress, no_stop()).unwrap();
    let h = &out.history;
    assert_eq!(h.len(), 4);
    assert!(
        h[3].train_loss < 0.7 * h[0].train_loss,
        "loss {} -> {}",
        h[0].train_loss,
        h[3].train_loss
    );
    let best = h.iter().map(|r| r.dev[0].f1m).fold(0.0, f64::max);
    assert!(best > 0.8, "best dev F1m {best}");
    let model_dir = &cfg.out;
    for f in [
        "model.safetensors",
        "stance.json",
        "train-log.jsonl",
        "checkpoint/state.json",
        "checkpoint/optimizer.safetensors",
    ] {
        assert!(model_dir.join(f).is_file(), "{f} missing");
    }
    let log = std::fs::read_to_string(model_dir.join("train-log.jsonl")).unwrap();
    assert_eq!(
        log.lines()
            .filter(|l| l.contains("\"type\":\"epoch\""))
            .count(),
        4
    );
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model_dir.join("stance.json")).unwrap())
            .unwrap();
    assert_eq!(
        meta["dev_scores"]["epoch"],
        serde_json::json!(out.best_epoch.unwrap())
    );
    // The learning curves: both panels, the dev set, the chosen epoch.
    let svg = std::fs::read_to_string(model_dir.join("learning-curves.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().trim().to_string())
        .collect();
    let chosen = format!("chosen epoch ({})", out.best_epoch.unwrap());
    for want in [
        "step",
        "epoch",
        "F1m (percent)",
        "dev.jsonl",
        chosen.as_str(),
    ] {
        assert!(
            texts.iter().any(|t| t == want),
            "{want} missing in {texts:?}"
        );
    }
}

#[test]
fn training_is_deterministic_and_resume_matches_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut full = config(dir.path(), "full");
    full.epochs = 2;
    full.dev.clear();
    train(&full, &NoProgress, no_stop()).unwrap();
    let mut again = full.clone();
    again.out = dir.path().join("again");
    train(&again, &NoProgress, no_stop()).unwrap();
    assert_same_weights(
        &full.out.join("checkpoint"),
        &again.out.join("checkpoint"),
        "same seed",
    );

    // Interrupted after the first epoch, then resumed with the same settings.
    let mut first = full.clone();
    first.out = dir.path().join("resumed");
    train_first_epoch_only(&first);
    let mut rest = first.clone();
    rest.resume = true;
    let out = train(&rest, &NoProgress, no_stop()).unwrap();
    assert_eq!(out.history.len(), 2);
    assert_same_weights(
        &full.out.join("checkpoint"),
        &rest.out.join("checkpoint"),
        "resumed run",
    );
    assert_same_weights(&full.out, &rest.out, "best model");
}

/// Splitting each batch into concurrent parts is deterministic, and without dropout it trains
/// the same weights as the whole batch (the summed gradients equal the batch's, up to float order).
#[test]
fn micro_batches_are_deterministic_and_match_the_whole_batch() {
    let dir = tempfile::tempdir().unwrap();
    let mut whole = config(dir.path(), "whole");
    whole.epochs = 1;
    whole.dev.clear();
    whole.dropout = 0.0;
    train(&whole, &NoProgress, no_stop()).unwrap();
    let mut split = whole.clone();
    split.out = dir.path().join("split");
    split.micro_batches = 3;
    train(&split, &NoProgress, no_stop()).unwrap();
    let (wa, wb) = (weights(&whole.out), weights(&split.out));
    let mut largest = 0f32;
    for ((ka, va), (_, vb)) in wa.iter().zip(&wb) {
        let d = va
            .iter()
            .zip(vb)
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max);
        assert!(d < 1e-4, "{ka} differs by {d} between 1 and 3 parts");
        largest = largest.max(d);
    }
    // Training moved the weights far more than the split did.
    let base = weights(Path::new(&whole.base));
    let moved = wa
        .iter()
        .filter_map(|(k, v)| base.iter().find(|(kb, _)| kb == k).map(|(_, b)| (v, b)))
        .flat_map(|(v, b)| v.iter().zip(b).map(|(x, y)| (x - y).abs()))
        .fold(0f32, f32::max);
    assert!(
        moved > 100.0 * largest.max(1e-7),
        "moved {moved}, split difference {largest}"
    );

    // With dropout, two split runs agree exactly.
    let mut a = config(dir.path(), "drop-a");
    a.epochs = 1;
    a.dev.clear();
    a.micro_batches = 2;
    train(&a, &NoProgress, no_stop()).unwrap();
    let mut b = a.clone();
    b.out = dir.path().join("drop-b");
    train(&b, &NoProgress, no_stop()).unwrap();
    assert_same_weights(&a.out, &b.out, "same seed, 2 parts");
}

#[test]
fn interrupt_keeps_the_last_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "out");
    cfg.epochs = 3;
    train_first_epoch_only(&cfg);
    let copy = dir.path().join("before");
    std::fs::create_dir_all(&copy).unwrap();
    for f in [
        "model.safetensors",
        "config.json",
        "tokenizer.json",
        "stance.json",
    ] {
        std::fs::copy(cfg.out.join("checkpoint").join(f), copy.join(f)).unwrap();
    }
    let mut more = cfg.clone();
    more.resume = true;
    let err = train(&more, &NoProgress, Arc::new(AtomicBool::new(true))).unwrap_err();
    assert!(matches!(err, stance::Error::Interrupted));
    assert_same_weights(
        &copy,
        &cfg.out.join("checkpoint"),
        "checkpoint after interrupt",
    );
}

#[test]
fn custom_labels_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let train_file = write_data(dir.path(), "t.jsonl", 30, ["FAVOR", "NONE", "AGAINST"]);
    let mut cfg = TrainConfig::new(&base(dir.path()), &train_file, &dir.path().join("out"));
    cfg.epochs = 1;
    cfg.batch_size = 8;
    train(&cfg, &NoProgress, no_stop()).unwrap();
    let m = StanceModel::load(&ModelSource::Dir(cfg.out.clone()), &LoadOptions::default()).unwrap();
    assert_eq!(m.labels(), vec!["AGAINST", "FAVOR", "NONE"]);
}

#[test]
fn bad_training_data_gets_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "out");
    // A dev label that training lacks.
    let odd = dir.path().join("odd.jsonl");
    std::fs::write(
        &odd,
        "{\"text\":\"China met Russia.\",\"target\":\"Russia\",\"label\":\"FAVOR\"}\n",
    )
    .unwrap();
    cfg.dev = vec![odd];
    let e = train(&cfg, &NoProgress, no_stop())
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("odd.jsonl:1") && e.contains("FAVOR"), "{e}");
    // An unlabelled training line.
    let unl = dir.path().join("unl.jsonl");
    std::fs::write(
        &unl,
        "{\"text\":\"China met Russia.\",\"target\":\"Russia\"}\n",
    )
    .unwrap();
    cfg.dev.clear();
    cfg.train = unl;
    let e = train(&cfg, &NoProgress, no_stop())
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("unl.jsonl:1") && e.contains("label"), "{e}");
    // Bad settings are refused before any work.
    let mut c2 = config(dir.path(), "out2");
    c2.lr = 0.0;
    assert!(train(&c2, &NoProgress, no_stop())
        .err()
        .unwrap()
        .to_string()
        .contains("--lr"));
}

#[test]
fn averaging_models_gives_the_mean_weights_and_dev_scores() {
    use stance::train::average::{average, AverageConfig};
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    tiny_model(1).unwrap().save(&a, DType::F32).unwrap();
    tiny_model(2).unwrap().save(&b, DType::F32).unwrap();
    let dev = write_data(
        dir.path(),
        "dev.jsonl",
        12,
        ["supportive", "neutral", "critical"],
    );
    let mut cfg = AverageConfig {
        models: vec![a.display().to_string(), b.display().to_string()],
        dev: vec![dev],
        out: dir.path().join("avg"),
        save_f16: false,
        skip_bad: false,
        overwrite: false,
    };
    let out = average(&cfg, &|_| {}).unwrap();
    assert_eq!(out.models, 2);
    assert_eq!(out.dev.len(), 1);
    let (wa, wb, wm) = (weights(&a), weights(&b), weights(&cfg.out));
    assert_eq!(wm.len(), wa.len());
    for (((k, va), (_, vb)), (km, vm)) in wa.iter().zip(&wb).zip(&wm) {
        assert_eq!(k, km);
        if k.ends_with(".weight") && !k.contains("LayerNorm") {
            assert_ne!(va, vb, "{k}: the two random models should differ");
        }
        for ((x, y), m) in va.iter().zip(vb).zip(vm) {
            assert!((0.5 * (x + y) - m).abs() < 1e-6, "{k}: {x} {y} -> {m}");
        }
    }
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cfg.out.join("stance.json")).unwrap())
            .unwrap();
    assert_eq!(
        meta["dev_scores"]["scores"][0]["f1m"].as_f64().unwrap(),
        out.dev[0].f1m
    );
    assert_eq!(meta["training"]["average_of"].as_array().unwrap().len(), 2);

    // A second run into the same folder is refused, as `train` refuses, unless told to replace it.
    let e = average(&cfg, &|_| {}).unwrap_err().to_string();
    assert!(e.contains("not empty") && e.contains("--overwrite"), "{e}");
    cfg.overwrite = true;
    average(&cfg, &|_| {}).unwrap();
    // Nor does it write into a folder of the user's.
    let theirs = dir.path().join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    std::fs::write(theirs.join("notes.txt"), "mine").unwrap();
    let into_theirs = AverageConfig {
        out: theirs.clone(),
        overwrite: false,
        ..cfg.clone()
    };
    let e = average(&into_theirs, &|_| {}).unwrap_err().to_string();
    assert!(e.contains("not empty"), "{e}");
    assert!(!theirs.join("stance.json").exists());

    // Models with other labels cannot be averaged; one model is not an average.
    let c = dir.path().join("c");
    let mut other = tiny_model(3).unwrap();
    other.meta_mut().labels = vec!["FAVOR".into(), "NONE".into(), "AGAINST".into()];
    other.save(&c, DType::F32).unwrap();
    cfg.models.push(c.display().to_string());
    let e = average(&cfg, &|_| {}).unwrap_err().to_string();
    assert!(e.contains("labels") && e.contains("FAVOR"), "{e}");
    cfg.models = vec![a.display().to_string()];
    let e = average(&cfg, &|_| {}).unwrap_err().to_string();
    assert!(e.contains("at least two"), "{e}");
}

/// A run stopped inside an epoch resumes from the last step checkpoint and ends with exactly
/// the weights of an uninterrupted run; the log has each step once.
#[test]
fn resume_from_a_step_checkpoint_matches_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut full = config(dir.path(), "full");
    full.epochs = 2;
    full.checkpoint_every = Some(3);
    train(&full, &NoProgress, no_stop()).unwrap();
    let mut part = full.clone();
    part.out = dir.path().join("part");
    let stop = Arc::new(AtomicBool::new(false));
    // 8 batches an epoch: stopped at step 5, the checkpoint of step 3 (mid-epoch 1) is kept.
    let err = train(&part, &StopAfterStep(5, stop.clone()), stop).unwrap_err();
    assert!(matches!(err, stance::Error::Interrupted), "{err}");
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(part.out.join("checkpoint/state.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(state["step"], 3);
    assert_eq!(state["batches_done"], 3);
    assert_eq!(state["epochs_done"], 0);
    let mut rest = part.clone();
    rest.resume = true;
    let out = train(&rest, &NoProgress, no_stop()).unwrap();
    assert_eq!(out.steps, 16);
    assert_same_weights(
        &full.out.join("checkpoint"),
        &rest.out.join("checkpoint"),
        "resumed mid-epoch",
    );
    assert_same_weights(&full.out, &rest.out, "best model");
    assert_eq!(log_steps(&rest.out), (1..=16).collect::<Vec<u64>>());
    let full_rec = &train_history(&full.out);
    let rest_rec = &train_history(&rest.out);
    assert_eq!(full_rec.len(), 2);
    for (a, b) in full_rec.iter().zip(rest_rec) {
        assert_eq!(a["train_loss"], b["train_loss"], "epoch loss after resume");
    }
}

fn train_history(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out.join("train-log.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["type"] == "epoch")
        .map(|v| v["record"].clone())
        .collect()
}

/// A stop inside the checkpoint's swap (old moved aside, new one complete or not yet in place)
/// leaves a checkpoint that --resume finds.
#[test]
fn resume_recovers_from_a_stop_inside_the_checkpoint_swap() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "out");
    cfg.epochs = 2;
    cfg.dev.clear();
    train_first_epoch_only(&cfg);
    let ckpt = cfg.out.join("checkpoint");
    // Stopped after the old checkpoint was moved aside, before the new one was renamed in.
    std::fs::rename(&ckpt, cfg.out.join(".checkpoint.old")).unwrap();
    let mut rest = cfg.clone();
    rest.resume = true;
    let out = train(&rest, &NoProgress, no_stop()).unwrap();
    assert_eq!(out.history.len(), 2);
    assert!(ckpt.join("state.json").is_file());
    assert!(!cfg.out.join(".checkpoint.old").exists());
    let mut full = cfg.clone();
    full.out = dir.path().join("full");
    train(&full, &NoProgress, no_stop()).unwrap();
    assert_same_weights(&full.out.join("checkpoint"), &ckpt, "recovered run");
}

#[test]
fn resume_refuses_a_changed_dev_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "out");
    cfg.epochs = 2;
    train_first_epoch_only(&cfg);
    // The dev file cut in half.
    write_data(
        dir.path(),
        "dev.jsonl",
        6,
        ["supportive", "neutral", "critical"],
    );
    let mut again = cfg.clone();
    again.resume = true;
    let e = train(&again, &NoProgress, no_stop())
        .unwrap_err()
        .to_string();
    assert!(e.contains("--dev") && e.contains("contents changed"), "{e}");
}

#[test]
fn resume_refuses_other_settings_or_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "out");
    cfg.epochs = 2;
    cfg.dev.clear();
    train_first_epoch_only(&cfg);
    // The same files spelt differently are the same run.
    let mut respelt = cfg.clone();
    respelt.resume = true;
    respelt.max_steps = Some(1);
    respelt.train = dir.path().join(".").join("train.jsonl");
    let e = train(&respelt, &NoProgress, no_stop())
        .err()
        .map(|e| e.to_string());
    assert!(e.is_none(), "{e:?}");
    let mut other = cfg.clone();
    other.resume = true;
    other.lr = 1e-3;
    let e = train(&other, &NoProgress, no_stop())
        .unwrap_err()
        .to_string();
    assert!(e.contains("lr") && e.contains("other settings"), "{e}");
    // Same path, other contents.
    write_data(
        dir.path(),
        "train.jsonl",
        61,
        ["supportive", "neutral", "critical"],
    );
    let mut same = cfg.clone();
    same.resume = true;
    let e = train(&same, &NoProgress, no_stop())
        .unwrap_err()
        .to_string();
    assert!(e.contains("contents changed"), "{e}");
    // No checkpoint at all.
    let mut none = cfg.clone();
    none.out = dir.path().join("never");
    none.resume = true;
    let e = train(&none, &NoProgress, no_stop())
        .unwrap_err()
        .to_string();
    assert!(e.contains("no checkpoint"), "{e}");
    let mut zero = cfg.clone();
    zero.max_steps = Some(0);
    let e = train(&zero, &NoProgress, no_stop())
        .unwrap_err()
        .to_string();
    assert!(e.contains("--max-steps"), "{e}");
}

/// Training fits a temperature on the dev sets of the selected epoch; `calibrate` refits it on
/// other data (with `--top-platt`, also a map of the top probability, applied on load and
/// removed again by a temperature-only refit); eval reports ECE and NLL with it, and the fitted
/// temperature never does worse on NLL than none on the data it was fitted on. Labels do not change.
#[test]
fn temperature_is_fitted_recorded_and_applied() {
    use stance::commands::evaluate::{evaluate, EvalConfig};
    use stance::infer::InferOptions;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "out");
    cfg.epochs = 2;
    cfg.label_smoothing = 0.3; // flattens the outputs: a temperature below 1 should undo it
                               // Enough pairs to fit a temperature on (the default config's 12 are too few).
    cfg.dev = vec![write_data(
        dir.path(),
        "dev-120.jsonl",
        120,
        ["supportive", "neutral", "critical"],
    )];
    train(&cfg, &NoProgress, no_stop()).unwrap();
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cfg.out.join("stance.json")).unwrap())
            .unwrap();
    let t = meta["temperature"].as_f64().expect("temperature recorded");
    assert!(t > 0.0 && t < 1.0, "temperature {t}");
    assert_eq!(meta["calibration"]["dev"].as_array().unwrap().len(), 1);

    let dev = cfg.dev[0].clone();
    let run = |model: &StanceModel| {
        let ecfg = EvalConfig {
            data: dev.clone(),
            skip_bad: false,
            infer: InferOptions::default(),
        };
        evaluate(model, &ecfg, &|_| {}).unwrap()
    };
    let mut model =
        StanceModel::load(&ModelSource::Dir(cfg.out.clone()), &LoadOptions::default()).unwrap();
    let (scaled, scaled_preds) = run(&model);
    assert!((scaled.temperature - t).abs() < 1e-12);
    model.set_temperature(None);
    let (raw, raw_preds) = run(&model);
    assert_eq!(raw.temperature, 1.0);
    assert!(
        scaled.calibration.nll <= raw.calibration.nll + 1e-9,
        "{:?} vs {:?}",
        scaled.calibration,
        raw.calibration
    );
    assert!(scaled.calibration.mean_confidence > raw.calibration.mean_confidence);
    let labels = |p: &[stance::commands::predict::Prediction]| {
        p.iter().map(|x| x.label.clone()).collect::<Vec<_>>()
    };
    assert_eq!(labels(&scaled_preds), labels(&raw_preds));

    // `calibrate` on another file rewrites only the temperature.
    let other = write_data(
        dir.path(),
        "other.jsonl",
        105,
        ["supportive", "neutral", "critical"],
    );
    let out = stance::train::calibrate::calibrate(&stance::train::calibrate::CalibrateConfig {
        model: cfg.out.clone(),
        dev: vec![other.clone()],
        skip_bad: false,
        precision: stance::model::Precision::F32,
        top_map: TopMapKind::None,
    })
    .unwrap();
    assert_eq!(out.dev.len(), 1);
    assert!(out.dev[0].after.nll <= out.dev[0].before.nll + 1e-9);
    assert_eq!(out.top_map, None);
    let back =
        StanceModel::load(&ModelSource::Dir(cfg.out.clone()), &LoadOptions::default()).unwrap();
    assert!((back.meta().temperature.unwrap() - out.temperature).abs() < 1e-12);
    assert_eq!(back.meta().top_map(), None);
    let (_, t_only_preds) = run(&back);

    // With the top-probability map: recorded, applied by the loaded model, labels unchanged;
    // a later temperature-only calibration removes it again.
    let calibrate = |top_map| {
        stance::train::calibrate::calibrate(&stance::train::calibrate::CalibrateConfig {
            model: cfg.out.clone(),
            dev: vec![other.clone()],
            skip_bad: false,
            precision: stance::model::Precision::F32,
            top_map,
        })
        .unwrap()
    };
    for kind in [TopMapKind::Platt, TopMapKind::Isotonic] {
        let with_map = calibrate(kind);
        let map = with_map.top_map.expect("a map fitted on 105 mixed pairs");
        assert_eq!(
            matches!(map, stance::model::TopMap::Isotonic(_)),
            kind == TopMapKind::Isotonic
        );
        assert!((with_map.temperature - out.temperature).abs() < 1e-12);
        let mapped =
            StanceModel::load(&ModelSource::Dir(cfg.out.clone()), &LoadOptions::default()).unwrap();
        // As written to and read back from stance.json (the last digit of a float may differ).
        let same = |a: &stance::model::TopMap| {
            [0.3, 0.5, 0.7, 0.9, 0.99]
                .iter()
                .all(|&p| (a.map(p) - map.map(p)).abs() < 1e-9)
        };
        assert!(same(&mapped.meta().top_map().unwrap()));
        let (report, mapped_preds) = run(&mapped);
        assert!(same(report.top_map.as_ref().unwrap()));
        assert_eq!(labels(&mapped_preds), labels(&raw_preds));
        let changed = mapped_preds
            .iter()
            .zip(&t_only_preds)
            .any(|(a, b)| (a.scores[&a.label] - b.scores[&b.label]).abs() > 1e-4);
        assert!(
            changed,
            "the map must change some top probability ({kind:?})"
        );
    }
    assert_eq!(calibrate(TopMapKind::None).top_map, None);
    let back =
        StanceModel::load(&ModelSource::Dir(cfg.out.clone()), &LoadOptions::default()).unwrap();
    assert_eq!(back.meta().top_map(), None);
    let meta = std::fs::read_to_string(cfg.out.join("stance.json")).unwrap();
    assert!(
        !meta.contains("top_platt") && !meta.contains("top_isotonic"),
        "{meta}"
    );
}

/// Too few calibration pairs, or one label only: training fits no temperature (and says why in
/// stance.json), `calibrate` refuses and leaves the model as it was.
#[test]
fn no_temperature_is_fitted_on_too_few_pairs_or_one_label() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "out");
    cfg.epochs = 1;
    train(&cfg, &NoProgress, no_stop()).unwrap();
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cfg.out.join("stance.json")).unwrap())
            .unwrap();
    assert!(meta["temperature"].is_null(), "{}", meta["temperature"]);
    #[cfg(unix)]
    {
        // Weights get the umask's mode, like every other file (safetensors writes 0600).
        use std::os::unix::fs::PermissionsExt;
        let mode = |f: &str| {
            std::fs::metadata(cfg.out.join(f))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("model.safetensors"), mode("stance.json"));
    }
    assert_eq!(meta["calibration"]["method"], "none");
    assert!(meta["calibration"]["reason"]
        .as_str()
        .unwrap()
        .contains("12 labelled pairs"));
    let before = std::fs::read(cfg.out.join("stance.json")).unwrap();
    let one_label = write_data(
        dir.path(),
        "one-label.jsonl",
        150,
        ["critical", "critical", "critical"],
    );
    let one_pair = write_data(
        dir.path(),
        "one.jsonl",
        1,
        ["supportive", "neutral", "critical"],
    );
    for (dev, want) in [(&one_label, "same label"), (&one_pair, "1 labelled pairs")] {
        let e = stance::train::calibrate::calibrate(&stance::train::calibrate::CalibrateConfig {
            model: cfg.out.clone(),
            dev: vec![dev.clone()],
            skip_bad: false,
            precision: stance::model::Precision::F32,
            top_map: TopMapKind::None,
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains(want) && e.contains("unchanged"), "{e}");
        assert_eq!(std::fs::read(cfg.out.join("stance.json")).unwrap(), before);
    }
}

#[test]
fn recipe_follows_the_base_encoder_size() {
    use stance::train::Recipe;
    let dir = tempfile::tempdir().unwrap();
    let small = base(dir.path());
    assert_eq!(Recipe::for_base(&small).unwrap(), Recipe::SMALL);
    let mut big = stance::model::EncoderConfig::tiny(100);
    big.hidden_size = 768;
    big.num_attention_heads = 12;
    let bdir = dir.path().join("big");
    std::fs::create_dir_all(&bdir).unwrap();
    std::fs::write(
        bdir.join("config.json"),
        serde_json::to_string(&big).unwrap(),
    )
    .unwrap();
    assert_eq!(
        Recipe::for_base(&bdir.display().to_string()).unwrap(),
        Recipe::BASE
    );
    assert!(Recipe::named("huge").is_err());
}

/// The library refuses a run whose output would overwrite one of its inputs, whoever calls it
/// (the CLI checks the same plan earlier; the Python package calls the library directly).
#[test]
fn the_library_refuses_an_output_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "out");
    // The dev file is where the run would write its log.
    std::fs::create_dir_all(&cfg.out).unwrap();
    let inside = cfg.out.join(stance::train::LOG_FILE);
    std::fs::copy(&cfg.dev[0], &inside).unwrap();
    cfg.dev = vec![inside.clone()];
    let e = train(&cfg, &NoProgress, no_stop()).unwrap_err().to_string();
    assert!(e.contains("--dev") && e.contains("--out"), "{e}");
    assert!(!cfg.out.join("model.safetensors").exists());
    // Averaging into one of the averaged models is refused the same way.
    let a = stance::train::average::AverageConfig {
        models: vec![cfg.base.clone(), cfg.base.clone()],
        dev: Vec::new(),
        out: PathBuf::from(&cfg.base),
        save_f16: false,
        skip_bad: false,
        overwrite: false,
    };
    let e = stance::train::average::average(&a, &|_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("--model") && e.contains("--out"), "{e}");
}

/// `--freeze-word-embeddings` keeps the word embeddings as the base has them while the rest
/// learns; `--pooling target` trains a head on the target's tokens and records it.
#[test]
fn frozen_word_embeddings_stay_and_target_pooling_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "out");
    cfg.epochs = 1;
    cfg.freeze_word_embeddings = true;
    cfg.pooling = stance::model::Pooling::Target;
    train(&cfg, &NoProgress, no_stop()).unwrap();
    let before: std::collections::HashMap<String, Vec<f32>> =
        weights(Path::new(&cfg.base)).into_iter().collect();
    let after = weights(&cfg.out);
    let mut learnt = 0;
    for (k, v) in &after {
        if k.contains("word_embeddings") {
            assert_eq!(Some(v), before.get(k), "{k} moved although frozen");
        } else if k.contains("encoder.layer.0.attention") && before.get(k) != Some(v) {
            learnt += 1;
        }
    }
    assert!(learnt > 0, "the encoder did not learn");
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cfg.out.join("stance.json")).unwrap())
            .unwrap();
    assert_eq!(meta["pooling"], "target", "{meta}");
}
