//! Stance holders: for each (sentence, actor), the actor whose speech or stance the sentence
//! reports, when the text says it.
//!
//! - **Attributions** in a sentence: a reporting or stance verb (`said`, `accused`, `urged`, …)
//!   with its subject right before it (fillers such as `also`, `on Tuesday`, `has refused to`,
//!   one apposition in commas or a relative clause, `X, who …, said`, may stand between; the
//!   person before `of ORG`, `Mike Ryan of the WHO told`; whom `a spokesman for X` speaks for),
//!   an office after a possessive (`Lee’s office said`, `China’s foreign ministry said`), the
//!   subject of a sentence after an opening phrase for verbs without their own (`In his
//!   statement, X found … and called …`), the subject after the verb following a quote
//!   (`’ said Wang`), `according to X`, or `he`/`she` (the person mentioned last before it, in
//!   the last four sentences). Coordinated subjects (`Japan and South Korea welcomed`) give none.
//! - **Quotes**: the speaker of a direct quote is the attribution right after it (`,’ Wang told
//!   reporters`, `stated … spokesman Yigal Palmor`: a title phrase leads to the person) or right
//!   before it (`Patel added: “…`; after a colon a few words may stand between, `telling The
//!   Times of India: “…`; a participle of speech right before the quote takes the sentence's
//!   subject, `criticized the toll saying, “…`); a quote with no attribution that opens
//!   the paragraph after an attributed quote keeps its speaker. Every actor inside the quote,
//!   in any of its sentences, takes the speaker.
//! - Other actors of a sentence take the nearest attribution before them, or else the first
//!   after them (`Russia is to blame, Zelensky said`). An actor is never its own holder.

use super::actors;
use super::lexicon::{CLAUSE_LINKS, MEDIA_VERBS, PARTICIPLES, ROLES};
use super::quotes::{containing, quotes, Quote};
use super::sentence::{ActorTable, Sentence};
use super::span::DocSpan;
use super::words::{between, is_filler, is_pronoun, Word, INVERTING_VERBS, REPORTING_VERBS};

mod subject;

use subject::{gap_has_comma, is_office_word, sentence_subject, subject_after, subject_before};

/// What the subject rules need beyond the sentence.
#[derive(Clone, Copy)]
pub(super) struct Context<'a> {
    persons: &'a [PersonAt],
    quotes: &'a [Quote],
    /// The sentence already has an attribution before this verb.
    earlier_anchor: bool,
    /// The holder of the previous sentence's last attribution when it is not a person: what
    /// `they` or `it` as a subject stands for (`The Justice Department said … They also stated …`).
    previous: Option<usize>,
}

/// An attribution: the verb's character offset in the document and who holds it.
#[derive(Debug, Clone, Copy)]
struct Anchor {
    /// The verb (or `according`).
    verb: DocSpan,
    /// Document offset of the subject's first word (of `according` for `according to X`).
    subject: usize,
    holder: usize,
    /// Inside the complement of an earlier attribution (`Kallas said Beijing could not claim
    /// …`): reported, so the earlier holder holds what follows.
    embedded: bool,
    /// `according to X`.
    according: bool,
}

/// A person mentioned: document offset, sentence number, actor.
pub(super) type PersonAt = (usize, usize, usize);

