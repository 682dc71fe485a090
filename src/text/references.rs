//! References within a document: after a person's full name, the family name alone (`Wang`,
//! `Wang’s`) or after a title (`President Xi`, `Foreign Minister Wang`) refers to that person.
//!
//! Rules, in document order (no state crosses documents):
//! - a person is *introduced* by a mention of their name or a non-family-name alias;
//! - a capitalised word (or words: `von der Leyen`) that is the family name of an introduced
//!   person, standing alone (no other capitalised name word right before or after it), refers to
//!   the person introduced **most recently** when several share it (`Wang Yi` … `Wang Wenbin` …
//!   `Wang` is Wang Wenbin);
//! - a title right before it joins the mention (`via: title`); a title and a family name that
//!   exactly one person of the gazetteer has resolve even before an introduction;
//! - a family name that comes first in a gazetteer person's name (`Kim` of `Kim Jong Un`) and
//!   starts the longer name of someone the gazetteer does not have (`Kim Jong Nam`) resolves no
//!   more in that document, with or without a title: which of them is meant, words cannot tell;
//! - a family name that is also a common sentence opener (`He`, `May`, `Hope`) is not resolved
//!   at the start of a sentence, and a month name is not resolved after a date word (`in May`)
//!   or before a number (`May 5`).

use super::actors::{overlaps_any, Mention, Via, TITLES};
use super::sentence::{ActorTable, Sentence};
use super::span::SentenceSpan;
use super::words::{
    arabic_article, between, is_not_name, word_starting_at, words_text, Word, COMMON_AT_START,
    DATE_WORDS, MONTHS, REPORTING_VERBS,
};
use std::collections::{HashMap, HashSet};

/// Longest family name, in words.
const MAX_NAME_WORDS: usize = 3;
/// Longest title, in words.
const MAX_TITLE_WORDS: usize = 3;

/// Family name → (actor, order of its latest introduction).
#[derive(Default)]
struct Introduced {
    by_name: HashMap<String, Vec<(usize, usize)>>,
    order: usize,
}

impl Introduced {
    fn introduce(&mut self, actor: usize, table: &ActorTable) {
        self.order += 1;
        let a = table.get(actor);
        let mut names = a.family_names();
        // A discovered name's family name may come first (`Kim Yo Jong`, `He Lifeng`).
        if actor >= table.gazetteer.len() {
            names.extend(a.name.split_whitespace().next().map(str::to_string));
        }
        for f in names {
            let e = self.by_name.entry(f).or_default();
            match e.iter_mut().find(|x| x.0 == actor) {
                Some(x) => x.1 = self.order,
                None => e.push((actor, self.order)),
            }
        }
    }
    /// Someone the gazetteer does not have bears a family name (`Kim Jong Nam`): the bare family
    /// name no longer resolves in this document (see `most_recent`).
    fn shadow(&mut self, name: &str) {
        let e = self.by_name.entry(name.to_string()).or_default();
        if !e.iter().any(|x| x.0 == SOMEONE_ELSE) {
            e.push((SOMEONE_ELSE, 0));
        }
    }
    fn shadowed(&self, name: &str) -> bool {
        self.by_name
            .get(name)
            .is_some_and(|e| e.iter().any(|x| x.0 == SOMEONE_ELSE))
    }
    /// The person a bare family name means: the one introduced most recently, or none once
    /// someone the gazetteer does not have has shared it (the text alone cannot tell which).
    fn most_recent(&self, name: &str) -> Option<usize> {
        if self.shadowed(name) {
            return None;
        }
        self.by_name
            .get(name)?
            .iter()
            .max_by_key(|x| x.1)
            .map(|x| x.0)
    }
}

/// The actor recorded for a family name that someone the gazetteer does not have shares.
const SOMEONE_ELSE: usize = usize::MAX;

/// Adds the family-name and title references of every sentence.
pub fn resolve(sentences: &mut [Sentence], table: &ActorTable) {
    let unique_by_title = unique_family_names(table);
    let families = leading_family_names(table);
    let mut intro = Introduced::default();
    for sent in sentences.iter_mut() {
        attach_titles(sent);
        let found = resolve_sentence(sent, table, &mut intro, &unique_by_title, &families);
        if found.is_empty() {
            continue;
        }
        sent.mentions.extend(found);
        sent.mentions.sort_by_key(|m| m.span.start);
    }
}

