//! `stance pairs`: every (sentence, actor mention) of an archive as a pair in the simple data
//! layout (`{id, text, target, start, end, actor}` per line, no label): unlabelled data for
//! `train --teacher … --unlabelled`, or a file to label by hand.

use crate::error::Result;
use crate::io::articles::Problem;
use crate::text::actors::Gazetteer;
use crate::text::document::MentionOptions;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct PairsConfig {
    /// Files, folders, JSONL archives, or `-` (as for `score`).
    pub inputs: Vec<String>,
    /// The fields of archive records that hold an article's text and id.
    pub fields: crate::io::articles::InputFields,
    /// Output file (written atomically); `None` writes to standard output.
    pub output: Option<PathBuf>,
}

#[derive(Debug, Default, Serialize)]
pub struct PairsStats {
    pub documents: usize,
    pub sentences: usize,
    pub pairs: usize,
    pub problems: Vec<Problem>,
}

#[derive(Serialize)]
struct Pair<'a> {
    id: String,
    text: &'a str,
    target: &'a str,
    start: usize,
    end: usize,
    actor: &'a str,
}

/// Writes the pairs of every document in input order.
///
/// Without `cfg.output` the lines go to `stream` (the CLI passes standard output).
pub fn pairs(
    gaz: &Gazetteer,
    cfg: &PairsConfig,
    stream: &mut dyn std::io::Write,
) -> Result<PairsStats> {
    let mut written = 0;
    let read = super::write_per_document(
        gaz,
        &cfg.inputs,
        &cfg.fields,
        &MentionOptions::default(),
        cfg.output.as_deref(),
        stream,
        |doc, a, sink| {
            for s in &a.sentences {
                for (k, m) in s.mentions.iter().enumerate() {
                    let pair = Pair {
                        id: format!("{}#{}#{k}", doc.id, s.index),
                        text: &s.text,
                        target: &m.text,
                        start: m.span.start,
                        end: m.span.end,
                        actor: &gaz.actors()[m.actor].name,
                    };
                    sink.write(&pair)?;
                    written += 1;
                }
            }
            Ok(())
        },
    )?;
    Ok(PairsStats {
        documents: read.documents,
        sentences: read.sentences,
        pairs: written,
        problems: read.problems,
    })
}
