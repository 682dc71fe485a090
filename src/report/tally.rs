//! The aggregates of a report, gathered in one streaming pass over `score` output: per actor the
//! sentences, label counts and stance index (mean P(supportive) − P(critical)), per actor and
//! period, per actor and group, and the most supportive and most critical sentences.
//!
//! Memory is bounded whatever the input size: per actor a few evidence sentences; per actor and
//! day or group, counters (the sums an interval needs, not the values). Days are merged into the
//! report's period (day, week, month) after the pass, so the period can follow the archive's span.
//!
//! Intervals ([`Cell::interval`]) are 95% Student-t intervals of the mean index with one
//! pseudo-sentence at −1 and one at +1 added (as Agresti–Coull does for shares): a handful of
//! near-identical sentences does not give a near-zero-width interval. Below [`MIN_SENTENCES`]
//! there is none. Sentences of one article are not independent, so the intervals are, if
//! anything, too narrow.

use super::dates::{Date, Period};
use crate::error::{Error, Result};
use crate::io::scores::SentenceOut;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::BufRead;
use std::path::Path;

/// Distinct holders kept per actor.
pub const MAX_HOLDERS: usize = 2_000;

/// Below this many sentences a cell has no interval (it is drawn hollow, "too few sentences").
pub const MIN_SENTENCES: usize = 5;

/// Distinct field names remembered (for the error of a `--group-by` field that is not there).
const MAX_FIELDS_SEEN: usize = 200;

/// Counts and index sum of one cell (an actor, or an actor in one period or group).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cell {
    pub sentences: usize,
    pub counts: BTreeMap<String, usize>,
    pub index_sum: f64,
    /// The sum of squared indices (for the interval).
    pub index_sq: f64,
    /// Sentences with an index (the label set has supportive and critical).
    pub index_n: usize,
}

impl Cell {
    fn add(&mut self, stance: &str, index: Option<f32>) {
        self.sentences += 1;
        *self.counts.entry(stance.to_string()).or_insert(0) += 1;
        if let Some(i) = index {
            self.index_sum += i as f64;
            self.index_sq += (i as f64) * (i as f64);
            self.index_n += 1;
        }
    }

    /// Adds another cell's counts and sums (a day into its week, say).
    pub fn merge(&mut self, other: &Cell) {
        self.sentences += other.sentences;
        for (l, n) in &other.counts {
            *self.counts.entry(l.clone()).or_insert(0) += n;
        }
        self.index_sum += other.index_sum;
        self.index_sq += other.index_sq;
        self.index_n += other.index_n;
    }

    /// The mean index, when any sentence has one.
    pub fn index(&self) -> Option<f64> {
        (self.index_n > 0).then(|| self.index_sum / self.index_n as f64)
    }

    /// The 95% interval of the mean index (see the module notes), or `None` below
    /// [`MIN_SENTENCES`] sentences with an index.
    pub fn interval(&self) -> Option<(f64, f64)> {
        if self.index_n < MIN_SENTENCES {
            return None;
        }
        // One pseudo-sentence at −1 and one at +1: the sum is unchanged, the squares gain 2.
        let n = self.index_n as f64 + 2.0;
        let mean = self.index_sum / n;
        let var = ((self.index_sq + 2.0) - n * mean * mean).max(0.0) / (n - 1.0);
        let half = t_975(n - 1.0) * (var / n).sqrt();
        Some(((mean - half).max(-1.0), (mean + half).min(1.0)))
    }
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom (a table to 30, then the
/// Cornish–Fisher expansion, within 0.002 of the exact value).
pub fn t_975(df: f64) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    let k = df.floor() as usize;
    if (1..=30).contains(&k) {
        return TABLE[k - 1];
    }
    let z: f64 = 1.959_964;
    z + (z.powi(3) + z) / (4.0 * df)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * df * df)
}

/// A sentence shown as evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub index: f32,
    /// The label the model gave the actor in this sentence.
    pub stance: String,
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
    /// Per day (days since 1970-01-01) with a date; merged into periods by [`Tally::periods_of`].
    pub days: BTreeMap<i64, Cell>,
    pub groups: BTreeMap<String, Cell>,
    /// Holder → the stances that holder takes toward this actor (sentences with a holder).
    pub holders: BTreeMap<String, Cell>,
    /// Sentences whose holder was not counted because this actor already had
    /// [`MAX_HOLDERS`] holders (memory stays bounded).
    pub holders_left_out: usize,
    /// Sentences labelled supportive, most supportive first.
    pub supportive: Vec<Evidence>,
    /// Sentences labelled critical, most critical first.
    pub critical: Vec<Evidence>,
}