/// A title right before a gazetteer's family-name alias joins it (`Chancellor` Merz).
fn attach_titles(sent: &mut Sentence) {
    let s = sent.text.as_str();
    for m in sent.mentions.iter_mut().filter(|m| m.via == Via::Surname) {
        let Some(i) = word_starting_at(&sent.words, m.span.start) else {
            continue;
        };
        if let Some(first) = title_before(s, &sent.words, i) {
            let w = &sent.words[first];
            m.text = format!("{}{}", &s[w.bytes.start..sent.words[i].bytes.start], m.text);
            m.span.start = w.chars.start;
            m.via = Via::Title;
        }
    }
}

/// Family names that come first in a gazetteer person's name (`Kim` of `Kim Jong Un`, `Wang` of
/// `Wang Yi`): where names put the family first, another `Kim …` is another person.
fn leading_family_names(table: &ActorTable) -> HashSet<String> {
    table
        .gazetteer
        .iter()
        .flat_map(|a| {
            let first = a.name.split_whitespace().next().unwrap_or("").to_string();
            a.family_names().into_iter().filter(move |f| *f == first)
        })
        .collect()
}

/// Family names that exactly one person of the gazetteer has.
fn unique_family_names(table: &ActorTable) -> HashMap<String, usize> {
    let mut count: HashMap<String, (usize, usize)> = HashMap::new();
    for (i, a) in table.gazetteer.iter().enumerate() {
        for f in a.family_names() {
            let e = count.entry(f).or_insert((i, 0));
            e.1 += 1;
        }
    }
    count
        .into_iter()
        .filter(|(_, (_, n))| *n == 1)
        .map(|(f, (i, _))| (f, i))
        .collect()
}

fn resolve_sentence(
    sent: &Sentence,
    table: &ActorTable,
    intro: &mut Introduced,
    unique: &HashMap<String, usize>,
    families: &HashSet<String>,
) -> Vec<Mention> {
    let s = sent.text.as_str();
    let w = &sent.words;
    let mut out = Vec::new();
    let mut next_mention = 0;
    let mut i = 0;
    while i < w.len() {
        // Introduce the people named before this word.
        while next_mention < sent.mentions.len()
            && sent.mentions[next_mention].span.start < w[i].chars.end
        {
            let m = &sent.mentions[next_mention];
            if matches!(m.via, Via::Alias | Via::Discovered) && table.get(m.actor).is_person() {
                intro.introduce(m.actor, table);
            }
            next_mention += 1;
        }
        let covered = |k: usize| overlaps_any(&sent.mentions, w[k].chars);
        if covered(i) {
            i += 1;
            continue;
        }
        if let Some(name) = family_name_of_unknown(s, w, i, families, &covered) {
            intro.shadow(&name);
            i += 1;
            continue;
        }
        match family_name_at(s, w, i, intro, unique, &covered) {
            Some((actor, end, title_start)) => {
                let first = title_start.unwrap_or(i);
                out.push(Mention {
                    actor,
                    text: words_text(s, w, first, end).to_string(),
                    span: SentenceSpan::new(w[first].chars.start, w[end].chars.end),
                    via: if title_start.is_some() {
                        Via::Title
                    } else {
                        Via::Surname
                    },
                });
                i = end + 1;
            }
            None => i += 1,
        }
    }
    // The mentions after the last word looked at introduce their people for the next sentences.
    for m in &sent.mentions[next_mention..] {
        if matches!(m.via, Via::Alias | Via::Discovered) && table.get(m.actor).is_person() {
            intro.introduce(m.actor, table);
        }
    }
    out
}

/// A leading family name at word `i` that starts a longer name no mention covers (`Kim Jong
/// Nam`, when the gazetteer does not have him): the family name, also someone else's.
fn family_name_of_unknown(
    s: &str,
    w: &[Word],
    i: usize,
    families: &HashSet<String>,
    covered: &dyn Fn(usize) -> bool,
) -> Option<String> {
    let t = w[i].text(s);
    let next = w.get(i + 1)?;
    let longer = between(s, w, i, i + 1) == " "
        && !w[i].possessive
        && next.is_capitalised(s)
        && !is_not_name(next.text(s))
        && !covered(i + 1);
    (longer && families.contains(t)).then(|| t.to_string())
}

