//! Actors and their mentions: a gazetteer (TOML or JSON) of actors with canonical names, kinds
//! and aliases, and a matcher over sentences.
//!
//! Matching is Aho-Corasick over every name and alias, case-sensitive, whole words only (no
//! letter or digit on either side), longest match first among overlapping candidates. An alias
//! that begins with `the ` also matches with `The ` (sentence start) and vice versa. Possessives
//! (`China’s`, `Russia's`) match, with the mention covering the name alone. An alias that begins
//! with a lower-case letter (`von der Leyen`) also matches capitalised at a sentence start. A
//! sentence in capitals (a headline) is matched without regard to case.
//!
//! Every mention says how it was found ([`Via`]): the document-level rules in
//! [`super::references`] add family names and titles resolved within a document, demonyms and
//! discovered names to the gazetteer's own matches.

use super::demonyms::Demonyms;
pub use super::lexicon::TITLES;
use super::span::SentenceSpan;
use super::words::arabic_article;
use crate::error::{Error, Result};
use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The default gazetteer shipped with the program.
pub const DEFAULT_GAZETTEER: &str = include_str!("../../datasets/actors/international.toml");

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// Canonical name, as reported.
    pub name: String,
    /// country, person, organisation, group, … (free text).
    #[serde(default = "default_kind")]
    pub kind: String,
    /// Other names and metonyms (`Beijing` for China).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// For countries: cities that stand for them, the capital above all (`Berlin` for
    /// Germany). Matched as aliases are; named after `in`, `at` or `near` they are where
    /// something happens, not the actor (see [`crate::text::venues`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cities: Vec<String>,
    /// For persons: the country or organisation they are associated with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affiliation: Option<String>,
    /// For persons: the family names that refer to them alone after their full name has been
    /// mentioned in a document (default: the last word of the name, `Jr.` and the like left out).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub surnames: Vec<String>,
    /// For organisations and groups: the nouns that stand for them after they are named
    /// (`the bloc`, `the alliance`, `the agency`); see [`crate::text::anaphora`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub anaphors: Vec<String>,
}

impl Actor {
    /// Whether `text` (a mention's surface) is one of the actor's cities.
    pub fn is_city(&self, text: &str) -> bool {
        self.cities.iter().any(|c| {
            c == text
                || c.strip_prefix("The ")
                    .is_some_and(|r| text.strip_prefix("the ") == Some(r))
        })
    }

    /// A new actor with no aliases.
    pub fn new(name: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            kind: kind.into(),
            aliases: Vec::new(),
            cities: Vec::new(),
            affiliation: None,
            surnames: Vec::new(),
            anaphors: Vec::new(),
        }
    }

    pub fn is_person(&self) -> bool {
        self.kind == "person"
    }

    /// The family names a person is referred to by: the configured ones, or the last word of
    /// the name. Empty for other kinds and for one-word names.
    pub fn family_names(&self) -> Vec<String> {
        if !self.is_person() {
            return Vec::new();
        }
        if !self.surnames.is_empty() {
            return self.surnames.clone();
        }
        let words: Vec<&str> = self
            .name
            .split_whitespace()
            .filter(|w| !matches!(*w, "Jr." | "Jr" | "Sr." | "Sr" | "II" | "III" | "IV"))
            .collect();
        match words.as_slice() {
            [.., last] if words.len() >= 2 => vec![last.to_string()],
            _ => Vec::new(),
        }
    }
}

/// How a mention was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// The actor's name or one of its gazetteer aliases.
    #[default]
    Alias,
    /// A family name alone (a gazetteer alias or resolved within the document).
    Surname,
    /// A title and a family name (`President Xi`, `Foreign Minister Wang`).
    Title,
    /// A demonym and a noun for the state or its agents (`Chinese officials`), with `--demonyms`.
    Demonym,
    /// A name found by `--discover score`, not in the gazetteer.
    Discovered,
    /// A noun phrase that stands for an organisation named before (`the bloc`).
    Anaphor,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Alias => "alias",
            Via::Surname => "surname",
            Via::Title => "title",
            Via::Demonym => "demonym",
            Via::Discovered => "discovered",
            Via::Anaphor => "anaphor",
        }
    }
}