/// One period of an actor's series: its label, first day and the first day of the next
/// period (days since 1970-01-01), and its counts.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodCell {
    pub label: String,
    pub start: i64,
    pub end: i64,
    pub cell: Cell,
}

/// What to gather.
#[derive(Debug, Clone)]
pub struct TallyOptions {
    /// The over-time period; `None`: chosen from the archive's date span ([`Period::for_span`]).
    pub by: Option<Period>,
    /// Fields holding the article's date, tried in order.
    pub date_fields: Vec<String>,
    /// The field that groups articles (outlet), if any.
    pub group_field: Option<String>,
    /// Evidence sentences kept per actor and side.
    pub evidence: usize,
    /// Lines that are not score records are counted and skipped instead of failing the run.
    pub skip_bad: bool,
}

impl Default for TallyOptions {
    fn default() -> Self {
        Self {
            by: None,
            date_fields: vec!["date".into(), "published".into()],
            group_field: None,
            evidence: 3,
            skip_bad: false,
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
    /// Documents without any date field / with one that does not parse.
    pub dates_missing: usize,
    pub dates_unparsed: usize,
    pub first: Option<Date>,
    pub last: Option<Date>,
    /// Actor entries left out for invalid scores (see [`invalid_scores`]).
    pub actors_invalid: usize,
    /// The models named by the score lines (`NAME@HASH`) and their line counts.
    pub models: BTreeMap<String, usize>,
    /// The `stance` versions named by the score lines and their line counts.
    pub versions: BTreeMap<String, usize>,
    /// Field names seen in the records (the first [`MAX_FIELDS_SEEN`]).
    pub fields_seen: BTreeSet<String>,
    /// Lines that have the `--group-by` field.
    pub grouped_lines: usize,
    last_doc: Option<String>,
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
            versions: BTreeMap::new(),
            fields_seen: BTreeSet::new(),
            grouped_lines: 0,
            last_doc: None,
        }
    }

