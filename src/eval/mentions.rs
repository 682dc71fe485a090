//! Scores the reference finder and the holder rules against hand-labelled articles
//! (`datasets/references/`, format in its README): precision and recall of references (by how
//! they were found), of demonyms, of holders per (sentence, actor), and of discovered names.

use crate::error::{Error, Result};
use crate::text::actors::{Gazetteer, Via, TITLES};
use crate::text::document::{analyse, Analysis, Discover, MentionOptions};
use crate::text::segment;
use crate::text::span::DocSpan;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// A labelled reference: character offsets into the article without its labels.
#[derive(Debug, Clone, PartialEq)]
pub struct GoldRef {
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// The actor's name (without the `+` of a name the gazetteer lacks).
    pub actor: String,
    /// `+NAME`: not in the gazetteer (found only by discovery).
    pub discovered: bool,
    pub demonym: bool,
    pub holder: Option<String>,
    /// `holder=+NAME`: a holder the gazetteer lacks.
    pub holder_discovered: bool,
    /// `venue`: a place named only as the setting; not an actor here.
    pub venue: bool,
    /// `anaphor`: a group noun standing for a named organisation (`the bloc`).
    pub anaphor: bool,
    /// Line of the label in the labelled file.
    pub line: usize,
}

/// A labelled article.
#[derive(Debug, Clone)]
pub struct GoldDoc {
    pub path: PathBuf,
    pub text: String,
    pub refs: Vec<GoldRef>,
}

/// Parses `[surface](ACTOR; demonym; holder=NAME)` labels (also `venue`, `anaphor`) out of
/// `content`. A `[` that does not open a label (`con[c]essions`, `[...]`, an editor's `[the
/// Turkish]`: its `]` is not followed by `(`) is text.
pub fn parse_gold(path: &Path, content: &str) -> Result<GoldDoc> {
    let err = |line: usize, msg: String| Error::Input {
        path: path.to_path_buf(),
        message: format!("line {line}: {msg}"),
    };
    let mut text = String::with_capacity(content.len());
    let mut refs = Vec::new();
    let mut chars_out = 0usize;
    let mut rest = content;
    let mut line = 1usize;
    while let Some(open) = rest.find('[') {
        let before = &rest[..open];
        line += before.matches('\n').count();
        chars_out += before.chars().count();
        text.push_str(before);
        let after = &rest[open + 1..];
        let literal = match after.find(']') {
            None => true,
            Some(c) => !after[c + 1..].starts_with('(') || after[..c].contains('['),
        };
        if literal {
            text.push('[');
            chars_out += 1;
            rest = after;
            continue;
        }
        let close = after.find("](").unwrap_or_default();
        let surface = &after[..close];
        if surface.trim().is_empty() {
            return Err(err(line, "a label with an empty surface `[]`".into()));
        }
        if surface.contains(['[', '\n']) {
            return Err(err(line, format!("label {surface:?} is not closed")));
        }
        let label_rest = &after[close + 2..];
        let end = label_rest
            .find(')')
            .ok_or_else(|| err(line, format!("label of {surface:?} has no `)`")))?;
        let label = &label_rest[..end];
        let mut parts = label.split(';').map(str::trim);
        let actor = parts.next().unwrap_or_default();
        if actor.is_empty() || actor == "+" {
            return Err(err(line, format!("label of {surface:?} names no actor")));
        }
        let (discovered, actor) = match actor.strip_prefix('+') {
            Some(a) => (true, a.trim().to_string()),
            None => (false, actor.to_string()),
        };
        let mut demonym = false;
        let mut venue = false;
        let mut anaphor = false;
        let mut holder = None;
        let mut holder_discovered = false;
        for p in parts {
            if p == "demonym" {
                demonym = true;
            } else if p == "venue" {
                venue = true;
            } else if p == "anaphor" {
                anaphor = true;
            } else if let Some(h) = p.strip_prefix("holder=") {
                let h = h.trim();
                holder_discovered = h.starts_with('+');
                let h = h.trim_start_matches('+').trim();
                if h.is_empty() {
                    return Err(err(
                        line,
                        format!("label of {surface:?} has an empty holder"),
                    ));
                }
                holder = Some(h.to_string());
            } else {
                return Err(err(line, format!("unknown label part {p:?}")));
            }
        }
        let n = surface.chars().count();
        refs.push(GoldRef {
            start: chars_out,
            end: chars_out + n,
            text: surface.to_string(),
            actor,
            discovered,
            demonym,
            holder,
            holder_discovered,
            venue,
            anaphor,
            line,
        });
        text.push_str(surface);
        chars_out += n;
        rest = &label_rest[end + 1..];
    }
    text.push_str(rest);
    Ok(GoldDoc {
        path: path.to_path_buf(),
        text,
        refs,
    })
}

