//! Group nouns that stand for an organisation named before: `the bloc`, `the alliance`, `the
//! regional bloc`, `the 15-nation bloc`, `the UN agency`. Each gazetteer actor lists the nouns
//! that may stand for it (`anaphors`: the EU is `bloc` and `union`, NATO `alliance`, the IAEA
//! `agency` and `watchdog`); such a phrase refers to the **most recent** actor named before it
//! in the document whose list has its noun (`Nigeria’s president, who chairs ECOWAS, said the
//! bloc …` is ECOWAS, not the EU), and to nothing when none has been named. Found phrases are
//! mentions (`via: anaphor`), scored and holding stances like names.
//!
//! The phrase is `the`, up to three modifiers (lower-case descriptive words from a short list,
//! `27-member`, `Iran-backed`, a capitalised demonym-like word), then the noun in lower case,
//! not followed by `of` (`the body of a journalist`, `the group of ministers`) or by a name
//! (`the group Hamas`: an apposition, the name is the mention).

use super::actors::{overlaps_any, Actor, Mention, Via};
use super::lexicon::{KEEP_BEFORE_OF, MODIFIERS};
use super::sentence::{ActorTable, Sentence};
use super::span::SentenceSpan;
use super::words::{between, Word};
use std::collections::{HashMap, HashSet};

/// Most modifiers between `the` and the noun.
const MAX_MODIFIERS: usize = 3;

/// Fills in the anaphoric mentions of every sentence (after names, family names and titles).
pub fn resolve(sentences: &mut [Sentence], table: &ActorTable) {
    let nouns: HashSet<&str> = table
        .gazetteer
        .iter()
        .chain(table.discovered)
        .flat_map(nouns_of)
        .collect();
    if nouns.is_empty() {
        return;
    }
    // Noun → the actor most recently named that it may stand for.
    let mut latest: HashMap<&str, usize> = HashMap::new();
    for sent in sentences.iter_mut() {
        let phrases = phrases(&sent.text, &sent.words, &sent.mentions, &nouns);
        let mut found = Vec::new();
        let mut next = 0;
        for (cs, ce, bs, be, noun) in phrases {
            // The names before the phrase come first.
            while next < sent.mentions.len() && sent.mentions[next].span.start < cs {
                note(&mut latest, table, sent.mentions[next].actor);
                next += 1;
            }
            if let Some(&actor) = latest.get(noun) {
                note(&mut latest, table, actor);
                found.push(Mention {
                    actor,
                    text: sent.text[bs..be].to_string(),
                    span: SentenceSpan::new(cs, ce),
                    via: Via::Anaphor,
                });
            }
        }
        for m in &sent.mentions[next..] {
            note(&mut latest, table, m.actor);
        }
        if !found.is_empty() {
            sent.mentions.extend(found);
            sent.mentions.sort_by_key(|m| m.span.start);
        }
    }
}

/// Records that `actor` was named: each of its nouns now stands for it.
fn note<'a>(latest: &mut HashMap<&'a str, usize>, table: &ActorTable<'a>, actor: usize) {
    for n in nouns_of(table.get(actor)) {
        latest.insert(n, actor);
    }
}

/// Head nouns of organisation names, and the noun that stands for them (`the Southern
/// Transitional Council` … `the council`).
const NAME_HEADS: &[(&str, &str)] = &[
    ("Council", "council"),
    ("Court", "court"),
    ("Community", "community"),
    ("Union", "union"),
    ("Alliance", "alliance"),
    ("Agency", "agency"),
    ("Bank", "bank"),
    ("Fund", "fund"),
    ("Organisation", "organisation"),
    ("Organization", "organization"),
    ("Commission", "commission"),
    ("Committee", "committee"),
    ("Movement", "movement"),
    ("Party", "party"),
    ("Front", "front"),
    ("Forum", "forum"),
    ("League", "league"),
    ("Group", "group"),
    ("Foundation", "foundation"),
    ("Institute", "institute"),
];

/// The nouns that may stand for an actor: its gazetteer `anaphors`, and for organisations and
/// groups the head nouns of their name (also for discovered ones).
fn nouns_of(a: &Actor) -> impl Iterator<Item = &str> {
    let named = matches!(a.kind.as_str(), "organisation" | "group");
    let heads = NAME_HEADS
        .iter()
        .filter(move |(head, _)| named && a.name.split_whitespace().any(|w| w == *head))
        .map(|(_, noun)| *noun);
    a.anaphors.iter().map(String::as_str).chain(heads)
}

