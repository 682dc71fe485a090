//! One document from text to mentions and holders: sentences, the gazetteer's matches,
//! demonyms (`--demonyms`), discovered names (`--discover`), family names and titles resolved
//! within the document, and the holder of each mention. Nothing carries over between documents.

use super::actors::{is_title_word, overlaps_any, Actor, Gazetteer, Mention, Via};
use super::discover::{self, CandidateKind};
use super::lexicon::{
    DISPUTED_CAPITALS, DISPUTED_DISTRICT_HEADS, INSTITUTION_HEADS, MONTHS, NAME_TAILS, ROLES,
    WATER_HEADS,
};
pub use super::sentence::{ActorTable, Sentence};
use super::span::{DocSpan, SentenceSpan};
use super::words::{
    between, is_not_name, word_after_name, word_ending_at, word_starting_at, words, words_text,
    Word,
};
use super::{anaphora, holders, references, segment, venues};
use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::HashMap;

/// What `score` looks for beyond the gazetteer's names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MentionOptions {
    /// Demonym references (`Chinese officials` → China).
    pub demonyms: bool,
    pub discover: Discover,
}

/// Discovery of people and organisations the gazetteer does not have. Names found this way
/// always name stance holders (`Yun Sun said …`); the options add reporting and scoring.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Discover {
    /// Discovered names only as holders.
    #[default]
    Off,
    /// Report candidates (summary and statistics) and let them be holders; do not score them.
    List,
    /// Also score them as actors (`via: discovered`).
    Score,
}

/// A discovered name with the number of sentences it occurs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub name: String,
    pub kind: CandidateKind,
    pub sentences: usize,
}

/// A document's sentences with mentions and its discovered names.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Sentences in the document.
    pub sentence_count: usize,
    /// Over-long sentences cut into pieces of at most [`segment::MAX_SENTENCE_CHARS`].
    pub sentences_cut: usize,
    /// The sentences that mention at least one actor.
    pub sentences: Vec<Sentence>,
    /// Actors `gazetteer.len() + i` of the mentions and holders.
    pub discovered: Vec<Actor>,
    pub candidates: Vec<Candidate>,
}

impl Analysis {
    pub fn table<'a>(&'a self, g: &'a Gazetteer) -> ActorTable<'a> {
        ActorTable {
            gazetteer: g.actors(),
            discovered: &self.discovered,
        }
    }
    pub fn actor<'a>(&'a self, g: &'a Gazetteer, i: usize) -> &'a Actor {
        self.table(g).get(i)
    }
}

/// Candidates beyond this many per document are left out (a pathological text cannot make
/// discovery quadratic).
const MAX_CANDIDATES: usize = 500;

/// Finds every mention of `text` and its holder.
pub fn analyse(text: &str, g: &Gazetteer, opts: &MentionOptions) -> Analysis {
    let chars: Vec<char> = text.chars().collect();
    let (spans, sentences_cut) = segment::sentences_and_cuts(text);
    let sentence_count = spans.len();
    let mut sentences: Vec<Sentence> = spans
        .into_iter()
        .enumerate()
        .map(|(index, sp)| {
            let text: String = chars[sp.start..sp.end].iter().collect();
            let words = words(&text);
            let mut mentions = g.find(&text);
            let headline = title_case(&text, &words);
            let keep: Vec<bool> = mentions
                .iter()
                .map(|m| {
                    !family_name_of_someone_else(&text, &words, m)
                        && !part_of_a_longer_name(&text, m)
                        && (headline || !place_ending_a_name(&text, &words, &mentions, g, m))
                })
                .collect();
            let mut keep = keep.into_iter();
            mentions.retain(|_| keep.next().unwrap_or(true));
            drop_second_name_of_one_actor(&text, &words, &mut mentions);
            Sentence {
                index,
                span: DocSpan::new(sp.start, sp.end),
                words,
                text,
                mentions,
                holders: Vec::new(),
                venues: Vec::new(),
            }
        })
        .collect();
    // Demonym phrases are found always, so that discovery does not take `Chinese Foreign
    // Ministry` for a new organisation; they become mentions only when asked for.
    let demonyms: Vec<Vec<Mention>> = sentences
        .iter()
        .map(|s| g.demonyms().find(&s.text, &s.words, &s.mentions))
        .collect();
    let (discovered, mut candidates) = discover_names(&mut sentences, &demonyms, g.actors().len());
    if opts.demonyms {
        for (s, d) in sentences.iter_mut().zip(demonyms) {
            if !d.is_empty() {
                s.mentions.extend(d);
                s.mentions.sort_by_key(|m| m.span.start);
            }
        }
    }
    let table = ActorTable {
        gazetteer: g.actors(),
        discovered: &discovered,
    };
    references::resolve(&mut sentences, &table);
    anaphora::resolve(&mut sentences, &table);
    venues::separate(&mut sentences, &table);
    holders::assign(&mut sentences, &chars, &table);
    if opts.discover != Discover::Score {
        // Discovered names may hold stances, but are not scored.
        let n = g.actors().len();
        for s in &mut sentences {
            let keep: Vec<bool> = s.mentions.iter().map(|m| m.actor < n).collect();
            let mut k = keep.iter();
            s.mentions.retain(|_| *k.next().unwrap_or(&true));
            let mut k = keep.iter();
            s.holders.retain(|_| *k.next().unwrap_or(&true));
        }
    }
    if opts.discover == Discover::Off {
        candidates.clear();
    }
    sentences.retain(|s| !s.mentions.is_empty() || !s.venues.is_empty());
    Analysis {
        sentence_count,
        sentences_cut,
        sentences,
        discovered,
        candidates,
    }
}

