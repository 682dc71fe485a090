//! Which language a document is in, so that text the English models cannot read is reported
//! rather than scored with confident, meaningless calls.

/// Fewest letters of a text whose language is judged (shorter ones are taken as English: a
/// sentence or two says too little; at 40, 4 of 9,017 NewsMTSC sentences taken alone were
/// called Afrikaans, Danish, French or German, at 100 one was).
pub const MIN_CHARS: usize = 100;

/// Characters looked at: the start of the document decides.
const SAMPLE_CHARS: usize = 4000;

/// The language of `text` when it is reliably not English: its ISO 639-3 code (`deu`, `fra`,
/// …) and the detector's confidence. `None` for English, for text too short to judge, and
/// whenever the detector is unsure (the document is then scored).
pub fn non_english(text: &str) -> Option<(&'static str, f64)> {
    if text.chars().filter(|c| c.is_alphabetic()).count() < MIN_CHARS {
        return None;
    }
    let sample: String = text.chars().take(SAMPLE_CHARS).collect();
    let info = whatlang::detect(&sample)?;
    (info.is_reliable() && info.lang() != whatlang::Lang::Eng)
        .then(|| (info.lang().code(), info.confidence()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_and_french_are_flagged_english_is_not() {
        let de = "Frankreich lobte die Ukraine für ihre Reformen, und die Regierung in Berlin kündigte weitere Hilfen an. Der Kanzler sprach von einem wichtigen Schritt.";
        let fr = "La France a salué l'Ukraine pour ses réformes, et le gouvernement allemand a annoncé une aide supplémentaire. Le chancelier a parlé d'une étape importante.";
        let en = "France praised Ukraine for its reforms, and the government in Berlin announced further aid on Tuesday. The chancellor called it an important step.";
        assert_eq!(non_english(de).map(|x| x.0), Some("deu"));
        assert_eq!(non_english(fr).map(|x| x.0), Some("fra"));
        assert_eq!(non_english(en), None);
        assert_eq!(
            non_english("Merkel lobt Macron."),
            None,
            "too short to judge"
        );
    }
}
