//! Places named only as the setting of what a sentence reports (`talks in Doha`, `travelled to
//! Oslo`, `a summit in Abuja`) are venues, not actors: they are taken out of a sentence's
//! mentions (kept in [`Sentence::venues`] for `mentions` to show) and are neither scored nor
//! holders.
//!
//! A mention is a venue when all of these hold:
//! - it names a place: a country or region, or a one-word place alias of an organisation
//!   (`Brussels`), not a possessive (`in China’s capital` stays);
//! - a locative preposition stands right before it (`the` may stand between): `in`/`at` after a
//!   word of meeting, visiting or being somewhere (`met … in`, `talks in`, `based in`), `to`/`for`
//!   after a word of travelling (`travelled to`, `visit to`, `left for`), `from` after one of
//!   coming back or speaking (`returned from`, `speaking from`);
//! - that word is among the few words before the preposition, with no comma and no word of a
//!   party's own affairs between (`the crackdown in Iran`, `the war in Ukraine`, `elections in
//!   Venezuela` keep their place as an actor).
//!
//! Besides: a country after a place that is a venue (`in Wuhan, China`), places visited or left
//! (`visits Kuwait`), only near or in a direction (`near the Seychelles`), where an organisation
//! works (`Amnesty International in Australia`), and both ends of a journey (`from Kuwait to South
//! Africa`).
//!
//! A place that is the subject or object of a verb is never after a preposition, so it stays an
//! actor (`Oslo rejected the plan`, `sanctions against Iran`).

use super::actors::{self, overlaps_any, Mention};
use super::lexicon::{
    AFFAIRS, FROM_CUES, LOCATING_BEFORE_OF, OFFICIALS, PREPOSITIONS, SETTING_CUES, TRAVEL_CUES,
    VISIT_VERBS,
};
use super::sentence::{ActorTable, Sentence};
use super::words::{
    between, last_word_before, word_after_name, word_ending_at, word_starting_at, Word,
};

/// How many words may stand between the cue and the preposition (`met Russian President
/// Vladimir Putin on Monday in Moscow`).
const MAX_GAP: usize = 8;

/// Moves the venues of every sentence from `mentions` to `venues` (before holders are found).
pub fn separate(sentences: &mut [Sentence], table: &ActorTable) {
    for sent in sentences.iter_mut() {
        let mut flags: Vec<bool> = Vec::with_capacity(sent.mentions.len());
        for (i, m) in sent.mentions.iter().enumerate() {
            let v = is_place(m, table)
                && (is_city_setting(&sent.text, &sent.words, &sent.mentions, i, table)
                    || is_venue(&sent.text, &sent.words, &sent.mentions, table, m, &flags));
            flags.push(v);
        }
        if !flags.iter().any(|&v| v) {
            continue;
        }
        let mentions = std::mem::take(&mut sent.mentions);
        for (m, venue) in mentions.into_iter().zip(flags) {
            if venue {
                sent.venues.push(m);
            } else {
                sent.mentions.push(m);
            }
        }
    }
}

/// A country or region, or an organisation's one-word place alias (`Brussels`, not `NATO`).
fn is_place(m: &Mention, table: &ActorTable) -> bool {
    let a = table.get(m.actor);
    match a.kind.as_str() {
        "country" | "region" => true,
        "organisation" => {
            let t = m.text.as_str();
            !t.contains(' ')
                && t.chars().skip(1).any(char::is_lowercase)
                && a.aliases.iter().any(|x| x == t)
        }
        _ => false,
    }
}

