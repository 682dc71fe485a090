//! The score output: one JSONL record per sentence with at least one actor, or one CSV row per
//! (sentence, actor); the per-document summary rows; and the reader of a partial output that
//! `--resume` continues.

use crate::error::{Error, Result};
use crate::text::actors::Via;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::Path;

/// Output layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    #[default]
    Jsonl,
    Csv,
}

/// A mention in the output: offsets are characters within the sentence; `via` says how it was
/// found (`alias`, `surname`, `title`, `demonym`, `discovered`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MentionOut {
    pub text: String,
    pub start: usize,
    pub end: usize,
    #[serde(default)]
    pub via: Via,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ActorStance {
    pub actor: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affiliation: Option<String>,
    pub mentions: Vec<MentionOut>,
    pub stance: String,
    pub scores: BTreeMap<String, f32>,
    /// Whose stance this is, when the sentence says it (a quote's speaker, the subject of a
    /// reporting verb); absent for the author's own voice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
}

/// One output line: a sentence with at least one actor.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SentenceOut {
    pub doc: String,
    /// Index of the sentence in the document (all sentences counted).
    pub sentence: usize,
    /// Character offsets of the sentence in the document.
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub actors: Vec<ActorStance>,
    /// The model that scored the line: `NAME@HASH` (see `StanceModel::fingerprint`); absent in
    /// output of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// Per document and actor.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SummaryRow {
    pub doc: String,
    pub actor: String,
    pub kind: String,
    pub sentences: usize,
    pub counts: BTreeMap<String, usize>,
    /// Mean over sentences of P(supportive) − P(critical); absent for label sets without both.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_support_minus_critical: Option<f64>,
    /// Holder → stance → sentences: who takes which stance toward this actor.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub holders: BTreeMap<String, BTreeMap<String, usize>>,
}

