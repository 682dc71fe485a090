//! The module tree reads top to bottom: no module refers to a module above it.
//! `commands → train → {eval, pipeline} → {infer, aggregate} → store → model → encode →
//! {kernels, io, text} → {error, device}`; `testing` holds
//! helpers for tests and benchmarks and may be used anywhere in test code.

use std::path::Path;

const LAYERS: &[(&str, usize)] = &[
    ("error", 0),
    ("device", 0),
    ("kernels", 1),
    ("io", 1),
    ("text", 1),
    ("encode", 2),
    ("model", 3),
    ("store", 4),
    ("infer", 5),
    ("aggregate", 5),
    ("eval", 6),
    ("pipeline", 6),
    ("report", 6),
    ("train", 7),
    ("commands", 8),
];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_module_refers_to_a_module_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut wrong = Vec::new();
    let mut checked = 0;
    for f in &all {
        let rel = f.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let Some(own) = rank(&top) else { continue };
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            for (i, _) in line.match_indices("crate::") {
                let used: String = line[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                checked += 1;
                if let Some(r) = rank(&used) {
                    if r > own {
                        wrong.push(format!("{}:{}: {top} uses {used}", rel.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} references found: is the source tree there?"
    );
    assert!(wrong.is_empty(), "upward references:\n{}", wrong.join("\n"));
}