/// A country's city named as a location: right after `in`, `near`, `outside`, `inside` or
/// `around` (`was born in Paris`, `a hospital in New Delhi`; not `at`, as in `aimed at
/// Washington`), unless officials or a place's own affairs stand just before the preposition
/// (`officials in Beijing said`, `protests in Baghdad`); or a city and its own country together
/// (`to Berlin, Germany`), both of them. Unlike a country's name, a city after `in` is seldom
/// the party a sentence speaks of.
fn is_city_setting(
    s: &str,
    w: &[Word],
    mentions: &[Mention],
    i: usize,
    table: &ActorTable,
) -> bool {
    let m = &mentions[i];
    let is_city = |k: usize| table.get(mentions[k].actor).is_city(&mentions[k].text);
    // `City, Country` of one actor, the two names next to each other.
    let city_and_country = |a: usize, b: usize| {
        let (x, y) = (&mentions[a], &mentions[b]);
        x.actor == y.actor
            && is_city(a)
            && !is_city(b)
            && word_ending_at(w, x.span.end)
                .zip(word_starting_at(w, y.span.start))
                .is_some_and(|(x, y)| y == x + 1 && between(s, w, x, y) == ", ")
    };
    if i > 0 && city_and_country(i - 1, i) || i + 1 < mentions.len() && city_and_country(i, i + 1) {
        return true;
    }
    if !is_city(i) {
        return false;
    }
    let Some(p) = word_starting_at(w, m.span.start).and_then(|first| first.checked_sub(1)) else {
        return false;
    };
    // `in the capital city of Tripoli`, `the capital city Tehran`, `the city of Aden`.
    let q = if w[p].text(s) == "of" && p > 0 {
        p - 1
    } else {
        p
    };
    if matches!(w[q].text(s), "city" | "capital")
        && !gap_breaks(s, w, q + 1)
        && !gap_breaks(s, w, p + 1)
    {
        // Unless the place's own affairs happen there (`protests … in the Serbian capital`).
        return !clause_words_before(s, w, q, 10)
            .any(|t| AFFAIRS.contains(&t.as_str()) || OFFICIALS.contains(&t.as_str()));
    }
    let preposition = w[p].text(s).to_lowercase();
    if !matches!(
        preposition.as_str(),
        "in" | "near" | "outside" | "inside" | "around"
    ) || gap_breaks(s, w, p + 1)
    {
        return false;
    }
    // Officials or affairs among the few words before the preposition, in the same clause.
    !clause_words_before(s, w, p, 4)
        .any(|t| AFFAIRS.contains(&t.as_str()) || OFFICIALS.contains(&t.as_str()))
}

/// `earlier`: the venue flags of the sentence's mentions before `m`.
fn is_venue(
    s: &str,
    w: &[Word],
    mentions: &[Mention],
    table: &ActorTable,
    m: &Mention,
    earlier: &[bool],
) -> bool {
    let Some(first) = word_starting_at(w, m.span.start) else {
        return false;
    };
    // `in Wuhan, China`, `in Baghdad, Iraq`: the country after a place that is a venue.
    if first >= 2 && between(s, w, first - 1, first) == ", " && w[first - 1].is_capitalised(s) {
        let place = place_name_start(s, w, mentions, first - 1);
        let p = place.checked_sub(1);
        // `in Ciudad Guayana, Venezuela`, `between the field and Thesprotia, Greece`.
        let after_locative = p.is_some_and(|p| {
            matches!(w[p].text(s), "in" | "at" | "to" | "from" | "near" | "and")
                && between(s, w, p, place) == " "
        });
        // The mention's last word (`Saudi Arabia`, `New Zealand` are two).
        let last = word_ending_at(w, m.span.end).unwrap_or(first);
        // The clause ends after the country, or a setting's word follows (`, Greece, where`,
        // `, New Zealand yesterday`, `, Italy in 2000`).
        let ends_clause = w.get(last + 1).is_none_or(|n| {
            s[w[last].bytes.end..n.bytes.start].contains([',', '.', ';', '—', '–'])
                || matches!(n.text(s), "where" | "yesterday" | "today" | "on" | "in")
        });
        // After a venue, a place that modifies the next word starts a phrase of its own (`in
        // Riyadh, US envoy Brian Hook said`), unlike the next item of a list (`in Australia,
        // Brazil and Canada`, `at Brasília, Brazil in 2000`, `in Niamey, Niger’s capital`).
        let modifies_next = opens_phrase(s, w, m);
        // Not a list of countries (`in Australia, Brazil, Canada`): the place before is a
        // venue already, or a name the gazetteer does not have.
        let place_is_mention =
            overlaps_any(mentions, w[place].chars) && earlier.last() != Some(&true);
        if (after_locative && ends_clause || earlier.last() == Some(&true) && !modifies_next)
            && !place_is_mention
        {
            return true;
        }
    }
    let last = w.partition_point(|x| x.chars.end <= m.span.end.saturating_sub(1));
    if w.get(last).is_some_and(|x| x.possessive) || m.text.ends_with(['’', '\'']) {
        return false;
    }
    // `a Berlin-based non-profit`: a place in a compound that locates something.
    let after = &s[w[first].bytes.start..];
    let rest = after.get(m.text.len()..).unwrap_or("");
    if ["-based", "–based"].iter().any(|b| rest.starts_with(b)) {
        return true;
    }
    if visited_or_left(s, w, first, m)
        || located_near(s, w, first, m)
        || journey_end(s, w, mentions, first, m)
        || locates_organisation(s, w, mentions, table, first, m)
    {
        return true;
    }
    if continues_venue_list(s, w, mentions, m, earlier) {
        return true;
    }
    // The preposition, with `the` between it and the name.
    let Some(p) = word_before(s, w, first, m) else {
        return false;
    };
    if gap_breaks(s, w, p + 1) {
        return false;
    }
    // Travel and `from` cues stand close to their preposition (`visit to`, `returned from`).
    let (cues, near): (&[&str], usize) = match w[p].text(s).to_lowercase().as_str() {
        "in" | "at" | "inside" => (SETTING_CUES, MAX_GAP),
        "to" | "for" => (TRAVEL_CUES, 4),
        "from" => (FROM_CUES, 4),
        _ => return false,
    };
    // The cue among the words before the preposition, in the same clause, before any word of
    // the place's own affairs.
    clause_words_before(s, w, p, near)
        .find_map(|t| {
            if cues.contains(&t.as_str()) {
                Some(true)
            } else if AFFAIRS.contains(&t.as_str()) {
                Some(false)
            } else {
                None
            }
        })
        .unwrap_or(false)
}

