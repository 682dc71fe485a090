//! Crash tests: `score` and `train` are aborted at every file-operation step in turn (the
//! test-only `STANCE_FAULT_AT=N` switch aborts the process at the N-th step: after a chunk's
//! write, before each rename, inside the checkpoint swap, after a log line), then continued
//! with `--resume`. Each continued run must end with exactly the output, summary and weights of
//! an uninterrupted run, with nothing lost and nothing doubled (scoring in the default
//! arithmetic, int8 where the CPU has VNNI: chunks are cut by input position, so a resumed
//! document is batched as it was).

use candle_core::DType;
use stance::store::{LoadOptions, ModelSource, StanceModel};
use stance::testing::tiny_model;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn stance(args: &[&str], fault_at: Option<usize>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stance"));
    c.args(args).env_remove("STANCE_FAULT_AT");
    if let Some(n) = fault_at {
        c.env("STANCE_FAULT_AT", n.to_string());
    }
    c.output().unwrap()
}

/// Whether the binary under test has the fault switches; says so visibly when it has not.
fn faults_built_in(test: &str) -> bool {
    let on = cfg!(feature = "fault-injection");
    if !on {
        stance::testing::skip(
            test,
            "built without the fault-injection feature (scripts/test.sh turns it on)",
        );
    }
    on
}

fn aborted(o: &Output) -> bool {
    String::from_utf8_lossy(&o.stderr).contains("STANCE_FAULT_AT")
}

fn archive(dir: &Path) -> PathBuf {
    let mut s = String::new();
    for i in 0..9 {
        let extra = "Kyiv objected. ".repeat(i % 4);
        s += &serde_json::json!({"id": format!("d{i}"), "text": format!("Beijing praised Moscow on day {i}. {extra}Paris and Berlin met NATO.")}).to_string();
        s.push('\n');
    }
    let p = dir.join("archive.jsonl");
    std::fs::write(&p, s).unwrap();
    p
}

