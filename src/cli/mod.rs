//! The command line: flags parsed into typed arguments (one module per command), converted into
//! the library's configs by tested `TryFrom` functions, then run.

/// `println!` that returns the write error (a closed pipe: `stance … | head`) to the caller's
/// `Result` instead of panicking; `main` turns a broken pipe into exit status 0.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*)?;
    }};
}

pub(crate) mod args;
pub(crate) mod files;
pub(crate) mod mentions;
pub(crate) mod models;
pub(crate) mod pairs;
pub(crate) mod predict;
pub(crate) mod progress;
pub(crate) mod report;
pub(crate) mod score;
pub(crate) mod train;

use clap::{Parser, Subcommand};
use stance::device::CpuThreading;

#[derive(Parser)]
#[command(
    name = "stance",
    version,
    about = "Stance of news sentences toward the actors they mention: supportive, neutral or critical."
)]
pub(crate) struct Cli {
    /// Worker threads (default: all cores). Sets the thread pool used by tokenisation and matrix kernels.
    #[arg(long, global = true, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
    pub(crate) threads: Option<usize>,
    /// No progress bars and no closing summary lines on standard error (errors, skipped records
    /// and warnings are still reported).
    #[arg(long, short, global = true)]
    pub(crate) quiet: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Stance toward one target in one text, or for every (text, target) example of a file.
    Predict(predict::PredictArgs),
    /// Evaluate a model on a labelled file: F1m, accuracy, F1pn, per-label scores, confusion matrix.
    Eval(predict::EvalArgs),
    /// Score articles: every sentence's stance toward every actor it mentions (JSONL or CSV out).
    Score(score::ScoreArgs),
    /// A self-contained HTML report (and CSV tables) from score output: actors, stance over time,
    /// by outlet, evidence sentences.
    Report(report::ReportArgs),
    /// The actor mentions of articles and the holder of each stance, without a model (JSONL);
    /// with --gold, their precision and recall on hand-labelled articles.
    Mentions(mentions::MentionsArgs),
    /// Every (sentence, actor mention) of articles as unlabelled pairs (JSONL): data for
    /// `train --unlabelled`, or to label.
    Pairs(pairs::PairsArgs),
    /// Fine-tune a BERT-family encoder (every weight) with the stance head on labelled data.
    Train(Box<train::TrainArgs>),
    /// Average the weights of models fine-tuned from the same base (a uniform "model soup"),
    /// optionally scoring the average on dev sets.
    Average(models::AverageArgs),
    /// Fit a trained model's temperature (then, with --top-isotonic or --top-platt, a map of the
    /// top probability) on labelled dev sets so that its probabilities are calibrated (labels do
    /// not change); written to its stance.json.
    Calibrate(models::CalibrateArgs),
}

impl Cli {
    /// How CPU work is split: training steps that run one batch at a time (one micro-batch, or
    /// on a GPU) use multi-threaded kernels; everything else runs batches in parallel.
    /// `STANCE_KERNEL_THREADS=threaded` forces the former (for measurements).
    pub(crate) fn cpu_threading(&self, kernels_env: Option<&str>) -> CpuThreading {
        let workers = stance::device::thread_count(self.threads);
        match (&self.command, kernels_env) {
            // The micro-batch count training will use, from the same thread count.
            (Command::Train(t), _) => CpuThreading::for_training(
                stance::train::micro_batches_for(&t.device, t.micro_batches, workers, t.batch_size),
                &t.device,
            ),
            (_, Some("threaded")) => CpuThreading::ThreadedKernels,
            _ => CpuThreading::ParallelBatches,
        }
    }

