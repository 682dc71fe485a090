//! Classification metrics over a label list: macro-F1 (F1m), accuracy, F1pn (mean F1 of
//! supportive and critical), per-label precision / recall / F1, confusion matrix.

use crate::io::labels::{CRITICAL, SUPPORTIVE};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LabelScores {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Gold examples of this label.
    pub support: usize,
    /// Predictions of this label.
    pub predicted: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Metrics {
    pub labels: Vec<String>,
    pub count: usize,
    /// Macro-F1 over all labels (labels without gold examples included, as in NewsMTSC).
    pub f1m: f64,
    pub accuracy: f64,
    /// Mean F1 of `supportive` and `critical`, when the label set has both.
    pub f1pn: Option<f64>,
    pub per_label: Vec<LabelScores>,
    /// `confusion[gold][predicted]`, in label order.
    pub confusion: Vec<Vec<usize>>,
}

/// Computes metrics from gold and predicted label indices into `labels`.
pub fn compute(labels: &[String], gold: &[usize], pred: &[usize]) -> Metrics {
    assert_eq!(
        gold.len(),
        pred.len(),
        "gold and predictions differ in length"
    );
    let n = labels.len();
    let mut confusion = vec![vec![0usize; n]; n];
    for (&g, &p) in gold.iter().zip(pred) {
        confusion[g][p] += 1;
    }
    let div = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    let per_label: Vec<LabelScores> = (0..n)
        .map(|c| {
            let tp = confusion[c][c] as f64;
            let support: usize = confusion[c].iter().sum();
            let predicted: usize = confusion.iter().map(|row| row[c]).sum();
            let precision = div(tp, predicted as f64);
            let recall = div(tp, support as f64);
            LabelScores {
                label: labels[c].clone(),
                precision,
                recall,
                f1: div(2.0 * precision * recall, precision + recall),
                support,
                predicted,
            }
        })
        .collect();
    let correct: usize = (0..n).map(|c| confusion[c][c]).sum();
    let f1_of = |name: &str| per_label.iter().find(|s| s.label == name).map(|s| s.f1);
    let f1pn = match (f1_of(SUPPORTIVE), f1_of(CRITICAL)) {
        (Some(a), Some(b)) => Some((a + b) / 2.0),
        _ => None,
    };
    Metrics {
        labels: labels.to_vec(),
        count: gold.len(),
        f1m: div(per_label.iter().map(|s| s.f1).sum(), n as f64),
        accuracy: div(correct as f64, gold.len() as f64),
        f1pn,
        per_label,
        confusion,
    }
}

pub use crate::model::meta::SelectMetric;

impl Metrics {
    /// The metric that selects a model (`None`: F1pn where a label is missing).
    pub fn get(&self, metric: SelectMetric) -> Option<f64> {
        match metric {
            SelectMetric::F1m => Some(self.f1m),
            SelectMetric::Accuracy => Some(self.accuracy),
            SelectMetric::F1pn => self.f1pn,
        }
    }

    /// A human-readable table.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let w = self
            .labels
            .iter()
            .map(|l| l.len())
            .max()
            .unwrap_or(5)
            .max(9);
        s += &format!(
            "examples {}   F1m {:.2}   accuracy {:.2}",
            self.count,
            100.0 * self.f1m,
            100.0 * self.accuracy
        );
        if let Some(f) = self.f1pn {
            s += &format!("   F1pn {:.2}", 100.0 * f);
        }
        s += "\n\n";
        s += &format!(
            "{:<w$}  {:>9}  {:>9}  {:>9}  {:>8}\n",
            "label", "precision", "recall", "F1", "support"
        );
        for l in &self.per_label {
            s += &format!(
                "{:<w$}  {:>9.2}  {:>9.2}  {:>9.2}  {:>8}\n",
                l.label,
                100.0 * l.precision,
                100.0 * l.recall,
                100.0 * l.f1,
                l.support
            );
        }
        s += &format!("\nconfusion (rows: gold, columns: predicted)\n{:<w$}", "");
        for l in &self.labels {
            s += &format!("  {:>w$}", l);
        }
        s += "\n";
        for (g, row) in self.confusion.iter().enumerate() {
            s += &format!("{:<w$}", self.labels[g]);
            for c in row {
                s += &format!("  {:>w$}", c);
            }
            s += "\n";
        }
        s
    }
}

#[cfg(test)]
mod select_tests {
    use super::SelectMetric;

    #[test]
    fn select_names_read_as_checkpoints_and_metadata_wrote_them() {
        for (name, want) in [
            ("\"f1m\"", SelectMetric::F1m),
            ("\"accuracy\"", SelectMetric::Accuracy),
            ("\"acc\"", SelectMetric::Accuracy),
            ("\"f1pn\"", SelectMetric::F1pn),
        ] {
            assert_eq!(serde_json::from_str::<SelectMetric>(name).unwrap(), want);
        }
        assert!(serde_json::from_str::<SelectMetric>("\"loss\"").is_err());
        assert_eq!(
            serde_json::to_string(&SelectMetric::F1pn).unwrap(),
            "\"f1pn\""
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn labels() -> Vec<String> {
        ["supportive", "neutral", "critical"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn hand_computed_case() {
        // gold:  S S S N N C C C C C
        // pred:  S S N N C C C C S N
        let gold = [0, 0, 0, 1, 1, 2, 2, 2, 2, 2];
        let pred = [0, 0, 1, 1, 2, 2, 2, 2, 0, 1];
        let m = compute(&labels(), &gold, &pred);
        // supportive: tp 2, predicted 3, support 3 -> P 2/3, R 2/3, F1 2/3
        // neutral:    tp 1, predicted 3, support 2 -> P 1/3, R 1/2, F1 0.4
        // critical:   tp 3, predicted 4, support 5 -> P 3/4, R 3/5, F1 2/3
        let eps = 1e-12;
        assert!((m.per_label[0].f1 - 2.0 / 3.0).abs() < eps);
        assert!((m.per_label[1].precision - 1.0 / 3.0).abs() < eps);
        assert!((m.per_label[1].f1 - 0.4).abs() < eps);
        assert!((m.per_label[2].recall - 0.6).abs() < eps);
        assert!((m.per_label[2].f1 - 2.0 / 3.0).abs() < eps);
        assert!((m.f1m - (2.0 / 3.0 + 0.4 + 2.0 / 3.0) / 3.0).abs() < eps);
        assert!((m.accuracy - 0.6).abs() < eps);
        assert!((m.f1pn.unwrap() - 2.0 / 3.0).abs() < eps);
        assert_eq!(m.confusion[2], vec![1, 1, 3]);
        assert_eq!(m.per_label[1].predicted, 3);
    }

    #[test]
    fn perfect_and_degenerate() {
        let m = compute(&labels(), &[0, 1, 2], &[0, 1, 2]);
        assert_eq!((m.f1m, m.accuracy), (1.0, 1.0));
        // Always predicting neutral: only neutral has non-zero F1.
        let m = compute(&labels(), &[0, 1, 2, 1], &[1, 1, 1, 1]);
        assert!((m.f1m - (2.0 * 0.5 / 1.5) / 3.0).abs() < 1e-12);
        assert_eq!(m.f1pn, Some(0.0));
        let custom: Vec<String> = vec!["AGAINST".into(), "FAVOR".into()];
        assert_eq!(compute(&custom, &[0, 1], &[0, 0]).f1pn, None);
    }
}
