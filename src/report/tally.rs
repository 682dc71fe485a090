//! The aggregates of a report, gathered in one streaming pass over `score` output: per actor the
//! sentences, label counts and stance index (mean P(supportive) − P(critical)), per actor and
//! period, per actor and group, and the most supportive and most critical sentences.
//!
//! Memory is bounded whatever the input size: per actor, a seeded reservoir sample of index
//! values (for the bootstrap interval) and a few evidence sentences; per actor and period or group,
//! counters.

use super::dates::{Date, Period};
use crate::error::{Error, Result};
use crate::io::scores::SentenceOut;
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::BufRead;
use std::path::Path;

/// Distinct holders kept per actor.
pub const MAX_HOLDERS: usize = 2_000;

/// Counts and index sum of one cell (an actor, or an actor in one period or group).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cell {
    pub sentences: usize,
    pub counts: BTreeMap<String, usize>,
    pub index_sum: f64,
    /// Sentences with an index (the label set has supportive and critical).
    pub index_n: usize,
}

impl Cell {
    fn add(&mut self, stance: &str, index: Option<f32>) {
        self.sentences += 1;
        *self.counts.entry(stance.to_string()).or_insert(0) += 1;
        if let Some(i) = index {
            self.index_sum += i as f64;
            self.index_n += 1;
        }
    }

    /// The mean index, when any sentence has one.
    pub fn index(&self) -> Option<f64> {
        (self.index_n > 0).then(|| self.index_sum / self.index_n as f64)
    }
}

/// A sentence shown as evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub index: f32,
    pub doc: String,
    pub sentence: usize,
    pub text: String,
    /// Character spans of the actor's mentions in `text`.
    pub mentions: Vec<(usize, usize)>,
    pub fields: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default)]
pub struct ActorTally {
    pub kind: String,
    pub total: Cell,
    pub periods: BTreeMap<String, Cell>,
    pub groups: BTreeMap<String, Cell>,
    /// Holder → the stances that holder takes toward this actor (sentences with a holder).
    pub holders: BTreeMap<String, Cell>,
    /// Sentences whose holder was not counted because this actor already had
    /// [`MAX_HOLDERS`] holders (memory stays bounded).
    pub holders_left_out: usize,
    /// Most supportive first.
    pub supportive: Vec<Evidence>,
    /// Most critical first.
    pub critical: Vec<Evidence>,
    sample: Vec<f32>,
    sampled_from: usize,
}

impl ActorTally {
    /// The reservoir sample of this actor's index values.
    pub fn sample(&self) -> &[f32] {
        &self.sample
    }
}

/// What to gather.
#[derive(Debug, Clone)]
pub struct TallyOptions {
    pub by: Period,
    /// Fields holding the article's date, tried in order.
    pub date_fields: Vec<String>,
    /// The field that groups articles (outlet), if any.
    pub group_field: Option<String>,
    /// Evidence sentences kept per actor and side.
    pub evidence: usize,
    /// Index values kept per actor for the bootstrap (a uniform sample beyond that).
    pub reservoir: usize,
    pub seed: u64,
}

impl Default for TallyOptions {
    fn default() -> Self {
        Self {
            by: Period::Week,
            date_fields: vec!["date".into(), "published".into()],
            group_field: None,
            evidence: 3,
            reservoir: 20_000,
            seed: 7,
        }
    }
}

/// A line of input that was not a score record.
#[derive(Debug, Clone, PartialEq)]
pub struct SkippedLine {
    pub source: String,
    pub line: usize,
    pub message: String,
}

/// Everything the report shows.
#[derive(Debug)]
pub struct Tally {
    pub opts: TallyOptions,
    pub actors: HashMap<String, ActorTally>,
    pub labels: BTreeSet<String>,
    pub lines: usize,
    pub documents: usize,
    pub skipped: Vec<SkippedLine>,
    pub skipped_count: usize,
    /// Lines without any date field / with one that does not parse.
    pub dates_missing: usize,
    pub dates_unparsed: usize,
    pub first: Option<Date>,
    pub last: Option<Date>,
    /// Actor entries left out for invalid scores (see [`invalid_scores`]).
    pub actors_invalid: usize,
    /// The models named by the score lines (`NAME@HASH`) and their line counts.
    pub models: BTreeMap<String, usize>,
    last_doc: Option<String>,
    rng: StdRng,
}