/// A `+NAME` label for a name the gazetteer in use has (its name or an alias, `+al-Qaeda` once
/// al-Qaeda is in it) is scored as that actor: the `+` says the labeller's gazetteer lacked it,
/// so labels stay right when the gazetteer grows. Holders likewise.
pub fn adopt_gazetteer_names(doc: &mut GoldDoc, g: &Gazetteer) {
    let canonical = |name: &str| {
        g.actors()
            .iter()
            .find(|a| a.name == name || a.aliases.iter().any(|x| x == name))
            .map(|a| a.name.clone())
    };
    for r in &mut doc.refs {
        if r.discovered {
            if let Some(name) = canonical(&r.actor) {
                r.actor = name;
                r.discovered = false;
            }
        }
        if r.holder_discovered {
            if let Some(name) = r.holder.as_deref().and_then(canonical) {
                r.holder = Some(name);
                r.holder_discovered = false;
            }
        }
    }
}

/// Checks a labelled article's names against the gazetteer it is scored with: an actor or a
/// holder not in it must be marked `+NAME` (else a misspelt name would only count as a miss),
/// and an actor is never its own holder. Errors name the file and line.
pub fn check_gold(doc: &GoldDoc, g: &Gazetteer) -> Result<()> {
    let known = |name: &str| g.actors().iter().any(|a| a.name == name);
    for r in &doc.refs {
        let problem = if !r.discovered && !known(&r.actor) {
            Some(format!(
                "actor {:?} is not in the gazetteer (mark a name it lacks as +NAME)",
                r.actor
            ))
        } else if r
            .holder
            .as_ref()
            .is_some_and(|h| !r.holder_discovered && !known(h))
        {
            Some(format!(
                "holder {:?} is not in the gazetteer (mark a name it lacks as holder=+NAME)",
                r.holder.as_deref().unwrap_or_default()
            ))
        } else if r.holder.as_ref() == Some(&r.actor) {
            Some(format!("{:?} is labelled as its own holder", r.actor))
        } else if r.venue && (r.holder.is_some() || r.anaphor || r.demonym) {
            Some("a venue is not an actor: it has no holder, anaphor or demonym".to_string())
        } else {
            None
        };
        if let Some(message) = problem {
            return Err(Error::Input {
                path: doc.path.clone(),
                message: format!("line {}: [{}]: {message}", r.line, r.text),
            });
        }
    }
    Ok(())
}

/// How a labelled reference was found, from its surface: a title and a family name, a family
/// name alone, a demonym, a discovered name, or else the name or an alias.
pub fn gold_via(r: &GoldRef, g: &Gazetteer) -> Via {
    if r.anaphor {
        return Via::Anaphor;
    }
    if r.demonym {
        return Via::Demonym;
    }
    let family: Vec<String> = if r.discovered {
        if r.text == r.actor {
            return Via::Discovered;
        }
        r.actor
            .split_whitespace()
            .last()
            .map(str::to_string)
            .into_iter()
            .collect()
    } else {
        g.actors()
            .iter()
            .find(|a| a.name == r.actor)
            .map(|a| a.family_names())
            .unwrap_or_default()
    };
    let starts_with_title = TITLES.iter().any(|t| {
        r.text
            .strip_prefix(t)
            .is_some_and(|rest| rest.starts_with(' ') && family.iter().any(|f| rest.trim() == f))
    });
    if starts_with_title {
        Via::Title
    } else if family.contains(&r.text) {
        Via::Surname
    } else {
        Via::Alias
    }
}

/// `a / b`, 0 when `b` is 0.
fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Precision and recall with their counts.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct PR {
    pub precision: f64,
    pub recall: f64,
    pub correct: usize,
    pub predicted: usize,
    pub gold: usize,
}

impl PR {
    fn new(correct: usize, predicted: usize, gold: usize) -> Self {
        Self {
            precision: ratio(correct, predicted),
            recall: ratio(correct, gold),
            correct,
            predicted,
            gold,
        }
    }
}

