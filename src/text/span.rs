//! Text coordinates. A sentence's text and its document's text are two spaces, and an offset
//! means nothing without its space: each has its own type, so one cannot be passed for the other.
//! Offsets are in chars (what every output reports); a word also keeps its bytes in the sentence,
//! for slicing the sentence's `&str`. [`crate::text::sentence::Sentence`] converts between the
//! sentence's space and the document's.

use serde::{Deserialize, Serialize};

/// A char range `[start, end)` in one sentence's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct SentenceSpan {
    pub start: usize,
    pub end: usize,
}

/// A char range `[start, end)` in the document's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct DocSpan {
    pub start: usize,
    pub end: usize,
}

/// A byte range `[start, end)` in one sentence's text: the byte view of a word's
/// [`SentenceSpan`], for slicing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SentenceBytes {
    pub start: usize,
    pub end: usize,
}

impl SentenceSpan {
    pub fn new(start: usize, end: usize) -> Self {
        SentenceSpan { start, end }
    }

    /// Whether the two ranges share a char.
    pub fn overlaps(self, other: SentenceSpan) -> bool {
        self.start < other.end && other.start < self.end
    }
}

impl DocSpan {
    pub fn new(start: usize, end: usize) -> Self {
        DocSpan { start, end }
    }
}

impl SentenceBytes {
    /// The text of the range in `sentence`.
    pub fn of(self, sentence: &str) -> &str {
        &sentence[self.start..self.end]
    }
}
