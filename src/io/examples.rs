//! Labelled (or unlabelled) (sentence, target) examples.
//!
//! Two layouts are read, detected per line:
//! - NewsMTSC: `{"primary_gid", "sentence_normalized", "targets": [{"from","to","mention","polarity"}]}`
//!   with character offsets (Unicode scalar values, `to` exclusive); one example per target.
//! - Simple: `{"text", "target", "start"?, "end"?, "label"?, "id"?}` as JSONL, or a CSV file
//!   (by the `.csv` extension) with those column names. Without a span, the first whole-word
//!   occurrence of the target is used.

use super::labels;
use crate::error::{Error, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One (sentence, target mention) pair. Offsets are character (Unicode scalar) indices.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub id: String,
    pub text: String,
    pub target: String,
    pub start: usize,
    pub end: usize,
    pub label: Option<String>,
    /// 1-based line (record) number in the source file.
    pub line: usize,
}

/// A record or target that was skipped under `skip_bad`, with the reason.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Skip {
    pub line: usize,
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Skip malformed records (counted and reported) instead of stopping at the first.
    pub skip_bad: bool,
    /// Require a label on every example (training and evaluation).
    pub require_label: bool,
}

#[derive(Debug, Clone)]
pub struct Dataset {
    pub path: PathBuf,
    pub examples: Vec<Example>,
    pub skipped: Vec<Skip>,
}

impl Dataset {
    /// Label names present, in first-seen order.
    pub fn labels_seen(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for l in self.examples.iter().filter_map(|e| e.label.as_deref()) {
            if !out.iter().any(|x| x == l) {
                out.push(l.to_string());
            }
        }
        out
    }
}

/// Reads a data file of examples (NewsMTSC JSONL, simple JSONL, or CSV).
pub fn read_examples(path: impl AsRef<Path>, opts: &ReadOptions) -> Result<Dataset> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let is_csv = path
        .extension()
        .map(|e| e.eq_ignore_ascii_case("csv"))
        .unwrap_or(false);
    let mut ds = Dataset {
        path: path.to_path_buf(),
        examples: Vec::new(),
        skipped: Vec::new(),
    };
    let mut sink = Sink {
        path,
        opts,
        ds: &mut ds,
    };
    if is_csv {
        read_csv(&bytes, &mut sink)?;
    } else {
        read_jsonl(&bytes, &mut sink)?;
    }
    if ds.examples.is_empty() {
        let why = if ds.skipped.is_empty() {
            "no examples (empty file?)".to_string()
        } else {
            format!(
                "no usable examples: all {} records were skipped",
                ds.skipped.len()
            )
        };
        return Err(Error::Input {
            path: path.to_path_buf(),
            message: why,
        });
    }
    Ok(ds)
}

struct Sink<'a> {
    path: &'a Path,
    opts: &'a ReadOptions,
    ds: &'a mut Dataset,
}

impl Sink<'_> {
    /// Records a bad record: an error, or a counted skip under `skip_bad`.
    fn bad(&mut self, line: usize, field: &str, message: String) -> Result<()> {
        if self.opts.skip_bad {
            self.ds.skipped.push(Skip {
                line,
                field: field.to_string(),
                message,
            });
            Ok(())
        } else {
            Err(Error::record(self.path, line, field, message))
        }
    }
    fn push(
        &mut self,
        ex: std::result::Result<Example, (String, String)>,
        line: usize,
    ) -> Result<()> {
        match ex {
            Ok(ex) => {
                if self.opts.require_label && ex.label.is_none() {
                    return self.bad(line, "label", "missing label".into());
                }
                self.ds.examples.push(ex);
                Ok(())
            }
            Err((field, msg)) => self.bad(line, &field, msg),
        }
    }
}

fn read_jsonl(bytes: &[u8], sink: &mut Sink) -> Result<()> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_no = i + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let line = match std::str::from_utf8(raw) {
            Ok(s) => s,
            Err(e) => {
                sink.bad(
                    line_no,
                    "-",
                    format!("invalid UTF-8 at byte {}", e.valid_up_to()),
                )?;
                continue;
            }
        };
        let v: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                sink.bad(line_no, "-", format!("malformed JSON: {e}"))?;
                continue;
            }
        };
        if v.get("sentence_normalized").is_some() {
            newsmtsc_record(&v, line_no, sink)?;
        } else {
            let ex = simple_record(
                |k| v.get(k).filter(|x| !x.is_null()).map(value_string),
                line_no,
            );
            sink.push(ex, line_no)?;
        }
    }
    Ok(())
}

