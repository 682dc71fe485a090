//! Inputs on disk: files and folders expanded and classified, text decoded, front matter and
//! sidecar metadata.

use super::formats::{is_csv, is_jsonl, is_parquet, open_archive};
use super::{Problem, Source};
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

pub(super) fn is_text(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("txt") || e.eq_ignore_ascii_case("md"))
}

/// Expands the inputs into sources; missing paths become problems. A file reached twice (named
/// twice, or named and inside a folder named) is read once, with a warning: reading it again
/// would score each of its documents twice.
pub(super) fn expand(
    inputs: &[String],
    text_field: &str,
    problems: &mut Vec<Problem>,
) -> Vec<Source> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut first_time = |f: &Path, problems: &mut Vec<Problem>| {
        let key = f.canonicalize().unwrap_or_else(|_| f.to_path_buf());
        let new = seen.insert(key);
        if !new {
            problems.push(Problem::caveat(
                f.display().to_string(),
                None,
                "already read (given twice, or inside a folder given): read once",
            ));
        }
        new
    };
    for inp in inputs {
        if inp == "-" {
            out.push(Source::Stdin);
            continue;
        }
        let p = PathBuf::from(inp);
        if p.is_dir() {
            let mut files = Vec::new();
            let mut visited = HashSet::new();
            walk(&p, &mut files, &mut visited, problems);
            files.sort();
            for f in files {
                if first_time(&f, problems) {
                    out.extend(classify(f, text_field, problems));
                }
            }
        } else if p.is_file() {
            if first_time(&p, problems) {
                out.extend(classify(p, text_field, problems));
            }
        } else {
            problems.push(Problem::skipped(
                inp.clone(),
                None,
                "no such file or folder",
            ));
        }
    }
    out
}

/// A file's source kind: by extension (`.txt`/`.md` articles, JSONL and CSV archives), or JSONL
/// by content when a file of another name starts with a JSON object (reported, so that an
/// archive is never scored as prose). A file of any other kind is a reported skip naming what
/// was tried: it is never read as prose.
pub(super) fn classify(
    p: PathBuf,
    text_field: &str,
    problems: &mut Vec<Problem>,
) -> Option<Source> {
    if is_jsonl(&p) {
        return Some(Source::Jsonl(p));
    }
    if is_csv(&p) {
        return Some(Source::Csv(p));
    }
    if is_text(&p) {
        return Some(Source::Text(p));
    }
    if is_parquet(&p) {
        return Some(Source::Parquet(p));
    }
    if starts_with_json_object(&p, text_field) {
        problems.push(Problem::caveat(
            p.display().to_string(),
            None,
            format!(
                "read as a JSONL archive (its first line is a JSON object with `{text_field}`)"
            ),
        ));
        return Some(Source::Jsonl(p));
    }
    let why = format!(
        "not read: of no kind stance reads (tried: a .txt or .md article; a .jsonl, .ndjson, .csv or .tsv archive, also .gz or .zst; a Parquet file; a JSON object with `{text_field}` on the first line, also compressed); name an article .txt to score it"
    );
    problems.push(Problem::skipped(p.display().to_string(), None, why));
    None
}

pub(super) fn starts_with_json_object(p: &Path, text_field: &str) -> bool {
    let Ok(r) = open_archive(p) else { return false };
    let mut first = Vec::new();
    if r.take(1 << 20).read_until(b'\n', &mut first).is_err() {
        return false;
    }
    serde_json::from_slice::<Value>(first.trim_ascii())
        .is_ok_and(|v| v.get(text_field).is_some_and(Value::is_string))
}

