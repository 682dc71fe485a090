//! Discovery (`score --discover`): people and organisations a gazetteer does not have.
//!
//! A candidate is a run of two to four capitalised words (particles such as `de`, `van`, `bin`
//! may stand inside) that the text introduces as someone: after a title or role (`spokesman He
//! Yadong`, `Prime Minister Mia Mottley`), before an apposition with a role (`Nigel Farage, the
//! leader of`), as the subject of a reporting verb (`Yun Sun said`, `said Yun Sun`); or a run of
//! capitalised words ending in an organisation noun (`Stimson Center`, `Reform Party`); an
//! acronym introduced in parentheses (`Economic Community of West African States (ECOWAS)`), by a
//! role or membership (`who chairs ECOWAS`, `the head of UNAIDS`) or as the subject of a reporting
//! verb (`UNAIDS said`); one to three capitalised or upper-case words after a company noun
//! (`carmakers VW and BMW`, `the firm Huawei`). Words already matched by the gazetteer are never
//! part of a candidate.

use super::actors::{is_title_word, overlaps_any, Mention};
use super::lexicon::{ACRONYM_CUES, COMPANY_NOUNS, OFFICE_DOMAINS, ORG_HEADS, PARTICLES, ROLES};
use super::words::{
    arabic_article, between, is_filler, is_not_name, Word, INVERTING_VERBS, MONTHS, REPORTING_VERBS,
};

/// What a candidate looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidateKind {
    Person,
    Organisation,
}

impl CandidateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CandidateKind::Person => "person",
            CandidateKind::Organisation => "organisation",
        }
    }
}

/// A candidate found in one sentence: word range `[first, last]` and its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    pub first: usize,
    pub last: usize,
    pub kind: CandidateKind,
    /// For an acronym in parentheses right after the name it abbreviates (`Syrian Democratic
    /// Forces (SDF)`): that name's word range, so that the acronym names the same actor.
    pub expands: Option<(usize, usize)>,
}

/// A role noun, in any case (`Analyst`, `spokesman`).
fn is_role(t: &str) -> bool {
    ROLES.iter().any(|r| r.eq_ignore_ascii_case(t))
}

fn is_name_word(s: &str, w: &Word) -> bool {
    let t = w.text(s);
    // `al-Assadi`, `el-Sisi`: an Arabic article joined to a capitalised name.
    // A lower-case article goes past the checks below (a capitalised one meets them anyway).
    if arabic_article(t).is_some_and(|(article, _)| article.starts_with(char::is_lowercase)) {
        return true;
    }
    w.is_capitalised(s)
        && !is_not_name(t)
        && !MONTHS.contains(&t)
        && !is_title_word(t)
        && !is_role(t)
        && t.chars().any(char::is_lowercase)
}

/// Candidates of one sentence (`w` its words) outside every list of `taken` mentions (each
/// sorted and disjoint).
pub fn find(s: &str, w: &[Word], taken: &[&[Mention]]) -> Vec<Found> {
    let free = |k: usize| !taken.iter().any(|t| overlaps_any(t, w[k].chars));
    let spaced = |k: usize| k > 0 && between(s, w, k - 1, k) == " " && !w[k - 1].possessive;
    let mut out = Vec::new();
    let mut i = 0;
    while i < w.len() {
        // `spokesman He Yadong`: a pronoun-like word after a role starts a name.
        let after_role = i > 0
            && spaced(i)
            && (ROLES.contains(&w[i - 1].text(s)) || is_title_word(w[i - 1].text(s)))
            && i + 1 < w.len()
            && spaced(i + 1)
            && is_name_word(s, &w[i + 1]);
        let starts = is_name_word(s, &w[i]) || (after_role && is_not_name(w[i].text(s)));
        if !(free(i) && starts) {
            i += 1;
            continue;
        }
        // The run of name words (and inner particles) from i.
        let mut j = i;
        // `South American Community of Nations`: an organisation's name goes on after its
        // head noun with `of`/`for`/`on` and capitalised words.
        let mut named_on = false;
        // Where an `and` first joined two capitalised words (`Disaster and Emergency Management
        // Presidency`): kept only in an organisation's name.
        let mut and_at: Option<usize> = None;
        while j + 1 < w.len() && spaced(j + 1) && free(j + 1) && !w[j].possessive {
            let next = &w[j + 1];
            let joined = |k: usize| k < w.len() && spaced(k) && free(k) && is_name_word(s, &w[k]);
            if is_name_word(s, next) {
                j += 1;
            } else if next.text(s) == "and" && joined(j + 2) {
                and_at.get_or_insert(j + 1);
                j += 2;
            } else if is_initial(s, w, j + 1) && j + 2 < w.len() && free(j + 2) {
                // `Jessie K. Liu`: a middle initial.
                j += 2;
            } else if PARTICLES.contains(&next.text(s)) && joined(j + 2) {
                j += 2;
            } else if ORG_HEADS.contains(&w[j].text(s))
                && matches!(next.text(s), "of" | "for" | "on")
                && joined(j + 2)
            {
                j += 2;
                named_on = true;
            } else {
                break;
            }
        }
        if let Some(a) = and_at {
            if !(named_on || ORG_HEADS.contains(&w[j].text(s))) {
                j = a - 1;
            }
        }
        let first = if named_on {
            i
        } else {
            skip_office_domain(s, w, i, j)
        };
        let len = j - first + 1;
        let kind = if len >= 2 && (ORG_HEADS.contains(&w[j].text(s)) || named_on) {
            Some(CandidateKind::Organisation)
        } else if (2..=4).contains(&len) && introduced_as_person(s, w, i, j) {
            Some(CandidateKind::Person)
        } else {
            None
        };
        if let Some(kind) = kind {
            out.push(Found {
                first,
                last: j,
                kind,
                expands: None,
            });
        }
        i = j + 1;
    }
    acronyms_and_companies(s, w, &free, &spaced, &mut out);
    out.sort_by_key(|f| f.first);
    out
}

