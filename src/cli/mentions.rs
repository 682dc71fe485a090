//! `stance mentions`.

use super::args::{ArticleArgs, MentionArgs};
use super::progress::finish_reading;
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
    #[command(flatten)]
    pub(crate) articles: ArticleArgs,
    #[command(flatten)]
    pub(crate) mentions: MentionArgs,
    /// Output file (JSONL, written atomically); default, or -: standard output.
    #[arg(long, short, value_name = "FILE", conflicts_with = "gold")]
    pub(crate) output: Option<PathBuf>,
    /// The INPUTs are hand-labelled articles (`[surface](ACTOR; demonym; holder=NAME)` labels,
    /// as in datasets/references/): score the mentions and holders found against them instead.
    #[arg(long)]
    pub(crate) gold: bool,
    /// With --gold: write the scores and every mistake as JSON.
    #[arg(long, value_name = "FILE", requires = "gold")]
    pub(crate) report: Option<PathBuf>,
    /// With --gold: print every mistake (missed and false references, wrong holders).
    #[arg(long, requires = "gold")]
    pub(crate) show_misses: bool,
}

pub(crate) fn run_mentions(a: MentionsArgs) -> Result<()> {
    let gaz = a.articles.actors.load()?;
    let options = MentionOptions::from(&a.mentions);
    if a.gold {
        let gold: Vec<PathBuf> = a.articles.inputs.iter().map(PathBuf::from).collect();
        let r = evaluate_gold(&gaz, &gold, &options).context("scoring against --gold")?;
        print_report(&r, a.show_misses)?;
        if let Some(p) = &a.report {
            let mut f = AtomicFile::create(p)?;
            serde_json::to_writer_pretty(&mut f, &r)?;
            f.write_all(b"\n")?;
            f.commit()?;
        }
        return Ok(());
    }
    let (inputs, fields) = a.articles.source();
    let cfg = MentionsConfig {
        inputs,
        fields,
        output: a.output,
        options,
    };
    let stats = mentions(&gaz, &cfg, &mut std::io::stdout().lock()).context("finding mentions")?;
    let candidates = if options.discover == Default::default() {
        String::new()
    } else {
        format!(", {} candidates", stats.candidates)
    };
    let found = format!(
        "{} mentions ({} with a holder){candidates}",
        stats.mentions, stats.with_holder
    );
    finish_reading(&stats.problems, stats.documents, stats.sentences, &found)
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
