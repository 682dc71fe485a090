//! Every word list the text rules read, in one place: the rules (segmentation, references,
//! venues, group nouns, holders, discovery) import them from here. Most lists are data,
//! `words/NAME.txt` (one entry per line; the `#` lines at the top document the list, later ones
//! are comments), compiled into `pub const NAME: &[&str]` by the build script: function and
//! date words, the words around names (titles, roles, organisation heads, company nouns, name
//! particles and tails, words that are never names, office nouns, group-noun modifiers), the
//! cues that make a place a venue and the words of a place's own affairs, and the verbs of
//! reporting, attribution and inversion. The short lists below stay in code (some entries end
//! in a space, which a text file would hide).

include!(concat!(env!("OUT_DIR"), "/word_lists.rs"));

/// Clause coordinators after a comma or semicolon.
pub const CLAUSE_LINKS: &[&str] = &["and", "but", "while", "whereas", "although", "though", "as"];

/// Institutions named `… of PLACE` (`the University of Nairobi`, `the Liberal Party of
/// Kenya`, `the Supreme Court of the United States`), where the place's actor is not meant.
pub const INSTITUTION_HEADS: &[&str] = &[
    "University of ",
    "Party of ",
    "Supreme Court of ",
    "Supreme Court of the ",
];

/// Water bodies and landforms named after a country or region (`the Gulf of Oman`, `the Horn
/// of Africa`), where the country is not meant.
pub const WATER_HEADS: &[&str] = &[
    "Horn of ",
    "Gulf of ",
    "Strait of ",
    "Straits of ",
    "Sea of ",
    "Bay of ",
];

/// Districts named after a capital whose state does not hold them in international law (`East
/// Jerusalem`): the capital's actor is not meant.
pub const DISPUTED_DISTRICT_HEADS: &[&str] = &["East ", "east "];

/// Capitals that `DISPUTED_DISTRICT_HEADS` apply to.
pub const DISPUTED_CAPITALS: &[&str] = &["Jerusalem"];

/// Nouns that stay a reference before `of` (`accused the alliance of …`); the others then
/// mean something else (`the body of a soldier`, `the group of ministers`).
pub const KEEP_BEFORE_OF: &[&str] = &["alliance", "bloc", "agency", "watchdog", "cartel", "lender"];

/// Verbs by which the media pass on what others said (`NPR reported X said …`): the one
/// whose words they report holds, not the outlet.
pub const MEDIA_VERBS: &[&str] = &["reported", "reports", "revealed"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_lists_have_no_stray_white_space() {
        for (name, list) in [
            ("REPORTING_VERBS", REPORTING_VERBS),
            ("NOT_NAMES", NOT_NAMES),
            ("SETTING_CUES", SETTING_CUES),
            ("TITLES", TITLES),
            ("FILLERS", FILLERS),
        ] {
            assert!(!list.is_empty(), "{name} is empty");
            for w in list {
                assert_eq!(w.trim(), *w, "{name}: {w:?} has surrounding white space");
                assert!(!w.starts_with('#'), "{name}: {w:?} is a comment");
            }
        }
        assert_eq!(WEEKDAYS.len(), 7);
        assert_eq!(MONTHS.len(), 12);
    }
}
