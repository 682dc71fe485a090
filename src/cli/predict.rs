//! `stance predict` and `stance eval`.
use super::args::{BatchArgs, ModelArgs};
use super::progress::{progress_bar, report_skips};
use anyhow::{Context, Result};
use clap::Args;
use stance::commands::ModelChoice;
use stance::commands::{evaluate, predict};
use stance::infer::InferOptions;
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct PredictArgs {
    #[command(flatten)]
    pub(crate) model: ModelArgs,
    /// The text (one sentence) to classify; needs --target.
    #[arg(long, conflicts_with = "input", requires = "target")]
    pub(crate) text: Option<String>,
    /// The target mention in --text (its first whole-word occurrence, unless --span is given).
    #[arg(long)]
    pub(crate) target: Option<String>,
    /// Character span START:END of the target in --text (Unicode scalar offsets, END exclusive).
    #[arg(long, value_name = "START:END")]
    pub(crate) span: Option<String>,
    /// A data file: NewsMTSC JSONL, JSONL {text, target, start?, end?, label?, id?}, or CSV with those columns.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) input: Option<PathBuf>,
    /// Write JSONL predictions here (atomically); default, or -: standard output.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Skip malformed records (reported on stderr) instead of stopping at the first.
    #[arg(long)]
    pub(crate) skip_bad: bool,
    #[command(flatten)]
    pub(crate) batch: BatchArgs,
}

#[derive(Args)]
pub(crate) struct EvalArgs {
    #[command(flatten)]
    pub(crate) model: ModelArgs,
    /// Labelled data file (NewsMTSC JSONL, simple JSONL or CSV).
    #[arg(long, value_name = "FILE")]
    pub(crate) data: PathBuf,
    /// Write the full report as JSON here (atomically).
    #[arg(long, value_name = "FILE")]
    pub(crate) report: Option<PathBuf>,
    /// Write the per-example predictions as JSONL here (atomically).
    #[arg(long, value_name = "FILE")]
    pub(crate) predictions: Option<PathBuf>,
    /// Write charts into this folder: confusion matrix, per-label scores, reliability diagram (SVG).
    #[arg(long, value_name = "DIR")]
    pub(crate) plot: Option<PathBuf>,
    /// Skip malformed records and unknown labels (reported) instead of stopping at the first.
    #[arg(long)]
    pub(crate) skip_bad: bool,
    #[command(flatten)]
    pub(crate) batch: BatchArgs,
}

pub(crate) fn run_predict(a: PredictArgs) -> Result<()> {
    let model = ModelChoice::from(&a.model)
        .load()
        .context("loading the model")?;
    let input = match (&a.text, &a.input) {
        (Some(text), None) => {
            let span = match &a.span {
                None => None,
                Some(s) => {
                    let (x, y) = s.split_once(':').context("--span expects START:END")?;
                    Some((
                        x.trim().parse().context("--span START")?,
                        y.trim().parse().context("--span END")?,
                    ))
                }
            };
            predict::PredictInput::Text {
                text: text.clone(),
                target: a.target.clone().unwrap_or_default(),
                span,
            }
        }
        (None, Some(p)) => predict::PredictInput::File {
            path: p.clone(),
            skip_bad: a.skip_bad,
        },
        _ => anyhow::bail!("give either --text with --target, or --input FILE"),
    };
    let single = matches!(input, predict::PredictInput::Text { .. });
    let cfg = predict::PredictConfig {
        input,
        output: a.output.clone(),
        infer: InferOptions::try_from(&a.batch)?,
    };
    let pb = progress_bar(0, "predicting");
    let out = predict::predict(&model, &cfg, &|n| pb.inc(n as u64))?;
    pb.finish_and_clear();
    if let predict::PredictInput::File { path, .. } = &cfg.input {
        report_skips(path, &out.skipped);
    }
    if single {
        let p = &out.predictions[0];
        outln!("{}", p.label);
        for (l, s) in &p.scores {
            outln!("  {l:<12} {s:.4}");
        }
    } else if a.output.is_none() {
        for p in &out.predictions {
            outln!("{}", serde_json::to_string(p)?);
        }
    } else {
        super::progress::summary(&format!(
            "wrote {} predictions to {}",
            out.predictions.len(),
            cfg.output
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        ));
    }
    Ok(())
}

pub(crate) fn run_eval(a: EvalArgs) -> Result<()> {
    let model = ModelChoice::from(&a.model)
        .load()
        .context("loading the model")?;
    let cfg = evaluate::EvalConfig {
        data: a.data.clone(),
        skip_bad: a.skip_bad,
        infer: InferOptions::try_from(&a.batch)?,
    };
    let pb = progress_bar(0, "evaluating");
    let (report, preds) = evaluate::evaluate(&model, &cfg, &|n| pb.inc(n as u64))
        .with_context(|| format!("evaluating on {}", a.data.display()))?;
    pb.finish_and_clear();
    report_skips(&a.data, &report.skipped);
    outln!(
        "model {} ({})\ndata  {}\n",
        report.model,
        report.arithmetic,
        report.data
    );
    {
        use std::io::Write as _;
        write!(std::io::stdout(), "{}", report.metrics.table())?;
    }
    outln!(
        "\ncalibration: ECE {:.4}, NLL {:.4}, mean confidence {:.3} (temperature {:.3}{})",
        report.calibration.ece,
        report.calibration.nll,
        report.calibration.mean_confidence,
        report.temperature,
        match &report.top_map {
            Some(m) => format!(", then {}", m.describe()),
            None => String::new(),
        }
    );
    outln!(
        "\n{:.1} pairs/s ({:.2} s){}",
        report.pairs_per_second,
        report.seconds,
        if report.truncated > 0 {
            format!(
                ", {} sentences cut to the model's length limit",
                report.truncated
            )
        } else {
            String::new()
        }
    );
    if let Some(path) = &a.report {
        stance::io::atomic::write_bytes(path, serde_json::to_string_pretty(&report)?.as_bytes())?;
        super::progress::summary(&format!("report written to {}", path.display()));
    }
    if let Some(dir) = &a.plot {
        evaluate::plot(&report, &preds, dir)
            .with_context(|| format!("writing charts into {}", dir.display()))?;
        super::progress::summary(&format!("charts written to {}", dir.display()));
    }
    if let Some(path) = &a.predictions {
        let mut s = String::new();
        for p in &preds {
            s += &serde_json::to_string(p)?;
            s.push('\n');
        }
        stance::io::atomic::write_bytes(path, s.as_bytes())?;
    }
    Ok(())
}
