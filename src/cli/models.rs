//! `stance average` and `stance calibrate`: commands on trained model directories.
use super::progress::report_skips;
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct AverageArgs {
    /// A trained model directory or hub id (repeat: at least two). They must share labels,
    /// tokenizer, config, marker and pooling; fine-tuning runs of one base differing in seed or
    /// data order are what averaging is for. A model given k times counts k times (a weighted
    /// mean, e.g. a mean of three runs given three times beside one new run).
    #[arg(long = "model", value_name = "DIR|ID", required = true, num_args = 1)]
    pub(crate) models: Vec<String>,
    /// Labelled file to score the average on (repeatable); the scores go to stance.json.
    #[arg(long, value_name = "FILE")]
    pub(crate) dev: Vec<PathBuf>,
    /// Output model directory (written atomically).
    #[arg(short, long, visible_alias = "out", value_name = "DIR")]
    pub(crate) output: PathBuf,
    /// Store the weights in f16 (half the size).
    #[arg(long)]
    pub(crate) save_f16: bool,
    /// Skip malformed dev records (reported) instead of stopping at the first.
    #[arg(long)]
    pub(crate) skip_bad: bool,
    /// Write into --output even when it exists and is not empty (without it that is refused).
    #[arg(long)]
    pub(crate) overwrite: bool,
}

#[derive(Args)]
pub(crate) struct CalibrateArgs {
    /// Trained model directory to calibrate (its stance.json is rewritten atomically).
    #[arg(long, value_name = "DIR")]
    pub(crate) model: PathBuf,
    /// Labelled dev file to fit on (repeatable; pooled). Never the test set you report.
    #[arg(long, value_name = "FILE", required = true)]
    pub(crate) dev: Vec<PathBuf>,
    /// Skip malformed dev records (reported) instead of stopping at the first.
    #[arg(long)]
    pub(crate) skip_bad: bool,
    /// Arithmetic of the linear layers on CPU (the one the model will be run with).
    #[arg(long, value_enum, ignore_case = true, default_value_t = stance::model::Precision::Int8)]
    pub(crate) precision: stance::model::Precision,
    /// After the temperature, also fit Platt scaling of the top probability
    /// (p_top ← σ(a·logit(p_top) + b), labels unchanged). On NewsMTSC it beat the temperature
    /// alone in cross-validation on the dev sets but did worse on test-rw for every shipped model
    /// (models/CALIBRATION.md)
    #[arg(long)]
    pub(crate) top_platt: bool,
    /// After the temperature, also fit an isotonic (monotone step) map of the top probability,
    /// labels unchanged: the default model's calibration (models/CALIBRATION.md, plan 10)
    #[arg(long, conflicts_with = "top_platt")]
    pub(crate) top_isotonic: bool,
}

pub(crate) fn run_average(a: AverageArgs) -> Result<()> {
    let cfg = stance::train::average::AverageConfig {
        models: a.models,
        dev: a.dev,
        out: a.output,
        save_f16: a.save_f16,
        skip_bad: a.skip_bad,
        overwrite: a.overwrite,
    };
    let out = stance::train::average::average(&cfg, &|m| super::progress::summary(m))
        .with_context(|| format!("averaging into {}", cfg.out.display()))?;
    print_dev(&out.skipped, &out.dev, |d| {
        format!(
            "{}: F1m {:.2}, accuracy {:.2}",
            d.data,
            100.0 * d.f1m,
            100.0 * d.accuracy
        )
    })?;
    outln!(
        "average of {} models ({} weights) written to {}",
        out.models,
        out.weights,
        cfg.out.display()
    );
    Ok(())
}

pub(crate) fn run_calibrate(a: CalibrateArgs) -> Result<()> {
    let cfg = stance::train::calibrate::CalibrateConfig {
        model: a.model,
        dev: a.dev,
        skip_bad: a.skip_bad,
        precision: a.precision,
        top_map: match (a.top_platt, a.top_isotonic) {
            (true, _) => stance::model::TopMapKind::Platt,
            (_, true) => stance::model::TopMapKind::Isotonic,
            _ => stance::model::TopMapKind::None,
        },
    };
    let out = stance::train::calibrate::calibrate(&cfg)
        .with_context(|| format!("calibrating {}", cfg.model.display()))?;
    print_dev(&out.skipped, &out.dev, |d| {
        let (b, a) = (&d.before, &d.after);
        format!(
            "{}: ECE {:.4} -> {:.4}, NLL {:.4} -> {:.4}",
            d.data, b.ece, a.ece, b.nll, a.nll
        )
    })?;
    let map = match (&out.top_map, cfg.top_map) {
        (Some(m), _) => format!(", {}", m.describe()),
        (None, stance::model::TopMapKind::None) => String::new(),
        (None, _) => ", no top-probability map (nothing to fit)".into(),
    };
    outln!(
        "temperature {:.4}{map} written to {}",
        out.temperature,
        cfg.model.join("stance.json").display()
    );
    Ok(())
}

/// The dev data's skipped records, then one line per dev file.
fn print_dev<T>(
    skipped: &[stance::io::Skip],
    rows: &[T],
    line: impl Fn(&T) -> String,
) -> Result<()> {
    report_skips(std::path::Path::new("the dev data"), skipped);
    for d in rows {
        outln!("{}", line(d));
    }
    Ok(())
}
