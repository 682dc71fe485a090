//! The subject of a reporting verb, looking left (`Wang Yi, China's foreign minister, said`,
//! `Mike Ryan of the WHO told`, `China's foreign ministry said`, `he said`) or right (`said
//! Wang`, `according to the Kremlin`), and the subject of a sentence that verbs without one of their
//! own share (`…, and backed …`, `…, hailing …`).

use super::super::actors::{self, is_title_word, mention_starting_at};
use super::super::discover::MAX_RELATIVE_WORDS;
use super::super::lexicon::{PREPOSITIONS, ROLES};
use super::super::sentence::Sentence;
use super::super::words::{
    between, is_filler, is_not_name, is_object_pronoun, is_pronoun, word_ending_at,
    word_starting_at, Word, REPORTING_VERBS, ROLE_WORDS,
};
use super::{Context, PersonAt};

/// How many words an apposition in commas may have.
const MAX_APPOSITION: usize = 20;
/// How many filler words may stand between a subject and its verb.
const MAX_FILLERS: usize = 6;
/// How far back (in sentences) `he`/`she` looks for a person.
const PRONOUN_WINDOW: usize = 4;

/// The subject of the sentence for a verb at word `v` that has none of its own: a mention among
/// the sentence's first words (titles and `the` may precede it), not a possessive, not one of
/// coordinated subjects, before `v`.
pub(super) fn sentence_subject(sent: &Sentence, v: usize) -> Option<(usize, usize)> {
    let s = sent.text.as_str();
    let w = &sent.words;
    let head = subject_head(sent);
    let m = sent.mentions.get(head)?;
    let first = word_starting_at(w, m.span.start)?;
    let last = word_ending_at(w, m.span.end)?;
    let start = opening_phrase_end(sent, first);
    let before_ok = w[start..first]
        .iter()
        .all(|x| x.is_capitalised(s) || x.text(s) == "the");
    let coordinated_next = sent.mentions.len() > head + 1 && coordinated(sent, head + 1);
    let first_of_phrase = sent
        .mentions
        .first()
        .and_then(|f| word_starting_at(w, f.span.start))
        .unwrap_or(first);
    (first_of_phrase <= start + 3
        && before_ok
        && !w[last].possessive
        && last < v
        && !coordinated_next)
        .then_some((m.actor, first))
}

/// Words that open a sentence with an adverbial phrase before its subject (`In his statement,`,
/// `On Monday,`, `Later,`), besides the prepositions.
const OPENERS: &[&str] = &[
    "later",
    "earlier",
    "yesterday",
    "today",
    "however",
    "meanwhile",
    "separately",
    "also",
    "then",
    "last",
    "this",
    "following",
    "during",
    "after",
    "before",
    "speaking",
    "since",
];

/// Where the subject's phrase may start: after an opening adverbial phrase closed by a comma
/// (at most eight words, no mention in it, before word `first`), else at the first word.
fn opening_phrase_end(sent: &Sentence, first: usize) -> usize {
    let (s, w) = (sent.text.as_str(), &sent.words);
    let Some(opener) = w.first().map(|x| x.text(s).to_lowercase()) else {
        return 0;
    };
    if !(PREPOSITIONS.contains(&opener.as_str()) || OPENERS.contains(&opener.as_str())) {
        return 0;
    }
    (1..=first.min(8))
        .find(|&x| between(s, w, x - 1, x).contains(','))
        .unwrap_or(0)
}

/// The mention that heads the sentence's opening noun phrase: the first one, or the person a
/// title phrase leads to (`US Secretary of State Mike Pompeo`: Pompeo, not the US).
fn subject_head(sent: &Sentence) -> usize {
    title_phrase_end(sent, 0, false)
}

/// The last mention of the title phrase that starts with mention `head`: the person a title
/// leads to (`US Secretary of State Mike Pompeo`, `Israel Foreign Ministry spokesman Yigal
/// Palmor`), or `head` itself. Only capitalised, title and role words (and `of`, `to`, `for`)
/// may stand between, with at least one title or role word and no punctuation. After a
/// possessive (`said Gabon's Interior Minister André Mba Obame`) only when `through_possessive`:
/// as a sentence's subject the possessor may be the one that speaks (`Lee’s office said`).
fn title_phrase_end(sent: &Sentence, mut head: usize, through_possessive: bool) -> usize {
    let s = sent.text.as_str();
    let w = &sent.words;
    while head + 1 < sent.mentions.len() {
        let (a, b) = (&sent.mentions[head], &sent.mentions[head + 1]);
        let (Some(ae), Some(bs)) = (
            word_ending_at(w, a.span.end),
            word_starting_at(w, b.span.start),
        ) else {
            break;
        };
        let inner = &w[ae + 1..bs.max(ae + 1)];
        let role = |x: &Word| is_office_word(s, x) || ROLES.contains(&x.text(s));
        let title_phrase = !inner.is_empty()
            && (through_possessive || !w[ae].possessive)
            && inner.iter().all(|x| {
                x.is_capitalised(s) || role(x) || matches!(x.text(s), "of" | "to" | "for")
            })
            && inner.iter().any(|x| is_title_word(x.text(s)) || role(x))
            && !between(s, w, ae, bs).contains([',', ';', ':', '“', '”', '"']);
        if !title_phrase {
            break;
        }
        head += 1;
    }
    head
}