/// `NAME`, `NAME=ALIAS1,ALIAS2`, and either followed by `;kind=KIND` and/or
/// `;affiliation=NAME` (the `--actor` flag).
fn parse_actor_spec(spec: &str) -> Result<Actor> {
    let mut parts = spec.split(';');
    let head = parts.next().unwrap_or_default();
    let (name, aliases) = match head.split_once('=') {
        Some((n, a)) => (
            n.trim().to_string(),
            a.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect(),
        ),
        None => (head.trim().to_string(), Vec::new()),
    };
    if name.is_empty() {
        return Err(Error::Config(format!("--actor {spec:?}: empty name")));
    }
    let mut actor = Actor {
        aliases,
        ..Actor::new(name, "actor")
    };
    for part in parts.map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('=').map(|(k, v)| (k.trim(), v.trim())) {
            Some(("kind", k)) => actor.kind = k.to_string(),
            Some(("affiliation", a)) if !a.is_empty() => actor.affiliation = Some(a.to_string()),
            _ => {
                return Err(Error::Config(format!(
                    "--actor {spec:?}: {part:?} is not kind=KIND or affiliation=NAME"
                )))
            }
        }
    }
    Ok(actor)
}

/// `base` with `added` merged in by name (see [`Gazetteer::merged`]).
fn merge_actors(mut base: Vec<Actor>, added: Vec<Actor>) -> Vec<Actor> {
    for new in added {
        match base.iter_mut().find(|a| a.name == new.name) {
            Some(a) => {
                for alias in new.aliases {
                    if !a.aliases.contains(&alias) {
                        a.aliases.push(alias);
                    }
                }
                for city in new.cities {
                    if !a.cities.contains(&city) {
                        a.cities.push(city);
                    }
                }
                a.surnames.extend(new.surnames);
                a.anaphors.extend(new.anaphors);
                if new.kind != default_kind() {
                    a.kind = new.kind;
                }
                if new.affiliation.is_some() {
                    a.affiliation = new.affiliation;
                }
            }
            None => base.push(new),
        }
    }
    base
}

/// The kinds an actor may have. `person` makes family-name and title references work; the
/// others are reported as they are.
pub const KINDS: [&str; 7] = [
    "country",
    "person",
    "organisation",
    "group",
    "bloc",
    "region",
    "actor",
];

fn default_kind() -> String {
    "actor".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GazetteerFile {
    #[serde(alias = "actors")]
    actor: Vec<Actor>,
}

/// One mention of an actor: character offsets into the searched text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mention {
    /// Index into [`Gazetteer::actors`], or past its end into a document's discovered actors.
    #[serde(skip)]
    pub actor: usize,
    pub text: String,
    /// Where it stands in its sentence (or in the text searched).
    #[serde(flatten)]
    pub span: SentenceSpan,
    pub via: Via,
}

/// Whether `span` overlaps one of `mentions` (sorted by start and disjoint): a binary search.
pub fn overlaps_any(mentions: &[Mention], span: SentenceSpan) -> bool {
    let k = mentions.partition_point(|m| m.span.end <= span.start);
    mentions.get(k).is_some_and(|m| m.span.overlaps(span))
}

/// The mention ending at character `ce` (`mentions` sorted and disjoint).
pub fn mention_ending_at(mentions: &[Mention], ce: usize) -> Option<usize> {
    mentions.binary_search_by_key(&ce, |m| m.span.end).ok()
}

/// The mention starting at character `cs` (`mentions` sorted and disjoint).
pub fn mention_starting_at(mentions: &[Mention], cs: usize) -> Option<usize> {
    mentions.binary_search_by_key(&cs, |m| m.span.start).ok()
}

pub struct Gazetteer {
    actors: Vec<Actor>,
    /// pattern index → actor index
    owner: Vec<usize>,
    /// pattern index → how a match of it is reported
    via: Vec<Via>,
    ac: AhoCorasick,
    /// The patterns in capitals, for sentences in capitals (headlines).
    ac_upper: AhoCorasick,
    demonyms: Demonyms,
}