/// Where the name of a place that ends at word `last` starts: up to three capitalised words,
/// joined by single spaces, none of them a mention (`Rote Island`, `Christchurch District
/// Court`).
fn place_name_start(s: &str, w: &[Word], mentions: &[Mention], last: usize) -> usize {
    let mut start = last;
    while start > 0
        && last - start < 2
        && w[start - 1].is_capitalised(s)
        && between(s, w, start - 1, start) == " "
        && !overlaps_any(mentions, w[start - 1].chars)
    {
        start -= 1;
    }
    start
}

/// Words of a journey or a cargo besides the travel cues (`carrying cargo from Kuwait to …`).
const JOURNEY_WORDS: &[&str] = &[
    "cargo",
    "carrying",
    "carried",
    "shipment",
    "shipped",
    "ship",
    "boat",
    "plane",
    "smugglers",
    "smuggled",
    "en-route",
];

/// Lower-case words ending in `ly` that are nouns, not adverbs (`US ally Japan`).
const LY_NOUNS: &[&str] = &[
    "ally", "rally", "family", "supply", "assembly", "daily", "monopoly", "reply", "anomaly",
    "bully",
];

/// `carrying cargo from Kuwait to South Africa`: the places a journey or a cargo goes from and
/// to are both venues (not `into`: `rockets fired into Israel from Gaza` strike a party).
fn journey_end(s: &str, w: &[Word], mentions: &[Mention], first: usize, m: &Mention) -> bool {
    let Some(p) = word_before(s, w, first, m).filter(|&p| !gap_breaks(s, w, p + 1)) else {
        return false;
    };
    let prep = w[p].text(s);
    let other_end = match prep {
        "from" => &["to"][..],
        "to" => &["from"][..],
        _ => return false,
    };
    if !names_the_place(s, w, m) {
        return false;
    }
    // A journey's or a cargo's words before the preposition (not `switched recognition from
    // Taiwan to China`).
    let moving = clause_words_before(s, w, p, 12).any(|t| {
        TRAVEL_CUES.contains(&t.as_str())
            || FROM_CUES.contains(&t.as_str())
            || JOURNEY_WORDS.contains(&t.as_str())
    });
    if !moving {
        return false;
    }
    // The other end: right after this place, or the place before this one's preposition.
    let last = word_ending_at(w, m.span.end).unwrap_or(first);
    // A place: a mention, or a capitalised name the gazetteer does not have (`to Detroit`).
    let place_at = |k: usize| {
        k < w.len()
            && (actors::mention_starting_at(mentions, w[k].chars.start).is_some()
                || w[k].is_capitalised(s))
            && !gap_breaks(s, w, k)
    };
    let after = w
        .get(last + 1)
        .is_some_and(|n| other_end.contains(&n.text(s)))
        && !gap_breaks(s, w, last + 1)
        && (place_at(last + 2)
            || w.get(last + 2).is_some_and(|x| x.text(s) == "the") && place_at(last + 3));
    let before = p >= 2 && {
        // `from Kuwait to South Africa`: the mention before `to` follows `from`.
        let prev = actors::mention_ending_at(mentions, w[p - 1].chars.end);
        prev.and_then(|k| word_starting_at(w, mentions[k].span.start))
            .and_then(|f| f.checked_sub(1))
            .is_some_and(|q| other_end.contains(&w[q].text(s)))
    };
    after || before
}