/// The mention (index) that ends exactly at word `j`.
fn mention_ending_at(sent: &Sentence, j: usize) -> Option<usize> {
    actors::mention_ending_at(&sent.mentions, sent.words[j].chars.end)
}

/// The subject of the verb at word `v`, looking left: its holder and first word.
pub(super) fn subject_before(
    sent: &Sentence,
    v: usize,
    k: usize,
    ctx: &Context,
) -> Option<(usize, usize)> {
    let Context {
        persons,
        earlier_anchor,
        previous,
        ..
    } = *ctx;
    let s = sent.text.as_str();
    let w = &sent.words;
    let mut j = v.checked_sub(1)?;
    let mut skipped_apposition = false;
    loop {
        // Fillers between the subject and the verb.
        let mut n = 0;
        while n < MAX_FILLERS && is_filler(w[j].text(s)) && !gap_has_comma(s, w, j + 1) {
            j = j.checked_sub(1)?;
            n += 1;
        }
        // A relative clause in commas, which may hold commas of its own (`Ban Ki-moon, who is
        // in Doha, Qatar, meeting …, said`).
        if !skipped_apposition && gap_has_comma(s, w, j + 1) {
            if let Some(who) = relative_clause_start(s, w, j) {
                j = who.checked_sub(1)?;
                skipped_apposition = true;
                continue;
            }
        }
        // An apposition in commas (`Wang Yi, China's foreign minister, said`).
        if !skipped_apposition && gap_has_comma(s, w, j + 1) {
            let open = (j.saturating_sub(MAX_APPOSITION)..=j)
                .rev()
                .find(|&x| x > 0 && gap_has_comma(s, w, x))?;
            if let Some(person) = named_in_apposition(sent, open, j, persons) {
                return Some((person, open));
            }
            j = open - 1;
            skipped_apposition = true;
            continue;
        }
        break;
    }
    if gap_has_comma(s, w, j + 1) && !skipped_apposition {
        return None;
    }
    let word = w[j];
    if let Some(mi) = mention_ending_at(sent, j) {
        return named_subject(sent, mi, j);
    }
    let t = word.text(s);
    if is_pronoun(t) {
        return pronoun(sent.word_doc_start(&word), k, ctx).map(|h| (h, j));
    }
    // `They also stated …` opening a sentence: the organisation or country that spoke last.
    if j == 0 && matches!(t, "They" | "It") {
        return previous.map(|h| (h, j));
    }
    // `Lee convened a meeting and said …`, `Putin offered support …, and backed …`: the
    // sentence's subject, unless an earlier attribution of the sentence governs (`Lin said
    // Beijing respected … and opposed …`).
    if t == "and" {
        return if earlier_anchor {
            None
        } else {
            sentence_subject(sent, v)
        };
    }
    // `China’s foreign ministry said`, `Lee’s office said`, `his office said`, `the US State
    // Department said`, `the US Justice Department said`, `the United States Department of
    // Transportation announced`.
    let office = office_of_name(s, w, j).unwrap_or(j);
    if is_office_word(s, &w[office]) {
        return office_owner(sent, office, j, k, ctx);
    }
    None
}