/// `the US State Department`: two names of one actor side by side are one reference, the
/// first (the second names a part of it).
fn drop_second_name_of_one_actor(s: &str, w: &[Word], mentions: &mut Vec<Mention>) {
    // (actor, the word right after it in its phrase)
    let mut previous: Option<(usize, Option<usize>)> = None;
    mentions.retain(|m| {
        let repeat = previous.is_some_and(|(actor, next)| {
            actor == m.actor && next.is_some() && next == word_starting_at(w, m.span.start)
        });
        previous = Some((m.actor, word_after_name(s, w, m.span.end)));
        !repeat
    });
}

/// A gazetteer family name inside a longer name (`Abbas Araghchi` is not Mahmoud Abbas;
/// `Hassan Abbas` neither): a capitalised name word right before (not a title) or after it.
fn family_name_of_someone_else(s: &str, w: &[Word], m: &Mention) -> bool {
    if m.via != Via::Surname {
        return false;
    }
    let Some(first) = word_starting_at(w, m.span.start) else {
        return false;
    };
    let Some(last) = word_ending_at(w, m.span.end) else {
        return false;
    };
    let name_word = |x: &Word| {
        let t = x.text(s);
        x.is_capitalised(s) && !is_not_name(t) && !is_title_word(t)
    };
    let before = first > 0 && between(s, w, first - 1, first) == " " && name_word(&w[first - 1]);
    let after = !w[last].possessive
        && last + 1 < w.len()
        && between(s, w, last, last + 1) == " "
        && name_word(&w[last + 1]);
    before || after
}

/// A sentence in title case (`Trump Threatens Iran Over Nuclear Deal`): two words in three
/// capitalised, where a capitalised word says nothing about names.
fn title_case(s: &str, w: &[Word]) -> bool {
    let capitalised = w.iter().filter(|x| x.is_capitalised(s)).count();
    capitalised * 3 > w.len() * 2
}

/// Directions before a place's name.
const DIRECTIONS: &[&str] = &[
    "North",
    "South",
    "East",
    "West",
    "Northern",
    "Southern",
    "Eastern",
    "Western",
    "Central",
    "Upper",
    "Lower",
    "Northeast",
    "Northwest",
    "Southeast",
    "Southwest",
    "Northeastern",
    "Northwestern",
    "Southeastern",
    "Southwestern",
];

/// `Temple University Japan`, `Pratt & Whitney Canada`, `Antifa Warsaw`: a place right after a
/// capitalised word of a name the gazetteer does not have (not a title, a role, a date, another
/// mention, a direction or the sentence's first word, nor in a title-case headline) ends that
/// name; the place's actor is not meant.
fn place_ending_a_name(s: &str, w: &[Word], found: &[Mention], g: &Gazetteer, m: &Mention) -> bool {
    if m.via != Via::Alias || !matches!(g.actors()[m.actor].kind.as_str(), "country" | "region") {
        return false;
    }
    let Some(i) = word_starting_at(w, m.span.start) else {
        return false;
    };
    if i < 2 {
        return false;
    }
    let p = &w[i - 1];
    let t = p.text(s);
    // Not a headline's capitals (`ON ISRAEL`; title case is left out by the caller), a compound
    // (`Muslim-majority`), a direction (`Northern Iraq`, `North India` are labelled the country)
    // or a word for the state itself (`Mainland China`, `Communist China`).
    let capitals = t.chars().all(|c| !c.is_lowercase());
    let direction = DIRECTIONS.contains(&t) || matches!(t, "Mainland" | "Communist");
    between(s, w, i - 1, i) == " "
        && p.is_capitalised(s)
        && !capitals
        && !direction
        && !t.contains(['-', '–'])
        && !p.possessive
        && t.ends_with(char::is_alphabetic)
        && !is_title_word(t)
        && !ROLES.contains(&t)
        && !is_not_name(t)
        && !MONTHS.contains(&t)
        && !overlaps_any(found, p.chars)
}