/// Word `k` is a middle initial: one capital letter, a full stop, then a name word.
fn is_initial(s: &str, w: &[Word], k: usize) -> bool {
    let t = w[k].text(s);
    t.len() == 1
        && t.starts_with(|c: char| c.is_ascii_uppercase())
        && k + 1 < w.len()
        && between(s, w, k, k + 1) == ". "
        && is_name_word(s, &w[k + 1])
}

/// The first word of the name in the run `i..=j`: past the words of an office's domain that
/// open it after a title and `for`/`of` (`Commissioner for Human Rights Navi Pillay`), as long
/// as two words are left.
fn skip_office_domain(s: &str, w: &[Word], i: usize, j: usize) -> usize {
    // Domain words the run did not take (`Foreign`) may stand between `for`/`of` and it.
    // `for Homeland Security and Counterterrorism John O. Brennan`: `and` may join domains.
    let mut start = i;
    while start > 1
        && (OFFICE_DOMAINS.contains(&w[start - 1].text(s))
            || w[start - 1].text(s) == "and" && OFFICE_DOMAINS.contains(&w[start - 2].text(s)))
    {
        start -= 1;
    }
    let after_office = start >= 2
        && matches!(w[start - 1].text(s), "for" | "of")
        && (is_title_word(w[start - 2].text(s)) || ROLES.contains(&w[start - 2].text(s)));
    if !after_office || ORG_HEADS.contains(&w[j].text(s)) {
        return i;
    }
    let mut first = i;
    while first + 2 <= j && OFFICE_DOMAINS.contains(&w[first].text(s)) {
        first += 1;
    }
    first
}

/// Lower-case nouns for a body of people, beside `COMPANY_NOUNS`.
const BODY_NOUNS: &[&str] = &[
    "group",
    "organisation",
    "organization",
    "charity",
    "agency",
    "body",
    "network",
    "party",
    "union",
    "coalition",
    "movement",
    "newspaper",
    "broadcaster",
    "outlet",
];

/// How many words an apposition after a name may have when a reporting verb follows it.
const MAX_APPOSITION_WORDS: usize = 12;

/// How many words a relative clause after a name (`Name, who …, said`) may have (here and for
/// the subject of its verb).
pub const MAX_RELATIVE_WORDS: usize = 30;

/// How many words after a name `of` its organisation and a reporting verb may stand.
const AFFILIATION_REACH: usize = 14;

/// `Mike Ryan of the World Health Organization told`, `Sheldon Yett of UNICEF observed`: a name
/// opening a clause, `of` (`the`) and a capitalised word, then a reporting verb in the sentence.
fn affiliated_speaker(s: &str, w: &[Word], i: usize, j: usize) -> bool {
    let opens_clause = i == 0 || between(s, w, i - 1, i).contains([',', '“', '"', ';']);
    let of = j + 1;
    if !opens_clause || of >= w.len() || between(s, w, j, of) != " " || w[of].text(s) != "of" {
        return false;
    }
    let org = if w.get(of + 1).is_some_and(|x| x.text(s) == "the") {
        of + 2
    } else {
        of + 1
    };
    org < w.len()
        && w[org].is_capitalised(s)
        && (org + 1..w.len().min(j + AFFILIATION_REACH))
            .any(|k| REPORTING_VERBS.contains(&w[k].text(s)))
}