/// Fills `holders` of every sentence (`chars`: the document).
pub fn assign(sentences: &mut [Sentence], chars: &[char], table: &ActorTable) {
    let quotes = quotes(chars);
    let persons: Vec<PersonAt> = sentences
        .iter()
        .enumerate()
        .flat_map(|(k, s)| {
            s.mentions
                .iter()
                .filter(|m| table.get(m.actor).is_person())
                .map(move |m| (s.doc_pos(m.span.start), k, m.actor))
        })
        .collect();
    let mut anchors: Vec<Vec<Anchor>> = Vec::with_capacity(sentences.len());
    for (k, s) in sentences.iter().enumerate() {
        let previous = anchors
            .last()
            .and_then(|a: &Vec<Anchor>| a.iter().rev().find(|x| !x.embedded))
            .map(|x| x.holder)
            .filter(|&h| !table.get(h).is_person());
        let ctx = Context {
            persons: &persons,
            quotes: &quotes,
            earlier_anchor: false,
            previous,
        };
        anchors.push(anchors_of(s, k, &ctx));
    }
    let speakers = quote_speakers(&quotes, sentences, &anchors, chars);
    for (k, sent) in sentences.iter_mut().enumerate() {
        let a: Vec<&Anchor> = anchors[k].iter().filter(|x| !x.embedded).collect();
        // `…, according to X`: X is the source of the whole sentence.
        let source = a.iter().find(|x| x.according).map(|x| x.holder);
        let speakers_here: std::collections::HashSet<usize> = a.iter().map(|x| x.holder).collect();
        sent.holders = sent
            .mentions
            .iter()
            .map(|m| {
                let pos = sent.doc_pos(m.span.start);
                let from_quote = containing(&quotes, pos).and_then(|q| speakers[q]);
                // The speaker of a sentence holds the stances in it; it is not a target of
                // another attribution of the same sentence.
                let speaks = speakers_here.contains(&m.actor);
                let holder = from_quote.or(source).or_else(|| {
                    if speaks {
                        return None;
                    }
                    // The nearest attribution before, else the first after (anchors in order),
                    // within the mention's clause: a coordinated clause with its own subject
                    // (`…, and ECOWAS has threatened`) ends a holder's reach both ways.
                    let before = a.partition_point(|x| x.verb.end <= pos);
                    let after = a.partition_point(|x| x.verb.start < pos);
                    let local = |p: usize| sent.sentence_pos(p);
                    before
                        .checked_sub(1)
                        .map(|i| a[i])
                        .filter(|x| {
                            !new_clause_between(sent, local(x.verb.end), m.span.start, false)
                        })
                        .or_else(|| {
                            a.get(after).copied().filter(|x| {
                                x.subject < pos
                                    || !new_clause_between(sent, m.span.end, local(x.subject), true)
                            })
                        })
                        .map(|x| x.holder)
                });
                holder.filter(|&h| h != m.actor)
            })
            .collect();
    }
}

/// The speaker of each quote, if one is found.
fn quote_speakers(
    quotes: &[Quote],
    sentences: &[Sentence],
    anchors: &[Vec<Anchor>],
    chars: &[char],
) -> Vec<Option<usize>> {
    let sentence_at = |pos: usize| {
        let k = sentences.partition_point(|s| s.span.end <= pos);
        (k < sentences.len() && sentences[k].span.start <= pos).then_some(k)
    };
    let few_words = |a: usize, b: usize, max: usize| few_words(chars, a, b, max);
    let mut out: Vec<Option<usize>> = Vec::with_capacity(quotes.len());
    for (qi, q) in quotes.iter().enumerate() {
        let mut speaker = None;
        // After the closing mark, in the sentence that holds it.
        if let Some(k) = sentence_at(q.end.saturating_sub(1)) {
            let a = &anchors[k];
            speaker = a
                .get(a.partition_point(|x| x.verb.start < q.end))
                .filter(|x| few_words(q.end, x.verb.start, 4))
                .map(|x| x.holder);
            // `‘…,’ said Wang`: the verb comes first, its subject within a few words.
        }
        // Before the opening mark: `X said: “…` / `X said, “…`.
        if speaker.is_none() {
            if let Some(k) = sentence_at(q.start) {
                let a = &anchors[k];
                speaker = a
                    .partition_point(|x| x.verb.end <= q.start)
                    .checked_sub(1)
                    .map(|i| a[i])
                    .filter(|x| {
                        // `telling The Times of India: “…`: a colon opens the quote.
                        let colon = ends_with_colon(&chars[x.verb.end..q.start]);
                        few_words(x.verb.end, q.start, if colon { 8 } else { 3 })
                    })
                    .map(|x| x.holder);
            }
        }
        // `“…” Tinubu said on Monday.`: a quote that ends its sentence, and the next
        // sentence of the paragraph opens with an attribution.
        if speaker.is_none() {
            if let Some(k) = sentence_at(q.end.saturating_sub(1)) {
                let ends_sentence = chars[q.end..sentences[k].span.end.min(chars.len())]
                    .iter()
                    .all(|c| c.is_whitespace() || matches!(c, '.' | '!' | '?'));
                let next = sentences.get(k + 1).filter(|n| {
                    n.index == sentences[k].index + 1
                        && !chars[sentences[k].span.end..n.span.start].contains(&'\n')
                });
                if let (true, Some(n)) = (ends_sentence, next) {
                    speaker = anchors[k + 1]
                        .iter()
                        .find(|x| !x.embedded && !x.according)
                        .filter(|x| {
                            x.subject == n.span.start && few_words(n.span.start, x.verb.start, 5)
                        })
                        .map(|x| x.holder);
                }
            }
        }
        // A quote that opens the paragraph after an attributed quote, or the next sentence of
        // its paragraph (`“…,” Lavrov said. “…”`).
        if speaker.is_none() && qi > 0 {
            let prev = quotes[qi - 1];
            let gap = &chars[prev.end..q.start];
            let breaks = gap.iter().filter(|c| **c == '\n').count();
            let opens_paragraph = gap
                .iter()
                .rev()
                .take_while(|c| **c != '\n')
                .all(|c| c.is_whitespace());
            let next_sentence = breaks == 0
                && sentence_at(q.start).is_some_and(|k| {
                    sentences[k].span.start == q.start
                        && k > 0
                        && sentence_at(prev.end.saturating_sub(1)) == Some(k - 1)
                        && sentences[k - 1].index + 1 == sentences[k].index
                });
            if (breaks == 1 && opens_paragraph) || next_sentence {
                speaker = out[qi - 1];
            }
        }
        out.push(speaker);
    }
    out
}