fn value_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn newsmtsc_record(v: &Value, line: usize, sink: &mut Sink) -> Result<()> {
    let Some(text) = v.get("sentence_normalized").and_then(Value::as_str) else {
        return sink.bad(line, "sentence_normalized", "expected a string".into());
    };
    let Some(targets) = v.get("targets").and_then(Value::as_array) else {
        return sink.bad(line, "targets", "expected an array".into());
    };
    let gid = v
        .get("primary_gid")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let n_chars = text.chars().count();
    for (k, t) in targets.iter().enumerate() {
        let field = |f: &str| format!("targets[{k}].{f}");
        let from = t.get("from").and_then(Value::as_u64);
        let to = t.get("to").and_then(Value::as_u64);
        let (Some(from), Some(to)) = (from, to) else {
            sink.bad(
                line,
                &field("from"),
                "expected non-negative integer offsets `from` and `to`".into(),
            )?;
            continue;
        };
        let (from, to) = (from as usize, to as usize);
        if from >= to || to > n_chars {
            sink.bad(
                line,
                &field("to"),
                format!("span {from}..{to} outside the sentence of {n_chars} characters"),
            )?;
            continue;
        }
        let span: String = text.chars().skip(from).take(to - from).collect();
        let mention = t.get("mention").and_then(Value::as_str).unwrap_or(&span);
        if mention != span {
            sink.bad(
                line,
                &field("mention"),
                format!("mention {mention:?} does not match the text at {from}..{to} ({span:?})"),
            )?;
            continue;
        }
        let label = match t.get("polarity") {
            None | Some(Value::Null) => None,
            Some(p) => match p.as_f64().and_then(labels::from_newsmtsc_polarity) {
                Some(l) => Some(l.to_string()),
                None => {
                    sink.bad(
                        line,
                        &field("polarity"),
                        format!("unknown polarity {p} (expected 2.0, 4.0 or 6.0)"),
                    )?;
                    continue;
                }
            },
        };
        let id = t
            .get("Input.gid")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("{gid}#{k}"));
        sink.push(
            Ok(Example {
                id,
                text: text.to_string(),
                target: span,
                start: from,
                end: to,
                label,
                line,
            }),
            line,
        )?;
    }
    Ok(())
}

/// Builds an example from a simple record given a field getter. Errors are (field, message).
fn simple_record(
    get: impl Fn(&str) -> Option<String>,
    line: usize,
) -> std::result::Result<Example, (String, String)> {
    let err = |f: &str, m: &str| (f.to_string(), m.to_string());
    let text = get("text")
        .or_else(|| get("sentence"))
        .ok_or_else(|| err("text", "missing"))?;
    let target = get("target")
        .or_else(|| get("mention"))
        .ok_or_else(|| err("target", "missing"))?;
    if target.trim().is_empty() {
        return Err(err("target", "empty"));
    }
    let n_chars = text.chars().count();
    let parse_off = |f: &str| -> std::result::Result<Option<usize>, (String, String)> {
        match get(f) {
            None => Ok(None),
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => s
                .trim()
                .parse::<usize>()
                .map(Some)
                .map_err(|_| err(f, "expected a non-negative integer")),
        }
    };
    let (start, end) = match (parse_off("start")?, parse_off("end")?) {
        (Some(s), Some(e)) => {
            if s >= e || e > n_chars {
                return Err((
                    "end".into(),
                    format!("span {s}..{e} outside the text of {n_chars} characters"),
                ));
            }
            let span: String = text.chars().skip(s).take(e - s).collect();
            if span != target {
                return Err((
                    "target".into(),
                    format!("target {target:?} does not match the text at {s}..{e} ({span:?})"),
                ));
            }
            (s, e)
        }
        (None, None) => find_whole_word(&text, &target).ok_or_else(|| {
            (
                "target".to_string(),
                format!("target {target:?} does not occur in the text as a whole word"),
            )
        })?,
        _ => return Err(err("start", "give both `start` and `end`, or neither")),
    };
    let label = get("label")
        .filter(|l| !l.trim().is_empty())
        .map(|l| labels::normalise(&l));
    if let Some(l) = label.as_deref().filter(|l| l.parse::<f64>().is_ok()) {
        // A number left after normalising is not a NewsMTSC polarity: taken as a name it would
        // silently become a class of its own.
        return Err(err(
            "label",
            &format!("label {l} is a number but not a NewsMTSC polarity (2, 4 or 6); give label names such as supportive, neutral, critical"),
        ));
    }
    Ok(Example {
        id: get("id").unwrap_or_else(|| format!("line{line}")),
        target: text.chars().skip(start).take(end - start).collect(),
        text,
        start,
        end,
        label,
        line,
    })
}

