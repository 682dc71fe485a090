//! Aggregates of stances: the stance of one actor in one sentence from the stances of its
//! mentions, and the per-document, per-actor summary.

use crate::infer::argmax;
use crate::io::scores::{ActorStance, MentionOut, SentenceOut, SummaryRow};
use crate::text::actors::Mention;
use crate::text::document::{ActorTable, Candidate};
use std::collections::BTreeMap;

/// The actors of one sentence with their stances: the mentions of one actor are combined by the
/// mean of their probabilities, and the actor's holder is the first holder among its mentions.
/// `probs[i]` and `holders[i]` belong to `mentions[i]` (`None`: not scored, no holder); an
/// actor none of whose mentions was scored is left out.
pub fn actor_stances(
    mentions: &[Mention],
    holders: &[Option<usize>],
    probs: Vec<Option<Vec<f32>>>,
    actors: &ActorTable,
    labels: &[String],
) -> Vec<ActorStance> {
    struct PerActor {
        actor: usize,
        mentions: Vec<MentionOut>,
        sum: Vec<f32>,
        scored: usize,
        holder: Option<usize>,
    }
    let mut per_actor: Vec<PerActor> = Vec::new();
    let holders = holders.iter().copied().chain(std::iter::repeat(None));
    for ((m, p), h) in mentions.iter().zip(probs).zip(holders) {
        let k = match per_actor.iter().position(|e| e.actor == m.actor) {
            Some(k) => k,
            None => {
                per_actor.push(PerActor {
                    actor: m.actor,
                    mentions: Vec::new(),
                    sum: vec![0.0; labels.len()],
                    scored: 0,
                    holder: None,
                });
                per_actor.len() - 1
            }
        };
        let entry = &mut per_actor[k];
        entry.holder = entry.holder.or(h);
        entry.mentions.push(MentionOut {
            text: m.text.clone(),
            start: m.span.start,
            end: m.span.end,
            via: m.via,
        });
        if let Some(p) = p {
            for (acc, x) in entry.sum.iter_mut().zip(p) {
                *acc += x;
            }
            entry.scored += 1;
        }
    }
    per_actor
        .into_iter()
        .filter(|e| e.scored > 0)
        .map(|e| {
            let mean: Vec<f32> = e.sum.iter().map(|x| x / e.scored as f32).collect();
            let actor = actors.get(e.actor);
            ActorStance {
                holder: e.holder.map(|h| actors.get(h).name.clone()),
                actor: actor.name.clone(),
                kind: actor.kind.clone(),
                affiliation: actor.affiliation.clone(),
                mentions: e.mentions,
                stance: labels[argmax(&mean)].clone(),
                scores: labels.iter().cloned().zip(mean).collect(),
            }
        })
        .collect()
}

/// Summary rows of one document's lines: per actor, the sentences, the count of each stance,
/// the mean of P(supportive) − P(critical), and the stances of each holder toward it.
pub fn summarise(lines: &[SentenceOut], labels: &[String]) -> Vec<SummaryRow> {
    let mut rows: Vec<(SummaryRow, f64, usize)> = Vec::new();
    let has_pn = labels.iter().any(|l| l == "supportive") && labels.iter().any(|l| l == "critical");
    for line in lines {
        for a in &line.actors {
            let k = match rows.iter().position(|r| r.0.actor == a.actor) {
                Some(k) => k,
                None => {
                    rows.push((
                        SummaryRow {
                            doc: line.doc.clone(),
                            actor: a.actor.clone(),
                            kind: a.kind.clone(),
                            sentences: 0,
                            counts: labels.iter().map(|l| (l.clone(), 0)).collect(),
                            mean_support_minus_critical: None,
                            holders: BTreeMap::new(),
                        },
                        0.0,
                        0,
                    ));
                    rows.len() - 1
                }
            };
            let r = &mut rows[k];
            r.0.sentences += 1;
            *r.0.counts.entry(a.stance.clone()).or_insert(0) += 1;
            if let Some(h) = &a.holder {
                *r.0.holders
                    .entry(h.clone())
                    .or_default()
                    .entry(a.stance.clone())
                    .or_insert(0) += 1;
            }
            let s = a.scores.get("supportive").copied().unwrap_or(0.0)
                - a.scores.get("critical").copied().unwrap_or(0.0);
            r.1 += s as f64;
            r.2 += 1;
        }
    }
    rows.into_iter()
        .map(|(mut r, sum, n)| {
            if has_pn && n > 0 {
                r.mean_support_minus_critical = Some(sum / n as f64);
            }
            r
        })
        .collect()
}

/// Summary rows for the candidates of `--discover` (kind `candidate`, no stance counts): the
/// sentences each discovered name occurs in.
pub fn candidate_rows(doc: &str, candidates: &[Candidate]) -> Vec<SummaryRow> {
    candidates
        .iter()
        .map(|c| SummaryRow {
            doc: doc.to_string(),
            actor: c.name.clone(),
            kind: "candidate".into(),
            sentences: c.sentences,
            counts: BTreeMap::new(),
            mean_support_minus_critical: None,
            holders: BTreeMap::new(),
        })
        .collect()
}

#[cfg(test)]
mod combine_tests {
    use super::*;
    use crate::text::actors::{Actor, Via};

    fn mention(actor: usize, start: usize) -> Mention {
        Mention {
            actor,
            text: "X".into(),
            span: crate::text::span::SentenceSpan::new(start, start + 1),
            via: Via::Alias,
        }
    }

    #[test]
    fn several_mentions_of_an_actor_combine_by_their_mean_probability() {
        let gaz = [
            Actor::new("China", "country"),
            Actor::new("Wang Yi", "person"),
        ];
        let table = ActorTable {
            gazetteer: &gaz,
            discovered: &[],
        };
        let labels: Vec<String> = ["critical", "neutral", "supportive"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        // China twice (one critical, one mildly supportive: the mean is critical), Wang Yi once,
        // and a third China mention that was not scored (it counts for the mentions only).
        let mentions = [mention(0, 0), mention(1, 5), mention(0, 10), mention(0, 20)];
        let holders = [None, None, Some(1), None];
        let probs = vec![
            Some(vec![0.9, 0.05, 0.05]),
            Some(vec![0.1, 0.2, 0.7]),
            Some(vec![0.2, 0.3, 0.5]),
            None,
        ];
        let out = actor_stances(&mentions, &holders, probs, &table, &labels);
        assert_eq!(out.len(), 2);
        let china = &out[0];
        assert_eq!(china.actor, "China");
        assert_eq!(china.mentions.len(), 3);
        let got: Vec<f32> = china.scores.values().copied().collect();
        for (g, w) in got.iter().zip([0.55, 0.175, 0.275]) {
            assert!((g - w).abs() < 1e-6, "{got:?}");
        }
        assert_eq!(china.stance, "critical");
        // The first holder among the actor's mentions.
        assert_eq!(china.holder.as_deref(), Some("Wang Yi"));
        assert_eq!(out[1].stance, "supportive");
    }
}