/// Whether at most `max` words stand between characters `a` and `b` of `chars` (stops early).
fn few_words(chars: &[char], a: usize, b: usize, max: usize) -> bool {
    let mut n = 0;
    let mut in_word = false;
    for &c in &chars[a.min(b)..b] {
        let w = c.is_alphanumeric();
        if w && !in_word {
            n += 1;
            if n > max {
                return false;
            }
        }
        in_word = w;
    }
    true
}

/// Whether the last character of `gap` that is not white space is a colon.
fn ends_with_colon(gap: &[char]) -> bool {
    gap.iter().rev().find(|c| !c.is_whitespace()) == Some(&':')
}

/// The attributions of sentence `k`.
fn anchors_of(sent: &Sentence, k: usize, base: &Context) -> Vec<Anchor> {
    let s = sent.text.as_str();
    let w = &sent.words;
    let mut out: Vec<Anchor> = Vec::new();
    // Word index where the latest anchor's verb ends (for embedding).
    let mut last_verb: Option<usize> = None;
    for (v, word) in w.iter().enumerate() {
        let t = word.text(s);
        // (holder, word index where its subject starts)
        let according =
            t.eq_ignore_ascii_case("according") && w.get(v + 1).is_some_and(|x| x.text(s) == "to");
        let found = if according {
            subject_after(sent, v + 1, k, base).map(|h| (h, v))
        } else if PARTICIPLES.contains(&t) && (gap_has_comma(s, w, v) || opens_quote(sent, v)) {
            sentence_subject(sent, v)
        } else if let Some(aux) = progressive(s, w, v) {
            // `the US has been encouraging Germany`: the subject of the auxiliary.
            let ctx = Context {
                earlier_anchor: !out.is_empty(),
                ..*base
            };
            subject_before(sent, aux, k, &ctx)
        } else if REPORTING_VERBS.contains(&t)
            && !idiom(s, w, v)
            && be_form_before(s, w, v).is_none()
        {
            let ctx = Context {
                earlier_anchor: !out.is_empty(),
                ..*base
            };
            subject_before(sent, v, k, &ctx).or_else(|| {
                let after_quote_or_comma = s[..word.bytes.start]
                    .trim_end()
                    .ends_with([',', '’', '”', '"', '\'']);
                (INVERTING_VERBS.contains(&t) && after_quote_or_comma && !clause_follows(s, w, v))
                    .then(|| subject_after(sent, v, k, base).map(|h| (h, v)))
                    .flatten()
            })
        } else {
            None
        };
        if let Some((h, subject)) = found {
            // Embedded: its subject follows an earlier attribution's verb with no clause
            // boundary (comma, quote) between them.
            let embedded = last_verb.is_some_and(|lv| {
                !MEDIA_VERBS.contains(&w[lv].text(s))
                    && lv < subject
                    && !between(s, w, lv, subject)
                        .contains([',', ';', ':', '“', '”', '‘', '’', '"'])
            });
            out.push(Anchor {
                verb: sent.to_doc(word.chars),
                subject: sent.word_doc_start(&w[subject]),
                holder: h,
                embedded,
                according,
            });
            last_verb = Some(v);
        }
    }
    out
}

/// Auxiliaries that make the words after a verb a clause of their own.
const AUXILIARIES: &[&str] = &[
    "is", "are", "was", "were", "has", "have", "had", "will", "would", "could", "should", "can",
    "may", "must", "might",
];

/// Whether a clause follows the verb at word `v` (`Fauci, said Iran is …`): an auxiliary within
/// the next six words, before any comma, so the verb is not inverted (`said Wang`) but reports
/// that clause.
fn clause_follows(s: &str, w: &[Word], v: usize) -> bool {
    (v + 1..(v + 7).min(w.len()))
        .take_while(|&x| x == v + 1 || !between(s, w, x - 1, x).contains([',', ';', ':']))
        // `said Mike Pompeo as he was leaving`: a clause of its own after the subject.
        .take_while(|&x| !SUBORDINATORS.contains(&w[x].text(s)))
        .any(|x| AUXILIARIES.contains(&w[x].text(s)))
}

