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

use crate::aggregate::{candidate_rows, summarise};
use crate::error::{Error, Result};
use crate::infer::InferOptions;
use crate::io::articles::{Document, Documents, Shard};
use crate::io::atomic::{open_locked, AtomicFile};
use crate::io::scores::{read_partial, write_csv_header, write_lines, Partial};
pub use crate::io::scores::{ActorStance, Format, MentionOut, SentenceOut, SummaryRow};
use crate::pipeline::score_documents;
pub use crate::pipeline::ScoreStats;
use crate::store::StanceModel;
use crate::text::actors::Gazetteer;
pub use crate::text::document::{Discover, MentionOptions};
use std::collections::HashSet;
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct ScoreConfig {
    /// Files, folders, JSONL archives, or `-`.
    pub inputs: Vec<String>,
    /// The fields of archive records that hold an article's text and id.
    pub fields: crate::io::articles::InputFields,
    /// Output file; `None` writes to standard output.
    pub output: Option<PathBuf>,
    pub format: Format,
    /// With CSV output: document fields that also get a column of their own.
    pub field_columns: Vec<String>,
    /// Per-document, per-actor summary (JSONL).
    pub summary: Option<PathBuf>,
    pub resume: bool,
    pub infer: InferOptions,
    /// Documents per chunk (the unit of streaming and of resume).
    pub chunk_docs: usize,
    /// A batch the model fails on is counted (its pairs are lost, `pairs_failed`) and the run
    /// goes on; without it the run stops with an error, keeping the partial output.
    pub keep_going: bool,
    /// Score only the documents of this shard (`--shard I/N`).
    pub shard: Option<Shard>,
    /// Demonyms and discovery beyond the gazetteer's names.
    pub mentions: MentionOptions,
    /// Score documents detected as not English too (the models read English only; by default
    /// such documents are reported and not scored).
    pub any_language: bool,
}

pub trait ScoreProgress: Sync {
    fn chunk(&self, _stats: &ScoreStats) {}
}
pub struct NoScoreProgress;
impl ScoreProgress for NoScoreProgress {}

/// Refuses inputs that are missing or not files or folders, and outputs that would destroy or
/// re-read data (an input, a file inside an input folder, the other output): see
/// [`crate::io::guard::RunFiles`].
fn check_paths(cfg: &ScoreConfig) -> Result<()> {
    let mut files = crate::io::guard::RunFiles::new();
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
        files.scan("INPUT", p);
    }
    if let Some(o) = &cfg.output {
        files.write("--output", o);
    }
    if let Some(s) = &cfg.summary {
        files.write("--summary", s);
    }
    files.check()
}

/// The settings besides the model that change what a run writes: the gazetteer (a hash of its
/// actors, `--actors` and `--actor` included), the mention options and the output format. A
/// resumed run must have the same (the model is checked by the fingerprint on every line).
fn run_settings(gaz: &Gazetteer, cfg: &ScoreConfig) -> Result<serde_json::Value> {
    let actors = serde_json::to_vec(gaz.actors()).map_err(|e| Error::Internal(e.to_string()))?;
    let h = crate::io::hash::fnv_update(crate::io::hash::FNV_START, &actors);
    let mut settings = serde_json::json!({
        "gazetteer": format!("{h:016x}"),
        "demonyms": cfg.mentions.demonyms,
        "discover": format!("{:?}", cfg.mentions.discover),
        "format": format!("{:?}", cfg.format),
    });
    // The inputs, as canonical paths: a partial output's last document is scored again from
    // them, so a run resumed on other inputs would lose it.
    settings["inputs"] = cfg
        .inputs
        .iter()
        .map(|i| crate::io::articles::canonical_input(i))
        .collect::<Vec<_>>()
        .into();
    // Recorded only when not the defaults, so that partials of older versions still resume.
    if cfg.fields != crate::io::articles::InputFields::default() {
        settings["text_field"] = cfg.fields.text.clone().into();
        settings["id_field"] = cfg.fields.id.clone().into();
    }
    Ok(settings)
}

/// `OUT.partial.run.json`: the settings of the run writing `OUT.partial` (removed with the
/// partial file when the run completes).
fn settings_file(part: &Path) -> PathBuf {
    let mut p = part.as_os_str().to_owned();
    p.push(".run.json");
    PathBuf::from(p)
}

