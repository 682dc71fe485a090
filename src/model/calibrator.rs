//! Platt scaling of the top probability: the calibration step applied after the temperature.
//!
//! One temperature rescales every logit alike, so it cannot fix a model that is over-confident
//! when very sure and under-confident when unsure. This map bends the top probability alone,
//! `p_top ← σ(a · logit(p_top) + b)`, scales the other labels to fill the rest (their ratios
//! stay), and keeps the top label on top, so no prediction's label changes.

use serde::{Deserialize, Serialize};

/// `p_top ← σ(a · logit(p_top) + b)`; `a > 0` keeps the map increasing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TopPlatt {
    pub a: f64,
    pub b: f64,
}

/// Probabilities this close to 0 or 1 are clipped before taking log-odds.
const EDGE: f64 = 1e-6;

/// Log-odds of a probability (clipped to `[EDGE, 1 − EDGE]`).
pub fn logit(c: f64) -> f64 {
    let c = c.clamp(EDGE, 1.0 - EDGE);
    (c / (1.0 - c)).ln()
}

pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl TopPlatt {
    /// Whether the parameters make an increasing map (what a fitted one must be).
    pub fn is_valid(&self) -> bool {
        self.a.is_finite() && self.b.is_finite() && self.a > 0.0
    }

    /// The mapped top probability for a top probability `top`.
    pub fn map(&self, top: f64) -> f64 {
        sigmoid(self.a * logit(top) + self.b)
    }

    /// Applies the map to one row of probabilities in place. The new top probability is raised
    /// where needed so that the runner-up, scaled with the rest, cannot overtake it.
    pub fn apply(&self, p: &mut [f32]) {
        if p.len() < 2 {
            return;
        }
        let (mut top_i, mut top, mut second) = (0, f64::NEG_INFINITY, f64::NEG_INFINITY);
        for (i, &v) in p.iter().enumerate() {
            let v = v as f64;
            if v > top {
                second = top;
                top = v;
                top_i = i;
            } else if v > second {
                second = v;
            }
        }
        let floor = second / (1.0 - top + second) + EDGE;
        let new_top = self.map(top).max(floor).clamp(0.0, 1.0 - EDGE);
        let scale = (1.0 - new_top) / (1.0 - top).max(1e-12);
        for (i, v) in p.iter_mut().enumerate() {
            *v = if i == top_i {
                new_top as f32
            } else {
                (*v as f64 * scale) as f32
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argmax(p: &[f32]) -> usize {
        (0..p.len()).fold(0, |b, i| if p[i] > p[b] { i } else { b })
    }

    #[test]
    fn identity_parameters_change_nothing() {
        let mut p = [0.7f32, 0.2, 0.1];
        TopPlatt { a: 1.0, b: 0.0 }.apply(&mut p);
        for (x, y) in p.iter().zip([0.7f32, 0.2, 0.1]) {
            assert!((x - y).abs() < 1e-5, "{p:?}");
        }
    }

    #[test]
    fn sharpening_raises_the_top_and_keeps_the_ratios_of_the_rest() {
        let mut p = [0.2f32, 0.7, 0.1];
        TopPlatt { a: 2.0, b: 0.0 }.apply(&mut p);
        assert!(p[1] > 0.8, "{p:?}");
        assert!((p[0] / p[2] - 2.0).abs() < 1e-3, "{p:?}");
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn a_strong_flattening_never_changes_the_label() {
        // Pulling a 0.45 top far down would hand the label to the 0.44 runner-up.
        let mut p = [0.11f32, 0.44, 0.45];
        TopPlatt { a: 0.2, b: -2.0 }.apply(&mut p);
        assert_eq!(argmax(&p), 2, "{p:?}");
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn only_increasing_finite_maps_are_valid() {
        assert!(TopPlatt { a: 0.5, b: -1.0 }.is_valid());
        assert!(!TopPlatt { a: 0.0, b: 0.0 }.is_valid());
        assert!(!TopPlatt { a: -1.0, b: 0.0 }.is_valid());
        assert!(!TopPlatt {
            a: f64::NAN,
            b: 0.0
        }
        .is_valid());
    }
}