/// Words that open a subordinate clause after an inverted subject.
const SUBORDINATORS: &[&str] = &[
    "as", "when", "while", "after", "before", "because", "who", "which", "that", "if", "since",
    "until", "where",
];

/// Whether a quote opens right after word `v` (`saying, “…`, `adding: “…`, `saying that “…`): a participle of
/// speech there needs no comma before it to take the sentence's subject, unless a role noun or
/// a mention stands right before it (`quotes the minister saying, “…`: the minister speaks).
fn opens_quote(sent: &Sentence, v: usize) -> bool {
    let (s, w) = (sent.text.as_str(), &sent.words);
    if v == 0 || v + 1 >= w.len() {
        return false;
    }
    let before = w[v - 1].text(s);
    let speaker_before = ROLES.contains(&before)
        || is_office_word(s, &w[v - 1])
        || actors::mention_ending_at(&sent.mentions, w[v - 1].chars.end).is_some();
    if speaker_before {
        return false;
    }
    // `saying that “…`: the quote may open after `that`.
    let after = if w[v + 1].text(s) == "that" && v + 2 < w.len() {
        v + 1
    } else {
        v
    };
    let gap = between(s, w, after, after + 1).trim();
    gap.ends_with(['“', '"'])
        && gap
            .trim_end_matches(['“', '"'])
            .chars()
            .all(|c| c.is_whitespace() || matches!(c, ',' | ':'))
}

/// `is to blame`, `has to say`: the verb after `to` and a form of `be` or `have` is not an
/// attribution; nor is one followed by `by` (`responded by expelling`: an action).
fn idiom(s: &str, w: &[Word], v: usize) -> bool {
    let after_to_be = v >= 2
        && w[v - 1].text(s) == "to"
        && matches!(
            w[v - 2].text(s),
            "is" | "are" | "was" | "were" | "be" | "has" | "have" | "had" | "nothing" | "much"
        );
    after_to_be || w.get(v + 1).is_some_and(|x| x.text(s) == "by")
}

/// Forms of `be` before a participle: passive (`Iran was accused`) or progressive (`China is
/// urging`).
const BE_FORMS: &[&str] = &["is", "are", "was", "were", "be", "been", "being"];

/// The index of a form of `be` before word `v`, across at most two adverbs (`was also
/// accused`, `has been strongly criticised`): a reporting verb after it is passive, so its
/// subject is the target, not the holder (the holder, if any, follows `by`).
fn be_form_before(s: &str, w: &[Word], v: usize) -> Option<usize> {
    let mut j = v.checked_sub(1)?;
    for _ in 0..3 {
        let t = w[j].text(s);
        if BE_FORMS.contains(&t) {
            return (!gap_has_comma(s, w, j + 1)).then_some(j);
        }
        let adverb = is_filler(t) && !matches!(t, "to" | "has" | "have" | "had" | "on");
        if !adverb || gap_has_comma(s, w, j + 1) {
            return None;
        }
        j = j.checked_sub(1)?;
    }
    None
}

/// A stance verb in the progressive (`is urging`, `has been encouraging`): the index of its
/// form of `be`, whose subject holds the stance.
fn progressive(s: &str, w: &[Word], v: usize) -> Option<usize> {
    if !PARTICIPLES.contains(&w[v].text(s)) {
        return None;
    }
    let aux = be_form_before(s, w, v)?;
    // `being` starts a participle clause of its own (`being accused of …`).
    (w[aux].text(s) != "being").then_some(aux)
}

/// Whether a coordinated clause with its own subject starts between sentence characters `from`
/// and `to`: a comma or semicolon, a coordinator (`, and`, `, but`, `; `), then a subject — a
/// name, `the`/`a`, a pronoun or a capitalised word — rather than a verb (`…, and backed …`
/// shares its subject). `subject_follows`: the caller knows a subject follows (the next
/// attribution's), so the coordinator alone decides.
fn new_clause_between(sent: &Sentence, from: usize, to: usize, subject_follows: bool) -> bool {
    if from >= to {
        return false;
    }
    let s = sent.text.as_str();
    let w = &sent.words;
    // The words after `from` up to the one starting at `to`, whose gap before it counts too.
    let first = w.partition_point(|x| x.chars.start < from);
    let last = w.partition_point(|x| x.chars.start <= to);
    (first..last).any(|i| {
        let gap = if i == 0 { "" } else { between(s, w, i - 1, i) };
        let t = w[i].text(s);
        let linked = (gap.contains(',') && CLAUSE_LINKS.contains(&t)) || gap.contains(';');
        if !linked {
            return false;
        }
        let next = if gap.contains(';') && !CLAUSE_LINKS.contains(&t) {
            Some(i)
        } else {
            (i + 1 < w.len()).then_some(i + 1)
        };
        subject_follows
            || next.is_some_and(|n| {
                let u = w[n].text(s);
                actors::mention_starting_at(&sent.mentions, w[n].chars.start).is_some()
                    || matches!(u, "the" | "The" | "a" | "an")
                    || is_pronoun(u)
                    || (w[n].is_capitalised(s) && n > i)
            })
    })
}