/// The word before a place's first word `first`, past a `the` that is not part of its name.
fn word_before(s: &str, w: &[Word], first: usize, m: &Mention) -> Option<usize> {
    let p = first.checked_sub(1)?;
    if w[p].text(s).eq_ignore_ascii_case("the") && !m.text.starts_with("the") {
        return p.checked_sub(1).filter(|&q| !gap_breaks(s, w, q + 1));
    }
    Some(p)
}

/// `the Red Cross in Kenya`, `Amnesty International in Australia`: a place right after an
/// organisation and `in` says where that organisation works; the organisation is the party.
fn locates_organisation(
    s: &str,
    w: &[Word],
    mentions: &[Mention],
    table: &ActorTable,
    first: usize,
    m: &Mention,
) -> bool {
    let Some(p) = word_before(s, w, first, m) else {
        return false;
    };
    if w[p].text(s) != "in" || p == 0 || gap_breaks(s, w, p + 1) || gap_breaks(s, w, p) {
        return false;
    }
    let org_before = actors::mention_ending_at(mentions, w[p - 1].chars.end)
        .is_some_and(|k| table.get(mentions[k].actor).kind == "organisation");
    org_before && names_the_place(s, w, m)
}

/// `visits Canada`, `left the UK`, `an attempt to visit Japan`: the place is the object of a
/// verb of visiting or leaving, so where someone goes or went from.
fn visited_or_left(s: &str, w: &[Word], first: usize, m: &Mention) -> bool {
    // Troops or forces that leave a country are a party to its affairs (`US troops left Iraq`).
    word_before(s, w, first, m).is_some_and(|p| {
        !gap_breaks(s, w, p + 1)
            && VISIT_VERBS.contains(&w[p].text(s).to_lowercase().as_str())
            && !clause_words_before(s, w, p, 4).any(|t| AFFAIRS.contains(&t.as_str()))
    }) && names_the_place(s, w, m)
}

/// The mention is the place itself, not a modifier of the next noun (`outside the U.S.
/// interests section`) nor a body named after it (`the U.S. government`).
fn names_the_place(s: &str, w: &[Word], m: &Mention) -> bool {
    let Some(last) = last_word_before(w, m.span.end) else {
        return false;
    };
    let body = w[last].text(s).starts_with(char::is_lowercase);
    // A lower-case noun after the place makes it a modifier; an adverb does not (`leaving
    // Uganda voluntarily`).
    let modifies_next = phrase_word_after(s, w, m).is_some_and(|n| {
        let t = n.text(s);
        let adverb = t.ends_with("ly") && !LY_NOUNS.contains(&t);
        t.starts_with(char::is_lowercase) && !adverb
    });
    !body && !modifies_next
}

/// The word after mention `m` that continues a phrase with it (`US envoy`, `U.S. President`),
/// not one that ends a list item (`Brazil and`, `Brazil in 2000`).
fn phrase_word_after<'a>(s: &str, w: &'a [Word], m: &Mention) -> Option<&'a Word> {
    word_after_name(s, w, m.span.end)
        .map(|k| &w[k])
        .filter(|n| !matches!(n.text(s), "and" | "or") && !PREPOSITIONS.contains(&n.text(s)))
}

