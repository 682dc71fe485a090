//! Direct quotes in a document: the spans of the outermost quotation marks, found in one pass.
//!
//! Curly double and single marks nest; straight `"` toggles; `’` (and `'`) is an apostrophe when
//! a letter or digit follows (`China’s`), or after an `s` before a lower-case word (`both
//! sides’ future`), and a closing mark otherwise. A quote still open at the end of a paragraph
//! continues when the next paragraph opens with the same kind of mark (the news convention for
//! quotes that run over paragraphs); otherwise it ends with its paragraph, so an unbalanced mark
//! never swallows the rest of a document.

/// A quote: character offsets of its opening mark and just past its closing mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Double,
    Single,
}

/// Nesting deeper than this is ignored (marks beyond it count as text).
const MAX_DEPTH: usize = 8;

fn opening_kind(c: char) -> Option<Kind> {
    match c {
        '“' | '"' | '«' | '„' => Some(Kind::Double),
        '‘' => Some(Kind::Single),
        _ => None,
    }
}

/// The outermost quotes of `chars`, in order.
pub fn quotes(chars: &[char]) -> Vec<Quote> {
    let n = chars.len();
    let mut out = Vec::new();
    // (kind, position, opened by a straight mark)
    let mut stack: Vec<(Kind, usize, bool)> = Vec::new();
    let mut i = 0;
    while i < n {
        let c = chars[i];
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        match c {
            '\n' if !stack.is_empty() => {
                // Continued in the next paragraph only when it opens with the same mark kind.
                let mut j = i + 1;
                while j < n && chars[j].is_whitespace() {
                    j += 1;
                }
                let bottom = stack[0].0;
                if j < n && opening_kind(chars[j]) == Some(bottom) {
                    stack.truncate(1);
                    i = j + 1;
                    continue;
                }
                out.push(Quote {
                    start: stack[0].1,
                    end: i,
                });
                stack.clear();
            }
            '“' | '«' | '„' | '‘' if stack.len() < MAX_DEPTH => {
                stack.push((opening_kind(c).unwrap_or(Kind::Double), i, false));
            }
            '"' => {
                if let Some(k) = stack.iter().rposition(|e| e.2 && e.0 == Kind::Double) {
                    close(&mut stack, k, i + 1, &mut out);
                } else if stack.len() < MAX_DEPTH {
                    stack.push((Kind::Double, i, true));
                }
            }
            '”' | '»' => {
                if let Some(k) = stack.iter().rposition(|e| e.0 == Kind::Double) {
                    close(&mut stack, k, i + 1, &mut out);
                }
            }
            '’' | '\'' => {
                let apostrophe = next.is_some_and(char::is_alphanumeric)
                    || (prev == Some('s') && plural_possessive(&chars[i + 1..]));
                let straight_opening = c == '\''
                    && prev.is_none_or(char::is_whitespace)
                    && next.is_some_and(char::is_alphanumeric);
                if straight_opening {
                    if stack.len() < MAX_DEPTH {
                        stack.push((Kind::Single, i, true));
                    }
                } else if !apostrophe {
                    if let Some(k) = stack.iter().rposition(|e| e.0 == Kind::Single) {
                        close(&mut stack, k, i + 1, &mut out);
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    if let Some(&(_, start, _)) = stack.first() {
        out.push(Quote { start, end: n });
    }
    out
}

/// After `s’`: a lower-case word that is not a function word follows (`sides’ future`, not
/// `areas’ and`).
fn plural_possessive(rest: &[char]) -> bool {
    if rest.first() != Some(&' ') {
        return false;
    }
    let word: String = rest[1..]
        .iter()
        .take(12)
        .take_while(|c| c.is_alphabetic())
        .collect();
    word.starts_with(char::is_lowercase)
        && !matches!(
            word.as_str(),
            "and"
                | "or"
                | "but"
                | "to"
                | "of"
                | "in"
                | "on"
                | "at"
                | "for"
                | "with"
                | "by"
                | "as"
                | "is"
                | "was"
                | "are"
                | "were"
                | "that"
                | "which"
                | "who"
                | "the"
                | "a"
                | "an"
                | "from"
                | "said"
                | "says"
                | "he"
                | "she"
                | "they"
                | "it"
                | "we"
                | "told"
                | "added"
        )
}

/// Closes the mark at stack position `k` (and any left open inside it); records the quote
/// when it was the outermost.
fn close(stack: &mut Vec<(Kind, usize, bool)>, k: usize, end: usize, out: &mut Vec<Quote>) {
    if k == 0 {
        out.push(Quote {
            start: stack[0].1,
            end,
        });
    }
    stack.truncate(k);
}

/// The quote containing character `pos`, if any (`quotes` sorted and disjoint).
pub fn containing(quotes: &[Quote], pos: usize) -> Option<usize> {
    let k = quotes.partition_point(|q| q.end <= pos);
    (k < quotes.len() && quotes[k].start <= pos).then_some(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(s: &str) -> Vec<String> {
        let chars: Vec<char> = s.chars().collect();
        quotes(&chars)
            .iter()
            .map(|q| chars[q.start..q.end].iter().collect())
            .collect()
    }

    #[test]
    fn curly_straight_nested_and_apostrophes() {
        assert_eq!(
            spans("‘The friendship is rock-solid, and both sides’ future is vast,’ said Wang."),
            vec!["‘The friendship is rock-solid, and both sides’ future is vast,’"]
        );
        assert_eq!(
            spans("no ‘no ‘forbidden’ areas’ and China’s ‘complex’ view"),
            vec!["‘no ‘forbidden’ areas’", "‘complex’"]
        );
        assert_eq!(
            spans("He said \"go\" and 'stop' but isn't."),
            vec!["\"go\"", "'stop'"]
        );
    }

    #[test]
    fn paragraphs_continue_or_end_the_quote() {
        let s = "A said: “One. Two.\n“Three.”\nNarration “open\nNext paragraph.";
        assert_eq!(spans(s), vec!["“One. Two.\n“Three.”", "“open"]);
        // Unbalanced at the very end.
        assert_eq!(spans("x “never closed"), vec!["“never closed"]);
        let chars: Vec<char> = s.chars().collect();
        let q = quotes(&chars);
        assert_eq!(containing(&q, 9), Some(0));
        assert_eq!(containing(&q, 2), None);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let s = "“".repeat(10_000) + "x";
        let chars: Vec<char> = s.chars().collect();
        assert_eq!(quotes(&chars).len(), 1);
    }
}
