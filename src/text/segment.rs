//! Sentence boundaries in news prose, with character offsets into the original text.
//!
//! Rules: a newline ends a sentence unless the next line continues in lower case (hard-wrapped
//! text), so headlines and one-paragraph-per-line articles split where they should. `.`, `!`,
//! `?` and `…` end a sentence when followed (after any closing quotes or brackets) by white
//! space and a sentence start (an upper-case letter, a digit, or an opening quote or bracket).
//! A `.` does not end a sentence after titles and month abbreviations (`Mr.`, `Sen.`, `Jan.`),
//! single initials (`John F. Kennedy`), or inside numbers (`3.5`); after initialisms such as
//! `U.S.` it ends one only before a word that typically starts a sentence (`The`, `He`, …).

use super::lexicon::{AMBIGUOUS, NON_TERMINAL, SENTENCE_STARTERS};
/// A sentence: character offsets `[start, end)` into the text (Unicode scalar values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

fn is_closing(c: char) -> bool {
    matches!(c, '"' | '\'' | '”' | '’' | ')' | ']' | '»' | '›')
}

fn is_opening(c: char) -> bool {
    matches!(c, '"' | '\'' | '“' | '‘' | '(' | '[' | '«' | '‹')
}

/// Longest sentence kept whole, in characters. Real news sentences are far shorter (the models
/// read about 600 characters around a target); a longer "sentence" is text without punctuation
/// (a table, a dump, a transcript), and cutting it keeps the work per mention bounded, so a
/// document costs time linear in its length.
pub const MAX_SENTENCE_CHARS: usize = 2000;

/// Splits `text` into sentences. Offsets are character indices; spans exclude surrounding
/// white space and are never empty; none is longer than [`MAX_SENTENCE_CHARS`].
pub fn sentences(text: &str) -> Vec<Span> {
    sentences_and_cuts(text).0
}

/// [`sentences`], and how many over-long sentences were cut to [`MAX_SENTENCE_CHARS`] (at the
/// last `;`, `,` or other clause mark before the limit, else at the last space, else at the
/// limit itself).
pub fn sentences_and_cuts(text: &str) -> (Vec<Span>, usize) {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut cut = 0;
    for span in natural_sentences(&chars) {
        if span.end - span.start <= MAX_SENTENCE_CHARS {
            out.push(span);
            continue;
        }
        cut += 1;
        let mut start = span.start;
        while span.end - start > MAX_SENTENCE_CHARS {
            let end = cut_point(&chars, start, start + MAX_SENTENCE_CHARS);
            out.extend(trim(&chars, start, end));
            start = end;
        }
        out.extend(trim(&chars, start, span.end));
    }
    (out, cut)
}

/// Where to end a piece of an over-long sentence that starts at `start` and may reach `limit`
/// (exclusive): after the last clause mark followed by a space in the second half of the
/// piece, else at the last space there, else at `limit`.
fn cut_point(chars: &[char], start: usize, limit: usize) -> usize {
    let half = start + (limit - start) / 2;
    let after_mark = (half..limit - 1)
        .rev()
        .find(|&k| matches!(chars[k], ';' | ',' | ':' | '—' | '–') && chars[k + 1].is_whitespace());
    if let Some(k) = after_mark {
        return k + 1;
    }
    (half..limit)
        .rev()
        .find(|&k| chars[k].is_whitespace())
        .unwrap_or(limit)
}

/// The sentences by punctuation and line structure alone, whatever their length.
fn natural_sentences(chars: &[char]) -> Vec<Span> {
    let n = chars.len();
    let soft = soft_breaks(chars);
    // White space within a sentence: a line break of hard-wrapped text counts as a space.
    let inline_space = |k: usize| chars[k].is_whitespace() && (chars[k] != '\n' || soft[k]);
    let mut cuts: Vec<usize> = Vec::new(); // positions after which a sentence ends
    let mut i = 0;
    while i < n {
        let c = chars[i];
        if c == '\n' && !soft[i] {
            // Next non-space character on the following lines.
            let mut j = i + 1;
            while j < n && chars[j].is_whitespace() {
                j += 1;
            }
            let blank_line = chars[i + 1..j].contains(&'\n');
            if j < n && (blank_line || !chars[j].is_lowercase()) {
                cuts.push(i);
            }
            i += 1;
            continue;
        }
        if matches!(c, '.' | '!' | '?' | '…') {
            // Run of terminators ("?!", "...").
            let mut j = i + 1;
            while j < n && matches!(chars[j], '.' | '!' | '?' | '…') {
                j += 1;
            }
            while j < n && is_closing(chars[j]) {
                j += 1;
            }
            // Must be followed by white space (or the end).
            if j < n && !chars[j].is_whitespace() {
                i = j;
                continue;
            }
            let mut k = j;
            while k < n && inline_space(k) {
                k += 1;
            }
            if k >= n || chars[k] == '\n' {
                cuts.push(j.saturating_sub(1).max(i));
                i = k;
                continue;
            }
            let next = chars[k];
            let starts = next.is_uppercase() || next.is_ascii_digit() || is_opening(next);
            if starts && (c != '.' || j > i + 1 || period_ends(chars, i, k)) {
                cuts.push(j - 1);
            }
            i = k;
            continue;
        }
        i += 1;
    }
    let mut out = Vec::new();
    let mut start = 0;
    for cut in cuts.into_iter().chain(std::iter::once(n.saturating_sub(1))) {
        let end = (cut + 1).min(n);
        if end <= start {
            continue;
        }
        if let Some(span) = trim(chars, start, end) {
            out.push(span);
        }
        start = end;
    }
    out
}

