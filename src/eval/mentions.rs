//! Scores the reference finder and the holder rules against hand-labelled articles
//! (`datasets/references/`, format in its README): precision and recall of references (by how
//! they were found), of demonyms, of holders per (sentence, actor), and of discovered names.

use crate::error::{Error, Result};
use crate::text::actors::{Gazetteer, Via, TITLES};
use crate::text::document::{analyse, Discover, MentionOptions};
use crate::text::segment;
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
    let in_scope = |r: &GoldRef| {
        !r.venue
            && (!r.demonym || opts.demonyms)
            && (!r.discovered || opts.discover == Discover::Score)
    };
    let mut venues = VenueCounts::default();
    let mut anaphors = AnaphorCounts::default();
    // (found and right, found, labelled and found, labelled) per via.
    let mut by_via: BTreeMap<String, (usize, usize, usize, usize)> = BTreeMap::new();
    let (mut ref_c, mut ref_p, mut ref_g) = (0, 0, 0);
    let (mut h_c, mut h_p, mut h_g) = (0, 0, 0);
    let (mut d_c, mut d_p, mut d_g) = (0, 0, 0);
    let mut misses = Vec::new();
    for doc in docs {
        let file = doc
            .path
            .file_name()
            .map_or(String::new(), |f| f.to_string_lossy().into_owned());
        let a = analyse(&doc.text, g, opts);
        let spans = segment::sentences(&doc.text);
        let chars: Vec<char> = doc.text.chars().collect();
        let sentence_of = |pos: usize| spans.partition_point(|s| s.end <= pos);
        let sentence_text = |k: usize| -> String {
            spans
                .get(k)
                .map(|s| chars[s.start..s.end].iter().collect())
                .unwrap_or_default()
        };
        // Found mentions with document offsets; holders per (sentence, actor).
        let mut found: Vec<(usize, usize, String, Via, String)> = Vec::new();
        let mut found_holders: HashMap<(usize, String), Option<String>> = HashMap::new();
        for s in &a.sentences {
            for (m, h) in s.mentions.iter().zip(&s.holders) {
                let name = a.actor(g, m.actor).name.clone();
                let holder = h.map(|h| a.actor(g, h).name.clone());
                found.push((
                    s.start + m.start,
                    s.start + m.end,
                    name.clone(),
                    m.via,
                    m.text.clone(),
                ));
                let e = found_holders.entry((s.index, name)).or_insert(None);
                if e.is_none() {
                    *e = holder;
                }
            }
        }
        let overlapping = |start: usize, end: usize| -> Vec<usize> {
            (0..doc.refs.len())
                .filter(|&k| doc.refs[k].start < end && doc.refs[k].end > start)
                .collect()
        };
        venues.labelled += doc.refs.iter().filter(|r| r.venue).count();
        for s in &a.sentences {
            for m in &s.venues {
                let (start, end) = (s.start + m.start, s.start + m.end);
                let over = overlapping(start, end);
                if over.iter().any(|&k| doc.refs[k].venue) {
                    venues.found_as_venues += 1;
                } else if over.iter().any(|&k| in_scope(&doc.refs[k])) {
                    venues.actors_taken_as_venues += 1;
                    misses.push(Miss {
                        file: file.clone(),
                        what: format!("{:?} set aside as a venue, labelled an actor", m.text),
                        sentence: s.text.clone(),
                    });
                }
            }
        }
        let mut matched = vec![false; doc.refs.len()];
        for (start, end, actor, via, text) in &found {
            let overlapping = overlapping(*start, *end);
            if overlapping.iter().any(|&k| doc.refs[k].venue) {
                venues.scored_as_actors += 1;
            }
            if *via == Via::Anaphor {
                anaphors.found += 1;
            }
            let hit = overlapping
                .iter()
                .copied()
                .find(|&k| doc.refs[k].actor == *actor && !doc.refs[k].venue);
            let e = by_via.entry(via.as_str().to_string()).or_default();
            e.1 += 1;
            ref_p += 1;
            match hit {
                Some(k) => {
                    matched[k] = true;
                    e.0 += 1;
                    ref_c += 1;
                }
                None => misses.push(Miss {
                    file: file.clone(),
                    what: format!("false reference {text:?} → {actor} ({})", via.as_str()),
                    sentence: sentence_text(sentence_of(*start)),
                }),
            }
        }
        for (k, r) in doc.refs.iter().enumerate() {
            if !in_scope(r) {
                continue;
            }
            if r.anaphor {
                anaphors.labelled += 1;
                let over = found
                    .iter()
                    .filter(|f| f.0 < r.end && f.1 > r.start)
                    .collect::<Vec<_>>();
                if matched[k] {
                    anaphors.resolved_right += 1;
                } else if !over.is_empty() {
                    anaphors.resolved_wrong += 1;
                }
            }
            ref_g += 1;
            let e = by_via
                .entry(gold_via(r, g).as_str().to_string())
                .or_default();
            e.3 += 1;
            e.2 += matched[k] as usize;
            if !matched[k] {
                misses.push(Miss {
                    file: file.clone(),
                    what: format!("missed reference {:?} → {}", r.text, r.actor),
                    sentence: sentence_text(sentence_of(r.start)),
                });
            }
        }
        // Holders per (sentence, actor) of the references in scope.
        let mut gold_holders: HashMap<(usize, String), Option<String>> = HashMap::new();
        for r in doc.refs.iter().filter(|r| in_scope(r)) {
            let e = gold_holders
                .entry((sentence_of(r.start), r.actor.clone()))
                .or_insert(None);
            if e.is_none() {
                *e = r.holder.clone();
            }
        }
        h_g += gold_holders.values().filter(|h| h.is_some()).count();
        for (key, h) in &found_holders {
            let Some(h) = h else { continue };
            h_p += 1;
            let gold = gold_holders.get(key).cloned().flatten();
            if gold.as_deref() == Some(h.as_str()) {
                h_c += 1;
            } else {
                misses.push(Miss {
                    file: file.clone(),
                    what: format!(
                        "holder of {} given as {h}, labelled {}",
                        key.1,
                        gold.as_deref().unwrap_or("none")
                    ),
                    sentence: sentence_text(key.0),
                });
            }
        }
        for (key, h) in &gold_holders {
            let Some(h) = h else { continue };
            if found_holders.get(key).cloned().flatten().is_none() {
                misses.push(Miss {
                    file: file.clone(),
                    what: format!("holder of {} ({h}) not found", key.1),
                    sentence: sentence_text(key.0),
                });
            }
        }
        if opts.discover != Discover::Off {
            let gold_names: HashSet<&str> = doc
                .refs
                .iter()
                .filter(|r| r.discovered && r.text == r.actor)
                .map(|r| r.actor.as_str())
                .collect();
            let cands: HashSet<&str> = a.candidates.iter().map(|c| c.name.as_str()).collect();
            d_c += cands.intersection(&gold_names).count();
            d_p += cands.len();
            d_g += gold_names.len();
            for c in cands.difference(&gold_names) {
                misses.push(Miss {
                    file: file.clone(),
                    what: format!("discovered {c:?}, not labelled"),
                    sentence: String::new(),
                });
            }
        }
    }
    let demonym_references = opts.demonyms.then(|| {
        by_via
            .get("demonym")
            .map(|e| ViaPR::new(*e))
            .unwrap_or_default()
    });
    MentionReport {
        demonyms: opts.demonyms,
        discover: format!("{:?}", opts.discover).to_lowercase(),
        documents: docs.len(),
        references: PR::new(ref_c, ref_p, ref_g),
        references_by_via: by_via
            .into_iter()
            .map(|(k, c)| (k, ViaPR::new(c)))
            .collect(),
        demonym_references,
        holders: PR::new(h_c, h_p, h_g),
        discovery: (opts.discover != Discover::Off).then(|| PR::new(d_c, d_p, d_g)),
        venues,
        anaphors,
        misses,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_parse_and_errors_name_the_line() {
        let d = parse_gold(
            Path::new("a.txt"),
            "X.\n[Wang](Wang Yi; holder=+Yun Sun) met [Chinese officials](China; demonym).",
        )
        .unwrap();
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
        let d = parse_gold(
            Path::new("c.txt"),
            "con[c]essions [...] [[SDF](+Syrian Democratic Forces)] in [Doha](Qatar; venue), [the bloc](ECOWAS; anaphor).",
        )
        .unwrap();
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
        let d = parse_gold(
            Path::new("t.txt"),
            "[Wang Yi](Wang Yi) spoke. [Wang](Wang Yi) accused [Beijing](China; holder=Wang Yi) of lying. Chinese food is good. [Xi](Xi Jinping) left.",
        )
        .unwrap();
        let r = evaluate(&[d], &g, &MentionOptions::default());
        // Xi is an alias: found. All four references found; nothing false.
        assert_eq!(r.references.correct, 4, "{:?}", r.misses);
        assert_eq!(r.references.predicted, 4);
        assert_eq!(r.references_by_via["surname"].labelled, 2);
        assert_eq!(r.holders.correct, 1);
        assert_eq!(r.holders.gold, 1);
    }
}