/// The subject when the word before the verb (`j`) ends mention `mi`: the mention, or the person
/// before its `of` (`Mike Ryan of the WHO told`), or whom a spokesperson speaks for; none after
/// another preposition or as a possessive.
fn named_subject(sent: &Sentence, mi: usize, j: usize) -> Option<(usize, usize)> {
    let (s, w) = (sent.text.as_str(), &sent.words);
    let word = w[j];
    let first_word = |mi: usize| {
        let start = sent.mentions[mi].span.start;
        word_starting_at(w, start).unwrap_or(j)
    };
    let fw = first_word(mi);
    let after_preposition =
        fw > 0 && !gap_has_comma(s, w, fw) && PREPOSITIONS.contains(&w[fw - 1].text(s));
    let preposition = preposition_before(s, w, fw).filter(|&p| p >= 1);
    // `President Hassan Rouhani of Iran said`, `Mike Ryan of the World Health Organization told`:
    // the person before `of` is the subject.
    if let Some(of) = preposition.filter(|&p| w[p].text(s) == "of") {
        if let Some(pi) = mention_ending_at(sent, of - 1) {
            let pw = first_word(pi);
            let before_ok = pw == 0 || !PREPOSITIONS.contains(&w[pw - 1].text(s));
            if before_ok && !w[of - 1].possessive && !coordinated(sent, pi) {
                return Some((sent.mentions[pi].actor, pw));
            }
        }
    }
    // `A spokesman for President Obama stated`: whom the spokesperson speaks for.
    let speaks = preposition.is_some_and(|p| {
        matches!(w[p].text(s), "for" | "of")
            && SPOKESPERSONS.contains(&w[p - 1].text(s).to_lowercase().as_str())
    });
    if word.possessive || after_preposition && !speaks {
        return None;
    }
    (!coordinated(sent, mi)).then(|| (sent.mentions[mi].actor, fw))
}

/// The word `who` that opens a relative clause in commas ending at word `j` (`X, who …, said`),
/// within [`MAX_RELATIVE_WORDS`] words, with no reporting verb inside (that would be the clause's
/// own attribution).
fn relative_clause_start(s: &str, w: &[Word], j: usize) -> Option<usize> {
    (j.saturating_sub(MAX_RELATIVE_WORDS)..=j)
        .rev()
        .take_while(|&x| !REPORTING_VERBS.contains(&w[x].text(s)))
        .find(|&x| x > 0 && w[x].text(s) == "who" && gap_has_comma(s, w, x))
}

/// Nouns for someone who speaks for another (`a spokesman for President Obama`).
const SPOKESPERSONS: &[&str] = &["spokesman", "spokeswoman", "spokesperson", "spokespeople"];

/// The index of the preposition right before word `fw`, with `the` between them or not (`of
/// Iran`, `of the World Health Organization`), no comma in either gap.
fn preposition_before(s: &str, w: &[Word], fw: usize) -> Option<usize> {
    let mut p = fw.checked_sub(1)?;
    if gap_has_comma(s, w, p + 1) {
        return None;
    }
    if w[p].text(s) == "the" {
        p = p.checked_sub(1).filter(|&p| !gap_has_comma(s, w, p + 1))?;
    }
    PREPOSITIONS.contains(&w[p].text(s)).then_some(p)
}

/// The owner of the office noun at word `j` (`China’s foreign ministry`, `his office`, `the US
/// Justice Department`): the mention or possessive pronoun at most four words before it, with
/// only office words or words of the office's own name between; its holder and first word
/// (`subject_end` where the mention starts inside a word).
fn office_owner(
    sent: &Sentence,
    j: usize,
    subject_end: usize,
    k: usize,
    ctx: &Context,
) -> Option<(usize, usize)> {
    let (s, w) = (sent.text.as_str(), &sent.words);
    let mut x = j;
    for _ in 0..4 {
        x = x.checked_sub(1)?;
        if let Some(mi) = mention_ending_at(sent, x) {
            let first = word_starting_at(w, sent.mentions[mi].span.start).unwrap_or(subject_end);
            return Some((sent.mentions[mi].actor, first));
        }
        let t = w[x].text(s);
        if matches!(t, "his" | "her" | "His" | "Her") {
            return pronoun(sent.word_doc_start(&w[x]), k, ctx).map(|h| (h, x));
        }
        // A word of the office's own name (`Justice`, `Homeland`) may stand between.
        let name_word = x > 0 && w[x].is_capitalised(s) && !is_not_name(t);
        if !(is_office_word(s, &w[x]) || name_word) || (x < j && gap_has_comma(s, w, x + 1)) {
            return None;
        }
    }
    None
}

/// `Department of Transportation`, `Ministry of Foreign Affairs`: when word `j` ends the name
/// after `of`/`for` (capitalised words only), the index of the office noun before it.
fn office_of_name(s: &str, w: &[Word], j: usize) -> Option<usize> {
    let mut x = j;
    for _ in 0..3 {
        if !w[x].is_capitalised(s) || gap_has_comma(s, w, x + 1) {
            return None;
        }
        x = x.checked_sub(1)?;
        if matches!(w[x].text(s), "of" | "for") {
            let office = x.checked_sub(1)?;
            return (w[office].is_capitalised(s) && is_office_word(s, &w[office]))
                .then_some(office);
        }
    }
    None
}

