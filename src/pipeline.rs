//! The scoring pipeline for one chunk of documents: sentences → actor mentions and holders →
//! encoded (sentence, mention) pairs → the batched model → per-actor stances, in input order.

use crate::aggregate::actor_stances;
use crate::encode::Encoded;
use crate::error::{Error, Result};
use crate::infer::{predict_encoded, InferOptions};
use crate::io::articles::{Document, Problem};
use crate::io::scores::SentenceOut;
use crate::store::StanceModel;
use crate::text::actors::Gazetteer;
use crate::text::document::{analyse, Analysis, Candidate, MentionOptions};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::time::Instant;

/// What a scoring run did, with every problem met.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScoreStats {
    pub documents: usize,
    pub documents_resumed: usize,
    /// Documents left to other shards (`--shard`).
    pub documents_other_shards: usize,
    /// Documents detected as not English and left out (see `ScoreConfig::any_language`).
    pub documents_other_language: usize,
    pub sentences: usize,
    pub sentences_with_actors: usize,
    pub pairs: usize,
    pub pairs_failed: usize,
    pub problems: Vec<Problem>,
    pub seconds: f64,
    pub seconds_text: f64,
    pub seconds_model: f64,
    pub interrupted: bool,
    /// `--discover`: discovered names and the sentences they occur in, over all documents
    /// (reported by [`ScoreStats::top_candidates`]).
    #[serde(skip)]
    pub candidates: HashMap<String, usize>,
}

/// Distinct candidate names kept in [`ScoreStats::candidates`] (memory stays bounded on any
/// archive; the rest are still reported per document in the summary).
pub const MAX_RUN_CANDIDATES: usize = 100_000;

impl ScoreStats {
    /// The most frequent candidates, most frequent first (ties by name).
    pub fn top_candidates(&self, n: usize) -> Vec<(&str, usize)> {
        let mut v: Vec<(&str, usize)> = self
            .candidates
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.truncate(n);
        v
    }

    fn count_candidates(&mut self, candidates: &[Candidate]) {
        for c in candidates {
            if self.candidates.len() < MAX_RUN_CANDIDATES || self.candidates.contains_key(&c.name) {
                *self.candidates.entry(c.name.clone()).or_insert(0) += c.sentences;
            }
        }
    }
}

/// One document's output: its lines, and the names `--discover` found in it.
#[derive(Debug, Clone, Default)]
pub struct DocumentOut {
    pub lines: Vec<SentenceOut>,
    pub candidates: Vec<Candidate>,
}

/// Segments a document and finds its actor mentions and their holders.
pub fn prepare(doc: &Document, gaz: &Gazetteer, opts: &MentionOptions) -> Analysis {
    analyse(&doc.text, gaz, opts)
}

/// The warning for a document whose over-long sentences were cut (none when none was).
pub fn cut_sentences_warning(doc: &Document, a: &Analysis) -> Option<Problem> {
    (a.sentences_cut > 0).then(|| {
        let why = format!(
            "{} sentence(s) longer than {} characters (text without sentence punctuation) cut into pieces at clause marks or spaces",
            a.sentences_cut,
            crate::text::segment::MAX_SENTENCE_CHARS
        );
        Problem::caveat(doc.id.clone(), None, why)
    })
}

/// One (document, sentence, mention) pair, as indices into the prepared chunk.
#[derive(Debug, Clone, Copy)]
struct PairRef {
    doc: usize,
    sentence: usize,
    mention: usize,
}

/// Scores one chunk of documents: the output lines of each document, in input order. Pairs
/// that cannot be encoded are counted in `stats`; a model failure is an error, or with
/// `keep_going` counted (its pairs are left out).
pub fn score_documents(
    model: &StanceModel,
    gaz: &Gazetteer,
    mentions: &MentionOptions,
    docs: &[Document],
    infer: &InferOptions,
    keep_going: bool,
    stats: &mut ScoreStats,
) -> Result<Vec<DocumentOut>> {
    let t0 = Instant::now();
    let prepared: Vec<Analysis> = docs.par_iter().map(|d| prepare(d, gaz, mentions)).collect();
    let pairs = pairs_of(&prepared);
    let (ok, items) = encode_pairs(model, &prepared, &pairs, stats);
    let t1 = Instant::now();
    let probs = run_model(model, &items, infer, keep_going, docs, stats)?;
    let t2 = Instant::now();
    let mut pair_probs: Vec<Option<Vec<f32>>> = vec![None; pairs.len()];
    for (i, p) in ok.iter().zip(probs) {
        if !p.is_empty() {
            pair_probs[*i] = Some(p);
        }
    }
    let model_id = model.fingerprint()?;
    let out = assemble(&model_id, model, gaz, docs, prepared, pair_probs, stats);
    stats.pairs += ok.len();
    stats.seconds_text += (t1 - t0).as_secs_f64() + t2.elapsed().as_secs_f64();
    stats.seconds_model += (t2 - t1).as_secs_f64();
    Ok(out)
}