#[cfg(test)]
mod tests {
    use crate::text::actors::Gazetteer;
    use crate::text::document::{analyse, MentionOptions};

    /// (actor, holder) pairs of each sentence with mentions.
    fn holders(text: &str) -> Vec<Vec<(String, Option<String>)>> {
        let g = Gazetteer::default_international().unwrap();
        let a = analyse(text, &g, &MentionOptions::default());
        a.sentences
            .iter()
            .map(|s| {
                s.mentions
                    .iter()
                    .zip(&s.holders)
                    .map(|(m, h)| {
                        (
                            a.actor(&g, m.actor).name.clone(),
                            h.map(|h| a.actor(&g, h).name.clone()),
                        )
                    })
                    .collect()
            })
            .collect()
    }

    fn pair(a: &str, h: Option<&str>) -> (String, Option<String>) {
        (a.to_string(), h.map(str::to_string))
    }

    #[test]
    fn subjects_of_reporting_verbs_hold_the_stance() {
        let h = holders("Zelensky on Tuesday accused Beijing of helping Moscow.");
        assert_eq!(
            h[0],
            vec![
                pair("Volodymyr Zelensky", None),
                pair("China", Some("Volodymyr Zelensky")),
                pair("Russia", Some("Volodymyr Zelensky")),
            ]
        );
        let h = holders("Russia is to blame, Zelensky said.");
        assert_eq!(h[0][0], pair("Russia", Some("Volodymyr Zelensky")));
        let h = holders("China’s foreign ministry said Washington was wrong.");
        assert_eq!(h[0][1], pair("United States", Some("China")));
        let h = holders("Japan and South Korea welcomed the US move.");
        assert_eq!(h[0][2], pair("United States", None));
        let h = holders("The author thinks Russia and China are close.");
        assert!(h[0].iter().all(|x| x.1.is_none()));
    }

    #[test]
    fn participles_prepositions_actions_and_embedded_clauses() {
        // `, calling … and saying …`: the sentence's subject.
        let h = holders("Milei went further, calling Venezuela a dictatorship and saying Argentina would not recognise it.");
        assert_eq!(h[0][1], pair("Venezuela", Some("Javier Milei")));
        assert_eq!(h[0][2], pair("Argentina", Some("Javier Milei")));
        // A name after a preposition modifies the subject; it is not the subject.
        let h = holders("Analysts in Taipei said China was wrong.");
        assert!(h[0].iter().all(|x| x.1.is_none()), "{h:?}");
        // `responded by expelling`: an action, not an attribution.
        let h = holders("Venezuela responded by expelling diplomats from Argentina.");
        assert!(h[0].iter().all(|x| x.1.is_none()), "{h:?}");
        // Coordinated subjects, also with a counterpart between them.
        let h = holders(
            "Lula and his Colombian counterpart Petro called on Venezuela to publish results.",
        );
        assert!(h[0].iter().all(|x| x.1.is_none()), "{h:?}");
        // An attribution inside another's complement is reported: the outer holder holds.
        let h = holders("Kallas said last week that Beijing could not claim neutrality while trading with Russia.");
        assert_eq!(h[0][1], pair("China", Some("Kaja Kallas")));
        assert_eq!(h[0][2], pair("Russia", Some("Kaja Kallas")));
        // `according to X` is the source of the whole sentence.
        let h = holders("Hungary said it would not block the deal, according to Viktor Orbán.");
        assert_eq!(h[0][0], pair("Hungary", Some("Viktor Orbán")));
    }

