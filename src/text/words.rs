//! Words of a sentence with their offsets, and the word lists the reference and holder rules
//! read (reporting verbs, fillers between a subject and its verb, role nouns).

/// A word: byte offsets into the sentence (for slicing) and character offsets (for output).
/// A possessive ending (`’s`, `'s`, or `’` after an `s`) is not part of the word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word {
    pub bs: usize,
    pub be: usize,
    pub cs: usize,
    pub ce: usize,
    pub possessive: bool,
}

impl Word {
    pub fn text<'a>(&self, s: &'a str) -> &'a str {
        &s[self.bs..self.be]
    }
    pub fn is_capitalised(&self, s: &str) -> bool {
        s[self.bs..].chars().next().is_some_and(char::is_uppercase)
    }
}

fn joins(c: char) -> bool {
    matches!(c, '-' | '.' | '\'' | '’')
}

/// The words of `s`: runs of letters and digits, joined by `-`, `.` and apostrophes that stand
/// between two of them (`Jae-myung`, `U.S`, `hasn’t`). One pass, linear in the length.
pub fn words(s: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut it = s.char_indices().peekable();
    let mut ci = 0; // character index of the next char from `it`
    while let Some((b, c)) = it.next() {
        if !c.is_alphanumeric() {
            ci += 1;
            continue;
        }
        let (bs, cs) = (b, ci);
        let (mut be, mut ce) = (b + c.len_utf8(), ci + 1);
        ci += 1;
        loop {
            match it.peek().copied() {
                Some((b2, c2)) if c2.is_alphanumeric() => {
                    it.next();
                    be = b2 + c2.len_utf8();
                    ce += 1;
                    ci += 1;
                }
                Some((b2, c2)) if joins(c2) => {
                    // Only when a letter or digit follows.
                    let next = s[b2 + c2.len_utf8()..].chars().next();
                    if next.is_some_and(char::is_alphanumeric) {
                        it.next();
                        ci += 1;
                        be = b2 + c2.len_utf8();
                        ce += 1;
                    } else {
                        break;
                    }
                }
                _ => break,
            }
        }
        let text = &s[bs..be];
        let mut w = Word {
            bs,
            be,
            cs,
            ce,
            possessive: false,
        };
        for suffix in ["’s", "'s"] {
            if text.len() > suffix.len() && text.ends_with(suffix) {
                w.be -= suffix.len();
                w.ce -= 2;
                w.possessive = true;
            }
        }
        if !w.possessive && text.ends_with('s') && s[be..].starts_with('’') {
            let after = s[be + '’'.len_utf8()..].chars().next();
            if after.is_none_or(|c| !c.is_alphanumeric()) && text.len() > 3 {
                // `allies’` as a plural possessive only when a lower-case word follows, which a
                // closing quote rarely has; left to the quote scanner otherwise.
                w.possessive = s[be + '’'.len_utf8()..]
                    .trim_start()
                    .starts_with(|c: char| c.is_lowercase());
            }
        }
        out.push(w);
    }
    out
}

/// The word starting at character `cs` (`words` in order).
pub fn word_starting_at(words: &[Word], cs: usize) -> Option<usize> {
    words.binary_search_by_key(&cs, |w| w.cs).ok()
}

/// The word ending at character `ce` (`words` in order).
pub fn word_ending_at(words: &[Word], ce: usize) -> Option<usize> {
    words.binary_search_by_key(&ce, |w| w.ce).ok()
}

