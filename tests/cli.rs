//! The binary as a user meets it: help, predict, eval, score, and clear errors with exit codes.

use std::path::Path;
use std::process::{Command, Output};

fn stance(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(args)
        .env_remove("STANCE_MODEL")
        .output()
        .unwrap()
}

/// Standard output as JSON lines.
fn json_lines(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn tiny_dir(dir: &Path) -> String {
    let p = dir.join("tiny");
    stance::testing::tiny_model(4)
        .unwrap()
        .save(&p, candle_core::DType::F32)
        .unwrap();
    p.display().to_string()
}

#[test]
fn help_explains_every_command() {
    let (out, _) = text(&stance(&["--help"]));
    let all = [
        "predict",
        "eval",
        "train",
        "score",
        "average",
        "calibrate",
        "report",
        "mentions",
        "pairs",
    ];
    for c in all {
        assert!(out.contains(c), "{out}");
        let o = stance(&[c, "--help"]);
        assert!(o.status.success(), "{c} --help");
    }
    // One name for the output everywhere (`--out` stays as an alias where it was the name).
    for c in [
        "score", "predict", "mentions", "pairs", "report", "train", "average",
    ] {
        let (h, _) = text(&stance(&[c, "--help"]));
        assert!(h.contains("-o, --output"), "{c}: {h}");
    }
    for c in ["report", "train", "average"] {
        let (h, _) = text(&stance(&[c, "--help"]));
        assert!(h.contains("--out"), "{c}: {h}");
    }
    for c in ["predict", "eval", "train", "score", "average"] {
        let o = stance(&[c, "--help"]);
        assert!(o.status.success());
        let (h, _) = text(&o);
        assert!(h.contains("--model") || h.contains("--base"), "{c}: {h}");
    }
}

#[test]
fn value_names_take_any_case() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_dir(dir.path());
    let art = dir.path().join("a.txt");
    std::fs::write(&art, "Beijing praised Moscow.").unwrap();
    let o = stance(&[
        "score",
        "--model",
        &model,
        "--format",
        "CSV",
        "--precision",
        "F32",
        art.to_str().unwrap(),
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.starts_with("doc,sentence"), "{out}");
}

#[test]
fn quiet_leaves_standard_error_to_problems() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let art = root.join("datasets/examples/diplomacy-brief.txt");
    let loud = stance(&["mentions", art.to_str().unwrap()]);
    assert!(text(&loud).1.contains("documents"), "the summary line");
    let quiet = stance(&["--quiet", "mentions", art.to_str().unwrap()]);
    let (out, err) = text(&quiet);
    assert!(quiet.status.success() && err.is_empty(), "{err}");
    assert_eq!(out, text(&loud).0, "the output itself is the same");
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("x.jsonl");
    std::fs::write(&bad, "not json\n").unwrap();
    let (_, err) = text(&stance(&["-q", "mentions", bad.to_str().unwrap()]));
    assert!(err.contains("x.jsonl:1"), "problems still show: {err}");
}

