//! `stance mentions`: the actor mentions and stance holders of articles, without a model (to
//! check a gazetteer, demonyms and discovery on one's own texts), and their scores against
//! hand-labelled articles (`--gold`).

use crate::error::{Error, Result};
use crate::eval::mentions::{
    adopt_gazetteer_names, check_gold, evaluate, parse_gold, MentionReport,
};
use crate::io::articles::{Document, Problem};
use crate::text::actors::{Gazetteer, Via};
use crate::text::document::{Analysis, MentionOptions};
use serde::Serialize;
use serde_with::skip_serializing_none;
use std::path::PathBuf;

#[derive(Debug, Clone, Default)]
pub struct MentionsConfig {
    /// Articles, as for `score`.
    pub inputs: Vec<String>,
    /// The fields of archive records that hold an article's text and id.
    pub fields: crate::io::articles::InputFields,
    /// JSONL output (written atomically); `None`: standard output.
    pub output: Option<PathBuf>,
    pub options: MentionOptions,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct MentionsStats {
    pub documents: usize,
    pub sentences: usize,
    pub mentions: usize,
    pub with_holder: usize,
    /// Places named only as a venue (in the output with `"role": "venue"`, not counted as mentions).
    pub venues: usize,
    pub candidates: usize,
    pub problems: Vec<Problem>,
}

/// One mention in a [`SentenceLine`]: the actor, what named it where, and its holder.
#[skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct MentionLine<'a> {
    pub actor: &'a str,
    pub kind: &'a str,
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
    pub via: Via,
    pub holder: Option<&'a str>,
    /// `venue`: a place named only as the setting, not scored (see `text::venues`).
    pub role: Option<&'static str>,
}

/// An output line of `mentions`: a sentence with its actor mentions.
#[derive(Debug, Serialize)]
pub struct SentenceLine<'a> {
    pub doc: &'a str,
    pub sentence: usize,
    pub start: usize,
    pub end: usize,
    pub text: &'a str,
    pub mentions: Vec<MentionLine<'a>>,
}

/// The lines of one analysed document: every sentence with its mentions and holders.
pub fn sentence_mentions<'a>(
    doc: &'a Document,
    a: &'a Analysis,
    gaz: &'a Gazetteer,
) -> Vec<SentenceLine<'a>> {
    a.sentences
        .iter()
        .map(|s| SentenceLine {
            doc: &doc.id,
            sentence: s.index,
            start: s.span.start,
            end: s.span.end,
            text: &s.text,
            mentions: {
                let line = |m: &'a crate::text::actors::Mention, h: Option<usize>, role| {
                    let actor = a.actor(gaz, m.actor);
                    MentionLine {
                        actor: &actor.name,
                        kind: &actor.kind,
                        text: &m.text,
                        start: m.span.start,
                        end: m.span.end,
                        via: m.via,
                        holder: h.map(|h| a.actor(gaz, h).name.as_str()),
                        role,
                    }
                };
                let mut lines: Vec<MentionLine> = s
                    .mentions
                    .iter()
                    .zip(&s.holders)
                    .map(|(m, h)| line(m, *h, None))
                    .chain(s.venues.iter().map(|m| line(m, None, Some("venue"))))
                    .collect();
                lines.sort_by_key(|l| l.start);
                lines
            },
        })
        .collect()
}

#[derive(Serialize)]
struct CandidateLine<'a> {
    doc: &'a str,
    candidate: &'a str,
    kind: &'a str,
    sentences: usize,
}

/// Writes one line per sentence with mentions (and one per discovered candidate).
///
/// Without `cfg.output` the lines go to `stream` (the CLI passes standard output).
pub fn mentions(
    gaz: &Gazetteer,
    cfg: &MentionsConfig,
    stream: &mut dyn std::io::Write,
) -> Result<MentionsStats> {
    let mut stats = MentionsStats::default();
    let read = super::write_per_document(
        gaz,
        &cfg.inputs,
        &cfg.fields,
        &cfg.options,
        cfg.output.as_deref(),
        stream,
        |doc, a, sink| {
            for line in sentence_mentions(doc, a, gaz) {
                stats.mentions += line.mentions.iter().filter(|m| m.role.is_none()).count();
                stats.venues +=
                    line.mentions.len() - line.mentions.iter().filter(|m| m.role.is_none()).count();
                stats.with_holder += line.mentions.iter().filter(|m| m.holder.is_some()).count();
                sink.write(&line)?;
            }
            for c in &a.candidates {
                let line = CandidateLine {
                    doc: &doc.id,
                    candidate: &c.name,
                    kind: c.kind.as_str(),
                    sentences: c.sentences,
                };
                stats.candidates += 1;
                sink.write(&line)?;
            }
            Ok(())
        },
    )?;
    stats.documents = read.documents;
    stats.sentences = read.sentences;
    stats.problems = read.problems;
    Ok(stats)
}

/// Scores the mention finder and holder rules on labelled articles.
pub fn evaluate_gold(
    gaz: &Gazetteer,
    gold: &[PathBuf],
    options: &MentionOptions,
) -> Result<MentionReport> {
    if gold.is_empty() {
        return Err(Error::Config(
            "--gold needs at least one labelled file".into(),
        ));
    }
    let docs = gold
        .iter()
        .map(|p| {
            let s = std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?;
            let mut doc = parse_gold(p, &s)?;
            adopt_gazetteer_names(&mut doc, gaz);
            check_gold(&doc, gaz)?;
            Ok(doc)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(evaluate(&docs, gaz, options))
}
