//! No command loses data through its outputs: for every command and every output flag, pointing
//! the output at one of the run's inputs (a data file, an article, a gold file, a gazetteer, a
//! model folder, a base or teacher model) or at another output of the same run, in any spelling
//! of the path, is refused with a non-zero exit before anything is written, and every file of
//! the folder keeps its bytes. Special files are written in place, never replaced.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn stance_in(cwd: &Path, args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(args)
        .current_dir(cwd)
        .env_remove("STANCE_MODEL")
        .output()
        .unwrap()
}

/// Every file below `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// A folder with one of each kind of input a command reads.
fn workspace() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let w = |name: &str, text: &str| {
        let f = p.join(name);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, text).unwrap();
    };
    w(
        "art.txt",
        "Beijing praised Moscow on Tuesday. Kyiv criticised Beijing.\n",
    );
    w(
        "data.jsonl",
        "{\"text\":\"Beijing praised Moscow.\",\"target\":\"Moscow\",\"label\":\"supportive\"}\n\
         {\"text\":\"Kyiv criticised Beijing.\",\"target\":\"Beijing\",\"label\":\"critical\"}\n\
         {\"text\":\"Paris met Berlin.\",\"target\":\"Berlin\",\"label\":\"neutral\"}\n",
    );
    w(
        "gold.txt",
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("datasets/references/01-beijing-briefing.txt"),
        )
        .unwrap(),
    );
    w("art.json", "{\"outlet\": \"Wire\"}\n");
    w(
        "gaz.toml",
        "[[actor]]\nname = \"China\"\nkind = \"country\"\naliases = [\"Beijing\"]\n",
    );
    w(
        "scores.jsonl",
        "{\"doc\":\"a\",\"sentence\":0,\"actors\":[]}\n",
    );
    w("t2/overview.csv", "actor,sentences\n");
    w("p/confusion.svg", "<svg/>\n");
    std::fs::create_dir_all(p.join("sub")).unwrap();
    for name in ["tiny", "tiny2"] {
        stance::testing::tiny_model(4)
            .unwrap()
            .save(&p.join(name), candle_core::DType::F32)
            .unwrap();
    }
    d
}

/// Ways to write the path `target` (relative to the workspace) that all name the same file.
fn spellings(root: &Path, target: &str) -> Vec<String> {
    vec![
        target.to_string(),
        format!("./{target}"),
        format!("sub/../{target}"),
        root.join(target).display().to_string(),
    ]
}

/// Every command × output flag pointed at an input or at another output: `{}` is the output
/// path under test, the second field the workspace path it names.
const CASES: &[(&str, &str)] = &[
    ("score art.txt --model tiny -o {}", "art.txt"),
    ("score art.txt --model tiny --summary {}", "art.txt"),
    (
        "score art.txt --model tiny -o out.jsonl --summary {}",
        "out.jsonl",
    ),
    (
        "score art.txt --model tiny --actors gaz.toml -o {}",
        "gaz.toml",
    ),
    ("score art.txt --model tiny -o {}", "tiny/stance.json"),
    ("score art.txt --model tiny -o {}", "art.json"),
    ("pairs art.txt -o {}", "art.json"),
    ("mentions art.txt -o {}", "art.txt"),
    ("mentions art.txt --actors gaz.toml -o {}", "gaz.toml"),
    ("mentions --gold gold.txt --report {}", "gold.txt"),
    ("pairs art.txt -o {}", "art.txt"),
    ("predict --model tiny -i data.jsonl -o {}", "data.jsonl"),
    (
        "predict --model tiny -i data.jsonl -o {}",
        "tiny/model.safetensors",
    ),
    (
        "eval --model tiny --data data.jsonl --report {}",
        "data.jsonl",
    ),
    (
        "eval --model tiny --data data.jsonl --predictions {}",
        "data.jsonl",
    ),
    (
        "eval --model tiny --data data.jsonl --report r.json --predictions {}",
        "r.json",
    ),
    (
        "eval --model tiny --data data.jsonl --report {}",
        "tiny/config.json",
    ),
    ("eval --model tiny --data p/confusion.svg --plot {}", "p"),
    ("eval --model tiny --data data.jsonl --plot {}", "tiny"),
    ("report scores.jsonl -o {}", "scores.jsonl"),
    ("report scores.jsonl -o t/overview.csv --tables {}", "t"),
    ("report t2/overview.csv -o rep.html --tables {}", "t2"),
    (
        "train --base tiny --train data.jsonl --dev data.jsonl --out {}",
        "tiny",
    ),
    (
        "train --base tiny --teacher tiny2 --train data.jsonl --dev data.jsonl --out {}",
        "tiny2",
    ),
    ("average --model tiny --model tiny2 --out {}", "tiny"),
    (
        "average --model tiny --model tiny2 --dev data.jsonl --out {}",
        "tiny2",
    ),
];

