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
    /// The `stance` version that wrote the line; absent in output of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// The version written into every score line.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

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

/// The CSV columns: one row per (sentence, actor), a probability column per label (written
/// with the shortest decimal that reads back as the same `f32`), the model and version, and the
/// document's fields as one JSON object, so that a CSV score file holds what its JSONL twin holds.
/// `columns` names fields that also get a column of their own (`--field-columns`), after
/// `version`; a name that is already a column's gets the prefix `field_`.
pub fn csv_header(labels: &[String], columns: &[String]) -> Vec<String> {
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
        "mention_spans",
        "stance",
        "holder",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    h.extend(labels.iter().map(|l| format!("p_{l}")));
    h.push("text".into());
    h.push("model".into());
    h.push("version".into());
    for c in columns {
        let taken = h.contains(c) || c == "fields";
        h.push(if taken {
            format!("field_{c}")
        } else {
            c.clone()
        });
    }
    h.push("fields".into());
    h
}

/// A field's value in its own CSV column: text as it is, other values as JSON, absent as empty.
fn field_cell(fields: &serde_json::Map<String, serde_json::Value>, name: &str) -> String {
    match fields.get(name) {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}

/// Writes one document's lines in `format` (CSV: one row per actor).
pub fn write_lines(
    w: &mut dyn Write,
    lines: &[SentenceOut],
    format: Format,
    labels: &[String],
    columns: &[String],
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
                        a.mentions
                            .iter()
                            .map(|m| format!("{}-{}", m.start, m.end))
                            .collect::<Vec<_>>()
                            .join("|"),
                        a.stance.clone(),
                        a.holder.clone().unwrap_or_default(),
                    ];
                    row.extend(labels.iter().map(|lb| match a.scores.get(lb) {
                        Some(p) => p.to_string(),
                        None => String::new(),
                    }));
                    row.push(l.text.clone());
                    row.push(l.model.clone().unwrap_or_default());
                    row.push(l.version.clone().unwrap_or_default());
                    row.extend(columns.iter().map(|c| field_cell(&l.fields, c)));
                    row.push(if l.fields.is_empty() {
                        String::new()
                    } else {
                        serde_json::Value::Object(l.fields.clone()).to_string()
                    });
                    c.write_record(&row).map_err(std::io::Error::other)?;
                }
            }
            c.flush()?;
        }
    }
    Ok(())
}

/// Writes the CSV header line.
pub fn write_csv_header(
    w: &mut dyn Write,
    labels: &[String],
    columns: &[String],
) -> std::io::Result<()> {
    let mut c = csv::Writer::from_writer(w);
    c.write_record(csv_header(labels, columns))
        .map_err(std::io::Error::other)?;
    c.flush()
}

/// Whether `first_line` is the header of a CSV score file (see [`csv_header`]).
pub fn is_csv_score_header(first_line: &str) -> bool {
    first_line
        .trim_start_matches('\u{feff}')
        .starts_with("doc,sentence,")
}

/// A row of a CSV score file that could not be read: its line and why.
pub type CsvRowError = (u64, String);

