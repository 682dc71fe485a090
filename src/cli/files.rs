//! Every command's files, planned in one place before the command runs: what it reads (data,
//! article folders, model folders, gazetteers, gold files) and what it writes, checked by
//! [`stance::io::guard::RunFiles`] so that no output overwrites an input or another output.
use super::args::{ArticleArgs, ModelArgs};
use super::Command;
use stance::io::guard::RunFiles;
use stance::store::ModelSource;
use std::path::{Path, PathBuf};

const PLOT_FILES: [&str; 3] = ["confusion.svg", "per-label.svg", "reliability.svg"];
pub(crate) const TABLE_FILES: [&str; 5] = [
    "overview.csv",
    "over_time.csv",
    "by_group.csv",
    "holders.csv",
    "evidence.csv",
];

/// A local model folder named by `--model` (or the default one); hub ids are not files here.
fn model_folder(name: Option<&str>) -> Option<PathBuf> {
    let src = match name {
        Some(m) => stance::commands::resolve_model(m).ok()?,
        None => stance::commands::default_model().ok()?,
    };
    match src {
        ModelSource::Dir(p) => Some(p),
        ModelSource::Hub { .. } => None,
    }
}

fn read_model(files: &mut RunFiles, flag: &str, name: Option<&str>) {
    if let Some(dir) = model_folder(name) {
        files.read(flag, dir);
    }
}

/// The articles (every file an input names) and the gazetteer files.
fn read_articles(files: &mut RunFiles, a: &ArticleArgs) {
    scan_inputs(files, &a.inputs);
    for p in &a.actors.actors {
        files.read("--actors", p);
    }
}

/// The articles and gazetteer files read, and the `--output` written (a JSONL file, or none:
/// standard output).
fn articles_to(files: &mut RunFiles, a: &ArticleArgs, output: Option<&PathBuf>) {
    read_articles(files, a);
    files.write_opt("--output", output);
}

fn model_args(files: &mut RunFiles, m: &ModelArgs) {
    read_model(files, "--model", m.model.as_deref());
}

/// `OUT.partial`, where `score` writes before the final rename.
fn partial_of(out: &Path) -> PathBuf {
    let mut p = out.as_os_str().to_owned();
    p.push(".partial");
    PathBuf::from(p)
}

/// Article inputs: each scanned (a folder with everything in it), and an article file's sidecar
/// (`NAME.json`, read as its metadata) too.
fn scan_inputs(files: &mut RunFiles, inputs: &[String]) {
    for i in inputs {
        files.scan("INPUT", i);
        let p = Path::new(i);
        let article = p
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("txt") || e.eq_ignore_ascii_case("md"));
        let side = stance::io::articles::sidecar_of(p);
        if article && side.is_file() {
            files.read("INPUT (its sidecar)", side);
        }
    }
}

/// The files of `command`.
pub(crate) fn plan(command: &Command) -> RunFiles {
    let mut f = RunFiles::new();
    match command {
        Command::Score(a) => {
            read_articles(&mut f, &a.articles);
            model_args(&mut f, &a.model);
            if let Some(o) = &a.output {
                f.write("--output", o);
                if !stance::io::guard::is_special(o) {
                    let part = partial_of(o);
                    let mut settings = part.clone().into_os_string();
                    settings.push(".run.json");
                    f.write("--output (its partial file)", &part);
                    f.write("--output (its settings file)", PathBuf::from(settings));
                }
            }
            f.write_opt("--summary", a.summary.as_ref());
        }
        Command::Mentions(a) => {
            articles_to(&mut f, &a.articles, a.output.as_ref());
            f.write_opt("--report", a.report.as_ref());
        }
        Command::Pairs(a) => articles_to(&mut f, &a.articles, a.output.as_ref()),
        Command::Predict(a) => {
            model_args(&mut f, &a.model);
            f.read_opt("--input", a.input.as_ref());
            f.write_opt("--output", a.output.as_ref());
        }
        Command::Eval(a) => {
            model_args(&mut f, &a.model);
            f.read("--data", &a.data);
            f.write_opt("--report", a.report.as_ref());
            f.write_opt("--predictions", a.predictions.as_ref());
            if let Some(d) = &a.plot {
                f.write_into("--plot", d, &PLOT_FILES);
            }
        }
        Command::Report(a) => {
            for i in &a.inputs {
                f.read("INPUT", i);
            }
            f.write("--output", &a.output);
            if let Some(t) = &a.tables {
                f.write_into("--tables", t, &TABLE_FILES);
            }
        }
        Command::Train(a) => {
            // The library checks the same files again when it runs (also for callers from
            // Python); the CLI checks before loading anything, with the teacher's shipped name
            // or hub id resolved to its folder.
            // (The files do not depend on the thread count.)
            if let Ok(cfg) = super::train::train_config(a, 1) {
                f = cfg.planned_files();
            }
            if let Some(t) = &a.teacher {
                read_model(&mut f, "--teacher", Some(t));
            }
        }
        Command::Average(a) => {
            for m in &a.models {
                read_model(&mut f, "--model", Some(m));
            }
            for d in &a.dev {
                f.read("--dev", d);
            }
            f.write_into("--output", &a.output, &stance::store::dir::MODEL_FILES);
        }
        // Rewrites the model's stance.json in place, by design; reads only --dev files.
        Command::Calibrate(_) => {}
    }
    f
}