/// The CSV columns: one row per (sentence, actor), a probability column per label.
pub fn csv_header(labels: &[String]) -> Vec<String> {
    let mut h: Vec<String> = [
        "doc",
        "sentence",
        "sentence_start",
        "sentence_end",
        "actor",
        "kind",
        "affiliation",
        "mentions",
        "via",
        "stance",
        "holder",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    h.extend(labels.iter().map(|l| format!("p_{l}")));
    h.push("text".into());
    h.push("model".into());
    h
}

/// Writes one document's lines in `format` (CSV: one row per actor).
pub fn write_lines(
    w: &mut dyn Write,
    lines: &[SentenceOut],
    format: Format,
    labels: &[String],
) -> std::io::Result<()> {
    match format {
        Format::Jsonl => {
            for l in lines {
                serde_json::to_writer(&mut *w, l)?;
                w.write_all(b"\n")?;
            }
        }
        Format::Csv => {
            let mut c = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(&mut *w);
            for l in lines {
                for a in &l.actors {
                    let mut row = vec![
                        l.doc.clone(),
                        l.sentence.to_string(),
                        l.start.to_string(),
                        l.end.to_string(),
                        a.actor.clone(),
                        a.kind.clone(),
                        a.affiliation.clone().unwrap_or_default(),
                        a.mentions
                            .iter()
                            .map(|m| m.text.as_str())
                            .collect::<Vec<_>>()
                            .join("|"),
                        a.mentions
                            .iter()
                            .map(|m| m.via.as_str())
                            .collect::<Vec<_>>()
                            .join("|"),
                        a.stance.clone(),
                        a.holder.clone().unwrap_or_default(),
                    ];
                    row.extend(
                        labels
                            .iter()
                            .map(|lb| format!("{:.4}", a.scores.get(lb).copied().unwrap_or(0.0))),
                    );
                    row.push(l.text.clone());
                    row.push(l.model.clone().unwrap_or_default());
                    c.write_record(&row).map_err(std::io::Error::other)?;
                }
            }
            c.flush()?;
        }
    }
    Ok(())
}

/// Writes the CSV header line.
pub fn write_csv_header(w: &mut dyn Write, labels: &[String]) -> std::io::Result<()> {
    let mut c = csv::Writer::from_writer(w);
    c.write_record(csv_header(labels))
        .map_err(std::io::Error::other)?;
    c.flush()
}

/// What a partial output holds.
#[derive(Debug, Default)]
pub struct Partial {
    /// Ids of the complete documents (all but the last, which may be cut off).
    pub done: HashSet<String>,
    /// The models named by its complete records (`NAME@HASH`; none for older output).
    pub models: HashSet<String>,
    /// Bytes to keep: everything before the last document.
    pub keep: u64,
}

/// Reads a partial output. `on_document` sees the lines of each complete document (JSONL only:
/// CSV rows do not hold whole lines). CSV records are read as CSV (a quoted field may span
/// lines); a partial in the other format is an error.
pub fn read_partial(
    path: &Path,
    format: Format,
    labels: &[String],
    on_document: &mut dyn FnMut(&[SentenceOut]),
) -> Result<Partial> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let mismatch = |what: &str| {
        Error::Input {
            path: path.to_path_buf(),
            message: format!("--resume: this partial output is not {what}: resume with the --format it was started with"),
        }
    };
    // (document id, byte offset where its record starts) for every complete record.
    let mut records: Vec<(String, u64)> = Vec::new();
    let mut models: HashSet<String> = HashSet::new();
    match format {
        Format::Jsonl => {
            let mut doc_lines: Vec<SentenceOut> = Vec::new();
            let mut pos = 0u64;
            for line in bytes.split_inclusive(|&b| b == b'\n') {
                if line.last() != Some(&b'\n') {
                    break; // cut off mid-write
                }
                let Ok(l) = serde_json::from_slice::<SentenceOut>(line) else {
                    if pos == 0 {
                        return Err(mismatch("JSONL"));
                    }
                    break;
                };
                if doc_lines.last().is_some_and(|x| x.doc != l.doc) {
                    on_document(&doc_lines);
                    doc_lines.clear();
                }
                records.push((l.doc.clone(), pos));
                models.extend(l.model.clone());
                doc_lines.push(l);
                pos += line.len() as u64;
            }
            // `doc_lines` now holds the last document, which is scored again: not reported.
        }
        Format::Csv => {
            let header = csv_header(labels);
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(&bytes[..]);
            let mut rec = csv::ByteRecord::new();
            let mut first = true;
            loop {
                let start = rdr.position().byte();
                match rdr.read_byte_record(&mut rec) {
                    Ok(true) => {}
                    _ => break,
                }
                let end = rdr.position().byte();
                // A record is complete when its line end was written.
                if end as usize > bytes.len() || bytes.get(end as usize - 1) != Some(&b'\n') {
                    break;
                }
                if first {
                    first = false;
                    let got: Vec<&[u8]> = rec.iter().collect();
                    let want: Vec<&[u8]> = header.iter().map(|h| h.as_bytes()).collect();
                    if got != want {
                        return Err(mismatch("CSV with this model's columns"));
                    }
                    continue;
                }
                if rec.len() != header.len() {
                    break;
                }
                records.push((String::from_utf8_lossy(&rec[0]).into_owned(), start));
                let model = String::from_utf8_lossy(&rec[header.len() - 1]).into_owned();
                if !model.is_empty() {
                    models.insert(model);
                }
            }
            if first {
                return Ok(Partial::default());
            }
        }
    }
    let header_end = match format {
        Format::Csv => bytes
            .iter()
            .position(|&b| b == b'\n')
            .map_or(0, |p| p as u64 + 1),
        Format::Jsonl => 0,
    };
    let Some((last_doc, _)) = records.last().cloned() else {
        return Ok(Partial {
            done: HashSet::new(),
            models,
            keep: header_end,
        });
    };
    // The last document is not counted as done: it is scored again from where it starts.
    let keep = records
        .iter()
        .rev()
        .take_while(|r| r.0 == last_doc)
        .last()
        .map_or(header_end, |r| r.1);
    let done = records
        .into_iter()
        .map(|r| r.0)
        .filter(|d| *d != last_doc)
        .collect();
    Ok(Partial { done, models, keep })
}