/// Precision of the references found by one `via`, recall of those labelled with it.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ViaPR {
    pub precision: f64,
    pub recall: f64,
    /// Found this way, and right.
    pub found_correct: usize,
    pub found: usize,
    /// Labelled this way, and found (by any way).
    pub labelled_found: usize,
    pub labelled: usize,
}

impl ViaPR {
    fn new(c: (usize, usize, usize, usize)) -> Self {
        Self {
            precision: ratio(c.0, c.1),
            recall: ratio(c.2, c.3),
            found_correct: c.0,
            found: c.1,
            labelled_found: c.2,
            labelled: c.3,
        }
    }
}

/// One mistake, for reading.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    pub file: String,
    pub what: String,
    pub sentence: String,
}

/// The scores of one configuration over a labelled set.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MentionReport {
    pub demonyms: bool,
    pub discover: String,
    pub documents: usize,
    /// All references in scope (demonyms with `--demonyms`, discovered names with `--discover
    /// score`).
    pub references: PR,
    /// Recall by the labelled `via`, precision by the found `via`.
    pub references_by_via: BTreeMap<String, ViaPR>,
    pub demonym_references: Option<ViaPR>,
    /// Holders per (sentence, actor) pair.
    pub holders: PR,
    /// Distinct discovered names per document against the labelled `+` names.
    pub discovery: Option<PR>,
    /// Places labelled as venues, and how the rules took them.
    pub venues: VenueCounts,
    /// `the bloc`-type references, and how the rules resolved them.
    pub anaphors: AnaphorCounts,
    pub misses: Vec<Miss>,
}

/// Labelled venues: how many, how many the rules set aside as venues, how many they scored as
/// actors (each also a false reference).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct VenueCounts {
    pub labelled: usize,
    pub found_as_venues: usize,
    pub scored_as_actors: usize,
    /// Places the rules set aside that are labelled as actors (each also a missed reference).
    pub actors_taken_as_venues: usize,
}

/// Labelled anaphoric references: how many, found with the labelled organisation, found with
/// another; and anaphoric mentions the rules made in all.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct AnaphorCounts {
    pub labelled: usize,
    pub resolved_right: usize,
    pub resolved_wrong: usize,
    pub found: usize,
}

/// Scores `docs` with `opts`.
pub fn evaluate(docs: &[GoldDoc], g: &Gazetteer, opts: &MentionOptions) -> MentionReport {
    let mut t = Tallies::default();
    for doc in docs {
        let a = analyse(&doc.text, g, opts);
        let view = DocView::new(doc);
        let (found, found_holders) = found_mentions(&a, g);
        t.venues_set_aside(&view, &a, opts);
        let matched = t.found_references(&view, &found);
        t.labelled_references(&view, &found, &matched, g, opts);
        t.holders(&view, &found_holders, opts);
        if opts.discover != Discover::Off {
            t.discovery(&view, &a);
        }
    }
    t.report(docs.len(), opts)
}

/// Whether a labelled reference is scored under `opts` (venues never are; demonyms and
/// discovered names only when those rules are on).
fn in_scope(r: &GoldRef, opts: &MentionOptions) -> bool {
    !r.venue && (!r.demonym || opts.demonyms) && (!r.discovered || opts.discover == Discover::Score)
}

/// A found mention in document offsets: (start, end, actor, via, surface text).
type Found = (usize, usize, String, Via, String);

/// The holder found per (sentence, actor): the first mention's.
type HolderMap = HashMap<(usize, String), Option<String>>;

/// The found mentions of a document in document offsets, and the holder per (sentence, actor).
fn found_mentions(a: &Analysis, g: &Gazetteer) -> (Vec<Found>, HolderMap) {
    let mut found = Vec::new();
    let mut holders: HolderMap = HashMap::new();
    for s in &a.sentences {
        for (m, h) in s.mentions.iter().zip(&s.holders) {
            let name = a.actor(g, m.actor).name.clone();
            let holder = h.map(|h| a.actor(g, h).name.clone());
            let DocSpan { start, end } = s.doc_span(m);
            found.push((start, end, name.clone(), m.via, m.text.clone()));
            let e = holders.entry((s.index, name)).or_insert(None);
            if e.is_none() {
                *e = holder;
            }
        }
    }
    (found, holders)
}