/// Whether a capitalised word is part of a title (`Foreign` of `Foreign Minister`, `Mr.`).
/// The words are collected once.
pub fn is_title_word(t: &str) -> bool {
    static WORDS: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    t.starts_with(char::is_uppercase)
        && WORDS
            .get_or_init(|| TITLES.iter().flat_map(|x| x.split(' ')).collect())
            .contains(t)
}

/// How a name of an actor whose family names are `family` is found: the family name alone, a
/// title and the family name, or else the name or an alias.
fn via_of(family: &[String], n: &str) -> Via {
    if family.iter().any(|f| f == n) {
        Via::Surname
    } else if family.iter().any(|f| {
        n.strip_suffix(f.as_str())
            .and_then(|t| t.strip_suffix(' '))
            .is_some_and(|t| TITLES.contains(&t))
    }) {
        Via::Title
    } else {
        Via::Alias
    }
}

/// A name as written and with the case of its first letter changed where a sentence may start
/// with it (`the Kremlin` / `The Kremlin`, `al-Shabaab` / `Al-Shabaab`).
fn case_variants(n: &str) -> Vec<String> {
    let mut variants = vec![n.to_string()];
    if let Some(rest) = n.strip_prefix("the ") {
        variants.push(format!("The {rest}"));
    } else if let Some(rest) = n.strip_prefix("The ") {
        variants.push(format!("the {rest}"));
    } else if n.starts_with(|c: char| c.is_lowercase()) {
        variants.push(capitalised(n));
    }
    variants
}

/// `Nouri al-Maliki` → `Nouri Maliki`: a name with an Arabic article (`al-`, `el-`, … as
/// `words::arabic_article` knows them) before a later word, without it; `None` when it has none.
fn without_arabic_article(name: &str) -> Option<String> {
    let mut changed = false;
    let words: Vec<&str> = name
        .split(' ')
        .enumerate()
        .map(|(k, w)| match arabic_article(w) {
            Some((_, rest)) if k > 0 => {
                changed = true;
                rest
            }
            _ => w,
        })
        .collect();
    changed.then(|| words.join(" "))
}

/// `President Xi Jinping`: a title alias (`President Xi`) that a full name of the same actor
/// continues past its end loses to the full name, so the mention is the name without its title
/// (as `Prime Minister Keir Starmer` gives `Keir Starmer`). Candidates are `(start, end,
/// pattern)` in the order the matcher reports them (by end).
fn drop_titles_before_full_names(
    cands: &mut Vec<(usize, usize, usize)>,
    via: &[Via],
    owner: &[usize],
) {
    if !cands.iter().any(|c| via[c.2] == Via::Title) {
        return;
    }
    let mut by_start = cands.clone();
    by_start.sort_unstable();
    cands.retain(|c| {
        if via[c.2] != Via::Title {
            return true;
        }
        // Candidates starting inside this one, after its first byte.
        let from = by_start.partition_point(|d| d.0 <= c.0);
        let to = by_start.partition_point(|d| d.0 < c.1);
        !by_start[from..to]
            .iter()
            .any(|d| d.1 > c.1 && owner[d.2] == owner[c.2] && via[d.2] == Via::Alias)
    });
}

/// Upper-cases the first character (`von der Leyen` → `Von der Leyen`).
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl std::fmt::Debug for Gazetteer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gazetteer({} actors)", self.actors.len())
    }
}

impl Gazetteer {
    /// The shipped default for international news.
    pub fn default_international() -> Result<Self> {
        Self::from_toml(
            DEFAULT_GAZETTEER,
            Path::new("datasets/actors/international.toml"),
        )
    }

