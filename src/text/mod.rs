//! Text processing before the model: sentences, actor mentions (the gazetteer's names, then
//! references within a document: family names and titles, demonyms, discovered names) and the
//! holder of each stance; group nouns that stand for an organisation (`the bloc`), and places that
//! are only a venue (`talks in Doha`).

pub mod actors;
pub mod anaphora;
pub mod demonyms;
pub mod discover;
pub mod document;
pub mod holders;
pub mod language;
pub mod lexicon;
pub mod quotes;
pub mod references;
pub mod segment;
pub mod sentence;
pub mod span;
pub mod venues;
pub mod words;