/// A place inside a longer name (`Samoa Observer`, `Iran–Iraq War`, `the Gulf of Oman`, `the
/// University of Nairobi`, `US$3.4 trillion`, `U.S. dollars`): not a reference to the place's
/// actor.
fn part_of_a_longer_name(s: &str, m: &Mention) -> bool {
    if m.via != Via::Alias {
        return false;
    }
    let byte_start = s.char_indices().nth(m.span.start).map_or(s.len(), |x| x.0);
    let before = &s[..byte_start];
    let after = &s[(byte_start + m.text.len()).min(s.len())..];
    if after.starts_with('$') || after.starts_with(" dollar") {
        return true;
    }
    if WATER_HEADS
        .iter()
        .chain(INSTITUTION_HEADS)
        .any(|h| before.ends_with(h))
    {
        return true;
    }
    if another_countrys_congress(before, m) {
        return true;
    }
    // `East Jerusalem` is not Israel's.
    let head_word = |h: &str| {
        before
            .strip_suffix(h)
            .is_some_and(|b| b.is_empty() || b.ends_with(' '))
    };
    if DISPUTED_CAPITALS.contains(&m.text.as_str())
        && DISPUTED_DISTRICT_HEADS.iter().any(|h| head_word(h))
    {
        return true;
    }
    // The next capitalised words (a dash-joined name first: `–Iraq War`).
    let rest = after.trim_start_matches(['–', '-']);
    let rest = if rest.len() < after.len() {
        rest.trim_start_matches(|c: char| c.is_alphabetic())
    } else {
        rest
    };
    let mut words = rest.split_whitespace();
    if !rest.starts_with(' ') {
        return false;
    }
    for _ in 0..2 {
        let Some(w) = words.next() else { return false };
        let w = w.trim_end_matches(|c: char| !c.is_alphanumeric());
        if NAME_TAILS.contains(&w) {
            return true;
        }
        if !w.starts_with(char::is_uppercase) {
            return false;
        }
    }
    false
}

/// `Indian National Congress`, `the Brazilian Congress`: `Congress` after a capitalised word
/// that does not name the United States is another country's congress or a party.
fn another_countrys_congress(before: &str, m: &Mention) -> bool {
    if m.text != "Congress" || !before.ends_with(' ') {
        return false;
    }
    let before = before.trim_end();
    let Some(last) = before.split_whitespace().last() else {
        return false;
    };
    // The US Congress's own words: `US`, `American`, its parties, `Republican-controlled`.
    let us = [
        "US",
        "U.S.",
        "United States",
        "American",
        "America’s",
        "America's",
        "Republican",
        "Democratic",
        "Democrat",
    ]
    .iter()
    .any(|x| before.ends_with(x))
        || last.contains('-');
    // A name word joined by a space only (not `On Friday, Congress`), not a function or date
    // word (`If Congress fails`, `When Congress returns`).
    let name_word = last.starts_with(char::is_uppercase)
        && last.ends_with(char::is_alphanumeric)
        && !is_not_name(last)
        && !MONTHS.contains(&last);
    name_word && !us
}

