//! Compiles the text rules' word lists (`src/text/lexicon/words/NAME.txt`) into constant slices
//! (`pub const NAME: &[&str]`), with the file's leading `#` lines as the constant's doc.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const WORDS: &str = "src/text/lexicon/words";

fn main() {
    println!("cargo:rerun-if-changed={WORDS}");
    let mut files: Vec<PathBuf> = std::fs::read_dir(WORDS)
        .unwrap_or_else(|e| panic!("{WORDS}: {e}"))
        .map(|e| e.expect("a word-list folder entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut out = String::new();
    for path in &files {
        out += &word_list(path);
    }
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("word_lists.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
}

/// One list as Rust: its doc (the `#` lines before the first entry), then the constant. Later
/// `#` lines are comments; blank lines are skipped; a `\r` before a line's end is dropped.
fn word_list(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("a UTF-8 file name");
    let (mut doc, mut entries) = (Vec::new(), Vec::new());
    for line in text.lines().map(|l| l.trim_end_matches('\r')) {
        match line.strip_prefix('#') {
            Some(c) if entries.is_empty() => doc.push(c.strip_prefix(' ').unwrap_or(c)),
            Some(_) => {}
            None if line.is_empty() => {}
            None => entries.push(line),
        }
    }
    let mut rust = String::new();
    for d in doc {
        // `{:?}` writes a string as a Rust literal (quotes and escapes included).
        let _ = writeln!(rust, "#[doc = {:?}]", format!(" {d}"));
    }
    let _ = writeln!(
        rust,
        "pub const {}: &[&str] = &{entries:?};\n",
        name.to_uppercase()
    );
    rust
}