/// A labelled document with its sentences, for locating references and quoting them.
struct DocView<'a> {
    refs: &'a [GoldRef],
    file: String,
    spans: Vec<segment::Span>,
    chars: Vec<char>,
}

impl<'a> DocView<'a> {
    fn new(doc: &'a GoldDoc) -> Self {
        Self {
            refs: &doc.refs,
            file: doc
                .path
                .file_name()
                .map_or(String::new(), |f| f.to_string_lossy().into_owned()),
            spans: segment::sentences(&doc.text),
            chars: doc.text.chars().collect(),
        }
    }

    fn sentence_of(&self, pos: usize) -> usize {
        self.spans.partition_point(|s| s.end <= pos)
    }

    fn sentence_text(&self, k: usize) -> String {
        self.spans
            .get(k)
            .map(|s| self.chars[s.start..s.end].iter().collect())
            .unwrap_or_default()
    }

    /// The labelled references overlapping `start..end`.
    fn overlapping(&self, start: usize, end: usize) -> Vec<usize> {
        (0..self.refs.len())
            .filter(|&k| self.refs[k].start < end && self.refs[k].end > start)
            .collect()
    }

    fn miss(&self, what: String, sentence: String) -> Miss {
        Miss {
            file: self.file.clone(),
            what,
            sentence,
        }
    }
}

/// (correct, predicted, gold) counts.
type Counts = (usize, usize, usize);

/// The running counts of an evaluation.
#[derive(Default)]
struct Tallies {
    venues: VenueCounts,
    anaphors: AnaphorCounts,
    /// (found and right, found, labelled and found, labelled) per via.
    by_via: BTreeMap<String, (usize, usize, usize, usize)>,
    references: Counts,
    holders: Counts,
    discovery: Counts,
    misses: Vec<Miss>,
}

impl Tallies {
    /// The places the rules set aside as venues, against the labels.
    fn venues_set_aside(&mut self, view: &DocView, a: &Analysis, opts: &MentionOptions) {
        self.venues.labelled += view.refs.iter().filter(|r| r.venue).count();
        for s in &a.sentences {
            for m in &s.venues {
                let DocSpan { start, end } = s.doc_span(m);
                let over = view.overlapping(start, end);
                if over.iter().any(|&k| view.refs[k].venue) {
                    self.venues.found_as_venues += 1;
                } else if over.iter().any(|&k| in_scope(&view.refs[k], opts)) {
                    self.venues.actors_taken_as_venues += 1;
                    let what = format!("{:?} set aside as a venue, labelled an actor", m.text);
                    self.misses.push(view.miss(what, s.text.clone()));
                }
            }
        }
    }

    /// Each found reference: right when a labelled reference to the same actor overlaps it.
    /// Returns which labelled references were found.
    fn found_references(&mut self, view: &DocView, found: &[Found]) -> Vec<bool> {
        let mut matched = vec![false; view.refs.len()];
        for (start, end, actor, via, text) in found {
            let overlapping = view.overlapping(*start, *end);
            let on_venue = overlapping.iter().any(|&k| view.refs[k].venue);
            if on_venue {
                self.venues.scored_as_actors += 1;
            }
            if *via == Via::Anaphor {
                self.anaphors.found += 1;
            }
            let hit = overlapping
                .iter()
                .copied()
                .find(|&k| view.refs[k].actor == *actor && !view.refs[k].venue);
            let e = self.by_via.entry(via.as_str().to_string()).or_default();
            e.1 += 1;
            self.references.1 += 1;
            match hit {
                Some(k) => {
                    matched[k] = true;
                    e.0 += 1;
                    self.references.0 += 1;
                }
                None => {
                    let kind = if on_venue {
                        "venue scored as an actor"
                    } else {
                        "false reference"
                    };
                    let what = format!("{kind} {text:?} → {actor} ({})", via.as_str());
                    let sentence = view.sentence_text(view.sentence_of(*start));
                    self.misses.push(view.miss(what, sentence));
                }
            }
        }
        matched
    }