/// Every (document, sentence, mention) pair of the chunk, in order.
fn pairs_of(prepared: &[Analysis]) -> Vec<PairRef> {
    let mut pairs = Vec::new();
    for (doc, a) in prepared.iter().enumerate() {
        for (sentence, sent) in a.sentences.iter().enumerate() {
            for mention in 0..sent.mentions.len() {
                pairs.push(PairRef {
                    doc,
                    sentence,
                    mention,
                });
            }
        }
    }
    pairs
}

/// Encodes the pairs: those that succeeded with their pair indices; the others are counted.
fn encode_pairs(
    model: &StanceModel,
    prepared: &[Analysis],
    pairs: &[PairRef],
    stats: &mut ScoreStats,
) -> (Vec<usize>, Vec<Encoded>) {
    let encoded: Vec<Result<Encoded>> = pairs
        .par_iter()
        .map(|p| {
            let sent = &prepared[p.doc].sentences[p.sentence];
            let mention = &sent.mentions[p.mention];
            model
                .pair_encoder()
                .encode(&sent.text, mention.span.start, mention.span.end)
        })
        .collect();
    // Move the encodings that succeeded out (no copies); `ok[k]` is the pair index of `items[k]`.
    let (ok, items): (Vec<usize>, Vec<Encoded>) = encoded
        .into_iter()
        .enumerate()
        .filter_map(|(i, e)| e.ok().map(|e| (i, e)))
        .unzip();
    let not_encoded = pairs.len() - ok.len();
    if not_encoded > 0 {
        stats.pairs_failed += not_encoded;
        stats.problems.push(Problem::caveat(
            "model",
            None,
            format!("{not_encoded} (sentence, actor) pairs could not be encoded"),
        ));
    }
    (ok, items)
}

/// The model's probabilities for `items`; on failure an error, or with `keep_going` empty rows
/// and the failure counted.
fn run_model(
    model: &StanceModel,
    items: &[Encoded],
    infer: &InferOptions,
    keep_going: bool,
    docs: &[Document],
    stats: &mut ScoreStats,
) -> Result<Vec<Vec<f32>>> {
    let first = docs.first().map(|d| d.id.as_str()).unwrap_or_default();
    match predict_encoded(model, items, infer, &|_| {}) {
        Ok(p) => Ok(p),
        Err(e) if keep_going => {
            stats.pairs_failed += items.len();
            let why = format!(
                "the model failed on the {} pairs of {} documents from {first:?}: {e}",
                items.len(),
                docs.len()
            );
            stats.problems.push(Problem::caveat("model", None, why));
            Ok(vec![Vec::new(); items.len()])
        }
        Err(e) => Err(Error::Inference(format!(
            "the model failed on a chunk of {} documents starting at {first:?}: {e} (the output so far is kept; --keep-going counts such failures and goes on)",
            docs.len()
        ))),
    }
}

/// The output of each document: sentences with at least one scored actor, and candidates.
fn assemble(
    model_id: &str,
    model: &StanceModel,
    gaz: &Gazetteer,
    docs: &[Document],
    prepared: Vec<Analysis>,
    pair_probs: Vec<Option<Vec<f32>>>,
    stats: &mut ScoreStats,
) -> Vec<DocumentOut> {
    let labels = model.labels();
    let mut probs = pair_probs.into_iter();
    let mut out = Vec::with_capacity(docs.len());
    for (doc, a) in docs.iter().zip(prepared) {
        stats.sentences += a.sentence_count;
        stats.problems.extend(cut_sentences_warning(doc, &a));
        stats.count_candidates(&a.candidates);
        let table = a.table(gaz);
        let mut lines = Vec::new();
        for sent in &a.sentences {
            let p: Vec<Option<Vec<f32>>> = probs.by_ref().take(sent.mentions.len()).collect();
            let actors = actor_stances(&sent.mentions, &sent.holders, p, &table, labels);
            if !actors.is_empty() {
                lines.push(SentenceOut {
                    doc: doc.id.clone(),
                    sentence: sent.index,
                    start: sent.span.start,
                    end: sent.span.end,
                    text: sent.text.clone(),
                    actors,
                    model: Some(model_id.to_string()),
                    version: Some(crate::io::scores::VERSION.to_string()),
                    fields: doc.fields.clone(),
                });
            }
        }
        stats.sentences_with_actors += lines.len();
        out.push(DocumentOut {
            lines,
            candidates: a.candidates,
        });
    }
    out
}