/// Widest line that hard-wrapped text is taken to have (e-mail and wire copy wrap at 60–80).
const WRAP_MAX: usize = 100;

/// Marks the line breaks of hard-wrapped paragraphs: in a paragraph (lines between blank
/// lines) of at least three lines whose lines, the last excepted, are 30 to [`WRAP_MAX`]
/// characters, of nearly equal width and mostly end inside a sentence, the breaks inside are
/// wrapping, not structure. Text
/// with one paragraph or headline per line is not affected.
fn soft_breaks(chars: &[char]) -> Vec<bool> {
    let mut soft = vec![false; chars.len()];
    // (start, end) of each line, `end` at its '\n' (or the text's end).
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, &c) in chars.iter().enumerate() {
        if c == '\n' {
            lines.push((start, i));
            start = i + 1;
        }
    }
    lines.push((start, chars.len()));
    let width =
        |&(s, e): &(usize, usize)| chars[s..e].iter().filter(|c| !c.is_whitespace()).count();
    let mut para: Vec<(usize, usize)> = Vec::new();
    let mut flush = |para: &mut Vec<(usize, usize)>| {
        if para.len() >= 3 {
            let body = &para[..para.len() - 1];
            let widths: Vec<usize> = body.iter().map(width).collect();
            let (lo, hi) = (
                widths.iter().copied().min().unwrap_or(0),
                widths.iter().copied().max().unwrap_or(0),
            );
            // Wrapped lines mostly end inside a sentence.
            let ended = body
                .iter()
                .filter(|&&(s, e)| {
                    chars[s..e]
                        .iter()
                        .rev()
                        .find(|c| !c.is_whitespace())
                        .is_some_and(|&c| matches!(c, '.' | '!' | '?' | '…' | ':') || is_closing(c))
                })
                .count();
            if (30..=WRAP_MAX).contains(&hi) && lo * 4 >= hi * 3 && ended * 3 <= body.len() {
                for &(_, e) in body {
                    soft[e] = true;
                }
            }
        }
        para.clear();
    };
    for l in lines {
        if width(&l) == 0 {
            flush(&mut para);
        } else {
            para.push(l);
        }
    }
    flush(&mut para);
    soft
}

/// Decides a single `.` at `dot` followed by a sentence start at `next`.
fn period_ends(chars: &[char], dot: usize, next: usize) -> bool {
    // The word before the dot (letters and inner dots).
    let mut s = dot;
    while s > 0 && (chars[s - 1].is_alphanumeric() || chars[s - 1] == '.') {
        s -= 1;
    }
    let word: String = chars[s..dot].iter().collect();
    let lower = word.to_lowercase();
    if word.is_empty() {
        return true;
    }
    if NON_TERMINAL.contains(&lower.as_str()) {
        return false;
    }
    let letters: Vec<char> = word.chars().filter(|c| *c != '.').collect();
    let initialism = word.contains('.') && word.split('.').all(|p| p.chars().count() <= 2);
    let single_initial = letters.len() == 1 && letters[0].is_uppercase();
    if single_initial {
        return false;
    }
    if initialism || AMBIGUOUS.contains(&lower.as_str()) {
        let mut e = next;
        while e < chars.len() && is_opening(chars[e]) {
            e += 1;
        }
        let mut w = e;
        while w < chars.len() && chars[w].is_alphabetic() {
            w += 1;
        }
        let next_word: String = chars[e..w].iter().collect::<String>().to_lowercase();
        return SENTENCE_STARTERS.contains(&next_word.as_str());
    }
    true
}

