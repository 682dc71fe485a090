//! `stance score`: articles in, the stance of every sentence toward every actor it mentions out.
//!
//! Documents stream through in chunks (bounded memory whatever the archive size): each chunk
//! is segmented into sentences, actor mentions are found, every (sentence, mention) pair goes
//! through the batched model, mentions of one actor in one sentence are combined (mean of the
//! probabilities), and the sentences with at least one actor are written in input order.
//!
//! A file output is written to `OUT.partial` and renamed to `OUT` when the run completes.
//! `--resume` continues an interrupted run from `OUT.partial`: documents already there are
//! skipped, and the last one, which may have been cut off, is scored again.

use crate::error::{Error, Result};
use crate::infer::{argmax, predict_encoded, InferOptions};
use crate::io::articles::{Document, Documents, Problem};
use crate::io::atomic::AtomicFile;
use crate::store::StanceModel;
use crate::text::actors::Gazetteer;
use crate::text::segment;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    #[default]
    Jsonl,
    Csv,
}

#[derive(Debug, Clone)]
pub struct ScoreConfig {
    /// Files, folders, JSONL archives, or `-`.
    pub inputs: Vec<String>,
    /// Output file; `None` writes to standard output.
    pub output: Option<PathBuf>,
    pub format: Format,
    /// Per-document, per-actor summary (JSONL).
    pub summary: Option<PathBuf>,
    pub resume: bool,
    pub infer: InferOptions,
    /// Documents per chunk (the unit of streaming and of resume).
    pub chunk_docs: usize,
    /// A batch the model fails on is counted (its pairs are lost, `pairs_failed`) and the run
    /// goes on; without it the run stops with an error, keeping the partial output.
    pub keep_going: bool,
}

/// A mention in the output: offsets are characters within the sentence.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MentionOut {
    pub text: String,
    pub start: usize,
    pub end: usize,
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
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ScoreStats {
    pub documents: usize,
    pub documents_resumed: usize,
    pub sentences: usize,
    pub sentences_with_actors: usize,
    pub pairs: usize,
    pub pairs_failed: usize,
    pub problems: Vec<Problem>,
    pub seconds: f64,
    pub seconds_text: f64,
    pub seconds_model: f64,
    pub interrupted: bool,
}

pub trait ScoreProgress: Sync {
    fn chunk(&self, _stats: &ScoreStats) {}
}
pub struct NoScoreProgress;
impl ScoreProgress for NoScoreProgress {}

struct PreparedSentence {
    index: usize,
    start: usize,
    end: usize,
    text: String,
    mentions: Vec<crate::text::actors::Mention>,
}

/// Segments and finds actors in one document.
fn prepare(doc: &Document, gaz: &Gazetteer) -> (usize, Vec<PreparedSentence>) {
    let chars: Vec<char> = doc.text.chars().collect();
    let spans = segment::sentences(&doc.text);
    let n = spans.len();
    let out = spans
        .into_iter()
        .enumerate()
        .filter_map(|(index, s)| {
            let text: String = chars[s.start..s.end].iter().collect();
            let mentions = gaz.find(&text);
            (!mentions.is_empty()).then_some(PreparedSentence {
                index,
                start: s.start,
                end: s.end,
                text,
                mentions,
            })
        })
        .collect();
    (n, out)
}