/// Why an actor's scores cannot be tallied: none, a value outside [0, 1] (or not finite),
/// values that do not sum to 1 (± 0.02), or a stance that is not one of the scored labels.
pub fn invalid_scores(a: &crate::io::scores::ActorStance) -> Option<String> {
    if a.scores.is_empty() {
        return Some("no scores".into());
    }
    if let Some((l, v)) = a
        .scores
        .iter()
        .find(|(_, v)| !(v.is_finite() && (0.0..=1.0).contains(*v)))
    {
        return Some(format!("score {v} for {l:?} is not a probability"));
    }
    let sum: f32 = a.scores.values().sum();
    if (sum - 1.0).abs() > 0.02 {
        return Some(format!("scores sum to {sum:.3}, not 1"));
    }
    if !a.scores.contains_key(&a.stance) {
        return Some(format!(
            "stance {:?} is not one of its scores' labels",
            a.stance
        ));
    }
    None
}

/// P(supportive) − P(critical) of an actor in a sentence, when both labels exist.
pub fn stance_index(scores: &BTreeMap<String, f32>) -> Option<f32> {
    Some(scores.get("supportive")? - scores.get("critical")?)
}

impl Tally {
    pub fn new(opts: TallyOptions) -> Self {
        let rng = StdRng::seed_from_u64(opts.seed);
        Self {
            opts,
            actors: HashMap::new(),
            labels: BTreeSet::new(),
            lines: 0,
            documents: 0,
            skipped: Vec::new(),
            skipped_count: 0,
            dates_missing: 0,
            dates_unparsed: 0,
            first: None,
            last: None,
            actors_invalid: 0,
            models: BTreeMap::new(),
            last_doc: None,
            rng,
        }
    }

    /// Reads a `score` output file (JSONL) line by line; lines that are not score records are
    /// counted and the first ones kept with their reason. Returns the file's (records, lines
    /// skipped).
    pub fn read_file(&mut self, path: &Path) -> Result<(usize, usize)> {
        let (lines_before, skipped_before) = (self.lines, self.skipped_count);
        let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let name = path.display().to_string();
        for (n, line) in std::io::BufReader::new(f).lines().enumerate() {
            let line = line.map_err(|e| Error::io(path, e))?;
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<SentenceOut>(&line) {
                Ok(rec) => self.add(&rec),
                Err(e) => {
                    self.skipped_count += 1;
                    if self.skipped.len() < 50 {
                        self.skipped.push(SkippedLine {
                            source: name.clone(),
                            line: n + 1,
                            message: format!("not a score record: {e}"),
                        });
                    }
                }
            }
        }
        Ok((
            self.lines - lines_before,
            self.skipped_count - skipped_before,
        ))
    }