/// An upper-case word of three to eight letters (`ECOWAS`, `UNAIDS`; two for `VW`-like company
/// names after a company noun).
fn is_acronym(s: &str, w: &Word, min: usize) -> bool {
    let t = w.text(s);
    (min..=8).contains(&t.chars().count())
        && t.chars().all(|c| c.is_ascii_uppercase())
        && !is_not_name(t)
}

/// The acronym and company candidates of a sentence, outside the `out` found already.
fn acronyms_and_companies(
    s: &str,
    w: &[Word],
    free: &dyn Fn(usize) -> bool,
    spaced: &dyn Fn(usize) -> bool,
    out: &mut Vec<Found>,
) {
    let unclaimed =
        |k: usize, out: &[Found]| free(k) && !out.iter().any(|f| f.first <= k && k <= f.last);
    let org = |k: usize| Found {
        first: k,
        last: k,
        kind: CandidateKind::Organisation,
        expands: None,
    };
    let mut i = 0;
    while i < w.len() {
        let t = w[i].text(s);
        // `(ECOWAS)` right after words; `who chairs ECOWAS`; `UNAIDS said`.
        if is_acronym(s, &w[i], 3) && unclaimed(i, out) {
            let gap_before = if i > 0 { between(s, w, i - 1, i) } else { "" };
            let gap_after = w
                .get(i + 1)
                .map_or("", |n| &s[w[i].bytes.end..n.bytes.start]);
            let in_parens =
                i > 0 && gap_before.trim_end().ends_with('(') && gap_after.starts_with(')');
            let cued = i > 0 && spaced(i) && ACRONYM_CUES.contains(&w[i - 1].text(s));
            let reports = gap_after == " "
                && w.get(i + 1)
                    .is_some_and(|n| REPORTING_VERBS.contains(&n.text(s)));
            if in_parens {
                // The name it abbreviates, if the words before spell it, becomes a candidate too.
                let expands = expansion(s, w, i, &|k| unclaimed(k, out));
                if let Some((first, last)) = expands {
                    if !out.iter().any(|f| f.first == first && f.last == last) {
                        out.push(Found {
                            first,
                            last,
                            kind: CandidateKind::Organisation,
                            expands: None,
                        });
                    }
                }
                out.push(Found { expands, ..org(i) });
            } else if cued || reports {
                out.push(org(i));
            }
        }
        // `carmakers VW and BMW`, `the firm Huawei`: up to three names, `and` between them.
        if COMPANY_NOUNS.contains(&t) {
            let mut k = i + 1;
            let mut names = 0;
            while k < w.len() && names < 3 && spaced(k) {
                let is_name =
                    (is_name_word(s, &w[k]) || is_acronym(s, &w[k], 2)) && unclaimed(k, out);
                if !is_name {
                    break;
                }
                out.push(org(k));
                names += 1;
                let and = k + 2 < w.len() && w[k + 1].text(s) == "and" && spaced(k + 1);
                if !and {
                    break;
                }
                k += 2;
            }
        }
        i += 1;
    }
}

/// The words right before the parenthesised acronym at word `i` whose initials spell it
/// (`Syrian Democratic Forces (SDF)`, `Korean Central News Agency (KCNA)`; `of`, `and`, `the`,
/// `for` inside are skipped): their first and last word.
fn expansion(
    s: &str,
    w: &[Word],
    i: usize,
    free: &dyn Fn(usize) -> bool,
) -> Option<(usize, usize)> {
    let letters: Vec<char> = w[i].text(s).chars().collect();
    let last = i.checked_sub(1)?;
    let mut need = letters.len();
    let mut k = last;
    loop {
        let t = w[k].text(s);
        let joined = k == last || between(s, w, k, k + 1) == " ";
        if !joined || !free(k) || w[k].possessive && k != last {
            return None;
        }
        if !matches!(t, "of" | "and" | "the" | "for") {
            let initial = t.chars().next()?;
            if !initial.is_uppercase() || need == 0 || initial != letters[need - 1] {
                return None;
            }
            need -= 1;
            if need == 0 {
                return Some((k, last));
            }
        }
        k = k.checked_sub(1)?;
    }
}