    #[test]
    fn holders_stay_in_their_clause() {
        // A coordinated clause with its own subject ends the reach, both ways.
        let h = holders("The African Union suspended Niger after the coup, and ECOWAS has threatened to use force.");
        assert!(h[0].iter().all(|x| x.1.is_none()), "{h:?}");
        let h = holders("Qatar and Egypt stepped up efforts to broker a truce, and Blinken said Washington supported them.");
        assert_eq!(h[0][0], pair("Qatar", None));
        assert_eq!(h[0][1], pair("Egypt", None));
        assert_eq!(h[0][3], pair("United States", Some("Antony Blinken")));
        let h = holders("Blinken praised Qatar, but Egypt stepped up its efforts.");
        assert_eq!(h[0][1], pair("Qatar", Some("Antony Blinken")));
        assert_eq!(h[0][2], pair("Egypt", None));
        // Counter-example: a comma without a new clause keeps the holder after it.
        let h = holders("Russia is to blame, Zelensky said.");
        assert_eq!(h[0][0], pair("Russia", Some("Volodymyr Zelensky")));
        // Coordinated verbs after one subject share it, also after a comma.
        let h = holders("Putin also offered support to Beijing, and backed ties with Tehran.");
        assert_eq!(h[0][2], pair("Iran", Some("Vladimir Putin")));
        // A participle clause takes the main clause's subject.
        let h = holders("President Xi marked the anniversary, hailing the friendship with Russia.");
        assert_eq!(h[0][1], pair("Russia", Some("Xi Jinping")));
    }

    #[test]
    fn a_name_alone_in_apposition_is_the_subject() {
        // A role, then the person's name in commas: the person speaks, and an actor inside
        // the role takes the person as holder.
        let h = holders(
            "The director of Argentina's Amnesty International, Mariela Belski, said Brazil erred.",
        );
        assert_eq!(h[0][0], pair("Argentina", Some("Mariela Belski")));
        assert_eq!(
            h[0][1],
            pair("Amnesty International", Some("Mariela Belski"))
        );
        assert_eq!(h[0][2], pair("Brazil", Some("Mariela Belski")));
        // Counter-examples: an apposition that describes the subject leaves it the subject;
        // two persons in a row are not a role and its name.
        let h = holders("Wang Yi, China's foreign minister, said Japan erred.");
        assert_eq!(h[0][2], pair("Japan", Some("Wang Yi")));
        // A headline's present tense is a reporting verb too.
        let h = holders("Turkey's President Erdogan proposes talks with Greece");
        assert_eq!(h[0][0], pair("Turkey", Some("Recep Tayyip Erdogan")));
        assert_eq!(h[0][2], pair("Greece", Some("Recep Tayyip Erdogan")));
    }

    #[test]
    fn a_quote_may_have_its_speaker_in_the_next_sentence() {
        let h = holders("“Washington is lying.” Lavrov said this on Monday.");
        assert_eq!(h[0], vec![pair("United States", Some("Sergei Lavrov"))]);
        // The next sentence of the paragraph continues an attributed quote.
        let h = holders("“We will never accept this,” Lavrov said. “Washington is lying.”");
        assert_eq!(h[1], vec![pair("United States", Some("Sergei Lavrov"))]);
        // Not across a paragraph break, nor from a sentence that does not open with it.
        let h = holders("“Washington is lying.”\nLavrov said this on Monday.");
        assert_eq!(h[0], vec![pair("United States", None)]);
        let h = holders("“Washington is lying.” On Monday, officials met and Lavrov said no.");
        assert_eq!(h[0], vec![pair("United States", None)]);
    }

    #[test]
    fn quotes_keep_their_speaker_across_sentences_and_paragraphs() {
        let text = "Wang Yi met reporters.\n‘China is a friend. So is Russia,’ he said.\n‘Ukraine too.’\nUkraine disagreed.";
        let h = holders(text);
        assert_eq!(h[1], vec![pair("China", Some("Wang Yi"))]);
        assert_eq!(h[2], vec![pair("Russia", Some("Wang Yi"))]);
        assert_eq!(h[3], vec![pair("Ukraine", Some("Wang Yi"))]);
        assert_eq!(h[4], vec![pair("Ukraine", None)]);
        let h = holders("Lavrov added: “Kyiv lies. Washington knows it.”");
        assert_eq!(h[1], vec![pair("United States", Some("Sergei Lavrov"))]);
    }

    /// The holder of `actor` where the text first mentions it.
    fn holder_of(text: &str, actor: &str) -> Option<String> {
        let h = holders(text);
        let found = h.iter().flatten().find(|(a, _)| a == actor);
        found
            .unwrap_or_else(|| panic!("{actor} not found in {h:?}"))
            .1
            .clone()
    }

    /// Each case: a text, an actor it mentions, and that mention's holder.
    fn check_holders(cases: &[(&str, &str, Option<&str>)]) {
        for &(text, actor, want) in cases {
            assert_eq!(holder_of(text, actor).as_deref(), want, "{actor} in {text}");
        }
    }