/// Scores one chunk of documents; returns the output lines per document.
fn score_chunk(
    model: &StanceModel,
    gaz: &Gazetteer,
    docs: &[Document],
    infer: &InferOptions,
    keep_going: bool,
    stats: &mut ScoreStats,
) -> Result<Vec<Vec<SentenceOut>>> {
    let t0 = Instant::now();
    let prepared: Vec<(usize, Vec<PreparedSentence>)> =
        docs.par_iter().map(|d| prepare(d, gaz)).collect();
    // Every (doc, sentence, mention) pair.
    let mut pairs: Vec<(usize, usize, usize)> = Vec::new();
    for (d, (_, sents)) in prepared.iter().enumerate() {
        for (s, sent) in sents.iter().enumerate() {
            for m in 0..sent.mentions.len() {
                pairs.push((d, s, m));
            }
        }
    }
    let encoded: Vec<Result<crate::encode::Encoded>> = pairs
        .par_iter()
        .map(|&(d, s, m)| {
            let sent = &prepared[d].1[s];
            let mention = &sent.mentions[m];
            model
                .pair_encoder
                .encode(&sent.text, mention.start, mention.end)
        })
        .collect();
    let t1 = Instant::now();
    // Move the encodings that succeeded out (no copies); `ok[k]` is the pair index of `items[k]`.
    let (ok, items): (Vec<usize>, Vec<crate::encode::Encoded>) = encoded
        .into_iter()
        .enumerate()
        .filter_map(|(i, e)| e.ok().map(|e| (i, e)))
        .unzip();
    let not_encoded = pairs.len() - ok.len();
    if not_encoded > 0 {
        stats.pairs_failed += not_encoded;
        stats.problems.push(Problem {
            source: "model".into(),
            line: None,
            message: format!("{not_encoded} (sentence, actor) pairs could not be encoded"),
            skipped: false,
        });
    }
    let probs = match predict_encoded(model, &items, infer, &|_| {}) {
        Ok(p) => p,
        Err(e) if keep_going => {
            stats.pairs_failed += items.len();
            let first = docs.first().map(|d| d.id.as_str()).unwrap_or_default();
            stats.problems.push(Problem {
                source: "model".into(),
                line: None,
                message: format!(
                    "the model failed on the {} pairs of {} documents from {first:?}: {e}",
                    items.len(),
                    docs.len()
                ),
                skipped: false,
            });
            vec![Vec::new(); items.len()]
        }
        Err(e) => {
            let first = docs.first().map(|d| d.id.as_str()).unwrap_or_default();
            return Err(Error::Config(format!(
                "the model failed on a chunk of {} documents starting at {first:?}: {e} (the output so far is kept; --keep-going counts such failures and goes on)",
                docs.len()
            )));
        }
    };
    let t2 = Instant::now();
    let mut pair_probs: Vec<Option<Vec<f32>>> = vec![None; pairs.len()];
    for (i, p) in ok.iter().zip(probs) {
        if !p.is_empty() {
            pair_probs[*i] = Some(p);
        }
    }
    // Assemble in input order.
    let labels = &model.meta.labels;
    let actors = gaz.actors();
    let mut cursor = 0;
    let mut out = Vec::with_capacity(docs.len());
    for (d, (n_sent, sents)) in prepared.iter().enumerate() {
        stats.sentences += n_sent;
        let mut lines = Vec::new();
        for sent in sents {
            // actor index → (mentions, summed probabilities, count)
            let mut per_actor: Vec<(usize, Vec<MentionOut>, Vec<f32>, usize)> = Vec::new();
            for m in &sent.mentions {
                let p = pair_probs[cursor].take();
                cursor += 1;
                let entry = match per_actor.iter_mut().position(|e| e.0 == m.actor) {
                    Some(k) => &mut per_actor[k],
                    None => {
                        per_actor.push((m.actor, Vec::new(), vec![0.0; labels.len()], 0));
                        per_actor.last_mut().expect("just pushed")
                    }
                };
                entry.1.push(MentionOut {
                    text: m.text.clone(),
                    start: m.start,
                    end: m.end,
                });
                if let Some(p) = p {
                    for (acc, x) in entry.2.iter_mut().zip(p) {
                        *acc += x;
                    }
                    entry.3 += 1;
                }
            }
            let actor_out: Vec<ActorStance> = per_actor
                .into_iter()
                .filter(|e| e.3 > 0)
                .map(|(a, mentions, sum, n)| {
                    let mean: Vec<f32> = sum.iter().map(|x| x / n as f32).collect();
                    ActorStance {
                        actor: actors[a].name.clone(),
                        kind: actors[a].kind.clone(),
                        affiliation: actors[a].affiliation.clone(),
                        mentions,
                        stance: labels[argmax(&mean)].clone(),
                        scores: labels.iter().cloned().zip(mean).collect(),
                    }
                })
                .collect();
            if !actor_out.is_empty() {
                lines.push(SentenceOut {
                    doc: docs[d].id.clone(),
                    sentence: sent.index,
                    start: sent.start,
                    end: sent.end,
                    text: sent.text.clone(),
                    actors: actor_out,
                    fields: docs[d].fields.clone(),
                });
            }
        }
        stats.sentences_with_actors += lines.len();
        out.push(lines);
    }
    stats.pairs += ok.len();
    stats.seconds_text += (t1 - t0).as_secs_f64() + t2.elapsed().as_secs_f64();
    stats.seconds_model += (t2 - t1).as_secs_f64();
    Ok(out)
}

