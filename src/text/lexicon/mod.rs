//! Every word list the text rules read, in one place: the rules (segmentation, references,
//! venues, group nouns, holders, discovery) import them from here.

mod grammar;
mod names;
mod places;
mod verbs;

pub use grammar::*;
pub use names::*;
pub use places::*;
pub use verbs::*;