    #[test]
    fn a_quote_after_a_participle_or_a_colon_has_the_sentence_subject_as_speaker() {
        check_holders(&[
            // `saying, “…` without a comma before it; the quote's later sentences too.
            (
                "Ban Ki-moon criticized the death toll saying, “Dozens more civilians have been killed. Israel must exercise maximum restraint.”",
                "Israel",
                Some("Ban Ki-moon"),
            ),
            // `telling X: “…`: a colon opens the quote, a few words after the verb.
            (
                "Modi spoke to voters, telling The Times of India: \"I have to run the government. We will talk to Pakistan.\"",
                "Pakistan",
                Some("Narendra Modi"),
            ),
            // After an opening phrase, a name right after its comma is the subject.
            (
                "During the elections, Modi attempted to reassure Muslims, telling reporters that China is a friend.",
                "China",
                Some("Narendra Modi"),
            ),
            // `saying that “…`.
            (
                "Xi Jinping stood up saying that \"Ireland and America are friends.\"",
                "Ireland",
                Some("Xi Jinping"),
            ),
            // A person's noun right before the participle speaks, not the sentence's subject.
            (
                "The Associated Press quotes the Belgian minister saying, \"There are no objections of EU countries.\"",
                "European Union",
                None,
            ),
        ]);
    }

    #[test]
    fn an_inverted_verb_leads_through_a_title_to_the_person() {
        check_holders(&[
            (
                "\"We would like the lull to continue,\" stated Israel Foreign Ministry spokesman Yigal Palmor. \"If Hamas chooses violence, it will pay.\"",
                "Hamas",
                Some("Yigal Palmor"),
            ),
            (
                "\"The sanctions stay,\" said US Secretary of State Mike Pompeo of Iran.",
                "Iran",
                Some("Mike Pompeo"),
            ),
        ]);
        check_holders(&[
            // A title leads to a person only: `the US Ambassador to Russia` is the US.
            (
                "\"Hamas must stop,\" said the US Ambassador to Russia.",
                "Hamas",
                Some("United States"),
            ),
            // A clause of its own after the subject keeps the inversion.
            (
                "\"Hamas must stop,\" said Mike Pompeo as he was leaving.",
                "Hamas",
                Some("Mike Pompeo"),
            ),
        ]);
        // A clause after the verb: `said Iran is …` does not make Iran the speaker.
        let h = holder_of(
            "The United States' health institute director, Dr. Anthony Fauci, said Iran is ready.",
            "United States",
        );
        assert_ne!(h.as_deref(), Some("Iran"));
    }

    #[test]
    fn hyphenated_ranks_aides_and_possessive_titles_lead_to_the_person() {
        check_holders(&[
            (
                "US spokesperson Major-General Kevin Bergner said that Iran is to blame.",
                "Iran",
                Some("Kevin Bergner"),
            ),
            (
                "Salah al-Obaidi, a top aide to al-Sadr, said that Iraq is to blame.",
                "Iraq",
                Some("Salah al-Obaidi"),
            ),
            (
                "\"Cameroon will help,\" said Gabon's Interior Minister André Mba Obame.",
                "Cameroon",
                Some("André Mba Obame"),
            ),
        ]);
        // `Major` alone is no title: John Major is a name.
        let h = holders(
            "Boris Johnson spoke. Former prime minister John Major has accused Johnson of misleading the Queen.",
        );
        assert_eq!(h[1], vec![pair("Boris Johnson", Some("John Major"))]);
    }

    #[test]
    fn a_name_before_a_long_role_apposition_and_a_reporting_verb_speaks() {
        check_holders(&[
            // An apposition with an article, closed right before a reporting verb.
            (
                "Stephen Fredrick, a former pilot of similar aircraft, told CNN the video shows a flameout.",
                "CNN",
                Some("Stephen Fredrick"),
            ),
            (
            "Nabeel Rajab, a prominent human rights activist in Bahrain, announced that Iran is to blame.",
            "Iran",
            Some("Nabeel Rajab"),
        )]);
    }

    #[test]
    fn a_passive_subject_is_the_target_not_the_holder() {
        check_holders(&[
            (
                "Iran was accused of attacking Saudi Arabia.",
                "Saudi Arabia",
                None,
            ),
            (
                "Russia has been strongly criticised over Syria.",
                "Syria",
                None,
            ),
            // The active voice keeps its subject, `has` included.
            (
                "The US accused Saudi Arabia of the attack.",
                "Saudi Arabia",
                Some("United States"),
            ),
            (
                "The US has criticised Japan.",
                "Japan",
                Some("United States"),
            ),
        ]);
    }