fn trim(chars: &[char], mut s: usize, mut e: usize) -> Option<Span> {
    while s < e && chars[s].is_whitespace() {
        s += 1;
    }
    while e > s && chars[e - 1].is_whitespace() {
        e -= 1;
    }
    (e > s).then_some(Span { start: s, end: e })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        sentences(text)
            .iter()
            .map(|s| chars[s.start..s.end].iter().collect())
            .collect()
    }

    #[test]
    fn tricky_news_sentences() {
        // One case a line: the input, a tab, the sentences joined by " | " (a newline as `\n`).
        let unescape = |s: &str| s.replace("\\n", "\n");
        let cases: Vec<(String, Vec<String>)> = include_str!("../../tests/fixtures/sentences.tsv")
            .lines()
            .map(|l| {
                let (text, want) = l.split_once('\t').expect("input<TAB>sentences");
                let want = want.split(" | ").filter(|s| !s.is_empty());
                (unescape(text), want.map(unescape).collect())
            })
            .collect();
        assert!(cases.len() >= 40);
        for (text, want) in cases {
            assert_eq!(split(&text), want, "input: {text:?}");
        }
    }

    #[test]
    fn hard_wrapped_paragraphs_split_as_if_unwrapped() {
        let flat = "The ministers of France and Germany met in Berlin on Tuesday to discuss the \
            sanctions against Russia, which President Emmanuel Macron called necessary. \
            Mr. Scholz agreed with him on most points. Both said the talks with Moscow \
            would go on next week in Paris, as planned by the European Commission.";
        // The same text wrapped at about 60 columns.
        let mut wrapped = String::new();
        let mut col = 0;
        for w in flat.split(' ') {
            if col > 0 && col + w.len() > 60 {
                wrapped.push('\n');
                col = 0;
            } else if col > 0 {
                wrapped.push(' ');
                col += 1;
            }
            wrapped.push_str(w);
            col += w.len();
        }
        assert!(wrapped.matches('\n').count() >= 3);
        assert_eq!(sentences(&wrapped), sentences(flat));
        assert_eq!(sentences(flat).len(), 3);
        // One paragraph or headline per line (the common layout) still splits at each line.
        let lines = "Beijing and Moscow pledge closer ties\nChina praised Russia on Tuesday.\nThe \
            Kremlin welcomed it.";
        assert_eq!(sentences(lines).len(), 3);
    }

    #[test]
    fn offsets_are_character_offsets_into_the_original() {
        let text = "  Beijing’s view — firm. “Moscow” agreed.  ";
        let chars: Vec<char> = text.chars().collect();
        let spans = sentences(text);
        assert_eq!(spans.len(), 2);
        let s: String = chars[spans[1].start..spans[1].end].iter().collect();
        assert_eq!(s, "“Moscow” agreed.");
        assert_eq!(spans[0].start, 2);
    }

    #[test]
    fn over_long_sentences_are_cut_at_a_clause_mark_or_a_space() {
        // 10,000 characters without sentence punctuation, with a comma now and then.
        let words: Vec<String> = (0..1700)
            .map(|i| {
                if i % 97 == 96 {
                    "talks,".to_string()
                } else {
                    format!("w{}", i % 10)
                }
            })
            .collect();
        let text = words.join(" ");
        let (spans, cut) = sentences_and_cuts(&text);
        assert_eq!(cut, 1);
        assert!(spans.len() >= 3, "{}", spans.len());
        let chars: Vec<char> = text.chars().collect();
        let mut covered = 0;
        for s in &spans {
            assert!(s.end - s.start <= MAX_SENTENCE_CHARS);
            let piece: String = chars[s.start..s.end].iter().collect();
            // Never inside a word.
            assert!(
                s.start == 0 || chars[s.start - 1].is_whitespace(),
                "{piece}"
            );
            assert!(
                s.end == chars.len() || chars[s.end].is_whitespace(),
                "{piece}"
            );
            covered += piece.split_whitespace().count();
        }
        assert_eq!(covered, 1700, "no word lost");
        assert!(
            spans[..spans.len() - 1]
                .iter()
                .all(|s| chars[s.end - 1] == ','),
            "cut after the commas"
        );
        // One unbroken 5,000-character token is cut at the limit.
        let (spans, cut) = sentences_and_cuts(&"x".repeat(5000));
        assert_eq!((cut, spans.len()), (1, 3));
        // Ordinary text is untouched.
        assert_eq!(sentences_and_cuts("One. Two.").1, 0);
    }
}
