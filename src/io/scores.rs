//! The score output: one JSONL record per sentence with at least one actor, or one CSV row per
//! (sentence, actor); the per-document summary rows; and the reader of a partial output that
//! `--resume` continues.

use crate::error::{Error, Result};
use crate::text::actors::Via;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
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

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ActorStance {
    pub actor: String,
    pub kind: String,
    pub affiliation: Option<String>,
    pub mentions: Vec<MentionOut>,
    pub stance: String,
    pub scores: BTreeMap<String, f32>,
    /// Whose stance this is, when the sentence says it (a quote's speaker, the subject of a
    /// reporting verb); absent for the author's own voice.
    pub holder: Option<String>,
}

/// One output line: a sentence with at least one actor.
#[skip_serializing_none]
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
    pub model: Option<String>,
    /// The `stance` version that wrote the line; absent in output of older versions.
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
    let cols = CsvColumns::new(&header)?;
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
        match cols.parse(&row) {
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

/// Where each field is in a CSV score file's rows: the needed columns, the optional ones
/// (`None` when absent: older output), and the probability columns with their labels.
struct CsvColumns {
    doc: usize,
    sentence: usize,
    actor: usize,
    stance: usize,
    text: usize,
    probs: Vec<(usize, String)>,
    start: Option<usize>,
    end: Option<usize>,
    kind: Option<usize>,
    affiliation: Option<usize>,
    mentions: Option<usize>,
    via: Option<usize>,
    spans: Option<usize>,
    holder: Option<usize>,
    model: Option<usize>,
    version: Option<usize>,
    fields: Option<usize>,
}

impl CsvColumns {
    fn new(header: &[String]) -> std::result::Result<Self, String> {
        let col = |name: &str| header.iter().position(|h| h == name);
        let need = |name: &str| col(name).ok_or_else(|| format!("no `{name}` column"));
        let probs: Vec<(usize, String)> = header
            .iter()
            .enumerate()
            .filter_map(|(i, h)| Some((i, h.strip_prefix("p_")?.to_string())))
            .collect();
        if probs.is_empty() {
            return Err("no probability column (`p_LABEL`)".into());
        }
        Ok(Self {
            doc: need("doc")?,
            sentence: need("sentence")?,
            actor: need("actor")?,
            stance: need("stance")?,
            text: need("text")?,
            probs,
            start: col("sentence_start"),
            end: col("sentence_end"),
            kind: col("kind"),
            affiliation: col("affiliation"),
            mentions: col("mentions"),
            via: col("via"),
            spans: col("mention_spans"),
            holder: col("holder"),
            model: col("model"),
            version: col("version"),
            fields: col("fields"),
        })
    }

    /// One row: its sentence (without actors) and the actor's stance.
    fn parse(
        &self,
        row: &csv::StringRecord,
    ) -> std::result::Result<(SentenceOut, ActorStance), String> {
        let get = |c: Option<usize>| c.and_then(|c| row.get(c)).unwrap_or("");
        let num = |c: Option<usize>, what: &str| -> std::result::Result<usize, String> {
            let v = get(c);
            if v.is_empty() {
                return Ok(0);
            }
            v.parse()
                .map_err(|_| format!("`{what}` is {v:?}, not a whole number"))
        };
        let mut scores = BTreeMap::new();
        for (c, label) in &self.probs {
            let v = get(Some(*c));
            if v.is_empty() {
                continue;
            }
            let p: f32 = v
                .parse()
                .map_err(|_| format!("`p_{label}` is {v:?}, not a number"))?;
            scores.insert(label.clone(), p);
        }
        let text = get(Some(self.text)).to_string();
        let mentions = self.mentions_of(&get, &text);
        let some = |c: Option<usize>| Some(get(c).to_string()).filter(|v| !v.is_empty());
        let fields = match get(self.fields) {
            "" => serde_json::Map::new(),
            f => match serde_json::from_str(f) {
                Ok(serde_json::Value::Object(m)) => m,
                _ => return Err(format!("`fields` is not a JSON object: {f:?}")),
            },
        };
        let actor = ActorStance {
            actor: get(Some(self.actor)).to_string(),
            kind: get(self.kind).to_string(),
            affiliation: some(self.affiliation),
            mentions,
            stance: get(Some(self.stance)).to_string(),
            scores,
            holder: some(self.holder),
        };
        if actor.actor.is_empty() {
            return Err("`actor` is empty".into());
        }
        let out = SentenceOut {
            doc: get(Some(self.doc)).to_string(),
            sentence: num(Some(self.sentence), "sentence")?,
            start: num(self.start, "sentence_start")?,
            end: num(self.end, "sentence_end")?,
            text,
            actors: Vec::new(),
            model: some(self.model),
            version: some(self.version),
            fields,
        };
        Ok((out, actor))
    }

    /// The mentions of a row (`|`-separated surface texts, vias and spans).
    fn mentions_of<'r>(
        &self,
        get: &impl Fn(Option<usize>) -> &'r str,
        text: &str,
    ) -> Vec<MentionOut> {
        let texts: Vec<&str> = get(self.mentions)
            .split('|')
            .filter(|t| !t.is_empty())
            .collect();
        let vias: Vec<&str> = get(self.via).split('|').collect();
        let spans: Vec<&str> = get(self.spans).split('|').collect();
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
        mentions
    }
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
    /// The last document, left out of `done` and `keep`: it may have been cut off, so it is
    /// scored again.
    pub last: Option<String>,
}

