//! The Spark job (`scripts/spark-score.py`) in local mode on the shipped model: its output, line
//! for line, is single-process `stance score`'s; a task that fails on its first attempt is retried
//! and the output is still exactly that, nothing doubled or lost.
//!
//! Needs pyspark and Java (`scripts/setup-spark.sh`; `.ci/run` installs them and sets
//! `STANCE_REQUIRE_SPARK=1`, under which their absence fails the test). Elsewhere a missing
//! pyspark is a visible skip.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn spark_python() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("STANCE_SPARK_PYTHON").map(PathBuf::from),
        Some(common::root().join(".venv-spark/bin/python")),
    ];
    let found = candidates.into_iter().flatten().find(|p| {
        Command::new(p)
            .args(["-c", "import pyspark"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let java = Command::new("java").arg("-version").output().is_ok();
    match (found, java) {
        (Some(p), true) => Some(p),
        _ if std::env::var("STANCE_REQUIRE_SPARK").as_deref() == Ok("1") => panic!(
            "pyspark or Java is missing: run scripts/setup-spark.sh (STANCE_REQUIRE_SPARK=1 makes this a failure)"
        ),
        _ => {
            stance::testing::skip(
                &common::caller(),
                "no pyspark/Java here (scripts/setup-spark.sh installs them)",
            );
            None
        }
    }
}

/// Three JSONL files, 180 documents of varied length with unique ids and a carried field.
fn archive(dir: &Path) -> Vec<PathBuf> {
    let actors = [
        "Beijing",
        "Moscow",
        "NATO",
        "Kyiv",
        "Washington",
        "the European Union",
    ];
    let verbs = [
        "praised",
        "criticised",
        "met",
        "warned",
        "thanked",
        "accused",
    ];
    (0..3)
        .map(|f| {
            let mut s = String::new();
            for i in 0..60 {
                let k = f * 60 + i;
                let mut text = String::new();
                for j in 0..(1 + k % 4) {
                    let (a, b) = (actors[(k + j) % 6], actors[(k * 7 + j + 1) % 6]);
                    text += &format!("{a} {} {b} on day {k}. ", verbs[(k + j) % 6]);
                }
                s += &serde_json::json!({"id": format!("doc-{k}"), "text": text.trim(), "outlet": format!("o{}", k % 5)}).to_string();
                s.push('\n');
            }
            let p = dir.join(format!("part{f}.jsonl"));
            std::fs::write(&p, s).unwrap();
            p
        })
        .collect()
}

/// The archive scored by one `stance score` process: its lines, sorted.
fn single_process(dir: &Path, inputs: &[PathBuf], model: &Path) -> Vec<String> {
    let reference = dir.join("reference.jsonl");
    let mut args: Vec<String> = vec!["--threads".into(), "2".into(), "score".into()];
    args.extend(inputs.iter().map(|p| p.display().to_string()));
    args.extend(["--model".into(), model.display().to_string()]);
    args.extend(["-o".into(), reference.display().to_string()]);
    let o = Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(&args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    sorted_lines(&[reference])
}

fn sorted_lines(files: &[PathBuf]) -> Vec<String> {
    let mut lines: Vec<String> = files
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .collect();
    lines.sort();
    lines
}

fn parts(out: &Path) -> Vec<PathBuf> {
    assert!(
        out.join("_SUCCESS").exists(),
        "no _SUCCESS in {}",
        out.display()
    );
    std::fs::read_dir(out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("part-")
        })
        .collect()
}

#[test]
fn spark_local_job_equals_single_process_scoring_even_with_a_retried_task() {
    let Some(python) = spark_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let inputs = archive(dir.path());
    let model = common::root().join("models/minilm-newsmtsc");
    let bin = env!("CARGO_BIN_EXE_stance");
    let want = single_process(dir.path(), &inputs, &model);
    assert!(want.len() > 300, "{} reference lines", want.len());

    let job = |out: &Path, fault: Option<&Path>| {
        let mut c = Command::new(&python);
        c.arg(common::root().join("scripts/spark-score.py"))
            .args([
                "--input",
                &dir.path().join("part*.jsonl").display().to_string(),
            ])
            .args(["--output", &out.display().to_string()])
            .args(["--model", &model.display().to_string(), "--binary", bin])
            .args(["--partitions", "6", "--threads", "1"])
            // Two worker threads; a task may fail up to 4 times.
            .args(["--master", "local[2,4]"]);
        if let Some(marker) = fault {
            c.env("STANCE_FAULT_DOC", format!("doc-100:{}", marker.display()));
        }
        let o = c.output().unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        );
        assert!(o.status.success(), "spark job failed:\n{stdout}\n{stderr}");
        stdout
    };
    // One job (one JVM start) with a task that fails on its first attempt: Spark retries it and
    // the committed output is still exactly the reference.
    // Without the fault switches (built without the fault-injection feature) the job runs with
    // no failure, and the retry is reported as not tested.
    let marker = dir.path().join("failed-once");
    let out = dir.path().join("spark-out");
    let faults = cfg!(feature = "fault-injection");
    if !faults {
        stance::testing::skip(
            "spark::…_even_with_a_retried_task (the retry)",
            "built without the fault-injection feature (scripts/test.sh turns it on)",
        );
    }
    let report = job(&out, faults.then_some(marker.as_path()));
    assert_eq!(
        marker.exists(),
        faults,
        "the injected failure did not happen"
    );
    assert!(report.contains("180 documents"), "{report}");
    assert_eq!(
        sorted_lines(&parts(&out)),
        want,
        "the Spark output (with a retried task) differs from single-process scoring"
    );
}

/// The archive's records as one CSV file and one Parquet file (written with the `parquet` crate).
#[cfg(feature = "parquet")]
fn tables(dir: &Path, inputs: &[PathBuf]) -> (PathBuf, PathBuf) {
    let records: Vec<serde_json::Value> = inputs
        .iter()
        .flat_map(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    let field = |r: &serde_json::Value, k: &str| r[k].as_str().unwrap().to_string();
    let csv_dir = dir.join("csv");
    std::fs::create_dir_all(&csv_dir).unwrap();
    let mut w = csv::Writer::from_path(csv_dir.join("archive.csv")).unwrap();
    w.write_record(["id", "text", "outlet"]).unwrap();
    for r in &records {
        w.write_record([field(r, "id"), field(r, "text"), field(r, "outlet")])
            .unwrap();
    }
    w.flush().unwrap();
    let pq_dir = dir.join("parquet");
    std::fs::create_dir_all(&pq_dir).unwrap();
    {
        use parquet::data_type::{ByteArray, ByteArrayType};
        use std::sync::Arc;
        let schema = Arc::new(
            parquet::schema::parser::parse_message_type(
                "message archive { REQUIRED BYTE_ARRAY id (UTF8); REQUIRED BYTE_ARRAY text (UTF8); REQUIRED BYTE_ARRAY outlet (UTF8); }",
            )
            .unwrap(),
        );
        let file = std::fs::File::create(pq_dir.join("archive.parquet")).unwrap();
        let mut w =
            parquet::file::writer::SerializedFileWriter::new(file, schema, Default::default())
                .unwrap();
        let mut rg = w.next_row_group().unwrap();
        for k in ["id", "text", "outlet"] {
            let values: Vec<ByteArray> = records
                .iter()
                .map(|r| ByteArray::from(field(r, k).as_str()))
                .collect();
            let mut col = rg.next_column().unwrap().unwrap();
            col.typed::<ByteArrayType>()
                .write_batch(&values, None, None)
                .unwrap();
            col.close().unwrap();
        }
        rg.close().unwrap();
        w.close().unwrap();
    }
    (csv_dir, pq_dir)
}

#[cfg(feature = "parquet")]
#[test]
fn spark_reads_csv_and_parquet_archives_through_its_own_readers() {
    let Some(python) = spark_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let inputs = archive(dir.path());
    let model = common::root().join("models/minilm-newsmtsc");
    let bin = env!("CARGO_BIN_EXE_stance");
    let want = single_process(dir.path(), &inputs, &model);
    let (csv_dir, pq_dir) = tables(dir.path(), &inputs);
    for (format, input) in [("csv", csv_dir), ("parquet", pq_dir)] {
        let out = dir.path().join(format!("out-{format}"));
        let o = Command::new(&python)
            .arg(common::root().join("scripts/spark-score.py"))
            .args(["--input", &input.display().to_string(), "--format", format])
            .args(["--output", &out.display().to_string()])
            .args(["--model", &model.display().to_string(), "--binary", bin])
            .args([
                "--partitions",
                "3",
                "--threads",
                "1",
                "--master",
                "local[2]",
            ])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(
            o.status.success(),
            "{format}: {stdout}\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(stdout.contains("180 documents"), "{format}: {stdout}");
        assert_eq!(
            sorted_lines(&parts(&out)),
            want,
            "{format} through Spark differs from JSONL scoring"
        );
    }
}

/// Without `--model` the job scores with the model `stance score` uses without it, and `fast` names
/// the same model as `--model fast` does: the script's names are the library's (no pyspark needed).
#[test]
fn the_jobs_model_names_are_the_clis() {
    let script = std::fs::read_to_string(common::root().join("scripts/spark-score.py")).unwrap();
    let line = script
        .lines()
        .find(|l| l.starts_with("SHIPPED_NAMES = "))
        .expect("spark-score.py defines SHIPPED_NAMES");
    use stance::store::shipped::{DEFAULT_MODEL_NAME, FAST_MODEL_NAME};
    assert!(
        line.contains(&format!("\"default\": \"{DEFAULT_MODEL_NAME}\"")),
        "{line}"
    );
    assert!(
        line.contains(&format!("\"fast\": \"{FAST_MODEL_NAME}\"")),
        "{line}"
    );
    assert!(script.contains("\"--model\", default=\"default\""));
}