/// An example from a text and a target given as a string (its first whole-word occurrence) or
/// a character span, which must cover the target when both are given.
pub fn example_from_text(
    id: &str,
    line: usize,
    text: &str,
    target: &str,
    span: Option<(usize, usize)>,
) -> std::result::Result<Example, String> {
    let (start, end) = match span {
        Some(s) => s,
        None => find_whole_word(text, target).ok_or_else(|| {
            format!("target {target:?} does not occur in the text as a whole word")
        })?,
    };
    let n = text.chars().count();
    if start >= end || end > n {
        return Err(format!(
            "span {start}..{end} outside a text of {n} characters"
        ));
    }
    let at_span: String = text.chars().skip(start).take(end - start).collect();
    if !target.is_empty() && at_span != target {
        return Err(format!(
            "span {start}:{end} covers {at_span:?}, not the target {target:?}"
        ));
    }
    Ok(Example {
        id: id.to_string(),
        text: text.to_string(),
        target: at_span,
        start,
        end,
        label: None,
        line,
    })
}

/// Character span of the first whole-word occurrence of `needle` (case-sensitive first, then
/// case-insensitive).
pub fn find_whole_word(text: &str, needle: &str) -> Option<(usize, usize)> {
    let hay: Vec<char> = text.chars().collect();
    let pat: Vec<char> = needle.chars().collect();
    if pat.is_empty() || pat.len() > hay.len() {
        return None;
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    for case_sensitive in [true, false] {
        for i in 0..=hay.len() - pat.len() {
            let matches = hay[i..i + pat.len()].iter().zip(&pat).all(|(a, b)| {
                if case_sensitive {
                    a == b
                } else {
                    a.to_lowercase().eq(b.to_lowercase())
                }
            });
            if !matches {
                continue;
            }
            let left_ok = i == 0 || !is_word(hay[i - 1]) || !is_word(pat[0]);
            let j = i + pat.len();
            let right_ok = j == hay.len() || !is_word(hay[j]) || !is_word(pat[pat.len() - 1]);
            if left_ok && right_ok {
                return Some((i, j));
            }
        }
    }
    None
}

/// 1-based line numbers of byte offsets in a text, for offsets asked in increasing order (each
/// byte is counted once).
struct LineAt<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> LineAt<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    fn at(&mut self, byte: u64) -> usize {
        let mut to = (byte as usize).min(self.bytes.len());
        // After a CRLF the reader gives the offset of its `\n`; no record starts with one.
        while self.bytes.get(to) == Some(&b'\n') {
            to += 1;
        }
        if to < self.offset {
            *self = Self::new(self.bytes);
        }
        self.line += self.bytes[self.offset..to]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.offset = to;
        self.line
    }
}