/// Verbs that report speech or a stance; their subject holds the stance of the sentence.
pub const REPORTING_VERBS: &[&str] = &[
    "say",
    "says",
    "said",
    "tell",
    "tells",
    "told",
    "add",
    "adds",
    "added",
    "warn",
    "warns",
    "warned",
    "accuse",
    "accuses",
    "accused",
    "criticise",
    "criticises",
    "criticised",
    "criticize",
    "criticizes",
    "criticized",
    "praise",
    "praises",
    "praised",
    "urge",
    "urges",
    "urged",
    "call",
    "calls",
    "called",
    "describe",
    "describes",
    "described",
    "insist",
    "insists",
    "insisted",
    "argue",
    "argues",
    "argued",
    "claim",
    "claims",
    "claimed",
    "deny",
    "denies",
    "denied",
    "condemn",
    "condemns",
    "condemned",
    "welcome",
    "welcomes",
    "welcomed",
    "announce",
    "announces",
    "announced",
    "stress",
    "stresses",
    "stressed",
    "note",
    "notes",
    "noted",
    "reject",
    "rejects",
    "rejected",
    "blame",
    "blames",
    "blamed",
    "thank",
    "thanks",
    "thanked",
    "hail",
    "hails",
    "hailed",
    "dismiss",
    "dismisses",
    "dismissed",
    "denounce",
    "denounces",
    "denounced",
    "slam",
    "slams",
    "slammed",
    "vow",
    "vows",
    "vowed",
    "pledge",
    "pledges",
    "pledged",
    "promise",
    "promises",
    "promised",
    "demand",
    "demands",
    "demanded",
    "endorse",
    "endorses",
    "endorsed",
    "back",
    "backs",
    "backed",
    "support",
    "supports",
    "supported",
    "oppose",
    "opposes",
    "opposed",
    "question",
    "questions",
    "questioned",
    "ask",
    "asks",
    "asked",
    "write",
    "writes",
    "wrote",
    "tweet",
    "tweeted",
    "posted",
    "states",
    "stated",
    "declare",
    "declares",
    "declared",
    "acknowledge",
    "acknowledged",
    "admit",
    "admits",
    "admitted",
    "suggest",
    "suggests",
    "suggested",
    "propose",
    "proposed",
    "reiterate",
    "reiterated",
    "repeat",
    "repeated",
    "emphasise",
    "emphasised",
    "emphasize",
    "emphasized",
    "complain",
    "complained",
    "applaud",
    "applauded",
    "congratulate",
    "congratulated",
    "commend",
    "commended",
    "laud",
    "lauded",
    "caution",
    "cautioned",
    "threaten",
    "threatens",
    "threatened",
    "pressed",
    "appeal",
    "appealed",
    "defend",
    "defended",
    "reaffirm",
    "reaffirmed",
    "affirm",
    "affirmed",
    "confirm",
    "confirmed",
    "responded",
    "replied",
    "explain",
    "explained",
    "predict",
    "predicted",
    "believe",
    "believes",
    "think",
    "thinks",
    "agree",
    "agreed",
    "disagree",
    "disagreed",
    "recognise",
    "recognised",
    "recognize",
    "recognized",
    "protest",
    "protested",
    "lament",
    "lamented",
    "decry",
    "decried",
    "ridicule",
    "ridiculed",
    "mock",
    "mocked",
    "assure",
    "assured",
    "concede",
    "conceded",
    "allege",
    "alleged",
    "charge",
    "charged",
    "pushed",
    "lobbied",
    "revealed",
    "reported",
    "reports",
    "indicated",
    "observed",
    "recommended",
    "seconded",
    "expressed",
    "spoke",
    "alleges",
];