/// Discovers names, adds a mention (`via: discovered`) at every occurrence of each, and
/// returns the discovered actors and the candidates with their sentence counts.
fn discover_names(
    sentences: &mut [Sentence],
    demonyms: &[Vec<Mention>],
    first_index: usize,
) -> (Vec<Actor>, Vec<Candidate>) {
    let mut names: Vec<(String, CandidateKind)> = Vec::new();
    // Every text matched (a name, or an acronym of one) → its index in `names`.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (s, d) in sentences.iter().zip(demonyms) {
        let text = |a: usize, b: usize| words_text(&s.text, &s.words, a, b).to_string();
        for f in discover::find(&s.text, &s.words, &[&s.mentions, d]) {
            let name = text(f.first, f.last);
            if seen.contains_key(&name) {
                continue;
            }
            if let Some(k) = f.expands.and_then(|(a, b)| seen.get(&text(a, b)).copied()) {
                seen.insert(name, k);
            } else if names.len() < MAX_CANDIDATES {
                seen.insert(name.clone(), names.len());
                names.push((name, f.kind));
            }
        }
    }
    if names.is_empty() {
        return (Vec::new(), Vec::new());
    }
    // The names in their order, then the acronyms that stand for one of them.
    let mut acronyms: Vec<(String, usize)> = seen
        .into_iter()
        .filter(|(text, k)| *text != names[*k].0)
        .collect();
    acronyms.sort();
    let patterns: Vec<(String, usize)> = names
        .iter()
        .enumerate()
        .map(|(k, n)| (n.0.clone(), k))
        .chain(acronyms)
        .collect();
    let Ok(ac) = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(patterns.iter().map(|p| p.0.as_str()))
    else {
        return (Vec::new(), Vec::new());
    };
    let mut counts = vec![0usize; names.len()];
    for s in sentences.iter_mut() {
        let mut found: Vec<Mention> = Vec::new();
        let mut in_sentence = vec![false; names.len()];
        // Matches come in order: character offsets by a running count.
        let (mut byte_pos, mut char_pos) = (0usize, 0usize);
        for m in ac.find_iter(&s.text) {
            let (bs, be) = (m.start(), m.end());
            let before = s.text[..bs].chars().next_back();
            let after = s.text[be..].chars().next();
            if before.is_some_and(char::is_alphanumeric) || after.is_some_and(char::is_alphanumeric)
            {
                continue;
            }
            char_pos += s.text[byte_pos..bs].chars().count();
            byte_pos = bs;
            let cs = char_pos;
            let ce = cs + s.text[bs..be].chars().count();
            if overlaps_any(&s.mentions, SentenceSpan::new(cs, ce)) {
                continue;
            }
            let k = patterns[m.pattern().as_usize()].1;
            in_sentence[k] = true;
            found.push(Mention {
                actor: first_index + k,
                text: s.text[bs..be].to_string(),
                span: SentenceSpan::new(cs, ce),
                via: Via::Discovered,
            });
        }
        for (c, hit) in counts.iter_mut().zip(in_sentence) {
            *c += hit as usize;
        }
        if !found.is_empty() {
            s.mentions.extend(found);
            s.mentions.sort_by_key(|m| m.span.start);
        }
    }
    let actors = names
        .iter()
        .map(|(n, k)| Actor::new(n.clone(), k.as_str()))
        .collect();
    let candidates = names
        .into_iter()
        .zip(counts)
        .map(|((name, kind), sentences)| Candidate {
            name,
            kind,
            sentences,
        })
        .collect();
    (actors, candidates)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str, opts: MentionOptions) -> Vec<(String, String, Via)> {
        let g = Gazetteer::default_international().unwrap();
        let a = analyse(text, &g, &opts);
        a.sentences
            .iter()
            .flat_map(|s| s.mentions.iter())
            .map(|m| (a.actor(&g, m.actor).name.clone(), m.text.clone(), m.via))
            .collect()
    }

    /// The surface texts of the mentions found with the default options.
    fn surfaces(text: &str) -> Vec<String> {
        found(text, MentionOptions::default())
            .into_iter()
            .map(|x| x.1)
            .collect()
    }

    #[test]
    fn family_names_resolve_to_the_latest_introduction() {
        let t = "Wang Yi spoke. Wang’s remarks came before spokesman Wang Wenbin spoke. Later Wang denied it. Foreign Minister Wang Yi left; President Xi stayed and Mr. Peskov too.";
        let got = found(t, MentionOptions::default());
        let want = [
            ("Wang Yi", "Wang Yi", Via::Alias),
            ("Wang Yi", "Wang", Via::Surname),
            ("Wang Wenbin", "Wang Wenbin", Via::Alias),
            ("Wang Wenbin", "Wang", Via::Surname),
            ("Wang Yi", "Wang Yi", Via::Alias),
            ("Xi Jinping", "President Xi", Via::Title),
            ("Dmitry Peskov", "Mr. Peskov", Via::Title),
        ];
        let want: Vec<(String, String, Via)> = want
            .iter()
            .map(|(a, b, v)| (a.to_string(), b.to_string(), *v))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_family_name_that_someone_unknown_also_has_stays_unresolved() {
        // `Kim Jong Nam` is not in the gazetteer: `Kim` may be either man.
        let t = "Kim Jong Nam, the half-brother of Kim Jong-un, died. Kim was killed by VX.";
        let got = found(t, MentionOptions::default());
        assert!(
            !got.iter().any(|(_, text, _)| text == "Kim"),
            "a bare Kim resolved: {got:?}"
        );
        // Without another Kim, the family name resolves as before.
        let t = "North Korean leader Kim Jong-un spoke. Kim was defiant.";
        let got = found(t, MentionOptions::default());
        assert!(got.contains(&("Kim Jong Un".to_string(), "Kim".to_string(), Via::Surname)));
    }

    #[test]
    fn a_family_name_after_an_arabic_article_in_either_case() {
        let t = "Information Minister Moammar al-Eryani spoke. Al-Eryani said Iran armed them. According to al-Eryani, Iran did.";
        let opts = MentionOptions {
            discover: Discover::Score,
            ..MentionOptions::default()
        };
        let got: Vec<(String, String)> = found(t, opts)
            .into_iter()
            .filter(|x| x.0 != "Iran")
            .map(|x| (x.0, x.1))
            .collect();
        let e = |s: &str| ("Moammar al-Eryani".to_string(), s.to_string());
        assert_eq!(
            got,
            [e("Moammar al-Eryani"), e("Al-Eryani"), e("al-Eryani")]
        );
        // Counter-example: a lower-case word with the article's letters is no name.
        let got = found(
            "Moammar al-Eryani spoke. The as-yet unnamed envoy left.",
            opts,
        );
        assert_eq!(got.len(), 1, "{got:?}");
    }

    #[test]
    fn no_guess_before_the_full_name_or_across_documents() {
        // `Wang` alone before any Wang is named: unresolved.
        assert!(found("Wang said nothing.", MentionOptions::default()).is_empty());
        // Each document starts afresh.
        let g = Gazetteer::default_international().unwrap();
        let _ = analyse("Wang Yi spoke.", &g, &MentionOptions::default());
        assert!(analyse("Wang said it.", &g, &MentionOptions::default())
            .sentences
            .is_empty());
        // Words that are names: the month, a sentence-initial pronoun.
        let t = "Theresa May spoke in May. May brings rain. May said so. Later, May left. He Lifeng met Lee Jae-myung. He said Lee agreed.";
        let mut actors = g.actors().to_vec();
        actors.push(Actor::new("Theresa May", "person"));
        actors.push(Actor {
            surnames: vec!["He".into()],
            ..Actor::new("He Lifeng", "person")
        });
        let g2 = Gazetteer::new(actors, std::path::Path::new("test")).unwrap();
        let a = analyse(t, &g2, &MentionOptions::default());
        let got: Vec<&str> = a
            .sentences
            .iter()
            .flat_map(|s| s.mentions.iter().map(|m| m.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec!["Theresa May", "May", "May", "He Lifeng", "Lee Jae-myung", "Lee"],
            "the month and a sentence-initial `May` stay unresolved, but before a reporting verb (not \
             `He said`) and mid-sentence it resolves"
        );
    }

    #[test]
    fn places_inside_longer_names_are_not_references() {
        let t = "The Samoa Observer, the Iran–Iraq War, the Gulf of Oman, US$3 billion, U.S. dollars, Baghdad International Airport, Abu Dhabi TV, the Paris Agreement, the Iran Hostage Crisis and the Islamic State of Iraq and Syria; Iran spoke and US President Trump too.";
        let got = surfaces(t);
        assert_eq!(
            got,
            vec![
                "Islamic State of Iraq and Syria",
                "Iran",
                "US",
                "President Trump"
            ]
        );
    }

    #[test]
    fn another_congress_a_river_a_horn_and_a_supreme_court_are_not_their_places() {
        let t = "The Indian National Congress, the Brazilian Congress, the Senegal River, the Horn of Africa and the Supreme Court of the United Kingdom; on Friday, Congress voted and the US Congress too.";
        let got = surfaces(t);
        assert_eq!(got, vec!["Congress", "US Congress"]);
        // Function words and the US Congress's own parties before it.
        let t = "If Congress fails, the Republican-controlled Congress and the Democratic Congress will.";
        assert_eq!(surfaces(t), vec!["Congress"; 3]);
    }

    #[test]
    fn a_place_that_ends_another_name_is_not_its_state() {
        let t = "A Temple University Japan professor spoke, Pratt & Whitney Canada agreed and United Russia won; Northern Iraq, North Korea and Japan stayed.";
        assert_eq!(surfaces(t), vec!["Iraq", "North Korea", "Japan"]);
        // Words for the state itself, compass compounds, title-case headlines stay.
        for t in [
            "He said Communist China is a threat to Japan.",
            "He said Mainland China and Southeast Asia are tense.",
            "Trump Threatens Iran Over Nuclear Deal",
        ] {
            let got = surfaces(t);
            assert!(
                got.iter().any(|x| ["China", "Iran"].contains(&x.as_str())),
                "{t}: {got:?}"
            );
        }
        assert_eq!(
            surfaces("He said Mainland China and Southeast Asia are tense."),
            vec!["China", "Asia"]
        );
    }

    #[test]
    fn east_jerusalem_is_not_israel() {
        let t = "Israel annexed East Jerusalem and builds in east Jerusalem; Jerusalem protested.";
        assert_eq!(surfaces(t), vec!["Israel", "Jerusalem"]);
        // `least` ends in `east`, but is no district's head.
        assert_eq!(
            surfaces("Dissidents at least Jerusalem protested."),
            vec!["Jerusalem"]
        );
    }

    #[test]
    fn two_names_of_one_actor_side_by_side_are_one_reference() {
        let t = "The US State Department and the U.S. State Department spoke; the Bush administration, White House aides and the State Department agreed; the US, US allies and China's China Daily too.";
        let got = surfaces(t);
        assert_eq!(
            got,
            vec![
                "US",
                "U.S.",
                "Bush administration",
                "White House",
                "the State Department",
                "US",
                "US",
                "China"
            ]
        );
    }

    #[test]
    fn places_inside_newspaper_constitution_party_and_institution_names_are_not_references() {
        let t = "Cyprus Mail reported it, the United States Constitution says so, the Congress Party and the Islamic Iran Participation Front lost, and the University of Nairobi and the Liberal Party of Kenya agreed; the people of Kenya, the government of Cyprus and the United States rejected it.";
        let got = surfaces(t);
        assert_eq!(got, vec!["Kenya", "Cyprus", "United States"]);
    }

    #[test]
    fn demonyms_and_discovery_are_opt_in() {
        let t = "Chinese officials said Prime Minister Mia Mottley of Barbados was right, and Mottley agreed.";
        let plain = found(t, MentionOptions::default());
        assert_eq!(plain.len(), 1, "{plain:?}");
        let all = found(
            t,
            MentionOptions {
                demonyms: true,
                discover: Discover::Score,
            },
        );
        let vias: Vec<Via> = all.iter().map(|x| x.2).collect();
        assert_eq!(
            vias,
            vec![Via::Demonym, Via::Discovered, Via::Alias, Via::Surname]
        );
        let g = Gazetteer::default_international().unwrap();
        let a = analyse(
            t,
            &g,
            &MentionOptions {
                demonyms: false,
                discover: Discover::List,
            },
        );
        assert_eq!(a.candidates.len(), 1);
        assert_eq!(a.candidates[0].name, "Mia Mottley");
        assert_eq!(a.candidates[0].sentences, 1);
        assert_eq!(a.sentences[0].mentions.len(), 1);
    }

    #[test]
    fn long_documents_stay_linear() {
        let g = Gazetteer::default_international().unwrap();
        let opts = MentionOptions {
            demonyms: true,
            discover: Discover::Score,
        };
        // 1 MB of short sentences, and 1 MB as one sentence (no full stop anywhere): every
        // lookup within a sentence is a binary search, so neither is quadratic.
        let para = "‘Beijing is a friend,’ said Wang Yi. Wang also met Kim Jong Un, and “Kim said: ‘Moscow is too’. ";
        let clause = "Wang Yi said Beijing and Moscow, he added, ‘backed Kyiv’ while Zelensky accused Washington of lying and ";
        for (piece, min_sentences) in [(para, 10_000), (clause, 1)] {
            let text = piece.repeat((1 << 20) / piece.len() + 1);
            let t0 = std::time::Instant::now();
            let a = analyse(&text, &g, &opts);
            assert!(a.sentences.len() >= min_sentences);
            let mentions: usize = a.sentences.iter().map(|s| s.mentions.len()).sum();
            assert!(mentions > 40_000, "{mentions}");
            // A generous bound: quadratic behaviour on 1 MB takes minutes.
            assert!(t0.elapsed().as_secs() < 60, "{:?}", t0.elapsed());
        }
    }
}