/// Collects the article files below `dir`. Each folder is read once (by its canonical path),
/// so symbolic-link loops end; files of other kinds are reported as skipped.
pub(super) fn walk(
    dir: &Path,
    files: &mut Vec<PathBuf>,
    visited: &mut HashSet<PathBuf>,
    problems: &mut Vec<Problem>,
) {
    if let Ok(c) = dir.canonicalize() {
        if !visited.insert(c) {
            problems.push(Problem::skipped(
                dir.display().to_string(),
                None,
                "folder already read (a symbolic-link loop or a second link to it)",
            ));
            return;
        }
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            problems.push(Problem::skipped(
                dir.display().to_string(),
                None,
                format!("cannot read folder: {e}"),
            ));
            return;
        }
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            walk(&p, files, visited, problems);
        } else if is_text(&p) || is_jsonl(&p) || is_csv(&p) || is_parquet(&p) {
            files.push(p);
        } else if is_sidecar(&p) {
            // Read with its article.
        } else {
            let why = "not read: articles are .txt or .md files, archives .jsonl, .ndjson, .csv, .tsv (or those .gz or .zst) or .parquet";
            problems.push(Problem::skipped(p.display().to_string(), None, why));
        }
    }
}

/// Decodes bytes: strips a BOM, normalises CRLF, decodes invalid UTF-8 lossily (reported).
pub(super) fn decode(
    bytes: Vec<u8>,
    source: &str,
    line: Option<usize>,
    problems: &mut Vec<Problem>,
) -> String {
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(b) => b.to_vec(),
        None => bytes,
    };
    let s = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            problems.push(Problem::caveat(
                source,
                line,
                "invalid UTF-8, decoded with replacement characters",
            ));
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }
    };
    if s.contains('\r') {
        s.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        s
    }
}

/// A file's canonical path as text (`-` and paths that cannot be resolved stay as given).
pub fn canonical_name(name: &str) -> String {
    if name == "-" {
        return name.into();
    }
    Path::new(name)
        .canonicalize()
        .map_or_else(|_| name.into(), |p| p.display().to_string())
}

/// Non-blank lines of standard input looked at for a JSONL document before it is taken as one
/// plain-text article.
pub const STDIN_SNIFF_LINES: usize = 64;

/// Whether `line` is a JSON object: a record of a JSONL archive.
pub(super) fn is_json_object(line: &[u8]) -> bool {
    let t = line.trim_ascii();
    t.first() == Some(&b'{') && serde_json::from_slice::<Value>(t).is_ok_and(|v| v.is_object())
}

pub(super) fn looks_binary(bytes: &[u8]) -> bool {
    bytes.iter().take(8192).any(|&b| b == 0)
}

/// A sidecar of an article: `NAME.json` beside `NAME.txt` or `NAME.md`.
pub fn sidecar_of(p: &Path) -> PathBuf {
    p.with_extension("json")
}

/// Whether `p` is the sidecar of an article beside it.
pub(super) fn is_sidecar(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        && ["txt", "md", "TXT", "MD"]
            .iter()
            .any(|e| p.with_extension(e).is_file())
}

/// A front-matter block at the start of an article (`---`, lines of `key: value`, `---`): its
/// fields and the text after it. Values are strings (quotes around them removed); a line that is
/// not `key: value` (nested YAML, lists) is returned by number so that it can be reported.
pub fn front_matter(text: &str) -> Option<(Map<String, Value>, &str, Vec<usize>)> {
    let rest = text.strip_prefix("---\n")?;
    let end = rest
        .match_indices("\n---")
        .map(|(i, _)| i)
        .find(|&i| matches!(rest[i + 4..].chars().next(), None | Some('\n')))?;
    let block = &rest[..end];
    let body = rest[end + 4..]
        .strip_prefix('\n')
        .unwrap_or(&rest[end + 4..]);
    let mut fields = Map::new();
    let mut unread = Vec::new();
    for (k, line) in block.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        match line.split_once(':') {
            Some((key, value)) if !key.trim().is_empty() && !key.starts_with([' ', '\t', '-']) => {
                let v = value.trim();
                let v = v
                    .strip_prefix('"')
                    .and_then(|x| x.strip_suffix('"'))
                    .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
                    .unwrap_or(v);
                fields.insert(key.trim().to_string(), Value::String(v.to_string()));
            }
            _ => unread.push(k + 2),
        }
    }
    Some((fields, body, unread))
}