/// On `--resume`, refuses settings other than those recorded beside the partial output (naming
/// what differs); then records this run's.
fn check_and_record_settings(part: &Path, now: &serde_json::Value, resume: bool) -> Result<()> {
    let file = settings_file(part);
    if resume {
        if let Ok(text) = std::fs::read_to_string(&file) {
            let before: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| Error::model(&file, e.to_string()))?;
            // Partials of versions that did not record their inputs resume as before.
            let mut now_cmp = now.clone();
            if let (None, Some(o)) = (before.get("inputs"), now_cmp.as_object_mut()) {
                o.remove("inputs");
            }
            let differ: Vec<String> = crate::io::differing_fields(&now_cmp, &before)
                .into_iter()
                .map(|(k, current, then)| format!("{k}: {then} then, {current} now"))
                .collect();
            if !differ.is_empty() {
                return Err(Error::Config(format!(
                    "--resume: {} was written with other settings ({}); resume with the same inputs, --actors, --actor, --demonyms, --discover, --format, --text-field and --id-field, or write a new output",
                    part.display(),
                    differ.join("; ")
                )));
            }
        }
    }
    crate::io::atomic::write_bytes(&file, now.to_string().as_bytes())
}

/// Where `score` writes, and what a resumed run already has.
struct Output<'a> {
    sink: Box<dyn Write + 'a>,
    /// Documents complete in the partial output (resume).
    done: HashSet<String>,
    /// Their summary rows.
    summary_before: Vec<SummaryRow>,
}

/// Opens the output: standard output, or `OUT.partial` (locked; on `--resume`, cut back to the
/// documents it holds complete), to be renamed to `OUT` at the end.
fn open_output<'a>(
    cfg: &ScoreConfig,
    partial: Option<&Path>,
    labels: &[String],
    model_id: &str,
    settings: &serde_json::Value,
    stream: &'a mut dyn Write,
) -> Result<Output<'a>> {
    let mut resumed = Resumed::default();
    let sink: Box<dyn Write + 'a> = match (&cfg.output, partial) {
        (Some(out), Some(part)) => {
            if cfg.resume && cfg.summary.is_some() && cfg.format == Format::Csv {
                return Err(Error::Config(
                    "--resume with --summary needs JSONL output".into(),
                ));
            }
            let finished = cfg.resume && !part.exists() && out.exists();
            if finished {
                // A finished output is continued as a partial one (new inputs may follow); its
                // last document is complete, so it is kept, whatever the new inputs hold.
                std::fs::rename(out, part).map_err(|e| Error::io(out, e))?;
            }
            let mut f = open_locked(part)?;
            check_and_record_settings(part, settings, cfg.resume)?;
            if cfg.resume {
                resumed = read_resumed(cfg, part, labels, model_id, finished)?;
            }
            let keep = resumed.keep;
            f.set_len(keep).map_err(|e| Error::io(part, e))?;
            f.seek(std::io::SeekFrom::End(0))
                .map_err(|e| Error::io(part, e))?;
            let mut w = std::io::BufWriter::new(f);
            if keep == 0 && cfg.format == Format::Csv {
                write_csv_header(&mut w, labels, &cfg.field_columns)
                    .map_err(|e| Error::io(part, e))?;
            }
            Box::new(w)
        }
        (Some(out), None) => {
            // A device or pipe: written in place, never replaced by a renamed partial file.
            if cfg.resume {
                return Err(Error::Config(format!(
                    "--resume needs a regular --output file; {} is a device or pipe",
                    out.display()
                )));
            }
            let f = std::fs::OpenOptions::new()
                .append(true)
                .open(out)
                .map_err(|e| Error::io(out, e))?;
            let mut w = std::io::BufWriter::new(f);
            if cfg.format == Format::Csv {
                write_csv_header(&mut w, labels, &cfg.field_columns)
                    .map_err(|e| Error::io(out, e))?;
            }
            Box::new(w)
        }
        (None, _) => {
            if cfg.resume {
                return Err(Error::Config("--resume needs --output FILE".into()));
            }
            let mut w = std::io::BufWriter::new(stream);
            if cfg.format == Format::Csv {
                write_csv_header(&mut w, labels, &cfg.field_columns)
                    .map_err(|e| Error::io("standard output", e))?;
            }
            Box::new(w)
        }
    };
    Ok(Output {
        sink,
        done: resumed.done,
        summary_before: resumed.summary_before,
    })
}

