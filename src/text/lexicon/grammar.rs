//! Function words, sentence-boundary words, fillers, and date words.

/// Words that may stand between a subject and its reporting verb (`Zelensky on Tuesday
/// accused`, `China has refused to condemn`).
pub const FILLERS: &[&str] = &[
    "also",
    "has",
    "have",
    "had",
    "again",
    "later",
    "earlier",
    "then",
    "repeatedly",
    "previously",
    "publicly",
    "openly",
    "strongly",
    "sharply",
    "firmly",
    "immediately",
    "quickly",
    "separately",
    "once",
    "long",
    "recently",
    "already",
    "still",
    "never",
    "not",
    "would",
    "will",
    "could",
    "might",
    "did",
    "does",
    "do",
    "is",
    "was",
    "were",
    "are",
    "on",
    "last",
    "this",
    "week",
    "month",
    "year",
    "night",
    "morning",
    "afternoon",
    "evening",
    "today",
    "yesterday",
    "tonight",
    "refused",
    "declined",
    "continued",
    "continues",
    "to",
    "further",
    "swiftly",
    "angrily",
    "bluntly",
    "privately",
    "personally",
    "himself",
    "herself",
    "itself",
    "just",
    "even",
    "often",
    "frequently",
    "reportedly",
];

/// Prepositions before a name that make it a modifier, not a subject (`Analysts in Taipei said`).
pub const PREPOSITIONS: &[&str] = &[
    "in", "at", "from", "of", "for", "with", "by", "to", "on", "near", "outside", "inside",
];

/// Clause coordinators after a comma or semicolon.
pub const CLAUSE_LINKS: &[&str] = &["and", "but", "while", "whereas", "although", "though", "as"];

/// Never end a sentence after these (lower-cased, without the dot).
pub const NON_TERMINAL: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sen", "sens", "rep", "reps", "gov", "gen", "col", "lt",
    "sgt", "capt", "adm", "cmdr", "rev", "st", "mt", "ft", "pres", "amb", "hon", "gov", "supt",
    "insp", "messrs", "mme", "mlle", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "no", "nos", "vs", "v", "e.g", "i.e", "approx", "dept", "univ",
    "assn", "fig", "vol", "pp", "ca", "cf", "est", "al",
];

/// After an initialism (`U.S.`) or an ambiguous abbreviation, a sentence ends only before one
/// of these words.
pub const SENTENCE_STARTERS: &[&str] = &[
    "the",
    "a",
    "an",
    "it",
    "he",
    "she",
    "they",
    "we",
    "i",
    "you",
    "but",
    "and",
    "in",
    "this",
    "that",
    "these",
    "those",
    "his",
    "her",
    "its",
    "their",
    "our",
    "on",
    "at",
    "as",
    "after",
    "before",
    "however",
    "meanwhile",
    "still",
    "yet",
    "so",
    "if",
    "when",
    "while",
    "there",
    "some",
    "many",
    "most",
    "officials",
    "analysts",
    "critics",
    "both",
    "neither",
    "no",
    "for",
    "since",
    "last",
    "earlier",
    "later",
    "now",
    "then",
    "what",
    "why",
    "how",
];

/// Abbreviations that end sentences as often as not: break only before a sentence starter.
pub const AMBIGUOUS: &[&str] = &[
    "inc", "corp", "co", "ltd", "jr", "sr", "bros", "etc", "llc", "plc",
];

/// Days of the week (fillers before a verb, never names).
pub const WEEKDAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Month names, which are also given names and family names.
pub const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Words before a month name that make it a date (`in May`, `since June`).
pub const DATE_WORDS: &[&str] = &[
    "in", "on", "since", "until", "by", "from", "early", "late", "mid", "last", "next", "this",
    "of", "through", "before", "after", "during", "till",
];