/// Reads a CSV score file (the layout of [`csv_header`], with any labels) and hands on each
/// sentence's record: consecutive rows of one (doc, sentence) make one record, as the JSONL
/// output has them. A row that does not fit is handed on as an error with its line; a header
/// without the needed columns is an error for the whole file.
pub fn read_csv_scores(
    r: impl std::io::Read,
    on_record: &mut dyn FnMut(std::result::Result<SentenceOut, CsvRowError>),
) -> std::result::Result<(), String> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(r);
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| format!("no CSV header: {e}"))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let need = |name: &str| col(name).ok_or_else(|| format!("no `{name}` column"));
    let (c_doc, c_sent, c_actor, c_stance, c_text) = (
        need("doc")?,
        need("sentence")?,
        need("actor")?,
        need("stance")?,
        need("text")?,
    );
    let probs: Vec<(usize, String)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| Some((i, h.strip_prefix("p_")?.to_string())))
        .collect();
    if probs.is_empty() {
        return Err("no probability column (`p_LABEL`)".into());
    }
    let opt = |name: &str| col(name);
    let (c_start, c_end, c_kind, c_aff, c_mentions, c_via, c_spans, c_holder) = (
        opt("sentence_start"),
        opt("sentence_end"),
        opt("kind"),
        opt("affiliation"),
        opt("mentions"),
        opt("via"),
        opt("mention_spans"),
        opt("holder"),
    );
    let (c_model, c_version, c_fields) = (opt("model"), opt("version"), opt("fields"));
    let mut current: Option<SentenceOut> = None;
    let mut row = csv::StringRecord::new();
    loop {
        let line = rdr.position().line() + 1;
        match rdr.read_record(&mut row) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                on_record(Err((line, format!("not a CSV row: {e}"))));
                continue;
            }
        }
        let line = row.position().map_or(line, |p| p.line());
        let get = |c: Option<usize>| c.and_then(|c| row.get(c)).unwrap_or("");
        let rec = (|| -> std::result::Result<(SentenceOut, ActorStance), String> {
            let num = |c: Option<usize>, what: &str| -> std::result::Result<usize, String> {
                let v = get(c);
                if v.is_empty() {
                    return Ok(0);
                }
                v.parse()
                    .map_err(|_| format!("`{what}` is {v:?}, not a whole number"))
            };
            let mut scores = BTreeMap::new();
            for (c, label) in &probs {
                let v = get(Some(*c));
                if v.is_empty() {
                    continue;
                }
                let p: f32 = v
                    .parse()
                    .map_err(|_| format!("`p_{label}` is {v:?}, not a number"))?;
                scores.insert(label.clone(), p);
            }
            let text = get(Some(c_text)).to_string();
            let texts: Vec<&str> = get(c_mentions)
                .split('|')
                .filter(|t| !t.is_empty())
                .collect();
            let vias: Vec<&str> = get(c_via).split('|').collect();
            let spans: Vec<&str> = get(c_spans).split('|').collect();
            let mut mentions = Vec::new();
            for (i, t) in texts.iter().enumerate() {
                let span = spans.get(i).and_then(|s| {
                    let (a, b) = s.split_once('-')?;
                    Some((a.parse().ok()?, b.parse().ok()?))
                });
                // Older CSV output has no spans: the first occurrence in the sentence.
                let (start, end) = span.unwrap_or_else(|| {
                    let at = text.find(t).map_or(0, |b| text[..b].chars().count());
                    (at, at + t.chars().count())
                });
                let via = serde_json::from_value(serde_json::Value::String(
                    vias.get(i).copied().unwrap_or("alias").to_string(),
                ))
                .unwrap_or_default();
                mentions.push(MentionOut {
                    text: t.to_string(),
                    start,
                    end,
                    via,
                });
            }
            let some = |c: Option<usize>| Some(get(c).to_string()).filter(|v| !v.is_empty());
            let fields = match get(c_fields) {
                "" => serde_json::Map::new(),
                f => match serde_json::from_str(f) {
                    Ok(serde_json::Value::Object(m)) => m,
                    _ => return Err(format!("`fields` is not a JSON object: {f:?}")),
                },
            };
            let actor = ActorStance {
                actor: get(Some(c_actor)).to_string(),
                kind: get(c_kind).to_string(),
                affiliation: some(c_aff),
                mentions,
                stance: get(Some(c_stance)).to_string(),
                scores,
                holder: some(c_holder),
            };
            if actor.actor.is_empty() {
                return Err("`actor` is empty".into());
            }
            let out = SentenceOut {
                doc: get(Some(c_doc)).to_string(),
                sentence: num(Some(c_sent), "sentence")?,
                start: num(c_start, "sentence_start")?,
                end: num(c_end, "sentence_end")?,
                text,
                actors: Vec::new(),
                model: some(c_model),
                version: some(c_version),
                fields,
            };
            Ok((out, actor))
        })();
        match rec {
            Err(why) => on_record(Err((line, why))),
            Ok((out, actor)) => {
                let same = current
                    .as_ref()
                    .is_some_and(|c| c.doc == out.doc && c.sentence == out.sentence);
                if !same {
                    if let Some(done) = current.take() {
                        on_record(Ok(done));
                    }
                    current = Some(out);
                }
                if let Some(c) = current.as_mut() {
                    c.actors.push(actor);
                }
            }
        }
    }
    if let Some(done) = current {
        on_record(Ok(done));
    }
    Ok(())
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
    columns: &[String],
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
            let header = csv_header(labels, columns);
            let model_column = header.iter().position(|h| h == "model").unwrap_or(0);
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
                let model = String::from_utf8_lossy(&rec[model_column]).into_owned();
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