    /// Adds one score record.
    pub fn add(&mut self, rec: &SentenceOut) {
        self.lines += 1;
        if let Some(m) = &rec.model {
            *self.models.entry(m.clone()).or_default() += 1;
        }
        if self.last_doc.as_deref() != Some(rec.doc.as_str()) {
            self.documents += 1;
            self.last_doc = Some(rec.doc.clone());
        }
        let date = self.date_of(rec);
        let period = date.map(|d| d.period(self.opts.by));
        let group = self
            .opts
            .group_field
            .as_ref()
            .map(|f| match rec.fields.get(f) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Null) | None => "(none)".to_string(),
                Some(v) => v.to_string(),
            });
        for a in &rec.actors {
            if let Some(why) = invalid_scores(a) {
                // Never averaged: one absurd score would move an actor's index and interval.
                self.actors_invalid += 1;
                if self.skipped.len() < 50 {
                    self.skipped.push(SkippedLine {
                        source: rec.doc.clone(),
                        line: rec.sentence,
                        message: format!("actor {:?} left out: {why}", a.actor),
                    });
                }
                continue;
            }
            for l in a.scores.keys() {
                if !self.labels.contains(l) {
                    self.labels.insert(l.clone());
                }
            }
            let index = stance_index(&a.scores);
            let t = self.actors.entry(a.actor.clone()).or_default();
            if t.kind.is_empty() {
                t.kind = a.kind.clone();
            }
            t.total.add(&a.stance, index);
            if let Some(p) = &period {
                t.periods
                    .entry(p.clone())
                    .or_default()
                    .add(&a.stance, index);
            }
            if let Some(g) = &group {
                t.groups.entry(g.clone()).or_default().add(&a.stance, index);
            }
            if let Some(h) = &a.holder {
                if t.holders.len() < MAX_HOLDERS || t.holders.contains_key(h) {
                    t.holders
                        .entry(h.clone())
                        .or_default()
                        .add(&a.stance, index);
                } else {
                    t.holders_left_out += 1;
                }
            }
            let Some(i) = index else { continue };
            // Reservoir sampling (algorithm R): every value is kept with equal probability.
            t.sampled_from += 1;
            if t.sample.len() < self.opts.reservoir {
                t.sample.push(i);
            } else {
                let j = self.rng.random_range(0..t.sampled_from);
                if j < self.opts.reservoir {
                    t.sample[j] = i;
                }
            }
            let keep = self.opts.evidence;
            let ev = || Evidence {
                index: i,
                doc: rec.doc.clone(),
                sentence: rec.sentence,
                text: rec.text.clone(),
                mentions: a.mentions.iter().map(|m| (m.start, m.end)).collect(),
                fields: rec.fields.clone(),
            };
            insert_ranked(&mut t.supportive, keep, |e| e.index < i, ev);
            insert_ranked(&mut t.critical, keep, |e| e.index > i, ev);
        }
    }

    fn date_of(&mut self, rec: &SentenceOut) -> Option<Date> {
        let field = self
            .opts
            .date_fields
            .iter()
            .find_map(|f| rec.fields.get(f).filter(|v| !v.is_null()));
        let Some(v) = field else {
            self.dates_missing += 1;
            return None;
        };
        let d = v.as_str().and_then(Date::parse);
        match d {
            Some(d) => {
                self.first = Some(self.first.map_or(d, |f| f.min(d)));
                self.last = Some(self.last.map_or(d, |l| l.max(d)));
            }
            None => self.dates_unparsed += 1,
        }
        d
    }

    /// Actors by number of sentences (most first; ties by name).
    pub fn ranked(&self) -> Vec<(&String, &ActorTally)> {
        let mut v: Vec<_> = self.actors.iter().collect();
        v.sort_by(|a, b| {
            b.1.total
                .sentences
                .cmp(&a.1.total.sentences)
                .then(a.0.cmp(b.0))
        });
        v
    }

    /// Whether the label set has supportive and critical (the index exists).
    pub fn has_index(&self) -> bool {
        self.labels.contains("supportive") && self.labels.contains("critical")
    }
}

/// Keeps `list` the `keep` best by rank, best first: `better_than(e)` says the new item ranks
/// above `e`.
fn insert_ranked(
    list: &mut Vec<Evidence>,
    keep: usize,
    better_than: impl Fn(&Evidence) -> bool,
    make: impl FnOnce() -> Evidence,
) {
    if keep == 0 {
        return;
    }
    let at = list.iter().position(&better_than).unwrap_or(list.len());
    if at >= keep {
        return;
    }
    list.insert(at, make());
    list.truncate(keep);
}

