//! What the steps of a document's analysis share: a sentence with its words, mentions, holders
//! and venues, and the table of actors (the gazetteer's, then the document's discovered ones)
//! that mention indices point into. Its own module so that the steps (references, group nouns,
//! venues, holders) and the orchestrator (`document`) do not import each other.

use super::actors::{Actor, Mention};
use super::span::{DocSpan, SentenceSpan};
use super::words::Word;

/// The gazetteer's actors followed by a document's discovered ones.
#[derive(Clone, Copy)]
pub struct ActorTable<'a> {
    pub gazetteer: &'a [Actor],
    pub discovered: &'a [Actor],
}

impl<'a> ActorTable<'a> {
    pub fn get(&self, i: usize) -> &'a Actor {
        let n = self.gazetteer.len();
        if i < n {
            &self.gazetteer[i]
        } else {
            &self.discovered[i - n]
        }
    }
}

/// A sentence with its mentions (sorted, disjoint) and the holder of each.
#[derive(Debug, Clone)]
pub struct Sentence {
    /// Index of the sentence in the document (all sentences counted).
    pub index: usize,
    /// Where it stands in the document.
    pub span: DocSpan,
    pub text: String,
    pub words: Vec<Word>,
    pub mentions: Vec<Mention>,
    /// `holders[i]`: the holder of `mentions[i]`'s stance (an actor index), if any.
    pub holders: Vec<Option<usize>>,
    /// Places named only as the setting (`talks in Doha`): not scored, not holders.
    pub venues: Vec<Mention>,
}

/// The conversions between the sentence's space ([`SentenceSpan`]: its words and mentions) and
/// the document's ([`DocSpan`]), all here.
impl Sentence {
    /// A char offset in this sentence, as a char offset in the document.
    pub fn doc_pos(&self, sentence_char: usize) -> usize {
        self.span.start + sentence_char
    }

    /// A char offset in the document (inside this sentence), as a char offset in the sentence.
    pub fn sentence_pos(&self, doc_char: usize) -> usize {
        doc_char - self.span.start
    }

    /// A range of this sentence, as a range of the document.
    pub fn to_doc(&self, s: SentenceSpan) -> DocSpan {
        DocSpan::new(self.doc_pos(s.start), self.doc_pos(s.end))
    }

    /// A mention's chars in this sentence, as a range of the document.
    pub fn doc_span(&self, m: &Mention) -> DocSpan {
        self.to_doc(m.span)
    }

    /// Where a word starts, as a char offset in the document.
    pub fn word_doc_start(&self, w: &Word) -> usize {
        self.doc_pos(w.chars.start)
    }
}
