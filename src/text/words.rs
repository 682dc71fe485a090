//! Words of a sentence with their offsets, and the word lists the reference and holder rules
//! read (reporting verbs, fillers between a subject and its verb, role nouns).

use super::span::{SentenceBytes, SentenceSpan};

pub use super::lexicon::{
    COMMON_AT_START, DATE_WORDS, FILLERS, INVERTING_VERBS, MONTHS, NOT_NAMES, REPORTING_VERBS,
    ROLE_WORDS, WEEKDAYS,
};
/// A word of a sentence: its chars (for output and mentions) and the same range's bytes (for
/// slicing). A possessive ending (`’s`, `'s`, or `’` after an `s`) is not part of the word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word {
    pub chars: SentenceSpan,
    pub bytes: SentenceBytes,
    pub possessive: bool,
}

impl Word {
    pub fn text<'a>(&self, s: &'a str) -> &'a str {
        self.bytes.of(s)
    }
    pub fn is_capitalised(&self, s: &str) -> bool {
        s[self.bytes.start..]
            .chars()
            .next()
            .is_some_and(char::is_uppercase)
    }
}

/// The text between words `a` and `b` (`a` before `b`): the spaces and punctuation that part
/// them.
pub fn between<'s>(s: &'s str, w: &[Word], a: usize, b: usize) -> &'s str {
    &s[w[a].bytes.end..w[b].bytes.start]
}

/// The text of words `first..=last`, with what stands between them.
pub fn words_text<'s>(s: &'s str, w: &[Word], first: usize, last: usize) -> &'s str {
    &s[w[first].bytes.start..w[last].bytes.end]
}

/// `al-Eryani` → (`al-`, `Eryani`): an Arabic article joined to a capitalised name, in either
/// case (`Al-`, `al-`, `el-`, …).
pub fn arabic_article(name: &str) -> Option<(&str, &str)> {
    ["al-", "el-", "ad-", "as-", "an-", "ash-"]
        .iter()
        .find_map(|p| {
            let n = p.len();
            let (head, rest) = (name.get(..n)?, name.get(n..)?);
            (head.eq_ignore_ascii_case(p) && rest.starts_with(char::is_uppercase))
                .then_some((head, rest))
        })
}

fn joins(c: char) -> bool {
    matches!(c, '-' | '.' | '\'' | '’')
}

/// The words of `s`: runs of letters and digits, joined by `-`, `.` and apostrophes that stand
/// between two of them (`Jae-myung`, `U.S`, `hasn’t`). One pass, linear in the length.
pub fn words(s: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut it = s.char_indices().peekable();
    let mut ci = 0; // character index of the next char from `it`
    while let Some((b, c)) = it.next() {
        if !c.is_alphanumeric() {
            ci += 1;
            continue;
        }
        let (bs, cs) = (b, ci);
        let (mut be, mut ce) = (b + c.len_utf8(), ci + 1);
        ci += 1;
        loop {
            match it.peek().copied() {
                Some((b2, c2)) if c2.is_alphanumeric() => {
                    it.next();
                    be = b2 + c2.len_utf8();
                    ce += 1;
                    ci += 1;
                }
                Some((b2, c2)) if joins(c2) => {
                    // Only when a letter or digit follows.
                    let next = s[b2 + c2.len_utf8()..].chars().next();
                    if next.is_some_and(char::is_alphanumeric) {
                        it.next();
                        ci += 1;
                        be = b2 + c2.len_utf8();
                        ce += 1;
                    } else {
                        break;
                    }
                }
                _ => break,
            }
        }
        let text = &s[bs..be];
        let mut w = Word {
            chars: SentenceSpan::new(cs, ce),
            bytes: SentenceBytes { start: bs, end: be },
            possessive: false,
        };
        for suffix in ["’s", "'s"] {
            if text.len() > suffix.len() && text.ends_with(suffix) {
                w.bytes.end -= suffix.len();
                w.chars.end -= 2;
                w.possessive = true;
            }
        }
        if !w.possessive && text.ends_with('s') && s[be..].starts_with('’') {
            let after = s[be + '’'.len_utf8()..].chars().next();
            if after.is_none_or(|c| !c.is_alphanumeric()) && text.len() > 3 {
                // `allies’` as a plural possessive only when a lower-case word follows, which a
                // closing quote rarely has; left to the quote scanner otherwise.
                w.possessive = s[be + '’'.len_utf8()..]
                    .trim_start()
                    .starts_with(|c: char| c.is_lowercase());
            }
        }
        out.push(w);
    }
    out
}

/// The word starting at character `cs` (`words` in order).
pub fn word_starting_at(words: &[Word], cs: usize) -> Option<usize> {
    words.binary_search_by_key(&cs, |w| w.chars.start).ok()
}

/// The word ending at character `ce` (`words` in order).
pub fn word_ending_at(words: &[Word], ce: usize) -> Option<usize> {
    words.binary_search_by_key(&ce, |w| w.chars.end).ok()
}

/// The last word that starts before character `ce`, the end of a name (`U.S.` is the word `U.S`
/// and a full stop).
pub fn last_word_before(words: &[Word], ce: usize) -> Option<usize> {
    words.partition_point(|w| w.chars.start < ce).checked_sub(1)
}

/// The word right after a name ending at character `ce` in the same phrase: only a space between
/// them (the name's own full stop, as in `U.S. President`, aside), the name not a possessive.
pub fn word_after_name(s: &str, words: &[Word], ce: usize) -> Option<usize> {
    let last = last_word_before(words, ce)?;
    let next = last + 1;
    if next >= words.len() || words[last].possessive {
        return None;
    }
    let gap = between(s, words, last, next);
    let gap = if words[last].chars.end < ce {
        gap.strip_prefix('.').unwrap_or(gap)
    } else {
        gap
    };
    (gap == " ").then_some(next)
}

/// A filler between a subject and its verb (a word of [`FILLERS`] or a day).
pub fn is_filler(w: &str) -> bool {
    FILLERS.contains(&w) || WEEKDAYS.contains(&w)
}

/// A capitalised word that is not a name (a word of [`NOT_NAMES`] or a day).
pub fn is_not_name(w: &str) -> bool {
    NOT_NAMES.contains(&w) || WEEKDAYS.contains(&w)
}

pub fn is_pronoun(w: &str) -> bool {
    matches!(w, "he" | "she" | "He" | "She")
}

/// `him`/`her` after a preposition (`according to him`).
pub fn is_object_pronoun(w: &str) -> bool {
    matches!(w, "him" | "her")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<(&str, bool)> {
        words(s).iter().map(|w| (w.text(s), w.possessive)).collect()
    }

    #[test]
    fn words_possessives_and_offsets() {
        let s = "Wang’s remarks: Lee Jae-myung's U.S. trip — allies’ views, ‘sides’.";
        assert_eq!(
            texts(s),
            vec![
                ("Wang", true),
                ("remarks", false),
                ("Lee", false),
                ("Jae-myung", true),
                ("U.S", false),
                ("trip", false),
                ("allies", true),
                ("views", false),
                ("sides", false),
            ]
        );
        let chars: Vec<char> = s.chars().collect();
        for w in words(s) {
            assert_eq!(
                chars[w.chars.start..w.chars.end].iter().collect::<String>(),
                w.text(s)
            );
        }
        assert!(words("").is_empty());
        assert!(words("— … ’’").is_empty());
    }
}