/// What `--resume` keeps of a partial output: its complete documents and their summary rows
/// (none of it without `--resume`).
#[derive(Default)]
struct Resumed {
    keep: u64,
    done: HashSet<String>,
    summary_before: Vec<SummaryRow>,
}

/// Reads the partial output `part` for `--resume`, refusing one scored by another model.
fn read_resumed(
    cfg: &ScoreConfig,
    part: &Path,
    labels: &[String],
    model_id: &str,
    finished: bool,
) -> Result<Resumed> {
    let mut summary_before = Vec::new();
    let want_summary = cfg.summary.is_some();
    let mut on_document = |lines: &[SentenceOut]| {
        if want_summary {
            summary_before.extend(summarise(lines, labels));
        }
    };
    let Partial {
        done, models, keep, ..
    } = read_partial(
        part,
        cfg.format,
        labels,
        &cfg.field_columns,
        finished,
        &mut on_document,
    )?;
    if let Some(other) = models.iter().find(|m| *m != model_id) {
        return Err(Error::Config(format!(
            "--resume: {} was scored by the model {other}, this run's is {model_id}; mixing them would give one output two models' calls: resume with that model, or write a new output",
            part.display()
        )));
    }
    Ok(Resumed {
        keep,
        done,
        summary_before,
    })
}

/// Drops the documents detected as not English from `batch`, each reported as a counted skip.
fn leave_out_other_languages(batch: &mut Vec<Document>, stats: &mut ScoreStats) {
    batch.retain(|d| match crate::text::language::non_english(&d.text) {
        None => true,
        Some((lang, confidence)) => {
            stats.documents_other_language += 1;
            stats.problems.push(crate::io::articles::Problem::skipped(
                d.id.clone(),
                None,
                format!("not English (detected {lang}, confidence {confidence:.2}): not scored, the models read English only (--any-language scores it anyway)"),
            ));
            false
        }
    });
}

