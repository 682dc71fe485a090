//! Label names: the default stance set and the mapping of NewsMTSC polarities.

/// The default label list, in model output order.
pub const DEFAULT_LABELS: [&str; 3] = ["supportive", "neutral", "critical"];
pub const SUPPORTIVE: &str = "supportive";
pub const CRITICAL: &str = "critical";

/// NewsMTSC polarity (2.0 / 4.0 / 6.0) to a stance label.
pub fn from_newsmtsc_polarity(p: f64) -> Option<&'static str> {
    if (p - 2.0).abs() < 1e-9 {
        Some(CRITICAL)
    } else if (p - 4.0).abs() < 1e-9 {
        Some("neutral")
    } else if (p - 6.0).abs() < 1e-9 {
        Some(SUPPORTIVE)
    } else {
        None
    }
}

/// Normalises a label given as a string in a simple data file: trimmed; NewsMTSC numbers
/// ("2", "4.0", "6") map to stance labels; common sentiment synonyms map to the stance names.
pub fn normalise(raw: &str) -> String {
    let t = raw.trim();
    if let Ok(p) = t.parse::<f64>() {
        if let Some(l) = from_newsmtsc_polarity(p) {
            return l.to_string();
        }
    }
    match t.to_ascii_lowercase().as_str() {
        "positive" | "pos" => SUPPORTIVE.to_string(),
        "negative" | "neg" => CRITICAL.to_string(),
        "neutral" | "neu" => "neutral".to_string(),
        "supportive" | "critical" => t.to_ascii_lowercase(),
        _ => t.to_string(),
    }
}

/// The label list for a training set: the default order when the labels are a subset of the
/// stance set, otherwise the labels sorted by name (stable, independent of file order).
pub fn label_list<'a>(labels: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut set: Vec<String> = Vec::new();
    for l in labels {
        if !set.iter().any(|s| s == l) {
            set.push(l.to_string());
        }
    }
    if set.iter().all(|l| DEFAULT_LABELS.contains(&l.as_str())) {
        DEFAULT_LABELS.iter().map(|s| s.to_string()).collect()
    } else {
        set.sort();
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn polarity_mapping() {
        assert_eq!(from_newsmtsc_polarity(2.0), Some("critical"));
        assert_eq!(from_newsmtsc_polarity(4.0), Some("neutral"));
        assert_eq!(from_newsmtsc_polarity(6.0), Some("supportive"));
        assert_eq!(from_newsmtsc_polarity(5.0), None);
        assert_eq!(normalise(" 6.0 "), "supportive");
        assert_eq!(normalise("Negative"), "critical");
        assert_eq!(normalise("FAVOR"), "FAVOR");
    }
    #[test]
    fn label_lists() {
        assert_eq!(
            label_list(["critical", "neutral"].into_iter()),
            vec!["supportive", "neutral", "critical"]
        );
        assert_eq!(
            label_list(["NONE", "FAVOR", "AGAINST", "FAVOR"].into_iter()),
            vec!["AGAINST", "FAVOR", "NONE"]
        );
    }
}
