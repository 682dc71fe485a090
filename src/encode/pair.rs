//! Turning a (sentence, target span) into model input: the target is marked in the sentence,
//! the sentence is paired with the target text (`[CLS] … @ Beijing @ … [SEP] Beijing [SEP]`), and
//! sentences longer than the model's limit are cut to a window around the target, never
//! dropping the target.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;
use tokenizers::{Encoding, PostProcessor, Tokenizer, TruncationDirection};

/// How the target mention is marked in the sentence: `open` and `close` strings are inserted
/// around the mention, each separated from it by a space (`… @ Beijing @ …`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Marker {
    pub open: String,
    pub close: String,
}

impl Default for Marker {
    fn default() -> Self {
        Self {
            open: "@".into(),
            close: "@".into(),
        }
    }
}

/// Most tokens kept of the target text in the second segment.
pub const MAX_TARGET_TOKENS: usize = 16;

/// One encoded pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    pub ids: Vec<u32>,
    pub type_ids: Vec<u32>,
    /// Positions of the target mention's tokens within `ids` (first segment).
    pub target: Vec<usize>,
    /// The sentence was cut to fit the model's limit.
    pub truncated: bool,
}

impl Encoded {
    pub fn len(&self) -> usize {
        self.ids.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// The tokenizer plus the model's input conventions.
#[derive(Clone)]
pub struct PairEncoder {
    tokenizer: Tokenizer,
    marker: Option<Marker>,
    max_length: usize,
    special_pair: usize,
}

impl PairEncoder {
    pub fn from_file(path: &Path, marker: Option<Marker>, max_length: usize) -> Result<Self> {
        let tok = Tokenizer::from_file(path)
            .map_err(|e| Error::model(path, format!("cannot read tokenizer: {e}")))?;
        Self::new(tok, marker, max_length)
    }

    pub fn new(
        mut tokenizer: Tokenizer,
        marker: Option<Marker>,
        max_length: usize,
    ) -> Result<Self> {
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(None)
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        let special_pair = tokenizer
            .get_post_processor()
            .map(|p| p.added_tokens(true))
            .unwrap_or(0);
        if max_length < special_pair + 4 {
            return Err(Error::Config(format!(
                "max_length {max_length} is too small"
            )));
        }
        Ok(Self {
            tokenizer,
            marker,
            max_length,
            special_pair,
        })
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    pub fn max_length(&self) -> usize {
        self.max_length
    }

    /// Encodes `text` with the target at character span `start..end` (Unicode scalar indices).
    pub fn encode(&self, text: &str, start: usize, end: usize) -> Result<Encoded> {
        let n_chars = text.chars().count();
        if start >= end || end > n_chars {
            return Err(Error::Config(format!(
                "target span {start}..{end} outside a text of {n_chars} characters"
            )));
        }
        let byte = |c: usize| {
            text.char_indices()
                .nth(c)
                .map(|(b, _)| b)
                .unwrap_or(text.len())
        };
        let (bs, be) = (byte(start), byte(end));
        let target_text = &text[bs..be];
        let (first, t_start, t_end) = match &self.marker {
            Some(m) => {
                let marked = format!(
                    "{}{} {} {}{}",
                    &text[..bs],
                    m.open,
                    target_text,
                    m.close,
                    &text[be..]
                );
                let s = start + m.open.chars().count() + 1;
                (marked, s, s + (end - start))
            }
            None => (text.to_string(), start, end),
        };
        let mut a = self
            .tokenizer
            .encode_char_offsets(first.as_str(), false)
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        let mut b = self
            .tokenizer
            .encode_char_offsets(target_text, false)
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        if b.len() > MAX_TARGET_TOKENS {
            b.truncate(MAX_TARGET_TOKENS, 0, TruncationDirection::Right);
        }
        // Tokens of the first segment that overlap the target span. With markers, the markers
        // themselves are included so that the span is never empty.
        let offsets = a.get_offsets();
        let mut target: Vec<usize> = offsets
            .iter()
            .enumerate()
            .filter(|(_, &(s, e))| s < t_end && e > t_start)
            .map(|(i, _)| i)
            .collect();
        if target.is_empty() {
            // The tokenizer dropped the mention (e.g. only characters it normalises away):
            // fall back to the token nearest to the span.
            let nearest = offsets
                .iter()
                .position(|&(s, _)| s >= t_start)
                .unwrap_or(offsets.len().saturating_sub(1));
            target.push(nearest);
        }
        let budget = self.max_length - self.special_pair - b.len();
        let mut truncated = false;
        if a.len() > budget {
            truncated = true;
            let (lo, hi) = window(
                a.len(),
                budget,
                target[0],
                *target.last().unwrap_or(&target[0]),
            );
            a.truncate(hi, 0, TruncationDirection::Right);
            a.truncate(hi - lo, 0, TruncationDirection::Left);
            target.retain(|&i| i >= lo && i < hi);
            for i in &mut target {
                *i -= lo;
            }
        }
        let enc: Encoding = self
            .tokenizer
            .post_process(a, Some(b), true)
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        // The first segment starts at the first token that is not a special token.
        let first_pos = enc
            .get_special_tokens_mask()
            .iter()
            .position(|&s| s == 0)
            .unwrap_or(0);
        Ok(Encoded {
            ids: enc.get_ids().to_vec(),
            type_ids: enc.get_type_ids().to_vec(),
            target: target.into_iter().map(|i| i + first_pos).collect(),
            truncated,
        })
    }
}

/// A window `[lo, hi)` of `size` tokens out of `len`, containing `[t0, t1]` where it fits
/// (else starting at `t0`), centred on the target.
fn window(len: usize, size: usize, t0: usize, t1: usize) -> (usize, usize) {
    let span = t1 + 1 - t0;
    if span >= size {
        return (t0, t0 + size);
    }
    let slack = size - span;
    let lo = t0.saturating_sub(slack / 2);
    let lo = lo.min(len - size);
    (lo, lo + size)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn window_keeps_target() {
        assert_eq!(window(100, 10, 50, 51), (46, 56));
        assert_eq!(window(100, 10, 1, 2), (0, 10));
        assert_eq!(window(100, 10, 98, 99), (90, 100));
        assert_eq!(window(100, 4, 10, 20), (10, 14));
    }
}