/// The candidate phrases of a sentence: (char start, char end, byte start, byte end, noun).
fn phrases<'n>(
    s: &str,
    w: &[Word],
    mentions: &[Mention],
    nouns: &HashSet<&'n str>,
) -> Vec<(usize, usize, usize, usize, &'n str)> {
    let mut out = Vec::new();
    for (i, word) in w.iter().enumerate() {
        if !matches!(word.text(s), "the" | "The") {
            continue;
        }
        let mut j = i + 1;
        while j < w.len() && j <= i + MAX_MODIFIERS && !nouns.contains(w[j].text(s)) {
            if !is_modifier(s, &w[j]) || !joined_by_space(s, w, j) {
                break;
            }
            j += 1;
        }
        let Some(head) = w.get(j) else { continue };
        let Some(&noun) = nouns.get(head.text(s)) else {
            continue;
        };
        if !joined_by_space(s, w, j)
            || overlaps_any(
                mentions,
                SentenceSpan::new(word.chars.start, head.chars.end),
            )
        {
            continue;
        }
        // `the body of …`, `the group Hamas`.
        if let Some(next) = w.get(j + 1) {
            let gap = &s[head.bytes.end..next.bytes.start];
            let glued = gap.trim().is_empty() && !head.possessive;
            let of_sense = next.text(s) == "of" && !KEEP_BEFORE_OF.contains(&noun);
            if glued && (of_sense || overlaps_any(mentions, next.chars)) {
                continue;
            }
        }
        out.push((
            word.chars.start,
            head.chars.end,
            word.bytes.start,
            head.bytes.end,
            noun,
        ));
    }
    out
}

/// Words `j - 1` and `j` are separated by spaces only.
fn joined_by_space(s: &str, w: &[Word], j: usize) -> bool {
    j > 0 && between(s, w, j - 1, j).chars().all(|c| c == ' ')
}

fn is_modifier(s: &str, w: &Word) -> bool {
    let t = w.text(s);
    if w.possessive {
        return false;
    }
    let lower = t.to_lowercase();
    if MODIFIERS.contains(&lower.as_str()) && (t == lower || w.is_capitalised(s)) {
        return true;
    }
    // `27-member`, `15-nation`, `Iran-backed`, `US-led`.
    if let Some((a, b)) = t.rsplit_once('-') {
        let numbered = a.chars().all(|c| c.is_ascii_digit())
            && matches!(
                b,
                "member" | "nation" | "country" | "state" | "strong" | "party"
            );
        return numbered || matches!(b, "backed" | "led" | "aligned" | "based");
    }
    // A capitalised demonym-like word (`Palestinian`, `Lebanese`, `Yemeni`).
    w.is_capitalised(s)
        && t.chars().skip(1).all(char::is_lowercase)
        && ["an", "ese", "i", "ish"].iter().any(|e| t.ends_with(e))
}

#[cfg(test)]
mod tests {
    use crate::text::actors::Gazetteer;
    use crate::text::document::{analyse, MentionOptions};

    /// (surface, actor) of every anaphoric mention.
    fn anaphors(text: &str) -> Vec<(String, String)> {
        let g = Gazetteer::default_international().unwrap();
        let a = analyse(text, &g, &MentionOptions::default());
        a.sentences
            .iter()
            .flat_map(|s| s.mentions.iter())
            .filter(|m| m.via == crate::text::actors::Via::Anaphor)
            .map(|m| (m.text.clone(), a.actor(&g, m.actor).name.clone()))
            .collect()
    }

    fn p(a: &str, b: &str) -> (String, String) {
        (a.to_string(), b.to_string())
    }

    #[test]
    fn the_bloc_is_the_nearest_compatible_organisation() {
        let got = anaphors("The EU met on Monday. Nigeria's president, who chairs ECOWAS, said the bloc would not accept the coup.");
        assert_eq!(got, vec![p("the bloc", "ECOWAS")]);
        // The North Atlantic Treaty Organization is `the organisation` too, after the UN.
        let got = anaphors("The UN met. The chief of NATO said the organization would stay.");
        assert_eq!(got, vec![p("the organization", "NATO")]);
        let got =
            anaphors("Brussels agreed new sanctions. The 27-member bloc said Russia must pay.");
        assert_eq!(got, vec![p("The 27-member bloc", "European Union")]);
        let got = anaphors("NATO ministers met. The Western alliance pledged more aid, and the IAEA said the nuclear watchdog was ready.");
        assert_eq!(
            got,
            vec![
                p("The Western alliance", "NATO"),
                p("the nuclear watchdog", "International Atomic Energy Agency")
            ]
        );
    }

    #[test]
    fn organisations_are_also_named_by_their_head_noun() {
        let got = anaphors(
            "The European Court of Justice ruled on Thursday. The court said Facebook must act.",
        );
        assert_eq!(
            got,
            vec![p("The court", "Court of Justice of the European Union")]
        );
        // A discovered organisation, with discovered names scored.
        let g = Gazetteer::default_international().unwrap();
        let opts = MentionOptions {
            demonyms: false,
            discover: crate::text::document::Discover::Score,
        };
        let a = analyse(
            "Fighters of the Southern Transitional Council took Aden. The council said it would stay.",
            &g,
            &opts,
        );
        let m = &a.sentences[1].mentions[0];
        assert_eq!(
            (m.text.as_str(), a.actor(&g, m.actor).name.as_str()),
            ("The council", "Southern Transitional Council")
        );
    }

    #[test]
    fn unresolved_and_other_uses_are_not_mentions() {
        // Nothing named before it.
        assert!(anaphors("The bloc said it would act. The EU agreed.").is_empty());
        // `of`, an apposition, a capitalised name, no compatible organisation.
        assert!(anaphors(
            "Hamas fighters left; the group of ministers met and the body of a soldier was found."
        )
        .is_empty());
        assert!(anaphors(
            "The EU spoke. Then the group Hamas answered, and the Soviet Union fell."
        )
        .is_empty());
        assert!(anaphors("China spoke. The alliance was not named.").is_empty());
    }
}