/// Runs `score`. `stop` is polled between chunks (Ctrl-C): the partial output is then kept
/// for `--resume` and the stats say `interrupted`. Without `cfg.output` the lines go to
/// `stream` (the CLI passes standard output).
pub fn score(
    model: &StanceModel,
    gaz: &Gazetteer,
    cfg: &ScoreConfig,
    progress: &dyn ScoreProgress,
    stop: &AtomicBool,
    stream: &mut dyn Write,
) -> Result<ScoreStats> {
    let t_start = Instant::now();
    let labels = model.labels().to_vec();
    let mut stats = ScoreStats::default();
    check_paths(cfg)?;
    let partial = partial_path(cfg);
    let Output {
        mut sink,
        done,
        summary_before,
    } = open_output(
        cfg,
        partial.as_deref(),
        &labels,
        &model.fingerprint()?,
        &run_settings(gaz, cfg)?,
        stream,
    )?;
    let out_name = (partial.clone().or_else(|| cfg.output.clone()))
        .unwrap_or_else(|| "standard output".into());
    let io_err = |e: std::io::Error| Error::io(&out_name, e);
    let mut summary = match &cfg.summary {
        Some(p) => Some(SummaryFile::create(p, &summary_before)?),
        None => None,
    };
    let mut docs = Documents::open_with(&cfg.inputs, cfg.fields.clone());
    loop {
        if stop.load(Ordering::SeqCst) {
            stats.interrupted = true;
            break;
        }
        let Some(batch) = next_chunk(&mut docs, cfg, &mut stats) else {
            break;
        };
        let already = batch.iter().filter(|d| done.contains(&d.id)).count();
        stats.documents_resumed += already;
        if let Some(s) = summary
            .as_mut()
            .filter(|_| cfg.mentions.discover == Discover::List)
        {
            s.resumed_candidates(&batch, &done, gaz, &cfg.mentions)?;
        }
        if already == batch.len() {
            continue;
        }
        for d in &batch {
            crate::io::atomic::fault_document(&d.id);
        }
        let outs = score_documents(
            model,
            gaz,
            &cfg.mentions,
            &batch,
            &cfg.infer,
            cfg.keep_going,
            &mut stats,
        )?;
        for (doc, out) in batch.iter().zip(&outs) {
            if done.contains(&doc.id) {
                continue;
            }
            write_lines(
                &mut sink,
                &out.lines,
                cfg.format,
                &labels,
                &cfg.field_columns,
            )
            .map_err(io_err)?;
            if let Some(s) = summary.as_mut() {
                s.write(&summarise(&out.lines, &labels))?;
                if cfg.mentions.discover == Discover::List {
                    s.write(&candidate_rows(&doc.id, &out.candidates))?;
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
    if !stats.interrupted {
        finish(cfg, partial.as_deref(), summary)?;
    }
    Ok(stats)
}

/// Where a file output is written until the run completes: `OUT.partial`.
fn partial_path(cfg: &ScoreConfig) -> Option<PathBuf> {
    cfg.output
        .as_ref()
        .filter(|o| !crate::io::guard::is_special(o))
        .map(|o| {
            let mut p = o.as_os_str().to_owned();
            p.push(".partial");
            PathBuf::from(p)
        })
}

/// The next chunk of documents of this shard and language; `None` at the end of the input.
/// Chunks are cut by input position whatever is already done, so that a resumed run scores
/// each document in the same chunk, hence the same batches, as an uninterrupted one (and
/// writes the same bytes). A chunk partly done is scored whole; only its new documents are
/// written.
fn next_chunk(
    docs: &mut Documents,
    cfg: &ScoreConfig,
    stats: &mut ScoreStats,
) -> Option<Vec<Document>> {
    loop {
        let mut batch: Vec<Document> = docs.by_ref().take(cfg.chunk_docs.max(1)).collect();
        if batch.is_empty() {
            return None;
        }
        if let Some(shard) = cfg.shard {
            let before = batch.len();
            batch.retain(|d| shard.contains(&d.key));
            stats.documents_other_shards += before - batch.len();
        }
        stats.problems.append(&mut docs.problems);
        if !cfg.any_language {
            leave_out_other_languages(&mut batch, stats);
        }
        if !batch.is_empty() {
            return Some(batch);
        }
    }
}

/// The summary file (`--summary`), written atomically: one JSON row per line.
struct SummaryFile {
    file: AtomicFile,
    path: PathBuf,
}

impl SummaryFile {
    /// Starts the file with the rows of documents a resumed run already has.
    fn create(path: &Path, before: &[SummaryRow]) -> Result<Self> {
        let mut s = Self {
            file: AtomicFile::create(path)?,
            path: path.to_path_buf(),
        };
        s.write(before)?;
        Ok(s)
    }

    /// The candidate rows of documents done before an interruption are not in the partial
    /// output: found again (text work only) and added to the summary.
    fn resumed_candidates(
        &mut self,
        batch: &[Document],
        done: &HashSet<String>,
        gaz: &Gazetteer,
        mentions: &MentionOptions,
    ) -> Result<()> {
        for d in batch.iter().filter(|d| done.contains(&d.id)) {
            let a = crate::pipeline::prepare(d, gaz, mentions);
            self.write(&candidate_rows(&d.id, &a.candidates))?;
        }
        Ok(())
    }

    fn write(&mut self, rows: &[SummaryRow]) -> Result<()> {
        for r in rows {
            serde_json::to_writer(&mut self.file, r)
                .map_err(|e| Error::io(&self.path, e.into()))?;
            self.file
                .write_all(b"\n")
                .map_err(|e| Error::io(&self.path, e))?;
        }
        Ok(())
    }
}

/// A completed run: the partial output becomes the output, the summary is committed.
fn finish(cfg: &ScoreConfig, partial: Option<&Path>, summary: Option<SummaryFile>) -> Result<()> {
    if let (Some(out), Some(part)) = (&cfg.output, partial) {
        std::fs::File::open(part)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io(part, e))?;
        crate::io::atomic::fault_point();
        std::fs::rename(part, out).map_err(|e| Error::io(out, e))?;
        let _ = std::fs::remove_file(settings_file(part));
    }
    if let Some(s) = summary {
        s.file.commit()?;
    }
    Ok(())
}
