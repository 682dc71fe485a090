//! `stance mentions`.

use super::args::{GazetteerArgs, MentionArgs};
use super::progress::summary;
use anyhow::{Context, Result};
use clap::Args;
use stance::commands::mentions::{evaluate_gold, mentions, MentionsConfig};
use stance::eval::mentions::MentionReport;
use stance::io::atomic::AtomicFile;
use stance::text::document::MentionOptions;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct MentionsArgs {
    /// Articles, as for `score`: plain-text files, folders of them, JSONL archives, or -.
    #[arg(value_name = "INPUT", required_unless_present = "gold")]
    pub(crate) inputs: Vec<String>,
    #[command(flatten)]
    pub(crate) fields: super::args::FieldArgs,
    #[command(flatten)]
    pub(crate) actors: GazetteerArgs,
    #[command(flatten)]
    pub(crate) mentions: MentionArgs,
    /// Output file (JSONL, written atomically); default: standard output.
    #[arg(long, short, value_name = "FILE", conflicts_with = "gold")]
    pub(crate) output: Option<PathBuf>,
    /// Score the mentions and holders found against hand-labelled articles instead
    /// (`[surface](ACTOR; demonym; holder=NAME)` labels, as in datasets/references/).
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with = "inputs")]
    pub(crate) gold: Vec<PathBuf>,
    /// With --gold: write the scores and every mistake as JSON.
    #[arg(long, value_name = "FILE", requires = "gold")]
    pub(crate) report: Option<PathBuf>,
    /// With --gold: print every mistake (missed and false references, wrong holders).
    #[arg(long, requires = "gold")]
    pub(crate) show_misses: bool,
}

pub(crate) fn run_mentions(a: MentionsArgs) -> Result<()> {
    let gaz = a.actors.load()?;
    let options = MentionOptions::from(&a.mentions);
    if !a.gold.is_empty() {
        let r = evaluate_gold(&gaz, &a.gold, &options).context("scoring against --gold")?;
        print_report(&r, a.show_misses)?;
        if let Some(p) = &a.report {
            let mut f = AtomicFile::create(p)?;
            serde_json::to_writer_pretty(&mut f, &r)?;
            f.write_all(b"\n")?;
            f.commit()?;
        }
        return Ok(());
    }
    let cfg = MentionsConfig {
        inputs: a.inputs,
        fields: a.fields.fields(),
        output: a.output,
        options,
    };
    let stats = mentions(&gaz, &cfg, &mut std::io::stdout().lock()).context("finding mentions")?;
    super::progress::report_problems(&stats.problems);
    summary(&format!(
        "{} documents, {} sentences, {} mentions ({} with a holder){}",
        stats.documents,
        stats.sentences,
        stats.mentions,
        stats.with_holder,
        if options.discover == Default::default() {
            String::new()
        } else {
            format!(", {} candidates", stats.candidates)
        }
    ));
    super::progress::ensure_inputs_read(&stats.problems)
}

fn print_report(r: &MentionReport, show_misses: bool) -> std::io::Result<()> {
    if show_misses {
        for m in &r.misses {
            outln!("{}: {}\n    {}", m.file, m.what, m.sentence);
        }
    }
    let pr = |p: &stance::eval::mentions::PR| {
        format!(
            "precision {:5.1}% ({}/{})  recall {:5.1}% ({}/{})",
            100.0 * p.precision,
            p.correct,
            p.predicted,
            100.0 * p.recall,
            p.correct,
            p.gold
        )
    };
    outln!(
        "{} documents; demonyms {}, discover {}",
        r.documents,
        if r.demonyms { "on" } else { "off" },
        r.discover
    );
    let via_pr = |p: &stance::eval::mentions::ViaPR| {
        format!(
            "precision {:5.1}% ({}/{})  recall {:5.1}% ({}/{})",
            100.0 * p.precision,
            p.found_correct,
            p.found,
            100.0 * p.recall,
            p.labelled_found,
            p.labelled
        )
    };
    outln!("references        {}", pr(&r.references));
    for (via, p) in &r.references_by_via {
        outln!("  via {via:<12}  {}", via_pr(p));
    }
    if let Some(d) = &r.demonym_references {
        outln!("demonyms          {}", via_pr(d));
    }
    outln!("holders           {}", pr(&r.holders));
    if let Some(d) = &r.discovery {
        outln!("discovered names  {}", pr(d));
    }
    let v = &r.venues;
    if v.labelled + v.found_as_venues + v.actors_taken_as_venues > 0 {
        outln!(
            "venues            {} labelled: {} set aside as venues, {} scored as actors; {} actors taken for venues",
            v.labelled,
            v.found_as_venues,
            v.scored_as_actors,
            v.actors_taken_as_venues
        );
    }
    let a = &r.anaphors;
    if a.labelled + a.found > 0 {
        outln!(
            "anaphors          {} labelled: {} resolved right, {} wrong; {} found in all",
            a.labelled,
            a.resolved_right,
            a.resolved_wrong,
            a.found
        );
    }
    Ok(())
}
