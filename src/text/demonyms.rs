//! Demonym references (`score --demonyms`): a demonym followed by a noun for the state or its
//! agents (`Chinese officials`, `the Ukrainian government`, `Russian forces`) refers to the
//! country. The table and the nouns are in `datasets/actors/demonyms.toml`; demonyms before
//! other nouns (`Chinese companies`) are not references.

use super::actors::{overlaps_any, Actor, Mention, Via};
use super::span::SentenceSpan;
use super::words::{between, is_not_name, words_text, Word};
use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

/// The shipped table.
pub const DEFAULT_DEMONYMS: &str = include_str!("../../datasets/actors/demonyms.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemonymFile {
    heads: Vec<String>,
    demonyms: HashMap<String, String>,
}

/// Demonyms of the actors of one gazetteer.
#[derive(Debug, Clone, Default)]
pub struct Demonyms {
    /// demonym → actor index
    map: HashMap<String, usize>,
    /// The head nouns, lower case, split into words; longest first.
    heads: Vec<Vec<String>>,
    /// Longest demonym in words.
    max_words: usize,
}

impl Demonyms {
    /// The shipped table, restricted to the actors `actors` has (by name).
    pub fn default_for(actors: &[Actor]) -> Result<Self> {
        let f: DemonymFile = toml::from_str(DEFAULT_DEMONYMS).map_err(|e| Error::Input {
            path: Path::new("datasets/actors/demonyms.toml").to_path_buf(),
            message: format!("bad demonym table: {e}"),
        })?;
        let index: HashMap<&str, usize> = actors
            .iter()
            .enumerate()
            .map(|(i, a)| (a.name.as_str(), i))
            .collect();
        let map: HashMap<String, usize> = f
            .demonyms
            .into_iter()
            .filter_map(|(d, name)| index.get(name.as_str()).map(|&i| (d, i)))
            .collect();
        let mut heads: Vec<Vec<String>> = f
            .heads
            .iter()
            .map(|h| h.split_whitespace().map(str::to_lowercase).collect())
            .collect();
        heads.sort_by_key(|h: &Vec<String>| std::cmp::Reverse(h.len()));
        let max_words = map
            .keys()
            .map(|d| d.split_whitespace().count())
            .max()
            .unwrap_or(0);
        Ok(Self {
            map,
            heads,
            max_words,
        })
    }

    /// Demonym mentions in sentence `s` (words `w`) that do not overlap `taken` (sorted,
    /// disjoint).
    pub fn find(&self, s: &str, w: &[Word], taken: &[Mention]) -> Vec<Mention> {
        let mut out = Vec::new();
        let free = |cs: usize, ce: usize| !overlaps_any(taken, SentenceSpan::new(cs, ce));
        let mut i = 0;
        while i < w.len() {
            // Part of a longer capitalised name (`Latin American`, `North American`): not here.
            let inside_name = i > 0
                && between(s, w, i - 1, i) == " "
                && w[i - 1].is_capitalised(s)
                && !w[i - 1].possessive
                && !is_not_name(w[i - 1].text(s));
            if inside_name {
                i += 1;
                continue;
            }
            let mut found = None;
            for n in (1..=self.max_words.min(w.len() - i)).rev() {
                let last = &w[i + n - 1];
                // The demonym's words are separated by single spaces only.
                let text = &s[w[i].bytes.start..last.bytes.end];
                if last.possessive || !w[i].is_capitalised(s) {
                    continue;
                }
                if let Some(&actor) = self.map.get(text) {
                    if let Some(h) = self.head_after(s, w, i + n) {
                        found = Some((actor, i + n + h));
                        break;
                    }
                }
            }
            match found {
                Some((actor, end)) if free(w[i].chars.start, w[end - 1].chars.end) => {
                    out.push(Mention {
                        actor,
                        text: words_text(s, w, i, end - 1).to_string(),
                        span: SentenceSpan::new(w[i].chars.start, w[end - 1].chars.end),
                        via: Via::Demonym,
                    });
                    i = end;
                }
                _ => i += 1,
            }
        }
        out
    }

    /// Words in the head noun starting at word `k`, if one starts there (case-insensitive,
    /// separated by spaces only).
    fn head_after(&self, s: &str, w: &[Word], k: usize) -> Option<usize> {
        if k == 0 || k >= w.len() || between(s, w, k - 1, k) != " " || w[k - 1].possessive {
            return None;
        }
        'heads: for h in &self.heads {
            if k + h.len() > w.len() {
                continue;
            }
            for (j, part) in h.iter().enumerate() {
                let word = &w[k + j];
                if j > 0 && s[w[k + j - 1].bytes.end..word.bytes.start] != *" " {
                    continue 'heads;
                }
                if !word.text(s).eq_ignore_ascii_case(part) {
                    continue 'heads;
                }
            }
            return Some(h.len());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::actors::Gazetteer;
    use crate::text::words::words;

    #[test]
    fn demonyms_need_a_head_noun_for_the_state() {
        let g = Gazetteer::default_international().unwrap();
        let d = Demonyms::default_for(g.actors()).unwrap();
        let s = "Chinese officials met South Korean forces, the Ukrainian Foreign Ministry and Chinese companies.";
        let found: Vec<(String, String)> = d
            .find(s, &words(s), &[])
            .into_iter()
            .map(|m| (g.actors()[m.actor].name.clone(), m.text))
            .collect();
        assert_eq!(
            found,
            vec![
                ("China".to_string(), "Chinese officials".to_string()),
                ("South Korea".into(), "South Korean forces".into()),
                ("Ukraine".into(), "Ukrainian Foreign Ministry".into()),
            ]
        );
        // A gazetteer mention already there wins.
        let taken = g.find(s);
        assert!(d.find(s, &words(s), &taken).len() <= 3);
    }
}
