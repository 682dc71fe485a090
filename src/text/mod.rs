//! Text processing before the model: sentences, actor mentions (the gazetteer's names, then
//! references within a document: family names and titles, demonyms, discovered names) and the
//! holder of each stance.

pub mod actors;
pub mod demonyms;
pub mod discover;
pub mod document;
pub mod holders;
pub mod language;
pub mod quotes;
pub mod references;
pub mod segment;
pub mod words;