#[test]
fn every_output_flag_pointed_at_an_input_or_another_output_is_refused() {
    let ws = workspace();
    let root = ws.path();
    let before = snapshot(root);
    for (template, target) in CASES {
        for spelling in spellings(root, target) {
            let args: Vec<String> = template
                .split(' ')
                .map(|a| a.replace("{}", &spelling))
                .collect();
            let o = stance_in(root, &args);
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(
                !o.status.success(),
                "stance {} was not refused:\n{err}",
                args.join(" ")
            );
            assert!(
                err.contains("nothing was written"),
                "stance {}: {err}",
                args.join(" ")
            );
            assert_eq!(
                snapshot(root),
                before,
                "stance {} changed the workspace",
                args.join(" ")
            );
        }
    }
}

#[test]
fn separate_outputs_still_work() {
    let ws = workspace();
    let root = ws.path();
    let args: Vec<String> =
        "eval --model tiny --data data.jsonl --report r.json --predictions p.jsonl"
            .split(' ')
            .map(String::from)
            .collect();
    let o = stance_in(root, &args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(root.join("r.json").is_file() && root.join("p.jsonl").is_file());
}

#[test]
fn train_will_not_replace_a_trained_model_without_overwrite() {
    let ws = workspace();
    let root = ws.path();
    let before = std::fs::read(root.join("tiny2/model.safetensors")).unwrap();
    let args: Vec<String> =
        "train --base tiny --train data.jsonl --dev data.jsonl --out tiny2 --max-steps 1"
            .split(' ')
            .map(String::from)
            .collect();
    let o = stance_in(root, &args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("already holds a trained model") && err.contains("--overwrite"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(root.join("tiny2/model.safetensors")).unwrap(),
        before
    );
}

#[cfg(unix)]
#[test]
fn outputs_to_a_pipe_are_written_into_it_not_over_it() {
    use std::os::unix::fs::FileTypeExt;
    let ws = workspace();
    let root = ws.path();
    let fifo = root.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        stance::testing::skip(
            "outputs_to_a_pipe_are_written_into_it_not_over_it",
            "no mkfifo here",
        );
        return;
    }
    for args in [
        "score art.txt --model tiny -o pipe",
        "mentions art.txt -o pipe",
        "predict --model tiny -i data.jsonl -o pipe",
    ] {
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        let args: Vec<String> = args.split(' ').map(String::from).collect();
        let o = stance_in(root, &args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let got = reader.join().unwrap();
        assert!(got.lines().count() >= 1, "{}: {got:?}", args.join(" "));
        assert!(
            std::fs::metadata(&fifo).unwrap().file_type().is_fifo(),
            "{}",
            args.join(" ")
        );
        let stray: Vec<_> = std::fs::read_dir(root)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.contains("pipe") && n != "pipe")
            .collect();
        assert!(stray.is_empty(), "{stray:?}");
    }
}