/// The mention opens a phrase with the next word (`US envoy`, `in Riyadh, US envoy Brian Hook`).
fn opens_phrase(s: &str, w: &[Word], m: &Mention) -> bool {
    phrase_word_after(s, w, m).is_some()
}

/// `near the Seychelles`, `outside (of) North Korea`, `southeast of Somalia`, `offshore of
/// Turkey`, `off the coast of Yemen`: a place that only locates something.
fn located_near(s: &str, w: &[Word], first: usize, m: &Mention) -> bool {
    let Some(p) = word_before(s, w, first, m).filter(|&p| !gap_breaks(s, w, p + 1)) else {
        return false;
    };
    if !names_the_place(s, w, m) {
        return false;
    }
    let t = w[p].text(s).to_lowercase();
    if matches!(t.as_str(), "near" | "outside" | "offshore") {
        return true;
    }
    // `X of PLACE`: a direction or a coast, not after `the` (`the north of Syria` is Syria's).
    t == "of"
        && p >= 1
        && !gap_breaks(s, w, p)
        && LOCATING_BEFORE_OF.contains(&w[p - 1].text(s).to_lowercase().as_str())
        && (p < 2 || !w[p - 2].text(s).eq_ignore_ascii_case("the") || w[p - 1].text(s) == "coast")
}

/// `visits Kuwait, Bahrain, the United Arab Emirates, Saudi Arabia, and Egypt`: the next item of
/// a list whose previous item is a venue (only commas, `and`, `or`, `the` between), unless it
/// opens a phrase of its own (`in Doha, Iran said`).
fn continues_venue_list(
    s: &str,
    w: &[Word],
    mentions: &[Mention],
    m: &Mention,
    earlier: &[bool],
) -> bool {
    let i = earlier.len();
    if i == 0 || !earlier[i - 1] {
        return false;
    }
    let (Some(pe), Some(first)) = (
        last_word_before(w, mentions[i - 1].span.end),
        word_starting_at(w, m.span.start),
    ) else {
        return false;
    };
    let gap_words_ok = w[pe + 1..first]
        .iter()
        .all(|x| matches!(x.text(s), "and" | "or" | "the"));
    let listed = pe < first
        && gap_words_ok
        && between(s, w, pe, first).contains([',', ' '])
        && !between(s, w, pe, first).contains([';', ':', '(', ')', '“', '”', '"']);
    listed && !opens_phrase(s, w, m) && !w[pe].possessive
}

/// Up to `n` words before word `p`, nearest first and lower-cased, stopping at a clause break
/// ([`gap_breaks`]).
fn clause_words_before<'a>(
    s: &'a str,
    w: &'a [Word],
    p: usize,
    n: usize,
) -> impl Iterator<Item = String> + 'a {
    (0..p)
        .rev()
        .take(n)
        .take_while(move |&x| !gap_breaks(s, w, x + 1))
        .map(move |x| w[x].text(s).to_lowercase())
}

/// A comma, semicolon, colon, dash, bracket or quote mark between word `x - 1` and word `x`.
fn gap_breaks(s: &str, w: &[Word], x: usize) -> bool {
    x > 0
        && x < w.len()
        && between(s, w, x - 1, x)
            .contains([',', ';', ':', '—', '–', '(', ')', '“', '”', '"', '‘', '’'])
}

#[cfg(test)]
mod tests {
    use crate::text::actors::Gazetteer;
    use crate::text::document::{analyse, MentionOptions};

    /// (actors, venues) of each sentence, by surface text.
    fn split(text: &str) -> Vec<(Vec<String>, Vec<String>)> {
        let g = Gazetteer::default_international().unwrap();
        let a = analyse(text, &g, &MentionOptions::default());
        a.sentences
            .iter()
            .map(|s| {
                (
                    s.mentions.iter().map(|m| m.text.clone()).collect(),
                    s.venues.iter().map(|m| m.text.clone()).collect(),
                )
            })
            .collect()
    }