/// `Merkel's spokesperson, Steffen Seibert, said`, `the director of Amnesty International,
/// Mariela Belski, said`: an apposition (words `open..=last`) that is a person's name alone names
/// the subject, unless a person stands before it too (`Xi, Li, …`).
fn named_in_apposition(
    sent: &Sentence,
    open: usize,
    last: usize,
    persons: &[PersonAt],
) -> Option<usize> {
    let is_person =
        |mi: usize| table_is_person(persons, sent.doc_pos(sent.mentions[mi].span.start));
    if mention_ending_at(sent, open - 1).is_some_and(is_person) {
        return None;
    }
    let mi = mention_ending_at(sent, last)?;
    let whole = sent.mentions[mi].span.start == sent.words[open].chars.start;
    (whole && is_person(mi)).then_some(sent.mentions[mi].actor)
}

/// Whether a person is mentioned at document offset `pos`.
fn table_is_person(persons: &[PersonAt], pos: usize) -> bool {
    persons.binary_search_by_key(&pos, |p| p.0).is_ok()
}

/// An office or spokesperson noun (`ROLE_WORDS`: `office`, `ministry`, `spokesman`), as after a
/// possessive; not the roles that introduce a name (`discover::ROLES`).
pub(super) fn is_office_word(s: &str, w: &Word) -> bool {
    let t = w.text(s);
    ROLE_WORDS.iter().any(|r| r.eq_ignore_ascii_case(t))
}

/// The subject after the word `v` (`said Wang`, `according to the Kremlin`): the first mention
/// within a few title, role or capitalised words.
pub(super) fn subject_after(sent: &Sentence, v: usize, k: usize, ctx: &Context) -> Option<usize> {
    let s = sent.text.as_str();
    let w = &sent.words;
    for x in v + 1..(v + 6).min(w.len()) {
        if gap_has_comma(s, w, x) && x > v + 1 {
            return None;
        }
        if let Some(mi) = mention_starting_at(&sent.mentions, w[x].chars.start) {
            // `said US Secretary of State Mike Pompeo`: the person the title leads to (not the
            // place of `said the US Ambassador to Russia`).
            let end = title_phrase_end(sent, mi, true);
            let person =
                |i: usize| table_is_person(ctx.persons, sent.doc_pos(sent.mentions[i].span.start));
            let head = if end != mi && person(end) { end } else { mi };
            return Some(sent.mentions[head].actor);
        }
        let t = w[x].text(s);
        if is_pronoun(t) || (x == v + 1 && is_object_pronoun(t)) {
            return pronoun(sent.word_doc_start(&w[x]), k, ctx);
        }
        let title_like =
            t == "the" || is_office_word(s, &w[x]) || is_title_word(t) || w[x].is_capitalised(s);
        if !title_like {
            return None;
        }
    }
    None
}

/// Whether the gap before word `x` has a comma (or a colon or a dash, which end a subject too).
pub(super) fn gap_has_comma(s: &str, w: &[Word], x: usize) -> bool {
    x > 0 && x < w.len() && between(s, w, x - 1, x).contains([',', ';', ':', '—', '–', '(', ')'])
}

/// `X and Y said`, `X and his counterpart Y said`: the mention `mi` is the last of
/// coordinated subjects.
fn coordinated(sent: &Sentence, mi: usize) -> bool {
    if mi == 0 {
        return false;
    }
    let (m, prev, w) = (&sent.mentions[mi], &sent.mentions[mi - 1], &sent.words);
    // Bytes between the two mentions, from the words around them.
    let i0 = w.partition_point(|x| x.chars.start < prev.span.end);
    let i1 = w.partition_point(|x| x.chars.start < m.span.start);
    if i0 == 0 || i1 >= w.len() || i0 > i1 {
        return false;
    }
    let b = between(&sent.text, w, i0 - 1, i1).trim();
    let words = b.split_whitespace().count();
    (b.starts_with("and ") || b.starts_with("or ") || b == "and" || b == "or")
        && words <= 5
        && !b.contains([',', ';', '“', '”', '"'])
}

/// The person `he`/`she` at document offset `pos` refers to: the last person mentioned before
/// it (before the quote it stands after, if any) within the last sentences.
fn pronoun(pos: usize, k: usize, ctx: &Context) -> Option<usize> {
    let (persons, quotes) = (ctx.persons, ctx.quotes);
    // `‘…,’ he said`: look before the quote that ends right before the pronoun.
    let limit = quotes
        .iter()
        .rev()
        .find(|q| q.end <= pos && pos - q.end <= 3)
        .map_or(pos, |q| q.start);
    let i = persons.partition_point(|p| p.0 < limit);
    let before = &persons[..i];
    // The first person of this sentence (its subject, most often), or else the last one before.
    let in_sentence = before.partition_point(|p| p.1 < k);
    let p = before.get(in_sentence).or(before.last())?;
    (k.saturating_sub(p.1) <= PRONOUN_WINDOW).then_some(p.2)
}