    #[test]
    fn a_stance_verb_in_the_progressive_takes_the_subject_of_be() {
        check_holders(&[
            (
                "The US has been encouraging allies such as Germany to act.",
                "Germany",
                Some("United States"),
            ),
            (
                "China is urging Japan to apologise.",
                "Japan",
                Some("China"),
            ),
            // Not a stance verb: no holder.
            ("China is building ports in Pakistan.", "Pakistan", None),
        ]);
    }

    #[test]
    fn an_office_with_a_name_of_its_own_speaks_for_its_country() {
        check_holders(&[
            ("The US Justice Department said Canada had failed.", "Canada", Some("United States")),
            (
                "On Friday, the United States Department of Transportation announced new restrictions on flights to Cuba.",
                "Cuba",
                Some("United States"),
            ),
            // An office named without its country speaks for no country.
            ("The Ministry of Foreign Affairs said Canada had failed.", "Canada", None),
        ]);
    }

    #[test]
    fn they_or_it_opening_a_sentence_is_the_last_organisation_that_spoke() {
        check_holders(&[
            (
                "The US Justice Department said the site was run from Laos. They also stated arrests were made in Canada.",
                "Canada",
                Some("United States"),
            ),
            // Not when the last speaker is a person (`he`/`she` are for persons), nor without a
            // speaker in the sentence before, nor for `it` that is no subject of a stance verb.
            ("Wang Yi said the site was run from Laos. They also stated arrests were made in Canada.", "Canada", None),
            ("The site was run from Laos. They also stated arrests were made in Canada.", "Canada", None),
            ("Japan said the talks had failed. It is unclear whether Canada agrees.", "Canada", None),
        ]);
    }

    #[test]
    fn a_person_of_an_organisation_speaks_not_the_organisation() {
        check_holders(&[
            (
                "Mike Ryan of the World Health Organization (WHO) told the press that Iran must act.",
                "Iran",
                Some("Mike Ryan"),
            ),
            ("Sheldon Yett of UNICEF observed that Iran had acted.", "Iran", Some("Sheldon Yett")),
            (
                "United States Attorney Jessie K. Liu said Canada had helped.",
                "Canada",
                Some("Jessie K. Liu"),
            ),
            // With no name before `of the`, the organisation speaks.
            (
                "The director of the World Health Organization told the press that Iran must act.",
                "Iran",
                Some("World Health Organization"),
            ),
        ]);
    }

    #[test]
    fn an_opening_phrase_or_a_long_apposition_keeps_the_subject() {
        check_holders(&[
            (
                "In his statement, Israeli Prime Minister Benjamin Netanyahu found the strike justified and called Trump's order decisive.",
                "Donald Trump",
                Some("Benjamin Netanyahu"),
            ),
            (
                "Agnès Callamard, a UN rapporteur for the Office of the UN High Commissioner for Human Rights who had investigated the case, cautioned that Saudi Arabia must act.",
                "Saudi Arabia",
                Some("Agnès Callamard"),
            ),
            (
                "Nicaragua's president, Daniel Ortega, also agreed to restore ties with Colombia.",
                "Colombia",
                Some("Daniel Ortega"),
            ),
            // An opening phrase without a subject after it gives no holder.
            ("On Monday, crowds gathered and criticised Iran.", "Iran", None),
        ]);
    }

    #[test]
    fn relative_clauses_spokespeople_and_long_titles_keep_the_speaker() {
        check_holders(&[
            (
                "Brett McGurk, who was the envoy to the coalition against ISIL until December, also criticized Turkey.",
                "Turkey",
                Some("Brett McGurk"),
            ),
            (
                "UN Secretary-General Ban Ki-moon, who is in Doha, Qatar meeting with leaders, said Israel must stop.",
                "Israel",
                Some("Ban Ki-moon"),
            ),
            ("A spokesman for President Biden stated that Israel was right.", "Israel", Some("Joe Biden")),
            (
                "Deputy National Security Advisor for Homeland Security and Counterterrorism John O. Brennan said Yemen was a threat.",
                "Yemen",
                Some("John O. Brennan"),
            ),
            // A relative clause with its own reporting verb is no apposition to skip.
            ("Iran, who said nothing, and Canada met.", "Canada", None),
        ]);
    }

    #[test]
    fn a_family_name_that_starts_many_sentences_is_the_person_before_a_reporting_verb() {
        let text =
            "U.S. President George W. Bush began his trip today. Bush said Benin had done well.";
        assert_eq!(holder_of(text, "Benin").as_deref(), Some("George W. Bush"));
        // Not without the verb (`Bush fires`), nor a pronoun.
        let text = "U.S. President George W. Bush began his trip today. Bush fires hit Benin.";
        assert_eq!(holder_of(text, "Benin"), None);
    }
}
