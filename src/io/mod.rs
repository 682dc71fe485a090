//! Files in and out, below everything that computes: labelled (sentence, target) examples in NewsMTSC JSONL or a simple
//! JSONL/CSV layout, plain-text and JSONL articles for scoring, and atomic output files.

pub mod articles;
pub mod atomic;
pub mod examples;
pub mod guard;
pub mod hash;
pub mod labels;
pub mod scores;

pub use examples::{read_examples, Dataset, Example, ReadOptions, Skip};

use serde_json::Value;

/// The fields of the JSON object `a` whose values `b` lacks or holds otherwise, in `a`'s order,
/// each with its value in `a` and in `b` (`null` where `b` lacks it): what differs between a
/// recorded settings record and the present one.
pub(crate) fn differing_fields<'a>(
    a: &'a Value,
    b: &'a Value,
) -> Vec<(&'a str, &'a Value, &'a Value)> {
    static ABSENT: Value = Value::Null;
    a.as_object()
        .into_iter()
        .flatten()
        .filter(|(k, v)| b.get(k.as_str()) != Some(v))
        .map(|(k, v)| (k.as_str(), v, b.get(k.as_str()).unwrap_or(&ABSENT)))
        .collect()
}