#[test]
fn score_resumes_to_the_exact_output_after_a_crash_at_any_step() {
    if !faults_built_in("faults::score_resumes_to_the_exact_output_after_a_crash_at_any_step") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    tiny_model(4).unwrap().save(&model, DType::F32).unwrap();
    let arch = archive(dir.path());
    let run = |name: &str, resume: bool, fault: Option<usize>| {
        let out = dir.path().join(format!("{name}.jsonl"));
        let sum = dir.path().join(format!("{name}.summary.jsonl"));
        let mut args = vec![
            "--threads".to_string(),
            "1".into(),
            "score".into(),
            "--model".into(),
            model.display().to_string(),
            arch.display().to_string(),
            "-o".into(),
            out.display().to_string(),
            "--summary".into(),
            sum.display().to_string(),
            "--chunk-docs".into(),
            "2".into(),
        ];
        if resume {
            args.push("--resume".into());
        }
        let refs: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        (stance(&refs, fault), out, sum)
    };
    let (o, ref_out, ref_sum) = run("reference", false, None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (want, want_sum) = (
        std::fs::read(&ref_out).unwrap(),
        std::fs::read(&ref_sum).unwrap(),
    );
    let mut crashes = 0;
    for n in 1.. {
        let name = format!("crash{n}");
        let (o, out, sum) = run(&name, false, Some(n));
        if !aborted(&o) {
            assert!(o.status.success());
            break;
        }
        crashes += 1;
        let (o, _, _) = run(&name, true, None);
        assert!(
            o.status.success(),
            "resume after a crash at step {n}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(
            std::fs::read(&out).unwrap(),
            want,
            "output after a crash at step {n}"
        );
        assert_eq!(
            std::fs::read(&sum).unwrap(),
            want_sum,
            "summary after a crash at step {n}"
        );
    }
    // 5 chunks: a step after each chunk's write, then the summary's and the output's commits.
    assert!(crashes >= 6, "only {crashes} crash points");
    eprintln!("score: {crashes} crash points, each resumed to the exact output");
}

fn weights(dir: &Path) -> Vec<(String, Vec<f32>)> {
    let m = StanceModel::load(
        &ModelSource::Dir(dir.to_path_buf()),
        &LoadOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    m.tensors()
        .unwrap()
        .into_iter()
        .map(|(k, t)| (k, t.flatten_all().unwrap().to_vec1::<f32>().unwrap()))
        .collect()
}

#[test]
fn train_resumes_to_the_exact_weights_after_a_crash_at_any_step() {
    if !faults_built_in("faults::train_resumes_to_the_exact_weights_after_a_crash_at_any_step") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    tiny_model(11).unwrap().save(&base, DType::F32).unwrap();
    let verbs = [
        ("praised", "supportive"),
        ("met", "neutral"),
        ("attacked", "critical"),
    ];
    let mut data = String::new();
    for i in 0..40 {
        let (v, l) = verbs[i % 3];
        let text = format!("China {v} Russia on day {i}.");
        let start = 7 + v.len();
        data += &serde_json::json!({"text": text, "target": "Russia", "start": start, "end": start + 6, "label": l}).to_string();
        data.push('\n');
    }
    let train_file = dir.path().join("train.jsonl");
    std::fs::write(&train_file, &data).unwrap();
    let run = |name: &str, resume: bool, fault: Option<usize>| {
        let out = dir.path().join(name);
        let mut args: Vec<String> = ["--threads", "1", "train", "--base"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.push(base.display().to_string());
        for a in [
            "--train",
            &train_file.display().to_string(),
            "--dev",
            &train_file.display().to_string(),
        ] {
            args.push(a.to_string());
        }
        args.push("--out".into());
        args.push(out.display().to_string());
        for a in [
            "--epochs",
            "2",
            "--batch-size",
            "8",
            "--lr",
            "3e-3",
            "--seed",
            "7",
            "--checkpoint-every",
            "2",
            "--log-every",
            "1",
            "--micro-batches",
            "1",
        ] {
            args.push(a.into());
        }
        if resume {
            args.push("--resume".into());
        }
        let refs: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        (stance(&refs, fault), out)
    };
    let (o, reference) = run("reference", false, None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Standard error is a pipe here, as in a background run writing a log: the progress bar is
    // hidden, and its messages must still be written.
    let log = String::from_utf8_lossy(&o.stderr);
    for want in [
        "encoding 40 training pairs",
        "checkpoint at step 2",
        "epoch 2:",
    ] {
        assert!(
            log.contains(want),
            "`{want}` missing from the run's log:\n{log}"
        );
    }
    let want_ckpt = weights(&reference.join("checkpoint"));
    let want_best = weights(&reference);
    let log_steps = |out: &Path| -> Vec<u64> {
        std::fs::read_to_string(out.join("train-log.jsonl"))
            .unwrap()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["type"] == "step")
            .map(|v| v["step"].as_u64().unwrap())
            .collect()
    };
    let want_log = log_steps(&reference);
    let mut crashes = 0;
    for n in 1.. {
        let name = format!("crash{n}");
        let (o, out) = run(&name, false, Some(n));
        if !aborted(&o) {
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            break;
        }
        crashes += 1;
        let (o, _) = run(&name, true, None);
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        if !o.status.success() && err.contains("no checkpoint") {
            // Stopped before the first checkpoint: the run starts again, as a user would.
            let (o, _) = run(&name, false, None);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        } else {
            assert!(
                o.status.success(),
                "resume after a crash at step {n}: {err}"
            );
        }
        assert!(
            weights(&out.join("checkpoint")) == want_ckpt,
            "checkpoint after a crash at step {n}"
        );
        assert!(
            weights(&out) == want_best,
            "best model after a crash at step {n}"
        );
        assert_eq!(log_steps(&out), want_log, "log after a crash at step {n}");
    }
    assert!(crashes >= 20, "only {crashes} crash points");
    eprintln!("train: {crashes} crash points, each resumed to the exact weights");
}