/// The family-name reference starting at word `i`: (actor, last word, first word of a title).
fn family_name_at(
    s: &str,
    w: &[Word],
    i: usize,
    intro: &Introduced,
    unique: &HashMap<String, usize>,
    covered: &dyn Fn(usize) -> bool,
) -> Option<(usize, usize, Option<usize>)> {
    let spaced =
        |k: usize| k > 0 && k < w.len() && between(s, w, k - 1, k) == " " && !w[k - 1].possessive;
    for n in (1..=MAX_NAME_WORDS.min(w.len() - i)).rev() {
        let end = i + n - 1;
        if (i + 1..=end).any(|k| !spaced(k) || covered(k))
            || (end > i && w[i..end].iter().any(|x| x.possessive))
        {
            continue;
        }
        let name = words_text(s, w, i, end);
        if !name.chars().last().is_some_and(char::is_alphanumeric) {
            continue;
        }
        // The last word must be capitalised (`von der Leyen`: the first may not be), or a
        // capitalised name after an Arabic article (`al-Eryani`).
        let article = arabic_article(name);
        if !w[end].is_capitalised(s) && article.is_none() {
            continue;
        }
        let title = title_before(s, w, i);
        // `Al-Eryani` at the start of a sentence is the `al-Eryani` introduced before.
        let other_case = article.map(|(a, rest)| format!("{}{rest}", flip_first_case(a)));
        let recent = intro
            .most_recent(name)
            .or_else(|| intro.most_recent(other_case.as_deref()?));
        let actor = match recent {
            Some(a) => a,
            None => match title {
                Some(_) if !intro.shadowed(name) => *unique.get(name)?,
                _ => continue,
            },
        };
        // Part of a longer name: a capitalised word right after, or right before (not a title).
        if spaced(end + 1) && w[end + 1].is_capitalised(s) && !w[end].possessive {
            return None;
        }
        if title.is_none()
            && spaced(i)
            && w[i - 1].is_capitalised(s)
            && !is_not_name(w[i - 1].text(s))
        {
            return None;
        }
        let at_start = s[..w[i].bytes.start]
            .trim_matches(|c: char| c.is_whitespace() || "‘“\"'(".contains(c))
            .is_empty();
        // `Bush said`, `Rice told`: a reporting verb right after makes the person meant (not a
        // pronoun, though: `He said` is not He Lifeng).
        let pronoun = matches!(name, "He" | "She" | "It" | "We" | "They" | "I" | "You");
        let reports = !pronoun
            && w.get(end + 1)
                .is_some_and(|n| spaced(end + 1) && REPORTING_VERBS.contains(&n.text(s)));
        if title.is_none() && at_start && COMMON_AT_START.contains(&name) && !reports {
            return None;
        }
        if MONTHS.contains(&name) {
            let date_before = i > 0 && DATE_WORDS.contains(&w[i - 1].text(s));
            let number_after =
                end + 1 < w.len() && w[end + 1].text(s).starts_with(|c: char| c.is_ascii_digit());
            if date_before || number_after {
                return None;
            }
        }
        return Some((actor, end, title));
    }
    None
}

/// `al-` ↔ `Al-`.
fn flip_first_case(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) if f.is_uppercase() => f.to_lowercase().chain(c).collect(),
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The first word of a title that ends right before word `i` (`Foreign Minister` Wang,
/// `Mr.` Peskov).
fn title_before(s: &str, w: &[Word], i: usize) -> Option<usize> {
    for n in (1..=MAX_TITLE_WORDS.min(i)).rev() {
        let first = i - n;
        if w[first..i].iter().any(|x| x.possessive)
            || (first + 1..i).any(|k| between(s, w, k - 1, k) != " ")
        {
            continue;
        }
        let t = words_text(s, w, first, i - 1);
        let ok = match between(s, w, i - 1, i) {
            " " => TITLES.contains(&t),
            ". " => TITLES.contains(&format!("{t}.").as_str()),
            _ => false,
        };
        if ok {
            return Some(first);
        }
    }
    None
}