    /// Each labelled reference in scope: found or missed (group nouns: resolved right, wrong
    /// or not at all).
    fn labelled_references(
        &mut self,
        view: &DocView,
        found: &[Found],
        matched: &[bool],
        g: &Gazetteer,
        opts: &MentionOptions,
    ) {
        for (k, r) in view.refs.iter().enumerate() {
            if !in_scope(r, opts) {
                continue;
            }
            if r.anaphor {
                self.anaphors.labelled += 1;
                let overlapped = found.iter().any(|f| f.0 < r.end && f.1 > r.start);
                if matched[k] {
                    self.anaphors.resolved_right += 1;
                } else if overlapped {
                    self.anaphors.resolved_wrong += 1;
                }
            }
            self.references.2 += 1;
            let e = self
                .by_via
                .entry(gold_via(r, g).as_str().to_string())
                .or_default();
            e.3 += 1;
            e.2 += matched[k] as usize;
            if !matched[k] {
                let what = format!("missed reference {:?} → {}", r.text, r.actor);
                let sentence = view.sentence_text(view.sentence_of(r.start));
                self.misses.push(view.miss(what, sentence));
            }
        }
    }

    /// Holders per (sentence, actor) of the references in scope, found against labelled.
    fn holders(&mut self, view: &DocView, found: &HolderMap, opts: &MentionOptions) {
        let mut gold: HolderMap = HashMap::new();
        for r in view.refs.iter().filter(|r| in_scope(r, opts)) {
            let e = gold
                .entry((view.sentence_of(r.start), r.actor.clone()))
                .or_insert(None);
            if e.is_none() {
                *e = r.holder.clone();
            }
        }
        self.holders.2 += gold.values().filter(|h| h.is_some()).count();
        for (key, h) in found {
            let Some(h) = h else { continue };
            self.holders.1 += 1;
            let want = gold.get(key).cloned().flatten();
            if want.as_deref() == Some(h.as_str()) {
                self.holders.0 += 1;
            } else {
                let what = format!(
                    "holder of {} given as {h}, labelled {}",
                    key.1,
                    want.as_deref().unwrap_or("none")
                );
                self.misses.push(view.miss(what, view.sentence_text(key.0)));
            }
        }
        for (key, h) in &gold {
            let Some(h) = h else { continue };
            if found.get(key).cloned().flatten().is_none() {
                let what = format!("holder of {} ({h}) not found", key.1);
                self.misses.push(view.miss(what, view.sentence_text(key.0)));
            }
        }
    }

    /// Distinct discovered names against the labelled `+` names.
    fn discovery(&mut self, view: &DocView, a: &Analysis) {
        let gold_names: HashSet<&str> = view
            .refs
            .iter()
            .filter(|r| r.discovered && r.text == r.actor)
            .map(|r| r.actor.as_str())
            .collect();
        let cands: HashSet<&str> = a.candidates.iter().map(|c| c.name.as_str()).collect();
        self.discovery.0 += cands.intersection(&gold_names).count();
        self.discovery.1 += cands.len();
        self.discovery.2 += gold_names.len();
        for c in cands.difference(&gold_names) {
            let what = format!("discovered {c:?}, not labelled");
            self.misses.push(view.miss(what, String::new()));
        }
    }

