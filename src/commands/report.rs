//! `stance report`: `score` output in, one self-contained HTML report (and optionally CSV tables)
//! out: actors overview with the stance index and its bootstrap interval, the index over time,
//! by group (outlet), the evidence sentences, and where it all came from.

use crate::error::{Error, Result};
use crate::report::dates::Period;
use crate::report::html::{render, write_tables, Layout, Provenance};
use crate::report::tally::{SkippedLine, Tally, TallyOptions};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct ReportConfig {
    /// `score` output files (JSONL).
    pub inputs: Vec<PathBuf>,
    /// The HTML file (written atomically).
    pub out: PathBuf,
    /// CSV tables into this folder, if given.
    pub tables: Option<PathBuf>,
    pub by: Period,
    pub date_fields: Vec<String>,
    pub group_by: Option<String>,
    pub actors: Option<Vec<String>>,
    pub top: usize,
    /// A model directory or shipped name whose card scores the report names.
    pub model: Option<String>,
    pub seed: u64,
}

#[derive(Debug)]
pub struct ReportStats {
    pub lines: usize,
    pub documents: usize,
    pub actors: usize,
    pub skipped: usize,
    pub first_skipped: Vec<SkippedLine>,
    pub dates_missing: usize,
    pub dates_unparsed: usize,
    /// Actor entries left out for invalid scores.
    pub actors_invalid: usize,
}

pub fn report(cfg: &ReportConfig) -> Result<ReportStats> {
    let mut tally = Tally::new(TallyOptions {
        by: cfg.by,
        date_fields: cfg.date_fields.clone(),
        group_field: cfg.group_by.clone(),
        seed: cfg.seed,
        ..TallyOptions::default()
    });
    refuse_repeated_inputs(&cfg.inputs)?;
    for p in &cfg.inputs {
        let (records, skipped) = tally.read_file(p)?;
        if records == 0 && skipped > 0 {
            let first = tally
                .skipped
                .iter()
                .rev()
                .find(|k| k.source == p.display().to_string())
                .map_or(String::new(), |k| {
                    format!(" (line {}: {})", k.line, k.message)
                });
            return Err(Error::Input {
                path: p.clone(),
                message: format!(
                    "none of its {skipped} lines is a `stance score` record{first}: give score output (JSONL), not CSV output, a --summary file or `mentions` output"
                ),
            });
        }
    }
    let layout = Layout {
        top: cfg.top.max(1),
        actors: cfg.actors.clone(),
        thin: 5,
        seed: cfg.seed,
    };
    let prov = Provenance {
        inputs: cfg.inputs.iter().map(|p| p.display().to_string()).collect(),
        model: cfg.model.as_deref().map(describe_model).transpose()?,
    };
    let html = render(&tally, &layout, &prov)?;
    if let Some(dir) = &cfg.tables {
        // Before the page is written: a tables folder that cannot be made fails the run with
        // nothing written.
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    crate::io::atomic::write_bytes(&cfg.out, html.as_bytes())?;
    if let Some(dir) = &cfg.tables {
        write_tables(&tally, &layout, dir)?;
    }
    Ok(ReportStats {
        lines: tally.lines,
        documents: tally.documents,
        actors: tally.actors.len(),
        skipped: tally.skipped_count,
        first_skipped: tally.skipped.clone(),
        dates_missing: tally.dates_missing,
        dates_unparsed: tally.dates_unparsed,
        actors_invalid: tally.actors_invalid,
    })
}

/// The same file given twice (by path, another spelling, or the same contents) would count
/// every sentence twice and narrow every interval: refused.
fn refuse_repeated_inputs(inputs: &[std::path::PathBuf]) -> Result<()> {
    let mut seen: Vec<(std::path::PathBuf, String, &std::path::PathBuf)> = Vec::new();
    for p in inputs {
        let canonical = p.canonicalize().map_err(|e| Error::io(p, e))?;
        let hash = crate::io::hash::fnv_file(p)?;
        if let Some((_, _, first)) = seen.iter().find(|(c, h, _)| *c == canonical || *h == hash) {
            return Err(Error::Config(format!(
                "{} and {} are the same score file (same path or same contents): each sentence would count twice",
                first.display(),
                p.display()
            )));
        }
        seen.push((canonical, hash, p));
    }
    Ok(())
}

/// `name (base, dev F1m …)` from a model's `stance.json`.
fn describe_model(arg: &str) -> Result<String> {
    let src = crate::store::shipped::resolve_model(arg)?;
    let meta_path = src
        .file(crate::model::meta::META_FILE, true)?
        .ok_or_else(|| Error::Config(format!("{arg}: no stance.json")))?;
    let meta = crate::model::StanceMeta::read(&meta_path)?;
    let dev: Vec<String> = meta.dev_scores["scores"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| {
                    let data = s["data"].as_str()?;
                    let name = std::path::Path::new(data).file_name()?.to_string_lossy();
                    Some(format!("{name} F1m {:.2}", 100.0 * s["f1m"].as_f64()?))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(format!(
        "{arg} (base {}; {})",
        meta.base_model,
        if dev.is_empty() {
            "no dev scores recorded".into()
        } else {
            dev.join(", ")
        }
    ))
}