/// `Stephen Fredrick, a former pilot of similar aircraft, told CNN`: after the name ending at
/// word `j`, an apposition that opens with an article and closes with a comma right before a
/// reporting verb, and does not name a body (`Kettering Labs, the firm that built it, said`: a
/// word for a body and no role; `a spokesman for the group` is a person's).
fn apposition_then_reporting_verb(s: &str, w: &[Word], j: usize) -> bool {
    if j + 2 >= w.len()
        || between(s, w, j, j + 1).trim() != ","
        || !matches!(w[j + 1].text(s), "a" | "an" | "the")
    {
        return false;
    }
    let Some(k) = (j + 2..w.len().min(j + 2 + MAX_APPOSITION_WORDS))
        .find(|&k| between(s, w, k - 1, k).contains([',', ';', ':', '(', ')', '—']))
    else {
        return false;
    };
    let words = &w[j + 1..k];
    let body = words.iter().any(|x| {
        let t = x.text(s);
        COMPANY_NOUNS.contains(&t) || BODY_NOUNS.contains(&t)
    }) && !words.iter().any(|x| ROLES.contains(&x.text(s)));
    between(s, w, k - 1, k).trim() == "," && REPORTING_VERBS.contains(&w[k].text(s)) && !body
}

/// A title or role before, a role apposition after, or a reporting verb on either side.
fn introduced_as_person(s: &str, w: &[Word], i: usize, j: usize) -> bool {
    let before = i.checked_sub(1).map(|k| w[k].text(s));
    if before.is_some_and(|b| is_title_word(b) || ROLES.contains(&b))
        && between(s, w, i - 1, i) == " "
    {
        return true;
    }
    if i >= 1 && before.is_some_and(|b| INVERTING_VERBS.contains(&b)) {
        return true;
    }
    if affiliated_speaker(s, w, i, j) {
        return true;
    }
    if j + 1 < w.len() {
        let gap = between(s, w, j, j + 1);
        // `the director of Amnesty International, Mariela Belski, said`: a name that is a whole
        // apposition before a reporting verb.
        let after_comma = i > 0 && between(s, w, i - 1, i).trim() == ",";
        if after_comma && gap.trim() == "," {
            // Fillers may stand before the verb (`Nicaragua's president, Daniel Ortega, also
            // agreed`).
            let mut k = j + 1;
            while k < w.len() && k <= j + 3 && is_filler(w[k].text(s)) {
                k += 1;
            }
            if k < w.len() && REPORTING_VERBS.contains(&w[k].text(s)) {
                return true;
            }
        }
        // `Brett McGurk, who was … until December, also criticized`: a relative clause, then a
        // reporting verb in the sentence.
        if gap.trim() == ","
            && w[j + 1].text(s) == "who"
            && w[j + 2..]
                .iter()
                .take(MAX_RELATIVE_WORDS)
                .any(|x| REPORTING_VERBS.contains(&x.text(s)))
        {
            return true;
        }
        if apposition_then_reporting_verb(s, w, j) {
            return true;
        }
        if gap.trim() == "," {
            // `Name, the leader of …` / `Name, director of …` / `Name, a researcher`
            let mut k = j + 1;
            while k < w.len()
                && k <= j + 4
                && matches!(
                    w[k].text(s),
                    "the"
                        | "a"
                        | "an"
                        | "its"
                        | "his"
                        | "her"
                        | "former"
                        | "then"
                        | "acting"
                        | "interim"
                        | "caretaker"
                        | "outgoing"
                        | "new"
                )
            {
                k += 1;
            }
            // A role (`director`) or a title (`the Chancellor of Germany`).
            let role_at = |k: usize| {
                k < w.len() && (ROLES.contains(&w[k].text(s)) || is_title_word(w[k].text(s)))
            };
            // `the foreign affairs minister of Cuba`, `a prominent human rights activist`: up
            // to three words before the role.
            if (k..=k + 3).any(role_at) {
                return true;
            }
        }
        if gap == " " {
            let mut k = j + 1;
            while k < w.len() && k <= j + 4 && is_filler(w[k].text(s)) {
                k += 1;
            }
            if k < w.len() && REPORTING_VERBS.contains(&w[k].text(s)) {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::words::words;
    use crate::text::words::words_text;

    fn names(s: &str) -> Vec<(String, CandidateKind)> {
        let w = words(s);
        find(s, &w, &[])
            .into_iter()
            .map(|f| (words_text(s, &w, f.first, f.last).to_string(), f.kind))
            .collect()
    }

    #[test]
    fn an_acronym_in_parentheses_names_what_it_abbreviates() {
        use CandidateKind::*;
        let s = "Late on Sunday, the Kurdish-led Syrian Democratic Forces (SDF) announced a deal.";
        let w = words(s);
        let f = find(s, &w, &[]);
        let text = |a: usize, b: usize| words_text(s, &w, a, b).to_string();
        let got: Vec<(String, Option<String>)> = f
            .iter()
            .map(|f| (text(f.first, f.last), f.expands.map(|(a, b)| text(a, b))))
            .collect();
        assert_eq!(
            got,
            [
                ("Syrian Democratic Forces".to_string(), None),
                ("SDF".into(), Some("Syrian Democratic Forces".into()))
            ]
        );
        assert_eq!(f[0].kind, Organisation);
        // Initials that do not spell it: the acronym alone.
        let s = "The party (SDF) said no.";
        let w = words(s);
        let f = find(s, &w, &[]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].expands, None);
    }

    #[test]
    fn an_office_domain_after_for_or_of_is_not_part_of_the_name() {
        let person = |n: &str| vec![(n.to_string(), CandidateKind::Person)];
        let s = "UN High Commissioner for Human Rights Navi Pillay said the attacks must stop.";
        assert_eq!(names(s), person("Navi Pillay"));
        let s = "Secretary of State Mike Pompeo said talks would go on.";
        assert_eq!(names(s), person("Mike Pompeo"));
        let s = "Minister of Foreign Affairs Wang Yi said no.";
        assert_eq!(names(s), person("Wang Yi"));
    }

    #[test]
    fn cues_make_candidates() {
        let person = |n: &str| (n.to_string(), CandidateKind::Person);
        let org = |n: &str| (n.to_string(), CandidateKind::Organisation);
        for (text, want) in [
            (
                "Commerce Ministry spokesman He Yadong rejected it.",
                vec![org("Commerce Ministry"), person("He Yadong")],
            ),
            (
                "“No,” said Yun Sun, director of the program at the Stimson Center.",
                vec![person("Yun Sun"), org("Stimson Center")],
            ),
            (
                "Nigel Farage, the leader of the party, spoke. Mia Mottley said no.",
                vec![person("Nigel Farage"), person("Mia Mottley")],
            ),
            (
                "Former Conservative minister Priti Patel warned of Charles de Gaulle Airport.",
                vec![person("Priti Patel")],
            ),
            // No cue: not a candidate.
            ("Markets in Hong Kong rose while New Delhi waited.", vec![]),
            ("The EU and the USA met; OK.", vec![]),
            (
                "Ahmed al-Assadi, a spokesman for the group, spoke. Bruno Parrilla, the foreign affairs minister, agreed.",
                vec![person("Ahmed al-Assadi"), person("Bruno Parrilla")],
            ),
        ] {
            assert_eq!(names(text), want, "{text}");
        }
    }

    #[test]
    fn acronyms_and_companies_make_candidates() {
        use CandidateKind::*;
        let org = |n: &str| (n.to_string(), Organisation);
        assert_eq!(
            names("Tinubu, who chairs ECOWAS, spoke; the head of UNAIDS agreed."),
            vec![org("ECOWAS"), org("UNAIDS")]
        );
        assert_eq!(
            names("The Economic Community of West African States (ECOWAS) met. AES said no."),
            vec![
                org("Economic Community of West African States"),
                org("ECOWAS"),
                org("AES")
            ]
        );
        assert_eq!(
            names("Leaders founded the South American Community of Nations; the Centers for Disease Control agreed."),
            vec![org("South American Community of Nations"), org("Centers for Disease Control")]
        );
        assert_eq!(
            names("German carmakers VW and BMW warned, as did the firm Huawei."),
            vec![org("VW"), org("BMW"), org("Huawei")]
        );
    }

    #[test]
    fn organisation_names_may_join_words_with_and() {
        use CandidateKind::*;
        let s = "Turkey's Disaster and Emergency Management Presidency reported a quake.";
        assert_eq!(
            names(s),
            vec![(
                "Disaster and Emergency Management Presidency".into(),
                Organisation
            )]
        );
        // Two people are two names.
        assert_eq!(
            names("Spokesman Ali Khan and Omar Farouk spoke."),
            vec![
                ("Ali Khan".to_string(), Person),
                ("Omar Farouk".into(), Person)
            ]
        );
        // A middle initial, and a name with its organisation before a reporting verb.
        assert_eq!(
            names("Attorney Jessie K. Liu said so."),
            vec![("Jessie K. Liu".to_string(), Person)]
        );
        assert_eq!(
            names("Mike Ryan of the World Health Organization told reporters."),
            vec![
                ("Mike Ryan".to_string(), Person),
                ("World Health Organization".into(), Organisation)
            ]
        );
        // Not without a reporting verb.
        assert_eq!(
            names("Mike Ryan of the World Health Organization arrived."),
            vec![("World Health Organization".to_string(), Organisation)]
        );
    }
}