/// Summary rows of one document's lines.
pub fn summarise(lines: &[SentenceOut], labels: &[String]) -> Vec<SummaryRow> {
    let mut rows: Vec<(SummaryRow, f64, usize)> = Vec::new();
    let has_pn = labels.iter().any(|l| l == "supportive") && labels.iter().any(|l| l == "critical");
    for line in lines {
        for a in &line.actors {
            let k = match rows.iter().position(|r| r.0.actor == a.actor) {
                Some(k) => k,
                None => {
                    rows.push((
                        SummaryRow {
                            doc: line.doc.clone(),
                            actor: a.actor.clone(),
                            kind: a.kind.clone(),
                            sentences: 0,
                            counts: labels.iter().map(|l| (l.clone(), 0)).collect(),
                            mean_support_minus_critical: None,
                        },
                        0.0,
                        0,
                    ));
                    rows.len() - 1
                }
            };
            let r = &mut rows[k];
            r.0.sentences += 1;
            *r.0.counts.entry(a.stance.clone()).or_insert(0) += 1;
            let s = a.scores.get("supportive").copied().unwrap_or(0.0)
                - a.scores.get("critical").copied().unwrap_or(0.0);
            r.1 += s as f64;
            r.2 += 1;
        }
    }
    rows.into_iter()
        .map(|(mut r, sum, n)| {
            if has_pn && n > 0 {
                r.mean_support_minus_critical = Some(sum / n as f64);
            }
            r
        })
        .collect()
}

fn csv_header(labels: &[String]) -> Vec<String> {
    let mut h: Vec<String> = [
        "doc",
        "sentence",
        "sentence_start",
        "sentence_end",
        "actor",
        "kind",
        "affiliation",
        "mentions",
        "stance",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    h.extend(labels.iter().map(|l| format!("p_{l}")));
    h.push("text".into());
    h
}

fn write_lines(
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
                        a.stance.clone(),
                    ];
                    row.extend(
                        labels
                            .iter()
                            .map(|lb| format!("{:.4}", a.scores.get(lb).copied().unwrap_or(0.0))),
                    );
                    row.push(l.text.clone());
                    c.write_record(&row).map_err(std::io::Error::other)?;
                }
            }
            c.flush()?;
        }
    }
    Ok(())
}

/// Reads a partial output: the ids of complete documents, their summary rows (JSONL only),
/// and the byte length to keep (everything before the last document, which may be cut off).
/// CSV records are read as CSV (a quoted field may span lines); a partial in the other format
/// is an error.
fn read_partial(
    path: &Path,
    format: Format,
    labels: &[String],
    want_summary: bool,
) -> Result<(HashSet<String>, Vec<SummaryRow>, u64)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let mismatch = |what: &str| {
        Error::Input {
            path: path.to_path_buf(),
            message: format!("--resume: this partial output is not {what}: resume with the --format it was started with"),
        }
    };
    // (document id, byte offset where its record starts) for every complete record.
    let mut records: Vec<(String, u64)> = Vec::new();
    let mut summary = Vec::new();
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
                if want_summary && doc_lines.last().is_some_and(|x| x.doc != l.doc) {
                    summary.extend(summarise(&doc_lines, labels));
                    doc_lines.clear();
                }
                records.push((l.doc.clone(), pos));
                if want_summary {
                    doc_lines.push(l);
                }
                pos += line.len() as u64;
            }
            // `doc_lines` now holds the last document, which is scored again: no summary.
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
            }
            if first {
                return Ok((HashSet::new(), Vec::new(), 0));
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
        return Ok((HashSet::new(), summary, header_end));
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
    Ok((done, summary, keep))
}