    /// Runs the command on `workers` threads (as the pools were set up with).
    pub(crate) fn run(mut self, workers: usize) -> anyhow::Result<()> {
        progress::set_quiet(self.quiet);
        self.command.dash_output_is_standard_output();
        files::plan(&self.command).check()?;
        match self.command {
            Command::Predict(a) => predict::run_predict(a),
            Command::Eval(a) => predict::run_eval(a),
            Command::Train(a) => train::run_train(*a, workers),
            Command::Average(a) => models::run_average(a),
            Command::Calibrate(a) => models::run_calibrate(a),
            Command::Score(a) => score::run_score(a),
            Command::Pairs(a) => pairs::run_pairs(a),
            Command::Mentions(a) => mentions::run_mentions(a),
            Command::Report(a) => report::run_report(a),
        }
    }
}

impl Command {
    /// `--output -` is standard output (as the input `-` is standard input), for the commands
    /// that write there by default; never a file named `-`.
    fn dash_output_is_standard_output(&mut self) {
        let output = match self {
            Command::Score(a) => &mut a.output,
            Command::Mentions(a) => &mut a.output,
            Command::Pairs(a) => &mut a.output,
            Command::Predict(a) => &mut a.output,
            _ => return,
        };
        if output.as_deref() == Some(std::path::Path::new("-")) {
            *output = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stance::commands::score::ScoreConfig;
    use stance::infer::InferOptions;
    use stance::DeviceSpec;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("stance").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn every_flag_of_every_command_has_help() {
        use clap::CommandFactory;
        let cli = Cli::command();
        let mut checked = 0;
        let mut missing = Vec::new();
        for sub in cli.get_subcommands() {
            for arg in sub.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                checked += 1;
                let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
                if help.trim().len() < 10 {
                    missing.push(format!("{} --{id}", sub.get_name()));
                }
            }
        }
        for arg in cli.get_arguments() {
            let id = arg.get_id().as_str();
            if !matches!(id, "help" | "version") && arg.get_help().is_none() {
                missing.push(format!("--{id}"));
            }
        }
        assert!(cli.get_subcommands().count() >= 9);
        assert!(checked > 100, "{checked}");
        assert!(missing.is_empty(), "flags without help: {missing:?}");
    }

    #[test]
    fn device_names_are_one_type_whatever_their_case() {
        for name in ["cpu", "CPU", " Cpu "] {
            let cli = parse(&["score", "a.txt", "--device", name]);
            let Command::Score(a) = &cli.command else {
                panic!("not score")
            };
            assert_eq!(a.model.device, DeviceSpec::Cpu);
            assert_eq!(cli.cpu_threading(None), CpuThreading::ParallelBatches);
        }
        let cli = parse(&["score", "a.txt", "--device", "CUDA:1"]);
        let Command::Score(a) = &cli.command else {
            panic!("not score")
        };
        assert_eq!(a.model.device, DeviceSpec::Cuda(1));
        assert!(Cli::try_parse_from(["stance", "score", "a", "--device", "tpu"]).is_err());
    }

    #[test]
    fn training_threads_follow_micro_batches_and_device() {
        let base = [
            "train", "--base", "b", "--train", "t", "--out", "o", "--recipe", "base",
        ];
        let plain = parse(&base);
        assert_eq!(plain.cpu_threading(None), CpuThreading::ParallelBatches);
        let one = parse(&[&base[..], &["--micro-batches", "1"]].concat());
        assert_eq!(one.cpu_threading(None), CpuThreading::ThreadedKernels);
        let gpu = parse(&[&base[..], &["--device", "CUDA"]].concat());
        assert_eq!(gpu.cpu_threading(None), CpuThreading::ThreadedKernels);
        // A batch under 8 pairs runs as one micro-batch: on every core's kernels, not one.
        let small = parse(&[&["--threads", "2"][..], &base[..], &["--batch-size", "6"]].concat());
        assert_eq!(small.cpu_threading(None), CpuThreading::ThreadedKernels);
        let large = parse(&[&["--threads", "2"][..], &base[..], &["--batch-size", "16"]].concat());
        assert_eq!(large.cpu_threading(None), CpuThreading::ParallelBatches);
        // One thread: one micro-batch whatever the batch size.
        let one_core =
            parse(&[&["--threads", "1"][..], &base[..], &["--batch-size", "16"]].concat());
        assert_eq!(one_core.cpu_threading(None), CpuThreading::ThreadedKernels);
        assert_eq!(
            parse(&["score", "x"]).cpu_threading(Some("threaded")),
            CpuThreading::ThreadedKernels
        );
        // The training kernels follow from the same decision: the packed single-threaded
        // linear kernel exactly when each product gets one thread.
        let packed = |cli: &Cli, workers: usize| {
            let Command::Train(a) = &cli.command else {
                panic!("not train")
            };
            let path = train::train_config(a, workers).unwrap().kernels();
            matches!(
                path,
                stance::model::layers::Path::Differentiable {
                    packed_linear: true
                }
            )
        };
        assert!(packed(&large, 2), "two micro-batches at once");
        assert!(!packed(&small, 2), "one micro-batch on two threads");
        assert!(!packed(&one, 2));
        assert!(!packed(&gpu, 2));
        assert!(packed(&one_core, 1), "one thread");
    }

    #[test]
    fn train_flags_become_a_config_with_the_recipe_filling_gaps() {
        let cli = parse(&[
            "train",
            "--base",
            "b",
            "--train",
            "t.jsonl",
            "--out",
            "o",
            "--recipe",
            "base",
            "--dev",
            "d1",
            "--dev",
            "d2",
            "--lr",
            "1e-5",
            "--device",
            "CPU",
            "--no-marker",
            "--micro-batches",
            "3",
        ]);
        let Command::Train(a) = &cli.command else {
            panic!("not train")
        };
        let cfg = train::train_config(a, 2).unwrap();
        let recipe = stance::train::Recipe::named("base").unwrap();
        assert_eq!(cfg.lr, 1e-5);
        assert_eq!(cfg.epochs, recipe.epochs);
        assert_eq!(cfg.label_smoothing, recipe.label_smoothing);
        assert_eq!(cfg.dev.len(), 2);
        assert_eq!(cfg.device, DeviceSpec::Cpu);
        assert!(cfg.marker.is_none());
        assert_eq!(cfg.micro_batches, 3);
        // An unknown recipe never parses; without --recipe it comes from the base, so an
        // unreadable base is an error naming it.
        assert!(Cli::try_parse_from([
            "stance", "train", "--base", "b", "--train", "t", "--out", "o", "--recipe", "huge"
        ])
        .is_err());
        let cli = parse(&[
            "train",
            "--base",
            "no/such-base",
            "--train",
            "t",
            "--out",
            "o",
        ]);
        let Command::Train(a) = &cli.command else {
            panic!("not train")
        };
        let e = format!("{:#}", train::train_config(a, 2).unwrap_err());
        assert!(e.contains("no/such-base"), "{e}");
    }

    #[test]
    fn score_and_batch_flags_become_configs() {
        let cli = parse(&[
            "score",
            "a",
            "b",
            "-o",
            "out.csv",
            "--format",
            "csv",
            "--chunk-docs",
            "5",
            "--token-budget",
            "512",
            "--no-sort",
            "--parallel-batches",
            "2",
            "--keep-going",
        ]);
        let Command::Score(a) = &cli.command else {
            panic!("not score")
        };
        let cfg = ScoreConfig::try_from(a).unwrap();
        assert_eq!(cfg.inputs, ["a", "b"]);
        assert_eq!(cfg.chunk_docs, 5);
        assert!(cfg.keep_going && !cfg.resume);
        let infer = InferOptions::try_from(&a.batch).unwrap();
        assert_eq!(infer.token_budget, 512);
        assert_eq!(infer.parallel_batches, Some(2));
        assert!(!infer.sort_by_length);
        // Out-of-range numbers never reach the conversion.
        assert!(Cli::try_parse_from(["stance", "score", "a", "--chunk-docs", "0"]).is_err());
    }
}
