//! `stance report`: `score` output in, one self-contained HTML report (and optionally CSV tables)
//! out: actors overview with the stance index and its interval, the index over time on a true
//! time axis, by group (outlet), the evidence sentences, and where it all came from.

use crate::error::{Error, Result};
use crate::report::dates::Period;
use crate::report::html::{render, write_tables, Layout, Provenance};
use crate::report::tally::{SkippedLine, Tally, TallyOptions};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct ReportConfig {
    /// `score` output files (JSONL or CSV).
    pub inputs: Vec<PathBuf>,
    /// The HTML file (written atomically).
    pub out: PathBuf,
    /// CSV tables into this folder, if given.
    pub tables: Option<PathBuf>,
    /// The over-time period; `None`: chosen from the date span.
    pub by: Option<Period>,
    pub date_fields: Vec<String>,
    pub group_by: Option<String>,
    pub actors: Option<Vec<String>>,
    pub top: usize,
    /// A model directory or shipped name whose card scores the report names.
    pub model: Option<String>,
    /// Lines that are not score records are counted and skipped instead of failing the run.
    pub skip_bad: bool,
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
    /// The models named by the lines (`NAME@HASH`) and their line counts.
    pub models: std::collections::BTreeMap<String, usize>,
}

pub fn report(cfg: &ReportConfig) -> Result<ReportStats> {
    let mut tally = Tally::new(TallyOptions {
        by: cfg.by,
        date_fields: cfg.date_fields.clone(),
        group_field: cfg.group_by.clone(),
        skip_bad: cfg.skip_bad,
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
                    "none of its {skipped} lines is a `stance score` record{first}: give `stance score` output (JSONL or --format csv), not a --summary file or `mentions` output"
                ),
            });
        }
    }
    check_names(&tally, cfg)?;
    check_models(&tally, cfg.model.as_deref())?;
    let layout = Layout {
        top: cfg.top.max(1),
        actors: cfg.actors.clone(),
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
        write_tables(&tally, dir)?;
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
        models: tally.models.clone(),
    })
}

/// `--actors` names and the `--group-by` field must be in the data: otherwise the sections they
/// shape would be empty (or one "(none)" group) without saying why.
fn check_names(tally: &Tally, cfg: &ReportConfig) -> Result<()> {
    let some = |names: Vec<&String>| {
        let n = names.len();
        let mut v: Vec<String> = names.into_iter().take(20).cloned().collect();
        if n > 20 {
            v.push(format!("… ({n} in all)"));
        }
        v.join(", ")
    };
    if let Some(asked) = &cfg.actors {
        let missing: Vec<&String> = asked
            .iter()
            .filter(|a| {
                !tally
                    .actors
                    .keys()
                    .any(|k| k.eq_ignore_ascii_case(a.trim()))
            })
            .collect();
        if asked.iter().all(|a| a.trim().is_empty()) {
            return Err(Error::Config(
                "--actors is empty: name at least one actor".into(),
            ));
        }
        if !missing.is_empty() {
            let present: Vec<&String> = tally.ranked().into_iter().map(|(n, _)| n).collect();
            return Err(Error::Config(format!(
                "--actors: {} not in the score files; actors there (most sentences first): {}",
                missing
                    .iter()
                    .map(|m| format!("{m:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                some(present)
            )));
        }
    }
    if let Some(g) = &cfg.group_by {
        if tally.lines > 0 && tally.grouped_lines == 0 {
            return Err(Error::Config(format!(
                "--group-by {g:?}: no score line has this field; fields there: {}",
                if tally.fields_seen.is_empty() {
                    "none".to_string()
                } else {
                    some(tally.fields_seen.iter().collect())
                }
            )));
        }
    }
    Ok(())
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

/// `--model` puts a model's description on the page: it must name a model the lines say scored
/// them (by name: lines name their model `NAME@HASH`), or the page would describe a model that
/// scored nothing in it. Lines of versions that did not name their model pass. (Lines of several
/// models are allowed, e.g. an archive scored before and after a model upgrade; the page and
/// the summary line say so.)
fn check_models(tally: &Tally, model: Option<&str>) -> Result<()> {
    let Some(arg) = model.filter(|_| !tally.models.is_empty()) else {
        return Ok(());
    };
    let name = model_name(arg)?;
    if !tally
        .models
        .keys()
        .any(|m| m.split('@').next() == Some(name.as_str()))
    {
        return Err(Error::Config(format!(
            "--model {arg} ({name}) did not score this input: its lines name {}; give the model that scored it, or leave --model out",
            tally
                .models
                .iter()
                .map(|(m, n)| format!("{m} ({n} lines)"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(())
}

/// The name score lines give a model: its folder's name (a shipped model's short name resolved),
/// or its hub id.
fn model_name(arg: &str) -> Result<String> {
    Ok(match crate::store::shipped::resolve_model(arg)? {
        crate::store::ModelSource::Dir(p) => p
            .file_name()
            .map_or_else(|| arg.to_string(), |n| n.to_string_lossy().into_owned()),
        crate::store::ModelSource::Hub { id, .. } => id,
    })
}

/// `name (base, dev F1m …)` from a model's `stance.json`.
fn describe_model(arg: &str) -> Result<String> {
    let src = crate::store::shipped::resolve_model(arg)?;
    let meta_path = src
        .file(crate::model::meta::META_FILE, true)?
        .ok_or_else(|| Error::Config(format!("{arg}: no stance.json")))?;
    let meta = crate::model::StanceMeta::read(&meta_path)?;
    let dev: Vec<String> = meta
        .dev_scores
        .iter()
        .flat_map(|d| &d.scores)
        .filter_map(|s| {
            let name = std::path::Path::new(&s.data).file_name()?.to_string_lossy();
            Some(format!("{name} F1m {:.2}", 100.0 * s.f1m))
        })
        .collect();
    Ok(format!(
        "{} (base {}; {})",
        model_name(arg)?,
        meta.base_model,
        if dev.is_empty() {
            "no dev scores recorded".into()
        } else {
            dev.join(", ")
        }
    ))
}