    /// Reads a TOML (`[[actor]]` tables) or JSON (`{"actor": […]}` or a bare array) file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let s = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if is_json {
            let actors: Vec<Actor> = match serde_json::from_str::<GazetteerFile>(&s) {
                Ok(f) => f.actor,
                Err(_) => serde_json::from_str::<Vec<Actor>>(&s).map_err(|e| Error::Input {
                    path: path.to_path_buf(),
                    message: format!("bad gazetteer JSON (line {}): {e}", e.line()),
                })?,
            };
            Self::new(actors, path)
        } else {
            Self::from_toml(&s, path)
        }
    }

    fn from_toml(s: &str, path: &Path) -> Result<Self> {
        let f: GazetteerFile = toml::from_str(s).map_err(|e| Error::Input {
            path: path.to_path_buf(),
            message: format!("bad gazetteer TOML: {e}"),
        })?;
        Self::new(f.actor, path)
    }

    /// Builds the matcher; an empty name or alias, or one alias claimed by two actors, is an error.
    pub fn new(actors: Vec<Actor>, source: &Path) -> Result<Self> {
        let mut patterns: Vec<String> = Vec::new();
        let mut owner = Vec::new();
        let mut vias = Vec::new();
        let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        // Names without their Arabic article (`Nouri Maliki`), added once every written name is
        // known, so that they never take a name another actor has.
        let mut dropped: Vec<(String, usize, Via)> = Vec::new();
        for (i, a) in actors.iter().enumerate() {
            if !KINDS.contains(&a.kind.as_str()) {
                // A misspelt kind would silently lose what the kind does (family-name
                // references of people).
                return Err(Error::Input {
                    path: source.to_path_buf(),
                    message: format!(
                        "actor {:?} has the unknown kind {:?}; use one of {}",
                        a.name,
                        a.kind,
                        KINDS.join(", ")
                    ),
                });
            }
            let family = a.family_names();
            let names = std::iter::once(&a.name)
                .chain(a.aliases.iter())
                .chain(a.cities.iter());
            for n in names {
                let n = n.trim();
                if n.is_empty() {
                    return Err(Error::Input {
                        path: source.to_path_buf(),
                        message: format!("actor {:?} has an empty name or alias", a.name),
                    });
                }
                let variants = case_variants(n);
                let via = via_of(&family, n);
                if a.is_person() {
                    if let Some(d) = without_arabic_article(n) {
                        dropped.push((d, i, via));
                    }
                }
                for v in variants {
                    match seen.get(&v) {
                        Some(&j) if j != i => {
                            return Err(Error::Input {
                                path: source.to_path_buf(),
                                message: format!(
                                    "alias {v:?} belongs to both {:?} and {:?}",
                                    actors[j].name, a.name
                                ),
                            })
                        }
                        Some(_) => continue,
                        None => {
                            seen.insert(v.clone(), i);
                            patterns.push(v);
                            owner.push(i);
                            vias.push(via);
                        }
                    }
                }
            }
        }
        for (d, i, via) in dropped {
            if let std::collections::hash_map::Entry::Vacant(e) = seen.entry(d.clone()) {
                e.insert(i);
                patterns.push(d);
                owner.push(i);
                vias.push(via);
            }
        }
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|e| Error::Internal(format!("cannot build the actor matcher: {e}")))?;
        let upper: Vec<String> = patterns.iter().map(|p| p.to_uppercase()).collect();
        let ac_upper = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&upper)
            .map_err(|e| Error::Internal(format!("cannot build the actor matcher: {e}")))?;
        let demonyms = Demonyms::default_for(&actors)?;
        Ok(Self {
            actors,
            owner,
            via: vias,
            ac,
            ac_upper,
            demonyms,
        })
    }

    /// Adds actors given on the command line as `NAME` or `NAME=ALIAS1,ALIAS2`.
    pub fn with_extra(self, specs: &[String]) -> Result<Self> {
        if specs.is_empty() {
            return Ok(self);
        }
        let added = specs
            .iter()
            .map(|s| parse_actor_spec(s))
            .collect::<Result<Vec<_>>>()?;
        Self::new(merge_actors(self.actors, added), Path::new("--actor"))
    }

    /// This gazetteer with the actors of `other` added: an actor of the same name gets the other's
    /// aliases and family names too (and its kind and affiliation, when given); a new one is
    /// appended. An alias claimed by two actors is an error, as in one file.
    pub fn merged(self, other: Gazetteer, source: &Path) -> Result<Self> {
        Self::new(merge_actors(self.actors, other.actors), source)
    }

    pub fn actors(&self) -> &[Actor] {
        &self.actors
    }

    /// The shipped demonyms of this gazetteer's actors.
    pub fn demonyms(&self) -> &Demonyms {
        &self.demonyms
    }

    /// Mentions in `text`, in order of position, non-overlapping (longest first). A text in
    /// capitals (no lower-case letter, at least one upper-case one) is matched in capitals.
    pub fn find(&self, text: &str) -> Vec<Mention> {
        let shouting =
            !text.chars().any(char::is_lowercase) && text.chars().any(char::is_uppercase);
        // Upper-casing keeps byte lengths for the scripts that matter here; where it does not,
        // the text is matched as it is.
        let upper = shouting
            .then(|| text.to_uppercase())
            .filter(|u| u.len() == text.len());
        let (ac, hay) = match &upper {
            Some(u) => (&self.ac_upper, u.as_str()),
            None => (&self.ac, text),
        };
        let bytes = text.as_bytes();
        let word = |c: char| c.is_alphanumeric();
        let mut cands: Vec<(usize, usize, usize)> = Vec::new(); // (start, end, pattern)
        for m in ac.find_overlapping_iter(hay) {
            let (s, e) = (m.start(), m.end());
            if !text.is_char_boundary(s) || !text.is_char_boundary(e) {
                continue;
            }
            let before = text[..s].chars().next_back();
            let after = text[e..].chars().next();
            let first = text[s..e].chars().next();
            let last = text[s..e].chars().next_back();
            // Whole words: no letter/digit glued to a word-like pattern edge.
            if before.is_some_and(word) && first.is_some_and(word) {
                continue;
            }
            if after.is_some_and(word) && last.is_some_and(word) {
                continue;
            }
            cands.push((s, e, m.pattern().as_usize()));
        }
        drop_titles_before_full_names(&mut cands, &self.via, &self.owner);
        // Longest first, then leftmost; keep those that do not overlap a kept one.
        cands.sort_by(|a, b| (b.1 - b.0).cmp(&(a.1 - a.0)).then(a.0.cmp(&b.0)));
        let mut kept: Vec<(usize, usize, usize)> = Vec::new();
        for c in cands {
            if kept.iter().all(|k| c.1 <= k.0 || c.0 >= k.1) {
                kept.push(c);
            }
        }
        kept.sort();
        // Byte → character offsets in one pass.
        let mut out = Vec::with_capacity(kept.len());
        let mut char_pos = 0;
        let mut byte_pos = 0;
        for (s, e, p) in kept {
            char_pos += text[byte_pos..s].chars().count();
            let start = char_pos;
            let len = text[s..e].chars().count();
            char_pos += len;
            byte_pos = e;
            out.push(Mention {
                actor: self.owner[p],
                text: String::from_utf8_lossy(&bytes[s..e]).into_owned(),
                span: SentenceSpan::new(start, start + len),
                via: self.via[p],
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g() -> Gazetteer {
        Gazetteer::default_international().unwrap()
    }

    fn names(g: &Gazetteer, text: &str) -> Vec<(String, String)> {
        g.find(text)
            .into_iter()
            .map(|m| (g.actors()[m.actor].name.clone(), m.text))
            .collect()
    }

    /// The canonical names of the actors found in `text`, in order.
    fn actor_names(g: &Gazetteer, text: &str) -> Vec<String> {
        names(g, text).into_iter().map(|(actor, _)| actor).collect()
    }

    #[test]
    fn default_gazetteer_loads_with_all_un_members() {
        let g = g();
        let countries = g.actors().iter().filter(|a| a.kind == "country").count();
        assert!(countries >= 193, "{countries}");
        for p in g.actors().iter().filter(|a| a.kind == "person") {
            let aff = p.affiliation.as_deref().unwrap_or_default();
            assert!(
                g.actors().iter().any(|a| a.name == aff),
                "{} -> {aff}",
                p.name
            );
        }
    }

    #[test]
    fn a_name_with_an_arabic_article_also_matches_without_it() {
        assert_eq!(
            without_arabic_article("Nouri al-Maliki").as_deref(),
            Some("Nouri Maliki")
        );
        assert_eq!(without_arabic_article("al-Qaeda"), None);
        assert_eq!(
            without_arabic_article("Ahmed Al-Sharaa").as_deref(),
            Some("Ahmed Sharaa")
        );
        // An actor of its own with that name keeps it, whatever the order.
        let g2 = g()
            .with_extra(&["Bashar Assad;kind=person".to_string()])
            .unwrap();
        assert_eq!(
            names(&g2, "Bashar Assad spoke."),
            vec![("Bashar Assad".to_string(), "Bashar Assad".to_string())]
        );
        assert_eq!(without_arabic_article("Xi Jinping"), None);
        let g = g();
        assert_eq!(
            names(&g, "Bashar Assad and Bashar al-Assad spoke."),
            vec![
                ("Bashar al-Assad".to_string(), "Bashar Assad".to_string()),
                ("Bashar al-Assad".to_string(), "Bashar al-Assad".to_string()),
            ]
        );
    }

    #[test]
    fn metonyms_people_and_organisations() {
        let g = g();
        let t = "Beijing backed Moscow while the Kremlin thanked Xi Jinping; Washington and NATO objected, and The New York Times reported it.";
        let got = names(&g, t);
        let want: Vec<(&str, &str)> = vec![
            ("China", "Beijing"),
            ("Russia", "Moscow"),
            ("Russia", "the Kremlin"),
            ("Xi Jinping", "Xi Jinping"),
            ("United States", "Washington"),
            ("NATO", "NATO"),
            ("The New York Times", "The New York Times"),
        ];
        assert_eq!(
            got,
            want.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            actor_names(
                &g,
                "The Kremlin said Vladimir Putin met Wang Yi at the UN General Assembly."
            ),
            ["Russia", "Vladimir Putin", "Wang Yi", "UN General Assembly"]
        );
    }

    #[test]
    fn a_full_name_wins_over_the_title_alias_it_continues() {
        let g = g();
        let got: Vec<String> = g
            .find("Chinese President Xi Jinping met President Xi’s aides and President Putin.")
            .into_iter()
            .map(|m| format!("{}:{:?}", m.text, m.via))
            .collect();
        assert_eq!(
            got,
            vec![
                "Xi Jinping:Alias",
                "President Xi:Title",
                "President Putin:Title"
            ]
        );
    }

    #[test]
    fn possessives_and_word_boundaries() {
        let g = g();
        let m = g.find("China’s envoy and Russia's army, not Chinatown or Indiana or Omani food.");
        let got: Vec<&str> = m.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(got, vec!["China", "Russia"]);
        assert_eq!((m[0].span.start, m[0].span.end), (0, 5));
    }

    #[test]
    fn overlapping_aliases_take_the_longest() {
        let actors = vec![
            Actor {
                aliases: vec!["Seoul".into()],
                ..Actor::new("South Korea", "country")
            },
            Actor::new("Korea", "region"),
            Actor::new("North Korea", "country"),
        ];
        let g = Gazetteer::new(actors, Path::new("t")).unwrap();
        assert_eq!(
            names(&g, "South Korea and North Korea: Korea divided."),
            vec![
                ("South Korea".to_string(), "South Korea".to_string()),
                ("North Korea".into(), "North Korea".into()),
                ("Korea".into(), "Korea".into())
            ]
        );
        let g = self::g();
        assert_eq!(actor_names(&g, "the U.S. Congress met"), ["US Congress"]);
        assert_eq!(
            names(&g, "the UN Security Council")[0].0,
            "UN Security Council"
        );
    }

    #[test]
    fn case_rules() {
        let g = g();
        // "US" only in capitals; "us" is a pronoun.
        let found = names(&g, "Tell us about the US.");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1, "US");
        assert!(names(&g, "china plates").is_empty());
        assert_eq!(names(&g, "The Kremlin denied it.")[0].0, "Russia");
    }

    #[test]
    fn offsets_are_characters_and_command_line_actors_work() {
        let g = g()
            .with_extra(&["Acme Corp=Acme".to_string(), "Wang Yi=Wang".to_string()])
            .unwrap();
        let text = "“Acme” — said Wang — backs Kyiv.";
        let chars: Vec<char> = text.chars().collect();
        for m in g.find(text) {
            assert_eq!(
                chars[m.span.start..m.span.end].iter().collect::<String>(),
                m.text
            );
        }
        assert_eq!(actor_names(&g, text), ["Acme Corp", "Wang Yi", "Ukraine"]);
    }

    #[test]
    fn headlines_in_capitals_and_names_that_are_words() {
        let g = g();
        assert_eq!(
            actor_names(
                &g,
                "CEASEFIRE TALKS RESUME IN CAIRO AS PRESSURE MOUNTS ON ISRAEL"
            ),
            ["Egypt", "Israel"]
        );
        // Lower case in ordinary text: not a name.
        assert!(names(&g, "He played his trump card in the bush.").is_empty());
        // Sentence-initial capitals of lower-case aliases (`von der Leyen`).
        assert_eq!(
            names(&g, "Von der Leyen spoke.")[0].0,
            "Ursula von der Leyen"
        );
    }

    #[test]
    fn added_actors_merge_and_a_kind_makes_family_names_work() {
        let base = Gazetteer::default_international().unwrap();
        let n = base.actors().len();
        let g = base
            .with_extra(&[
                "Ada Lovelace=Countess Lovelace;kind=person;affiliation=United Kingdom".to_string(),
                "China=the Middle Kingdom".to_string(),
            ])
            .unwrap();
        assert_eq!(g.actors().len(), n + 1, "one new actor, China merged");
        let ada = g
            .actors()
            .iter()
            .find(|a| a.name == "Ada Lovelace")
            .unwrap();
        assert_eq!(
            (ada.kind.as_str(), ada.affiliation.as_deref()),
            ("person", Some("United Kingdom"))
        );
        let china = g.actors().iter().find(|a| a.name == "China").unwrap();
        assert_eq!(china.kind, "country");
        assert!(
            china.is_city("Beijing") && china.aliases.iter().any(|a| a == "the Middle Kingdom")
        );
        // Family names of a person added with a kind are found later in a document.
        let opts = crate::text::document::MentionOptions::default();
        let a = crate::text::document::analyse(
            "Ada Lovelace wrote the notes. Later, Lovelace praised China.",
            &g,
            &opts,
        );
        let found: Vec<(String, Via)> = a
            .sentences
            .iter()
            .flat_map(|s| s.mentions.iter().map(|m| (m.text.clone(), m.via)))
            .collect();
        assert!(
            found.contains(&("Lovelace".to_string(), Via::Surname)),
            "{found:?}"
        );
        for bad in ["X;kind=persn", "X;colour=red", ";kind=person"] {
            assert!(
                Gazetteer::default_international()
                    .unwrap()
                    .with_extra(&[bad.to_string()])
                    .is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn bad_gazetteers_are_refused() {
        let (dir, p) = crate::testing::temp_path("g.toml");
        std::fs::write(&p, "[[actor]]\nname = \"A\"\naliases = [\"X\"]\n[[actor]]\nname = \"B\"\naliases = [\"X\"]\n").unwrap();
        let e = Gazetteer::from_file(&p).unwrap_err().to_string();
        assert!(e.contains("\"X\"") && e.contains("g.toml"), "{e}");
        std::fs::write(&p, "[[actor]]\nnom = 3\n").unwrap();
        assert!(Gazetteer::from_file(&p)
            .unwrap_err()
            .to_string()
            .contains("bad gazetteer TOML"));
        let j = dir.path().join("g.json");
        std::fs::write(&j, r#"[{"name": "Acme", "kind": "organisation"}]"#).unwrap();
        assert_eq!(Gazetteer::from_file(&j).unwrap().actors().len(), 1);
        for bad in ["persn", "spaceship", "Person"] {
            std::fs::write(
                &p,
                format!("[[actor]]\nname = \"Ada Lovelace\"\nkind = \"{bad}\"\n"),
            )
            .unwrap();
            let e = Gazetteer::from_file(&p).unwrap_err().to_string();
            assert!(
                e.contains(&format!("unknown kind \"{bad}\"")) && e.contains("person"),
                "{e}"
            );
        }
    }
}