fn read_csv(bytes: &[u8], sink: &mut Sink) -> Result<()> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers: Vec<String> = match rdr.byte_headers() {
        Ok(h) => h
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_ascii_lowercase())
            .collect(),
        Err(e) => {
            return Err(Error::Input {
                path: sink.path.to_path_buf(),
                message: format!("cannot read the CSV header: {e}"),
            })
        }
    };
    // Lines by the records' byte offsets: the reader's own line count lags behind on CRLF files.
    let mut lines = LineAt::new(bytes);
    for rec in rdr.byte_records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.at(p.byte()));
                sink.bad(line, "-", format!("malformed CSV: {e}"))?;
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| lines.at(p.byte()));
        let mut fields = Vec::with_capacity(rec.len());
        let mut bad_utf8 = None;
        for (k, f) in rec.iter().enumerate() {
            match std::str::from_utf8(f) {
                Ok(s) => fields.push(s.to_string()),
                Err(_) => {
                    bad_utf8 = Some(
                        headers
                            .get(k)
                            .cloned()
                            .unwrap_or_else(|| format!("column {}", k + 1)),
                    );
                    break;
                }
            }
        }
        if let Some(f) = bad_utf8 {
            sink.bad(line, &f, "invalid UTF-8".into())?;
            continue;
        }
        let get = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|k| fields.get(k).cloned())
        };
        let ex = simple_record(get, line);
        sink.push(ex, line)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Malformed records skipped and counted; labels optional.
    const SKIP_BAD: ReadOptions = ReadOptions {
        skip_bad: true,
        require_label: false,
    };

    fn write(dir: &tempfile::TempDir, name: &str, content: &[u8]) -> PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        p
    }

    #[test]
    fn newsmtsc_lines_give_one_example_per_target_with_char_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let line = r#"{"primary_gid":"g","sentence_normalized":"“Xi” praised Putin’s plan.","targets":[{"Input.gid":"a","from":1,"to":3,"mention":"Xi","polarity":6.0},{"Input.gid":"b","from":13,"to":18,"mention":"Putin","polarity":2.0}]}"#;
        let p = write(&dir, "d.jsonl", format!("{line}\n\n").as_bytes());
        let ds = read_examples(&p, &ReadOptions::default()).unwrap();
        assert_eq!(ds.examples.len(), 2);
        assert_eq!(ds.examples[0].target, "Xi");
        assert_eq!(ds.examples[0].label.as_deref(), Some("supportive"));
        assert_eq!((ds.examples[1].start, ds.examples[1].end), (13, 18));
        assert_eq!(ds.examples[1].label.as_deref(), Some("critical"));
        assert_eq!(ds.examples[1].line, 1);
    }

    #[test]
    fn bad_records_name_line_and_field_or_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let good = r#"{"text":"China backed Russia.","target":"Russia","label":"supportive"}"#;
        let outside = r#"{"sentence_normalized":"Short.","targets":[{"from":2,"to":40,"mention":"x","polarity":2.0}]}"#;
        let unknown = r#"{"sentence_normalized":"Short one.","targets":[{"from":0,"to":5,"mention":"Short","polarity":3.0}]}"#;
        let content = format!("{good}\n{{not json\n{outside}\n{unknown}\n");
        let mut bytes = content.into_bytes();
        bytes.extend_from_slice(b"{\"text\":\"\xff\xfe\",\"target\":\"x\"}\n");
        let p = write(&dir, "d.jsonl", &bytes);
        let err = read_examples(&p, &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("d.jsonl:2"), "{err}");
        let ds = read_examples(&p, &SKIP_BAD).unwrap();
        assert_eq!(ds.examples.len(), 1);
        let lines: Vec<(usize, &str)> = ds
            .skipped
            .iter()
            .map(|s| (s.line, s.field.as_str()))
            .collect();
        assert_eq!(
            lines,
            vec![
                (2, "-"),
                (3, "targets[0].to"),
                (4, "targets[0].polarity"),
                (5, "-")
            ]
        );
    }

    #[test]
    fn empty_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "e.jsonl", b"\n\n");
        let err = read_examples(&p, &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("no examples"), "{err}");
    }

    #[test]
    fn simple_layout_finds_first_whole_word_and_checks_spans() {
        let dir = tempfile::tempdir().unwrap();
        let content = "{\"text\":\"Chinatown is not China.\",\"target\":\"China\",\"label\":2}\n\
                       {\"text\":\"abc\",\"target\":\"abc\",\"start\":0,\"end\":2}\n";
        let p = write(&dir, "s.jsonl", content.as_bytes());
        let ds = read_examples(&p, &SKIP_BAD).unwrap();
        assert_eq!((ds.examples[0].start, ds.examples[0].end), (17, 22));
        assert_eq!(ds.examples[0].label.as_deref(), Some("critical"));
        assert_eq!(ds.skipped[0].field, "target");
    }

    #[test]
    fn numeric_labels_must_be_newsmtsc_polarities() {
        let dir = tempfile::tempdir().unwrap();
        let content = "{\"text\":\"Beijing praised Moscow.\",\"target\":\"Moscow\",\"label\":6}\n\
                       {\"text\":\"Beijing praised Moscow.\",\"target\":\"Moscow\",\"label\":7}\n";
        let p = write(&dir, "n.jsonl", content.as_bytes());
        let err = read_examples(&p, &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("n.jsonl:2") && err.contains("label 7"),
            "{err}"
        );
    }

    #[test]
    fn csv_layout() {
        let dir = tempfile::tempdir().unwrap();
        let content = "text,target,label\n\"Moscow, said the paper, lied.\",Moscow,AGAINST\nNo target here,Paris,FAVOR\n";
        let p = write(&dir, "s.csv", content.as_bytes());
        let ds = read_examples(
            &p,
            &ReadOptions {
                skip_bad: true,
                require_label: true,
            },
        )
        .unwrap();
        assert_eq!(ds.examples.len(), 1);
        assert_eq!(ds.examples[0].label.as_deref(), Some("AGAINST"));
        assert_eq!(ds.skipped.len(), 1);
        assert_eq!(ds.skipped[0].line, 3);
        // The same lines with CRLF ends, and a record whose quoted text spans two lines before
        // the bad one: the bad record is still named by the line it starts on.
        let crlf = "text,target,label\r\n\"Moscow, said\r\nthe paper, lied.\",Moscow,AGAINST\r\nParis gained,Paris,FAVOR\r\nNo target here,Paris,FAVOR\r\n";
        let p = write(&dir, "crlf.csv", crlf.as_bytes());
        let opts = ReadOptions {
            skip_bad: true,
            require_label: true,
        };
        let ds = read_examples(&p, &opts).unwrap();
        assert_eq!(ds.examples.len(), 2);
        assert_eq!(ds.skipped.len(), 1);
        assert_eq!(ds.skipped[0].line, 5);
    }

    #[test]
    fn whole_word_search() {
        assert_eq!(find_whole_word("US and USA", "USA"), Some((7, 10)));
        assert_eq!(find_whole_word("the us and US", "US"), Some((11, 13)));
        assert_eq!(find_whole_word("xChina", "China"), None);
    }
}