/// Reads a partial output. `on_document` sees the lines of each complete document (JSONL only:
/// CSV rows do not hold whole lines). CSV records are read as CSV (a quoted field may span
/// lines); a partial in the other format is an error. With `finished` the file is a completed
/// output being continued with more inputs: its last document is complete too, and kept.
pub fn read_partial(
    path: &Path,
    format: Format,
    labels: &[String],
    columns: &[String],
    finished: bool,
    on_document: &mut dyn FnMut(&[SentenceOut]),
) -> Result<Partial> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let mismatch = |what: &str| {
        Error::Input {
        path: path.to_path_buf(),
        message: format!(
            "--resume: this partial output is not {what}: resume with the --format it was started with"
        ),
    }
    };
    let (records, header_end) = match format {
        Format::Jsonl => (
            jsonl_records(&bytes, finished, on_document).ok_or_else(|| mismatch("JSONL"))?,
            0,
        ),
        Format::Csv => {
            let header = csv_header(labels, columns);
            match csv_records(&bytes, &header) {
                CsvPartial::Empty => return Ok(Partial::default()),
                CsvPartial::OtherColumns => return Err(mismatch("CSV with this model's columns")),
                CsvPartial::Records(r) => {
                    let header_end = bytes
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(0, |p| p as u64 + 1);
                    (r, header_end)
                }
            }
        }
    };
    let mut partial = partial_of(records, header_end);
    if finished {
        partial.done.extend(partial.last.take());
        partial.keep = bytes.len() as u64;
    }
    Ok(partial)
}

/// The complete records of a partial output: (document id, byte offset where the record
/// starts, its model), in file order.
type PartialRecords = Vec<(String, u64, Option<String>)>;

/// The complete lines of a JSONL partial output; `on_document` sees every document but the
/// last (which is scored again), and the last too when `finished`. `None` when its first line
/// is not a score line.
fn jsonl_records(
    bytes: &[u8],
    finished: bool,
    on_document: &mut dyn FnMut(&[SentenceOut]),
) -> Option<PartialRecords> {
    let mut records = Vec::new();
    let mut doc_lines: Vec<SentenceOut> = Vec::new();
    let mut pos = 0u64;
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        if line.last() != Some(&b'\n') {
            break; // cut off mid-write
        }
        let Ok(l) = serde_json::from_slice::<SentenceOut>(line) else {
            if pos == 0 {
                return None;
            }
            break;
        };
        if doc_lines.last().is_some_and(|x| x.doc != l.doc) {
            on_document(&doc_lines);
            doc_lines.clear();
        }
        records.push((l.doc.clone(), pos, l.model.clone()));
        doc_lines.push(l);
        pos += line.len() as u64;
    }
    if finished && !doc_lines.is_empty() {
        on_document(&doc_lines);
    }
    Some(records)
}

/// What a CSV partial output holds.
enum CsvPartial {
    /// Not even a complete header.
    Empty,
    /// A header other than this run's.
    OtherColumns,
    Records(PartialRecords),
}

/// The complete records of a CSV partial output (read as CSV: a quoted field may span lines).
fn csv_records(bytes: &[u8], header: &[String]) -> CsvPartial {
    let model_column = header.iter().position(|h| h == "model").unwrap_or(0);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    let mut records = Vec::new();
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
                return CsvPartial::OtherColumns;
            }
            continue;
        }
        if rec.len() != header.len() {
            break;
        }
        let model = String::from_utf8_lossy(&rec[model_column]).into_owned();
        records.push((
            String::from_utf8_lossy(&rec[0]).into_owned(),
            start,
            Some(model).filter(|m| !m.is_empty()),
        ));
    }
    if first {
        CsvPartial::Empty
    } else {
        CsvPartial::Records(records)
    }
}

/// What to keep of a partial output: every document but the last, which may be cut off and
/// is scored again from where it starts (or from `header_end` when there is none).
fn partial_of(records: PartialRecords, header_end: u64) -> Partial {
    let models: HashSet<String> = records.iter().filter_map(|r| r.2.clone()).collect();
    let Some(last_doc) = records.last().map(|r| r.0.clone()) else {
        return Partial {
            done: HashSet::new(),
            models,
            keep: header_end,
            last: None,
        };
    };
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
    Partial {
        done,
        models,
        keep,
        last: Some(last_doc),
    }
}