    fn strs(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    /// Each case's first sentence has these venues: (text, venues).
    fn check_venues(cases: &[(&str, &[&str])]) {
        for (text, venues) in cases {
            assert_eq!(split(text)[0].1, strs(venues), "{text}");
        }
    }

    /// Each case's first sentence has these actors and venues: (text, actors, venues).
    fn check_actors_and_venues(cases: &[(&str, &[&str], &[&str])]) {
        for (text, actors, venues) in cases {
            assert_eq!(split(text)[0], (strs(actors), strs(venues)), "{text}");
        }
    }

    #[test]
    fn meeting_places_and_destinations_are_venues() {
        check_actors_and_venues(&[(
            "EU foreign ministers will meet in Luxembourg on Monday, and Blinken travels to Oslo next week.",
            &["EU", "Blinken"],
            &["Luxembourg", "Oslo"],
        )]);
        check_venues(&[
            ("Chinese President Xi Jinping met Russian President Vladimir Putin on Tuesday in Moscow.", &["Moscow"]),
            ("Ceasefire talks in Doha resumed after Blinken returned from Cairo.", &["Doha", "Cairo"]),
            ("Leaders gathered at a summit in Brussels.", &["Brussels"]),
            // A country after a city that is the setting.
            ("Two visitors died in Wuhan, China, and the embassy in Baghdad, Iraq, closed.", &["China", "Baghdad", "Iraq"]),
            // A country of two words ends the clause after its last one.
            ("Pilgrims died near Mecca, Saudi Arabia, and in Auckland, New Zealand.", &["Saudi Arabia", "New Zealand"]),
        ]);
    }

    #[test]
    fn the_ends_of_a_journey_and_a_place_named_with_its_country_are_venues() {
        check_venues(&[
            (
                "The ship was carrying cargo from Kuwait to South Africa.",
                &["Kuwait", "South Africa"],
            ),
            (
                "The navy towed the boats back to Rote Island, Indonesia, after a week.",
                &["Indonesia"],
            ),
            (
                "The pipeline ends between the gas field and Thesprotia, Greece, where it merges.",
                &["Greece"],
            ),
            // The other end need not be a gazetteer name; an adverb after a place modifies nothing.
            (
                "The flight was traveling from Amsterdam to Detroit.",
                &["Amsterdam"],
            ),
            (
                "The refugees were returning home, leaving Uganda voluntarily.",
                &["Uganda"],
            ),
            (
                "There are more than 20,000 Mauritanian refugees in Senegal.",
                &["Senegal"],
            ),
            // No journey without a word of travel or cargo; `ally` is a noun, not an adverb.
            (
                "Panama switched diplomatic recognition from Taiwan to China.",
                &[],
            ),
            ("Pompeo visited US ally Japan on Monday.", &[]),
            // Strikes into a country are its affairs, and a list of countries stays.
            ("Rockets were fired into Israel from Gaza.", &[]),
            ("The envoy praised Obama, China and Russia.", &[]),
        ]);
    }

    #[test]
    fn places_that_are_parties_stay_actors() {
        // Subject and object of a stance verb.
        check_actors_and_venues(&[(
            "Oslo rejected the plan and Blinken criticised Luxembourg.",
            &["Oslo", "Blinken", "Luxembourg"],
            &[],
        )]);
        check_venues(&[
            // A place's own affairs, also after a meeting word.
            (
                "Blinken spoke about the crackdown in Iran and the war in Ukraine.",
                &[],
            ),
            ("Observers criticised the elections in Venezuela.", &[]),
            // `to` without travel, a possessive, and a comma between the cue and the place.
            (
                "Putin offered support to Beijing; he met leaders in China’s capital.",
                &[],
            ),
            ("The ministers met, and in Iran protests continued.", &[]),
        ]);
    }

    #[test]
    fn a_city_after_in_is_where_something_happens() {
        check_actors_and_venues(&[
            ("The minister was born in 1952 in Paris.", &[], &["Paris"]),
            (
                "He died at a hospital in New Delhi, and Beijing mourned him.",
                &["Beijing"],
                &["New Delhi"],
            ),
        ]);
        // A city and its own country: both name one place.
        check_venues(&[
            (
                "Navalny was airlifted from Omsk to Berlin, Germany.",
                &["Berlin", "Germany"],
            ),
            (
                "The plane brought meat from Bishkek, Kyrgyzstan.",
                &["Bishkek", "Kyrgyzstan"],
            ),
        ]);
    }

    #[test]
    fn a_city_that_stands_for_its_state_stays_an_actor() {
        check_actors_and_venues(&[
            // Officials or a place's own affairs before the preposition.
            (
                "Officials in Beijing said the plan would fail.",
                &["Beijing"],
                &[],
            ),
            (
                "Anti-government protests continue in Baghdad.",
                &["Baghdad"],
                &[],
            ),
            // Subject, object, `at` and a country's name after `in` (not a city).
            (
                "Beijing rejected the plan aimed at Washington.",
                &["Beijing", "Washington"],
                &[],
            ),
        ]);
        check_venues(&[
            ("Observers criticised human rights in China.", &[]),
            // A list of two countries' capitals is no city-and-country pair.
            ("Envoys from Paris, Berlin and Rome met.", &[]),
        ]);
    }

    #[test]
    fn a_place_after_a_venue_that_modifies_the_next_word_is_no_list_item() {
        check_venues(&[
            // `US envoy` opens the subject after the venue.
            (
                "At a press conference in Saudi Arabia, US envoy Brian Hook said Iraq was wrong.",
                &["Saudi Arabia"],
            ),
            // Items of a list of places stay venues: before `and`, a preposition, or as a
            // possessive.
            (
                "The summits were held at Brasília, Brazil in September 2000.",
                &["Brasília", "Brazil"],
            ),
        ]);
        let got = split("The envoys met in Saudi Arabia, Qatar, Oman and the Emirates.");
        assert_eq!(got[0].1[..3], strs(&["Saudi Arabia", "Qatar", "Oman"]));
    }

    #[test]
    fn places_visited_left_or_only_near_are_venues() {
        check_actors_and_venues(&[
            // The object of a verb of visiting, and the items of its list.
            (
                "After Israel, the president visits Kuwait, Bahrain, the United Arab Emirates, and Egypt.",
                &["Israel"],
                &["Kuwait", "Bahrain", "United Arab Emirates", "Egypt"],
            ),
            (
                "Kim has lived outside of North Korea for years and once tried to visit Japan.",
                &[],
                &["North Korea", "Japan"],
            ),
            (
                "Hijackings occur near the Seychelles, islands southeast of Somalia.",
                &[],
                &["Seychelles", "Somalia"],
            ),
            ("She left the UK and returned to the US.", &[], &["UK", "US"]),
            // Troops that leave are a party; a place that modifies a noun, or a body named after
            // it, is no location.
            ("US troops left Iraq in 2011.", &["US", "Iraq"], &[]),
            (
                "Billboards went up outside the U.S. interests section.",
                &["U.S."],
                &[],
            ),
            (
                "The ban drew criticism from outside of the U.S. government.",
                &["U.S. government"],
                &[],
            ),
        ]);
    }

    #[test]
    fn where_people_live_or_organisations_work_is_a_venue() {
        check_actors_and_venues(&[
            (
                "Jenny Leong, co-ordinator of Amnesty International in Australia, criticised Iran.",
                &["Amnesty International", "Iran"],
                &["Australia"],
            ),
            (
                "Kurdi now resides in Iraq; Mugabe was hospitalized in Singapore.",
                &[],
                &["Iraq", "Singapore"],
            ),
            (
                "He died at a hospital in the capital city Tehran; talks went on in the capital city of Tripoli.",
                &[],
                &["Tehran", "Tripoli"],
            ),
            // An abbreviation's full stop does not end a list item (`U.S. President` opens the
            // subject after the venue).
            (
                "The raid was near the capital Islamabad, U.S. President Biden said.",
                &["U.S.", "President Biden"],
                &["Islamabad"],
            ),
            // A capital where the place's own affairs happen stays an actor.
            (
                "Protests have been taking place since Tuesday in the Serbian capital Belgrade.",
                &["Belgrade"],
                &[],
            ),
        ]);
    }
}