/// `stance predict … | head -1`: the reader goes away; the program ends quietly with status 0,
/// never with a panic.
#[test]
fn a_closed_output_pipe_is_a_quiet_exit_0() {
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_dir(dir.path());
    let data = dir.path().join("many.jsonl");
    let rec = "{\"text\":\"Beijing praised Moscow.\",\"target\":\"Moscow\"}\n";
    std::fs::write(&data, rec.repeat(4000)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_stance"))
        .args([
            "predict",
            "--model",
            &model,
            "--input",
            data.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{:?}: {err}", o.status);
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn predict_eval_and_score_with_a_model_directory() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_dir(dir.path());
    let o = stance(&[
        "predict",
        "--model",
        &model,
        "--text",
        "Beijing praised Moscow.",
        "--target",
        "Moscow",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let first = out.lines().next().unwrap_or_default();
    assert!(
        ["supportive", "neutral", "critical"].contains(&first),
        "{out}"
    );

    let data = dir.path().join("d.jsonl");
    std::fs::write(&data, "{\"text\":\"Beijing praised Moscow.\",\"target\":\"Moscow\",\"label\":\"supportive\"}\n{\"text\":\"Kyiv condemned Moscow.\",\"target\":\"Moscow\",\"label\":\"critical\"}\n").unwrap();
    let report = dir.path().join("r.json");
    let o = stance(&[
        "eval",
        "--model",
        &model,
        "--data",
        data.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--plot",
        dir.path().join("plots").to_str().unwrap(),
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("F1m") && out.contains("confusion"), "{out}");
    for chart in ["confusion.svg", "per-label.svg", "reliability.svg"] {
        let svg = std::fs::read_to_string(dir.path().join("plots").join(chart)).unwrap();
        let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
        assert!(
            doc.descendants().filter(|n| n.has_tag_name("text")).count() > 5,
            "{chart}"
        );
    }
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["metrics"]["count"], 2);
    // The default arithmetic is int8 where the CPU has an int8 kernel (AVX-512 VNNI or AVX2), f32
    // elsewhere; the report says which.
    let default = if stance::kernels::gemm_int8::Scheme::detect().is_some() {
        "int8"
    } else {
        "f32"
    };
    assert_eq!(r["arithmetic"], default);
    let o = stance(&[
        "eval",
        "--model",
        &model,
        "--data",
        data.to_str().unwrap(),
        "--precision",
        "f32",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["arithmetic"], "f32");
    let o = stance(&[
        "eval",
        "--model",
        &model,
        "--data",
        data.to_str().unwrap(),
        "--precision",
        "int4",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).1.contains("int4"), "{}", text(&o).1);

    let o = stance(&[
        "predict",
        "--model",
        &model,
        "--input",
        data.to_str().unwrap(),
    ]);
    let (out, _) = text(&o);
    assert_eq!(out.lines().count(), 2);
    let v: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(v["gold"], "supportive");

    let art = dir.path().join("a.txt");
    std::fs::write(
        &art,
        "Beijing praised Moscow. Nothing here.\nThe U.S. criticised NATO.",
    )
    .unwrap();
    let o = stance(&[
        "score",
        "--model",
        &model,
        art.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(out.lines().count(), 5, "{out}"); // header + China, Russia, United States, NATO
    assert!(
        err.contains("2 sentences with actors") || err.contains("(2 with actors)"),
        "{err}"
    );
}

#[test]
fn errors_are_clear_and_exit_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_dir(dir.path());
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"text\":\"Beijing praised Moscow.\",\"target\":\"Moscow\",\"label\":\"supportive\"}\n{oops\n").unwrap();
    let o = stance(&["eval", "--model", &model, "--data", bad.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(err.contains("bad.jsonl:2"), "{err}");
    let o = stance(&[
        "eval",
        "--model",
        &model,
        "--data",
        bad.to_str().unwrap(),
        "--skip-bad",
    ]);
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("skipped 1 bad record"), "{err}");

    let o = stance(&[
        "predict",
        "--model",
        "/no/such/model",
        "--text",
        "x y",
        "--target",
        "x",
    ]);
    assert!(!o.status.success());
    let o = stance(&[
        "predict", "--model", &model, "--device", "cuda", "--text", "x y", "--target", "x",
    ]);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    if !cfg!(feature = "cuda") {
        assert!(err.contains("without CUDA support"), "{err}");
    }
    let o = stance(&[
        "predict",
        "--model",
        &model,
        "--text",
        "Beijing spoke.",
        "--target",
        "Moscow",
    ]);
    let (_, err) = text(&o);
    assert!(
        !o.status.success() && err.contains("does not occur"),
        "{err}"
    );
    // Shipped models by short name; an unknown name is a clear error.
    let o = stance(&[
        "predict",
        "--model",
        "no-such-shipped-model",
        "--text",
        "Beijing met Moscow.",
        "--target",
        "Moscow",
    ]);
    let (_, err) = text(&o);
    assert!(
        !o.status.success() && err.contains("no shipped model"),
        "{err}"
    );
    // A span that points at another word than the target.
    let o = stance(&[
        "predict",
        "--model",
        &model,
        "--text",
        "Beijing met Moscow.",
        "--target",
        "Moscow",
        "--span",
        "0:7",
    ]);
    let (_, err) = text(&o);
    assert!(
        !o.status.success() && err.contains("not the target"),
        "{err}"
    );
    // A gazetteer key with a typo is an error, not an ignored field.
    let gaz = dir.path().join("g.toml");
    std::fs::write(&gaz, "[[actor]]\nname = \"Acme\"\nalias = [\"ACME\"]\n").unwrap();
    let art = dir.path().join("a.txt");
    std::fs::write(&art, "Acme spoke.").unwrap();
    let o = stance(&[
        "score",
        "--model",
        &model,
        "--actors",
        gaz.to_str().unwrap(),
        art.to_str().unwrap(),
    ]);
    let (_, err) = text(&o);
    assert!(!o.status.success() && err.contains("alias"), "{err}");
    // Inputs that do not exist, and absurd numbers, are refused with a non-zero status.
    let o = stance(&["score", "--model", &model, "/no/such/article.txt"]);
    let (_, err) = text(&o);
    assert!(
        !o.status.success() && err.contains("/no/such/article.txt"),
        "{err}"
    );
    // The I/O cause is said once, not once per layer of context.
    let o = stance(&["eval", "--model", &model, "--data", "/no/such/data.jsonl"]);
    let (_, err) = text(&o);
    assert!(!o.status.success(), "{err}");
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
    for args in [
        vec!["--threads", "0"],
        vec!["--threads", "100000"],
        vec!["--chunk-docs", "0"],
        vec!["--max-batch", "0"],
    ] {
        let mut all = vec!["score", "--model", &model, art.to_str().unwrap()];
        all.extend(args.iter().copied());
        let o = stance(&all);
        let (_, err) = text(&o);
        assert!(
            !o.status.success() && err.contains("not in"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn the_readme_main_job_scores_the_example_with_the_shipped_model() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let o = Command::new(env!("CARGO_BIN_EXE_stance"))
        .current_dir(&root)
        .env_remove("STANCE_MODEL")
        .args(["score", "datasets/examples/diplomacy-brief.txt"])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 11, "{out}");
    assert!(lines
        .iter()
        .all(|l| l["doc"] == "datasets/examples/diplomacy-brief.txt"));
    // The same model by its short name, from another directory (found beside the executable).
    let o = Command::new(env!("CARGO_BIN_EXE_stance"))
        .current_dir(std::env::temp_dir())
        .env_remove("STANCE_MODEL")
        .args(["--threads", "1", "score", "--model", "minilm-newsmtsc"])
        .arg(root.join("datasets/examples/diplomacy-brief.txt"))
        .output()
        .unwrap();
    let (named, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(named.lines().count(), 11);
}

/// `stance score -` streams JSONL from a pipe: a reader that has not finished writing still gets
/// the first chunk's lines, and the output equals scoring the same records from a file.
#[test]
fn score_streams_jsonl_from_standard_input() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_dir(dir.path());
    let record = |i: usize| {
        serde_json::json!({"id": format!("p{i}"), "text": format!("Beijing praised Moscow on day {i}."), "outlet": "wire"})
            .to_string()
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(["score", "-", "--model", &model, "--chunk-docs", "2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // A blank line first (counted, skipped), then two records: one chunk.
    writeln!(stdin, "\n{}\n{}", record(0), record(1)).unwrap();
    stdin.flush().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert!(first.contains("\"doc\":\"p0\""), "{first}");
    // The rest of the stream, then end of input.
    for i in 2..5 {
        writeln!(stdin, "{}", record(i)).unwrap();
    }
    writeln!(stdin, "not json").unwrap();
    drop(stdin);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(status.success(), "{err}");
    assert!(
        err.contains("-:7") && err.contains("malformed JSON"),
        "{err}"
    );
    let streamed = first + &rest;
    let file = dir.path().join("same.jsonl");
    let records: String = (0..5).map(|i| record(i) + "\n").collect();
    std::fs::write(&file, records).unwrap();
    let o = stance(&["score", file.to_str().unwrap(), "--model", &model]);
    let (from_file, _) = text(&o);
    assert_eq!(streamed, from_file);
    assert_eq!(streamed.lines().count(), 5);
    assert!(streamed.contains("\"outlet\":\"wire\""));
}

#[test]
fn standard_input_with_a_note_or_an_array_above_its_jsonl_is_still_jsonl() {
    use std::io::Write;
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_dir(dir.path());
    for head in ["Archive of 2024, exported by hand", "[", "[{\"id\": 1}]"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stance"))
            .args(["score", "-", "--model", &model])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{head}").unwrap();
        for i in 0..3 {
            let r = serde_json::json!({"id": format!("d{i}"), "text": format!("Beijing praised Moscow on day {i}.")});
            writeln!(stdin, "{r}").unwrap();
        }
        drop(stdin);
        let o = child.wait_with_output().unwrap();
        let (out, err) = text(&o);
        assert!(o.status.success(), "{err}");
        assert!(
            err.contains("-:1") && err.contains("not a JSON object"),
            "{head}: {err}"
        );
        let docs: Vec<String> = json_lines(&out)
            .iter()
            .map(|l| l["doc"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(docs, ["d0", "d1", "d2"], "{head}: {out}");
    }
}

#[test]
fn mentions_lists_references_and_scores_the_labelled_set() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = root.join("datasets/examples/diplomacy-brief.txt");
    let o = stance(&["mentions", example.to_str().unwrap(), "--discover"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let lines = json_lines(&out);
    let zelensky = lines
        .iter()
        .find(|l| {
            l["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("Volodymyr Zelensky accused"))
        })
        .unwrap();
    let beijing = zelensky["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["text"] == "Beijing")
        .unwrap();
    assert_eq!(beijing["holder"], "Volodymyr Zelensky");
    assert_eq!(beijing["via"], "alias");
    assert!(err.contains("mentions"), "{err}");

    // Scores against the labelled articles, with a JSON report.
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let gold = root.join("datasets/references/01-beijing-briefing.txt");
    let o = stance(&[
        "mentions",
        "--gold",
        gold.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        out.contains("references") && out.contains("holders"),
        "{out}"
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(r["references"]["gold"].as_u64().unwrap() > 20);
    assert!(r["references"]["recall"].as_f64().unwrap() > 0.5);

    // A malformed label: the file and line are named.
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "fine\n[Wang](Wang Yi; holder Xi)\n").unwrap();
    let o = stance(&["mentions", "--gold", bad.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(err.contains("bad.txt") && err.contains("line 2"), "{err}");
}

#[test]
fn a_reader_that_goes_away_is_not_an_error() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.txt");
    std::fs::write(
        &big,
        "Wang Yi said Beijing backed Moscow.\n".repeat(100_000),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(["mentions", big.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // `stance mentions … | head -c 64`: read a little, then close the pipe.
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    out.read_exact(&mut first).unwrap();
    drop(out);
    let o = child.wait_with_output().unwrap();
    let (_, err) = text(&o);
    assert!(o.status.success(), "{:?}: {err}", o.status);
    assert!(!err.contains("error"), "{err}");
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_score_with_status_130_and_resume_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_dir(dir.path());
    let archive = dir.path().join("a.jsonl");
    let line = |i: usize| {
        format!(
            "{{\"id\":\"d{i}\",\"text\":\"Wang Yi said Beijing backed Moscow. Zelensky accused Russia of lying.\"}}\n"
        )
    };
    std::fs::write(&archive, (0..12_000).map(line).collect::<String>()).unwrap();
    let out = dir.path().join("out.jsonl");
    let args = [
        "--threads",
        "1",
        "score",
        archive.to_str().unwrap(),
        "--model",
        &model,
        "--chunk-docs",
        "64",
        "--quiet",
        "-o",
        out.to_str().unwrap(),
    ];
    let child = Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(args)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let o = child.wait_with_output().unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(err.contains("--resume"), "{err}");
    // The kept part goes on with --resume and the whole archive ends up scored once.
    let o = stance(&[&args[..], &["--resume"]].concat());
    assert!(o.status.success(), "{}", text(&o).1);
    let ids: std::collections::HashSet<String> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["doc"].as_str().map(str::to_string))
        .collect();
    assert_eq!(ids.len(), 12_000);
}

/// A compressed archive cut short (a failed copy or download) cannot be read past the cut: the
/// records after it are neither in the output nor counted as skips, so the run must not exit 0.
/// A whole archive of the same records exits 0 with all of them.
#[test]
fn a_truncated_archive_fails_the_run() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut records = String::new();
    for i in 0..200 {
        records += &serde_json::json!({"id": format!("d{i}"), "text": format!("Beijing praised Moscow on day {i}, {}.", "and Kyiv objected ".repeat(i % 7 + 1))}).to_string();
        records.push('\n');
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(records.as_bytes()).unwrap();
    let gz = enc.finish().unwrap();
    let whole = dir.path().join("whole.jsonl.gz");
    std::fs::write(&whole, &gz).unwrap();
    let cut = dir.path().join("cut.jsonl.gz");
    std::fs::write(&cut, &gz[..gz.len() / 2]).unwrap();
    for cmd in ["pairs", "mentions"] {
        let o = stance(&[cmd, whole.to_str().unwrap()]);
        let (out, err) = text(&o);
        assert!(o.status.success(), "{cmd} whole: {err}");
        assert!(out.contains("\"d199"), "{cmd}: the last record is out");
        let o = stance(&[cmd, cut.to_str().unwrap()]);
        let (out, err) = text(&o);
        assert!(
            !o.status.success(),
            "{cmd} on a cut archive exited 0: {err}"
        );
        assert!(err.contains("the rest of the file was not read"), "{err}");
        assert!(err.contains("could not be read to its end"), "{err}");
        assert!(!out.contains("\"d199"));
    }
}

/// A file named twice, or named beside a folder that holds it, is read once (with a warning):
/// otherwise every document in it would be scored twice under a second id.
#[test]
fn a_file_reached_twice_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("news");
    std::fs::create_dir(&folder).unwrap();
    let a = folder.join("a.txt");
    std::fs::write(&a, "Beijing praised Moscow. Kyiv objected.").unwrap();
    let (a, folder) = (a.to_str().unwrap(), folder.to_str().unwrap());
    for args in [vec!["pairs", a, a], vec!["pairs", folder, a]] {
        let o = stance(&args);
        let (out, err) = text(&o);
        assert!(o.status.success(), "{args:?}: {err}");
        assert_eq!(out.lines().count(), 3, "{args:?}: {out}");
        assert!(!out.contains("#2"), "{out}");
        assert!(err.contains("already read"), "{err}");
    }
}

/// Inputs with nothing to score say so: an empty archive, one of blank lines, a CSV with a
/// header only, an empty CSV file and empty standard input (exit 0: nothing was lost).
#[test]
fn inputs_without_records_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("empty.jsonl", "", "no records"),
        ("blank.jsonl", "\n\n  \n", "no records"),
        ("header.csv", "id,text\n", "no records"),
        ("empty.csv", "", "an empty file"),
    ];
    for (name, content, said) in files {
        let p = dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        let o = stance(&["pairs", p.to_str().unwrap()]);
        let (out, err) = text(&o);
        assert!(o.status.success(), "{name}: {err}");
        assert!(out.is_empty());
        assert!(err.contains(name) && err.contains(said), "{name}: {err}");
    }
    // `output()` gives the child an empty standard input.
    let o = stance(&["pairs", "-"]);
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("standard input was empty"), "{err}");
}

/// `--output -` is standard output, as the input `-` is standard input: never a file named `-`.
#[test]
fn output_dash_is_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let art = dir.path().join("a.txt");
    std::fs::write(&art, "France criticised Russia on Monday.").unwrap();
    for cmd in ["pairs", "mentions"] {
        let plain = stance(&[cmd, art.to_str().unwrap()]);
        let o = Command::new(env!("CARGO_BIN_EXE_stance"))
            .current_dir(dir.path())
            .args([cmd, "a.txt", "-o", "-"])
            .output()
            .unwrap();
        let (out, err) = text(&o);
        assert!(o.status.success(), "{cmd}: {err}");
        assert!(!out.is_empty(), "{cmd}: nothing on standard output");
        assert_eq!(
            json_lines(&out).len(),
            json_lines(&text(&plain).0).len(),
            "{cmd}"
        );
        assert!(
            !dir.path().join("-").exists(),
            "{cmd}: wrote a file named -"
        );
    }
}