/// Refuses inputs that are missing or not files or folders, and outputs that would destroy or
/// re-read data: an output that is one of the inputs or lies inside an input folder (the next
/// run would score it), and `--summary` equal to the output.
fn check_paths(cfg: &ScoreConfig) -> Result<()> {
    let canon = |p: &Path| -> Option<PathBuf> {
        if let Ok(c) = p.canonicalize() {
            return Some(c);
        }
        let parent = p
            .parent()
            .filter(|x| !x.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        Some(parent.canonicalize().ok()?.join(p.file_name()?))
    };
    let outputs: Vec<(&str, &PathBuf)> = [("--output", &cfg.output), ("--summary", &cfg.summary)]
        .into_iter()
        .filter_map(|(n, p)| p.as_ref().map(|p| (n, p)))
        .collect();
    if let [(_, a), (_, b)] = outputs[..] {
        if canon(a) == canon(b) {
            return Err(Error::Config(format!(
                "--summary and --output are the same file ({})",
                a.display()
            )));
        }
    }
    for inp in cfg.inputs.iter().filter(|i| *i != "-") {
        let p = Path::new(inp);
        match std::fs::metadata(p) {
            Err(e) => {
                return Err(Error::Input {
                    path: p.to_path_buf(),
                    message: format!("cannot read this input: {e}"),
                })
            }
            Ok(m) if !(m.is_file() || m.is_dir()) => {
                return Err(Error::Input {
                    path: p.to_path_buf(),
                    message: "not a regular file or a folder".into(),
                })
            }
            Ok(_) => {}
        }
    }
    for (name, out) in &outputs {
        let Some(o) = canon(out) else { continue };
        for inp in cfg.inputs.iter().filter(|i| *i != "-") {
            let Ok(i) = Path::new(inp).canonicalize() else {
                continue;
            };
            if o == i {
                return Err(Error::Config(format!(
                    "{name} {} is one of the inputs: it would be overwritten",
                    out.display()
                )));
            }
            if i.is_dir() && o.starts_with(&i) {
                return Err(Error::Config(format!(
                    "{name} {} is inside the input folder {inp}: a later run would score it; write it elsewhere",
                    out.display()
                )));
            }
        }
    }
    Ok(())
}

/// Opens `OUT.partial` for writing under an exclusive lock, so that two runs never write one
/// output (the lock goes with the process, also when it is killed).
fn open_locked_partial(part: &Path) -> Result<std::fs::File> {
    if let Some(parent) = part.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(part)
        .map_err(|e| Error::io(part, e))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Config(format!(
            "another stance run is writing this output ({} is locked); wait for it or choose another --output",
            part.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(part, e)),
    }
}

/// Where `score` writes, and what a resumed run already has.
struct Output {
    sink: Box<dyn Write>,
    /// Documents complete in the partial output (resume).
    done: HashSet<String>,
    /// Their summary rows.
    summary_before: Vec<SummaryRow>,
}

/// Opens the output: standard output, or `OUT.partial` (locked; on `--resume`, cut back to the
/// documents it holds complete), to be renamed to `OUT` at the end.
fn open_output(cfg: &ScoreConfig, partial: Option<&Path>, labels: &[String]) -> Result<Output> {
    let mut done = HashSet::new();
    let mut summary_before = Vec::new();
    let sink: Box<dyn Write> = match (&cfg.output, partial) {
        (Some(out), Some(part)) => {
            if cfg.resume && cfg.summary.is_some() && cfg.format == Format::Csv {
                return Err(Error::Config(
                    "--resume with --summary needs JSONL output".into(),
                ));
            }
            if cfg.resume && !part.exists() && out.exists() {
                // A finished output is continued as a partial one (new inputs may follow).
                std::fs::rename(out, part).map_err(|e| Error::io(out, e))?;
            }
            let mut f = open_locked_partial(part)?;
            let keep = if cfg.resume {
                let (d, s, keep) = read_partial(part, cfg.format, labels, cfg.summary.is_some())?;
                done = d;
                summary_before = s;
                keep
            } else {
                0
            };
            f.set_len(keep).map_err(|e| Error::io(part, e))?;
            f.seek(std::io::SeekFrom::End(0))
                .map_err(|e| Error::io(part, e))?;
            let mut w = std::io::BufWriter::new(f);
            if keep == 0 && cfg.format == Format::Csv {
                write_csv_header(&mut w, labels).map_err(|e| Error::io(part, e))?;
            }
            Box::new(w)
        }
        _ => {
            if cfg.resume {
                return Err(Error::Config("--resume needs --output FILE".into()));
            }
            let mut w = std::io::BufWriter::new(std::io::stdout());
            if cfg.format == Format::Csv {
                write_csv_header(&mut w, labels).map_err(|e| Error::io("standard output", e))?;
            }
            Box::new(w)
        }
    };
    Ok(Output {
        sink,
        done,
        summary_before,
    })
}

fn write_csv_header(w: &mut dyn Write, labels: &[String]) -> std::io::Result<()> {
    let mut c = csv::Writer::from_writer(w);
    c.write_record(csv_header(labels))
        .map_err(std::io::Error::other)?;
    c.flush()
}

/// Runs `score`. `stop` is polled between chunks (Ctrl-C): the partial output is then kept
/// for `--resume` and the stats say `interrupted`.
pub fn score(
    model: &StanceModel,
    gaz: &Gazetteer,
    cfg: &ScoreConfig,
    progress: &dyn ScoreProgress,
    stop: &AtomicBool,
) -> Result<ScoreStats> {
    let t_start = Instant::now();
    let labels = model.meta.labels.clone();
    let mut stats = ScoreStats::default();
    check_paths(cfg)?;
    let partial = cfg.output.as_ref().map(|o| {
        let mut p = o.as_os_str().to_owned();
        p.push(".partial");
        PathBuf::from(p)
    });
    let Output {
        mut sink,
        done,
        summary_before: summary_rows_before,
    } = open_output(cfg, partial.as_deref(), &labels)?;
    let out_name = partial
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "standard output".into());
    let io_err = |e: std::io::Error| Error::io(&out_name, e);
    let mut summary = match &cfg.summary {
        Some(p) => {
            let mut f = AtomicFile::create(p)?;
            for r in &summary_rows_before {
                serde_json::to_writer(&mut f, r).map_err(|e| Error::Config(e.to_string()))?;
                f.write_all(b"\n").map_err(|e| Error::io(p, e))?;
            }
            Some(f)
        }
        None => None,
    };

    let mut docs = Documents::open(&cfg.inputs);
    let chunk = cfg.chunk_docs.max(1);
    loop {
        if stop.load(Ordering::SeqCst) {
            stats.interrupted = true;
            break;
        }
        // Chunks are cut by input position whatever is already done, so that a resumed run
        // scores each document in the same chunk, hence the same batches, as an uninterrupted
        // one (and writes the same bytes). A chunk partly done is scored whole; only its new
        // documents are written.
        let batch: Vec<Document> = docs.by_ref().take(chunk).collect();
        if batch.is_empty() {
            break;
        }
        stats.problems.append(&mut docs.problems);
        let already = batch.iter().filter(|d| done.contains(&d.id)).count();
        stats.documents_resumed += already;
        if already == batch.len() {
            continue;
        }
        let lines = score_chunk(model, gaz, &batch, &cfg.infer, cfg.keep_going, &mut stats)?;
        for (doc, doc_lines) in batch.iter().zip(&lines) {
            if done.contains(&doc.id) {
                continue;
            }
            write_lines(&mut sink, doc_lines, cfg.format, &labels).map_err(io_err)?;
            if let Some(s) = summary.as_mut() {
                for r in summarise(doc_lines, &labels) {
                    serde_json::to_writer(&mut *s, &r).map_err(|e| Error::Config(e.to_string()))?;
                    s.write_all(b"\n")
                        .map_err(|e| Error::Config(e.to_string()))?;
                }
            }
        }
        sink.flush().map_err(io_err)?;
        crate::io::atomic::fault_point();
        stats.documents += batch.len() - already;
        stats.seconds = t_start.elapsed().as_secs_f64();
        progress.chunk(&stats);
    }
    sink.flush().map_err(io_err)?;
    drop(sink);
    stats.problems.append(&mut docs.problems);
    stats.seconds = t_start.elapsed().as_secs_f64();
    if stats.interrupted {
        return Ok(stats);
    }
    if let (Some(out), Some(part)) = (&cfg.output, &partial) {
        std::fs::File::open(part)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io(part, e))?;
        crate::io::atomic::fault_point();
        std::fs::rename(part, out).map_err(|e| Error::io(out, e))?;
    }
    if let Some(s) = summary {
        s.commit()?;
    }
    Ok(stats)
}