/// A 95% percentile bootstrap interval of the mean of `values` (`rounds` resamples, seeded).
pub fn bootstrap_interval(values: &[f32], rounds: usize, seed: u64) -> Option<(f64, f64)> {
    if values.len() < 2 {
        return None;
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let n = values.len();
    let mut means: Vec<f64> = (0..rounds)
        .map(|_| {
            let s: f64 = (0..n).map(|_| values[rng.random_range(0..n)] as f64).sum();
            s / n as f64
        })
        .collect();
    means.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| means[((q * (rounds - 1) as f64).round() as usize).min(rounds - 1)];
    Some((at(0.025), at(0.975)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::scores::{ActorStance, MentionOut};

    fn rec(doc: &str, date: &str, outlet: &str, actor: &str, s: f32, c: f32) -> SentenceOut {
        let n = 1.0 - s - c;
        let stance = if s >= c && s >= n {
            "supportive"
        } else if c >= n {
            "critical"
        } else {
            "neutral"
        };
        let mut fields = serde_json::Map::new();
        if !date.is_empty() {
            fields.insert("date".into(), date.into());
        }
        fields.insert("outlet".into(), outlet.into());
        SentenceOut {
            doc: doc.into(),
            sentence: 0,
            start: 0,
            end: 10,
            text: format!("{actor} did something."),
            actors: vec![ActorStance {
                actor: actor.into(),
                kind: "country".into(),
                affiliation: None,
                mentions: vec![MentionOut {
                    text: actor.into(),
                    start: 0,
                    end: actor.chars().count(),
                    via: Default::default(),
                }],
                holder: None,
                stance: stance.into(),
                scores: [("supportive", s), ("neutral", n), ("critical", c)]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            }],
            model: None,
            fields,
        }
    }

    #[test]
    fn aggregates_equal_hand_computed_values() {
        let mut t = Tally::new(TallyOptions {
            by: Period::Month,
            group_field: Some("outlet".into()),
            evidence: 2,
            ..Default::default()
        });
        let recs = [
            rec("a", "2024-01-03", "X", "China", 0.8, 0.1), // +0.7 supportive
            rec("a", "2024-01-20T08:00:00Z", "X", "China", 0.1, 0.7), // −0.6 critical
            rec("b", "2024-02-01", "Y", "China", 0.2, 0.2), // 0.0 neutral
            rec("c", "", "Y", "Russia", 0.1, 0.8),          // −0.7, no date
            rec("d", "03/02/2024", "Y", "Russia", 0.3, 0.3), // 0.0, bad date
        ];
        for r in &recs {
            t.add(r);
        }
        assert_eq!((t.lines, t.documents), (5, 4));
        assert_eq!((t.dates_missing, t.dates_unparsed), (1, 1));
        assert_eq!(t.first, Date::parse("2024-01-03"));
        assert_eq!(t.last, Date::parse("2024-02-01"));
        let china = &t.actors["China"];
        assert_eq!(china.total.sentences, 3);
        assert_eq!(china.total.counts["supportive"], 1);
        assert_eq!(china.total.counts["critical"], 1);
        assert_eq!(china.total.counts["neutral"], 1);
        assert!((china.total.index().unwrap() - 0.1 / 3.0).abs() < 1e-6);
        let jan = &china.periods["2024-01"];
        assert_eq!(jan.sentences, 2);
        assert!((jan.index().unwrap() - 0.05).abs() < 1e-6);
        assert!((china.periods["2024-02"].index().unwrap()).abs() < 1e-6);
        assert!((china.groups["X"].index().unwrap() - 0.05).abs() < 1e-6);
        assert_eq!(china.groups["Y"].sentences, 1);
        // Evidence: most supportive first, most critical first.
        assert!((china.supportive[0].index - 0.7).abs() < 1e-6);
        assert!((china.critical[0].index + 0.6).abs() < 1e-6);
        assert_eq!(china.supportive.len(), 2);
        let russia = &t.actors["Russia"];
        assert!(russia.periods.is_empty(), "no parsable date: no period");
        assert_eq!(t.ranked()[0].0, "China");
        assert!(t.has_index());
    }

    #[test]
    fn bootstrap_interval_is_seeded_and_brackets_the_mean() {
        let v: Vec<f32> = (0..200)
            .map(|i| ((i * 37) % 100) as f32 / 100.0 - 0.3)
            .collect();
        let mean = v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64;
        let (lo, hi) = bootstrap_interval(&v, 1000, 3).unwrap();
        assert!(lo < mean && mean < hi, "{lo} {mean} {hi}");
        assert!(hi - lo < 0.2 && hi - lo > 0.01, "{lo} {hi}");
        assert_eq!(bootstrap_interval(&v, 1000, 3), Some((lo, hi)));
        assert_eq!(bootstrap_interval(&[0.5], 1000, 3), None);
        // A constant sample has a zero-width interval.
        assert_eq!(bootstrap_interval(&[0.25; 10], 100, 1), Some((0.25, 0.25)));
    }

    #[test]
    fn reservoir_stays_bounded() {
        let mut t = Tally::new(TallyOptions {
            reservoir: 50,
            ..Default::default()
        });
        for k in 0..1000 {
            t.add(&rec(&format!("d{k}"), "", "X", "China", 0.5, 0.2));
        }
        assert_eq!(t.actors["China"].sample().len(), 50);
        assert_eq!(t.actors["China"].total.sentences, 1000);
    }
}