    fn report(self, documents: usize, opts: &MentionOptions) -> MentionReport {
        let pr = |c: Counts| PR::new(c.0, c.1, c.2);
        let demonym_references = opts.demonyms.then(|| {
            self.by_via
                .get("demonym")
                .map(|e| ViaPR::new(*e))
                .unwrap_or_default()
        });
        MentionReport {
            demonyms: opts.demonyms,
            discover: format!("{:?}", opts.discover).to_lowercase(),
            documents,
            references: pr(self.references),
            references_by_via: self
                .by_via
                .into_iter()
                .map(|(k, c)| (k, ViaPR::new(c)))
                .collect(),
            demonym_references,
            holders: pr(self.holders),
            discovery: (opts.discover != Discover::Off).then(|| pr(self.discovery)),
            venues: self.venues,
            anaphors: self.anaphors,
            misses: self.misses,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A gold file's text, parsed (it must parse).
    fn gold(text: &str) -> GoldDoc {
        parse_gold(Path::new("t.txt"), text).unwrap()
    }

    #[test]
    fn labels_parse_and_errors_name_the_line() {
        let d =
            gold("X.\n[Wang](Wang Yi; holder=+Yun Sun) met [Chinese officials](China; demonym).");
        assert_eq!(d.text, "X.\nWang met Chinese officials.");
        assert_eq!(d.refs.len(), 2);
        assert_eq!((d.refs[0].start, d.refs[0].end), (3, 7));
        assert_eq!(d.refs[0].holder.as_deref(), Some("Yun Sun"));
        assert!(d.refs[1].demonym);
        let e = parse_gold(Path::new("b.txt"), "ok\n\n[Wang](Wang Yi; bogus)")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("b.txt") && e.contains("line 3") && e.contains("bogus"),
            "{e}"
        );
        assert!(parse_gold(Path::new("c.txt"), "[Wang](Wang Yi without its end").is_err());
        // Brackets of the source text are text: `con[c]essions`, `[...]`, `[[SDF](+SDF)]`.
        let d = gold(
            "con[c]essions [...] [[SDF](+Syrian Democratic Forces)] in [Doha](Qatar; venue), [the bloc](ECOWAS; anaphor).",
        );
        assert_eq!(d.text, "con[c]essions [...] [SDF] in Doha, the bloc.");
        assert_eq!(d.refs.len(), 3);
        assert_eq!((d.refs[0].start, d.refs[0].text.as_str()), (21, "SDF"));
        assert!(d.refs[1].venue && !d.refs[1].anaphor);
        assert!(d.refs[2].anaphor && !d.refs[2].venue);
        assert!(parse_gold(Path::new("d.txt"), "[](China) spoke.")
            .unwrap_err()
            .to_string()
            .contains("empty surface"));
    }

    #[test]
    fn a_plus_name_the_gazetteer_has_is_scored_as_that_actor() {
        let g = Gazetteer::default_international().unwrap();
        let mut d = gold(
            "[Al-Qaeda](+Al-Qaeda; holder=+Acme Corp) and [Iran](Iran; holder=+al-Qaeda) and [Acme](+Acme Corp).",
        );
        adopt_gazetteer_names(&mut d, &g);
        let r = &d.refs;
        assert_eq!((r[0].actor.as_str(), r[0].discovered), ("al-Qaeda", false));
        assert_eq!(
            (r[0].holder.as_deref(), r[0].holder_discovered),
            (Some("Acme Corp"), true)
        );
        assert_eq!(
            (r[1].holder.as_deref(), r[1].holder_discovered),
            (Some("al-Qaeda"), false)
        );
        assert_eq!((r[2].actor.as_str(), r[2].discovered), ("Acme Corp", true));
    }

    #[test]
    fn gold_names_must_be_in_the_gazetteer_or_marked() {
        let g = Gazetteer::default_international().unwrap();
        let check = |text: &str| {
            check_gold(&parse_gold(Path::new("g.txt"), text).unwrap(), &g)
                .map_err(|e| e.to_string())
        };
        check("[Wang](Wang Yi; holder=+Yun Sun) met [Beijing](China; holder=Wang Yi).").unwrap();
        check("[Acme](+Acme Corp) grew.").unwrap();
        for (text, want) in [
            ("A.\n[Xyzzy](Nowhere) left.", "actor \"Nowhere\""),
            (
                "[China](China; holder=Nobody Known) won.",
                "holder \"Nobody Known\"",
            ),
            ("[China](China; holder=China) won.", "its own holder"),
            (
                "in [Doha](Qatar; venue; holder=China).",
                "a venue is not an actor",
            ),
        ] {
            let e = check(text).unwrap_err();
            assert!(e.contains(want) && e.contains("g.txt"), "{e}");
        }
        assert!(check("A.\n[Xyzzy](Nowhere) left.")
            .unwrap_err()
            .contains("line 2"));
    }

    #[test]
    fn scores_count_hits_misses_and_false_references() {
        let g = Gazetteer::default_international().unwrap();
        let d = gold(
            "[Wang Yi](Wang Yi) spoke. [Wang](Wang Yi) accused [Beijing](China; holder=Wang Yi) of lying. Chinese food is good. [Xi](Xi Jinping) left.",
        );
        let r = evaluate(&[d], &g, &MentionOptions::default());
        // Xi is an alias: found. All four references found; nothing false.
        assert_eq!(r.references.correct, 4, "{:?}", r.misses);
        assert_eq!(r.references.predicted, 4);
        assert_eq!(r.references_by_via["surname"].labelled, 2);
        assert_eq!(r.holders.correct, 1);
        assert_eq!(r.holders.gold, 1);
    }
}