    /// Reads a `score` output file line by line: JSONL records, or a CSV score file (told by its
    /// header). A line that is not a score record fails the run, naming the file, the line and why,
    /// unless `skip_bad` (then it is counted and the first ones kept with their reason). Returns
    /// the file's (records, lines skipped).
    pub fn read_file(&mut self, path: &Path) -> Result<(usize, usize)> {
        let (lines_before, skipped_before) = (self.lines, self.skipped_count);
        let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut reader = std::io::BufReader::new(f);
        let first = {
            let buf = reader.fill_buf().map_err(|e| Error::io(path, e))?;
            let end = buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len());
            String::from_utf8_lossy(&buf[..end]).into_owned()
        };
        if crate::io::scores::is_csv_score_header(&first) {
            self.read_csv(path, reader)?;
        } else {
            for (n, line) in reader.lines().enumerate() {
                let line = line.map_err(|e| Error::io(path, e))?;
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<SentenceOut>(&line) {
                    Ok(rec) => self.add(&rec),
                    Err(e) => {
                        self.bad_line(path, n as u64 + 1, format!("not a score record: {e}"))?
                    }
                }
            }
        }
        Ok((
            self.lines - lines_before,
            self.skipped_count - skipped_before,
        ))
    }

    fn read_csv(&mut self, path: &Path, reader: impl std::io::Read) -> Result<()> {
        let mut failed: Option<Error> = None;
        crate::io::scores::read_csv_scores(reader, &mut |r| {
            if failed.is_some() {
                return;
            }
            match r {
                Ok(rec) => self.add(&rec),
                Err((line, why)) => {
                    if let Err(e) = self.bad_line(path, line, format!("not a score row: {why}")) {
                        failed = Some(e);
                    }
                }
            }
        })
        .map_err(|why| Error::Input {
            path: path.to_path_buf(),
            message: format!("not a CSV score file: {why}"),
        })?;
        failed.map_or(Ok(()), Err)
    }

    /// A line that is not a score record: an error, or with `skip_bad` a counted skip.
    fn bad_line(&mut self, path: &Path, line: u64, message: String) -> Result<()> {
        if !self.opts.skip_bad {
            return Err(Error::Input {
                path: path.to_path_buf(),
                message: format!(
                    "line {line}: {message} (give `stance score` output, JSONL or --format csv; --skip-bad counts such lines and goes on)"
                ),
            });
        }
        self.skipped_count += 1;
        if self.skipped.len() < 50 {
            self.skipped.push(SkippedLine {
                source: path.display().to_string(),
                line: line as usize,
                message,
            });
        }
        Ok(())
    }

    /// Adds one score record.
    pub fn add(&mut self, rec: &SentenceOut) {
        self.lines += 1;
        if let Some(m) = &rec.model {
            *self.models.entry(m.clone()).or_default() += 1;
        }
        if let Some(v) = &rec.version {
            *self.versions.entry(v.clone()).or_default() += 1;
        }
        for k in rec.fields.keys() {
            if self.fields_seen.len() < MAX_FIELDS_SEEN && !self.fields_seen.contains(k) {
                self.fields_seen.insert(k.clone());
            }
        }
        let new_doc = self.last_doc.as_deref() != Some(rec.doc.as_str());
        if new_doc {
            self.documents += 1;
            self.last_doc = Some(rec.doc.clone());
        }
        let day = self.date_of(rec, new_doc).map(Date::days);
        // The record's group: its value of the --group-by field, "(none)" without one.
        let group = self
            .opts
            .group_field
            .as_ref()
            .map(|f| match rec.fields.get(f) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Null) | None => "(none)".to_string(),
                Some(v) => v.to_string(),
            });
        let has_field = |f: &String| rec.fields.get(f).is_some_and(|v| !v.is_null());
        if self.opts.group_field.as_ref().is_some_and(has_field) {
            self.grouped_lines += 1;
        }
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
            if let Some(d) = day {
                t.days.entry(d).or_default().add(&a.stance, index);
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
            let keep = self.opts.evidence;
            let ev = || Evidence {
                index: i,
                stance: a.stance.clone(),
                doc: rec.doc.clone(),
                sentence: rec.sentence,
                text: rec.text.clone(),
                mentions: a.mentions.iter().map(|m| (m.start, m.end)).collect(),
                fields: rec.fields.clone(),
            };
            // Evidence for a side is a sentence the model gave that label: an actor without a
            // supportive sentence has no "most supportive" one (not its least critical neutral one).
            match a.stance.as_str() {
                crate::io::labels::SUPPORTIVE => {
                    insert_ranked(&mut t.supportive, keep, |e| e.index < i, ev)
                }
                crate::io::labels::CRITICAL => {
                    insert_ranked(&mut t.critical, keep, |e| e.index > i, ev)
                }
                _ => {}
            }
        }
    }

    /// The record's date; a document without one (or with one that does not parse) is counted
    /// once, at its first line.
    fn date_of(&mut self, rec: &SentenceOut, new_doc: bool) -> Option<Date> {
        let field = self
            .opts
            .date_fields
            .iter()
            .find_map(|f| rec.fields.get(f).filter(|v| !v.is_null()));
        let Some(v) = field else {
            self.dates_missing += usize::from(new_doc);
            return None;
        };
        let d = v.as_str().and_then(Date::parse);
        match d {
            Some(d) => {
                self.first = Some(self.first.map_or(d, |f| f.min(d)));
                self.last = Some(self.last.map_or(d, |l| l.max(d)));
            }
            None => self.dates_unparsed += usize::from(new_doc),
        }
        d
    }

    /// The over-time period: the one asked for, else the one the date span calls for.
    pub fn period(&self) -> Period {
        self.opts
            .by
            .unwrap_or_else(|| match (self.first, self.last) {
                (Some(a), Some(b)) => Period::for_span(b.days() - a.days()),
                _ => Period::Week,
            })
    }

    /// An actor's days merged into the report's periods, in time order (periods without
    /// sentences are absent: the chart leaves their place empty).
    pub fn periods_of(&self, a: &ActorTally) -> Vec<PeriodCell> {
        let by = self.period();
        let mut out: Vec<PeriodCell> = Vec::new();
        for (&day, cell) in &a.days {
            let d = Date::from_days(day);
            let start = d.period_start(by).days();
            match out.last_mut() {
                Some(p) if p.start == start => p.cell.merge(cell),
                _ => out.push(PeriodCell {
                    label: d.period(by),
                    start,
                    end: d.next_period_start(by).days(),
                    cell: cell.clone(),
                }),
            }
        }
        out
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
            version: None,
            fields,
        }
    }

    #[test]
    fn aggregates_equal_hand_computed_values() {
        let mut t = Tally::new(TallyOptions {
            by: Some(Period::Month),
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
        let periods = t.periods_of(china);
        assert_eq!(periods.len(), 2);
        let jan = &periods[0];
        assert_eq!((jan.label.as_str(), jan.cell.sentences), ("2024-01", 2));
        assert_eq!(jan.start, Date::parse("2024-01-01").unwrap().days());
        assert_eq!(jan.end, Date::parse("2024-02-01").unwrap().days());
        assert!((jan.cell.index().unwrap() - 0.05).abs() < 1e-6);
        assert!((periods[1].cell.index().unwrap()).abs() < 1e-6);
        assert!((china.groups["X"].index().unwrap() - 0.05).abs() < 1e-6);
        assert_eq!(china.groups["Y"].sentences, 1);
        // Evidence: only sentences with that label, most supportive / critical first.
        assert!((china.supportive[0].index - 0.7).abs() < 1e-6);
        assert!((china.critical[0].index + 0.6).abs() < 1e-6);
        assert_eq!((china.supportive.len(), china.critical.len()), (1, 1));
        let russia = &t.actors["Russia"];
        assert!(russia.days.is_empty(), "no parsable date: no period");
        assert!(
            russia.supportive.is_empty(),
            "no supportive sentence: no supportive evidence"
        );
        assert_eq!(t.ranked()[0].0, "China");
        assert!(t.has_index());
    }

    fn cell_of(values: &[f32]) -> Cell {
        let mut c = Cell::default();
        for &v in values {
            c.add("neutral", Some(v));
        }
        c
    }

    #[test]
    fn intervals_bracket_the_mean_shrink_with_n_and_need_five_sentences() {
        let v: Vec<f32> = (0..200)
            .map(|i| ((i * 37) % 100) as f32 / 100.0 - 0.3)
            .collect();
        let c = cell_of(&v);
        let mean = c.index().unwrap();
        let (lo, hi) = c.interval().unwrap();
        assert!(lo < mean && mean < hi, "{lo} {mean} {hi}");
        // sd of the values ≈ 0.29: half-width ≈ 1.97 · 0.29 / √202 ≈ 0.04.
        assert!(hi - lo > 0.06 && hi - lo < 0.10, "{lo} {hi}");
        let small = cell_of(&v[..20]).interval().unwrap();
        assert!(
            small.1 - small.0 > hi - lo,
            "fewer sentences, wider interval"
        );
        assert_eq!(cell_of(&[0.5; 4]).interval(), None, "too few sentences");
        // Five identical sentences: not a zero-width interval.
        let (lo, hi) = cell_of(&[0.002; 5]).interval().unwrap();
        assert!(hi - lo > 0.5, "{lo} {hi}");
        assert!((-1.0..=1.0).contains(&lo) && (-1.0..=1.0).contains(&hi));
        assert!((t_975(4.0) - 2.776).abs() < 1e-9);
        assert!((t_975(60.0) - 2.000).abs() < 0.002, "{}", t_975(60.0));
        assert!((t_975(1e6) - 1.960).abs() < 0.001);
    }

    #[test]
    fn merged_days_equal_the_cell_of_all_their_sentences() {
        let mut a = cell_of(&[0.1, -0.4]);
        a.merge(&cell_of(&[0.7, 0.0, 0.3]));
        let all = cell_of(&[0.1, -0.4, 0.7, 0.0, 0.3]);
        assert_eq!(a.sentences, all.sentences);
        assert!((a.index().unwrap() - all.index().unwrap()).abs() < 1e-12);
        assert_eq!(a.interval(), all.interval());
    }

    #[test]
    fn the_default_period_follows_the_date_span() {
        let mut t = Tally::new(TallyOptions::default());
        t.add(&rec("a", "2024-01-03", "X", "China", 0.8, 0.1));
        t.add(&rec("b", "2024-01-20", "X", "China", 0.8, 0.1));
        assert_eq!(t.period(), Period::Day);
        t.add(&rec("c", "2024-09-20", "X", "China", 0.8, 0.1));
        assert_eq!(t.period(), Period::Week);
        t.add(&rec("d", "2026-09-20", "X", "China", 0.8, 0.1));
        assert_eq!(t.period(), Period::Month);
        // Periods without sentences are absent, the others keep their dates.
        let p = t.periods_of(&t.actors["China"]);
        let labels: Vec<&str> = p.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["2024-01", "2024-09", "2026-09"]);
    }
}