/// Verbs that may come before their subject after a quote (`’ said Wang`).
pub const INVERTING_VERBS: &[&str] = &[
    "said",
    "says",
    "added",
    "adds",
    "asked",
    "asks",
    "wrote",
    "writes",
    "noted",
    "notes",
    "continued",
    "insisted",
    "argued",
    "warned",
    "explained",
    "told",
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

/// Nouns for an office or a spokesperson after a possessive (`Lee’s office said`,
/// `China’s foreign ministry said`): the possessor holds the stance.
pub const ROLE_WORDS: &[&str] = &[
    "office",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "spokespeople",
    "foreign",
    "ministry",
    "minister",
    "government",
    "embassy",
    "top",
    "diplomat",
    "envoy",
    "special",
    "president",
    "prime",
    "leader",
    "leadership",
    "state",
    "media",
    "military",
    "army",
    "defence",
    "defense",
    "officials",
    "official",
    "chief",
    "ambassador",
    "representative",
    "mission",
    "delegation",
    "negotiator",
    "negotiators",
    "policy",
    "senior",
    "deputy",
    "press",
    "secretary",
    "team",
    "campaign",
    "aides",
    "aide",
    "adviser",
    "advisers",
    "advisor",
    "cabinet",
    "council",
    "party",
    "administration",
    "staff",
    "representatives",
    "head",
    "department",
    "service",
    "agency",
];

/// Capitalised words that start sentences far more often than they name anyone: a family name
/// spelled the same is not resolved at a sentence start (`He said`, `May I`).
pub const COMMON_AT_START: &[&str] = &[
    "He", "She", "It", "We", "They", "I", "You", "May", "Will", "Hope", "Bush", "Long", "Little",
    "Young", "King", "Rich", "Price", "Rice", "Brown", "Black", "White", "Green", "Sun", "Moon",
    "Li", "Lin", "An", "Do", "Can", "Park", "Case", "Page", "Love", "Best",
];

/// Capitalised words that are not names (sentence openers, pronouns, days, plural nouns that
/// open sentences).
pub const NOT_NAMES: &[&str] = &[
    "The",
    "A",
    "An",
    "This",
    "That",
    "These",
    "Those",
    "In",
    "On",
    "At",
    "After",
    "Before",
    "But",
    "And",
    "Or",
    "If",
    "As",
    "For",
    "From",
    "With",
    "While",
    "When",
    "Where",
    "He",
    "She",
    "It",
    "We",
    "They",
    "I",
    "His",
    "Her",
    "Its",
    "Their",
    "Our",
    "Former",
    "Mr",
    "Mrs",
    "Ms",
    "Dr",
    "Analysts",
    "Officials",
    "Critics",
    "Experts",
    "According",
    "Asked",
    "Speaking",
    "Opposition",
    "Environmental",
    "Small",
    "Delegates",
    "Negotiators",
    "Markets",
    "Many",
    "Some",
    "Several",
    "Both",
    "Neither",
    "Every",
    "Each",
    "Other",
    "Meanwhile",
    "However",
    "Instead",
    "During",
    "Despite",
    "Under",
    "Over",
    "Why",
    "What",
    "How",
    "Who",
    "There",
    "Later",
    "Earlier",
    "Then",
    "Also",
    "Now",
    "Still",
    "Yet",
    "So",
    "Today",
    "Yesterday",
    "Last",
    "Next",
    "Separately",
    "Elsewhere",
    "Asked",
    "Since",
    "Until",
    "Although",
    "Though",
    "Once",
    "Even",
    "Only",
    "Not",
    "No",
    "Yes",
    "Such",
    "Like",
    "Unlike",
    "Among",
    "Between",
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

/// A filler between a subject and its verb (a word of [`FILLERS`] or a day).
pub fn is_filler(w: &str) -> bool {
    FILLERS.contains(&w) || WEEKDAYS.contains(&w)
}

/// A capitalised word that is not a name (a word of [`NOT_NAMES`] or a day).
pub fn is_not_name(w: &str) -> bool {
    NOT_NAMES.contains(&w) || WEEKDAYS.contains(&w)
}

pub fn is_pronoun(w: &str) -> bool {
    matches!(w, "he" | "she" | "He" | "She")
}

/// `him`/`her` after a preposition (`according to him`).
pub fn is_object_pronoun(w: &str) -> bool {
    matches!(w, "him" | "her")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<(&str, bool)> {
        words(s).iter().map(|w| (w.text(s), w.possessive)).collect()
    }

    #[test]
    fn words_possessives_and_offsets() {
        let s = "Wang’s remarks: Lee Jae-myung's U.S. trip — allies’ views, ‘sides’.";
        assert_eq!(
            texts(s),
            vec![
                ("Wang", true),
                ("remarks", false),
                ("Lee", false),
                ("Jae-myung", true),
                ("U.S", false),
                ("trip", false),
                ("allies", true),
                ("views", false),
                ("sides", false),
            ]
        );
        let chars: Vec<char> = s.chars().collect();
        for w in words(s) {
            assert_eq!(chars[w.cs..w.ce].iter().collect::<String>(), w.text(s));
        }
        assert!(words("").is_empty());
        assert!(words("— … ’’").is_empty());
    }
}
