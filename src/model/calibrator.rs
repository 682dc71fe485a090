//! Maps of the top probability: the calibration step applied after the temperature.
//!
//! One temperature rescales every logit alike, so it cannot fix a model that is over-confident
//! when very sure and under-confident when unsure. A top-probability map bends the top
//! probability alone — Platt scaling of its log-odds, `p_top ← σ(a · logit(p_top) + b)`, or an
//! isotonic (monotone step) map — scales the other labels to fill the rest (their ratios stay),
//! and keeps the top label on top, so no prediction's label changes.

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

    /// Applies the map to one row of probabilities in place (see [`replace_top`]).
    pub fn apply(&self, p: &mut [f32]) {
        replace_top(p, |top| self.map(top));
    }
}

/// A non-decreasing step map of the top probability, fitted by pool-adjacent-violators: a top
/// probability up to `ends[i]` (and above `ends[i - 1]`) becomes `values[i]`; above the last end,
/// the last value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopIsotonic {
    pub ends: Vec<f64>,
    pub values: Vec<f64>,
}

impl TopIsotonic {
    /// Pool-adjacent-violators on `(top probability, right or not)` pairs; `None` for no pairs.
    pub fn fit(pairs: &[(f64, bool)]) -> Option<Self> {
        let mut sorted = pairs.to_vec();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (mut ends, mut values, mut weights) = (Vec::new(), Vec::<f64>::new(), Vec::new());
        for (x, right) in sorted {
            ends.push(x);
            values.push(f64::from(u8::from(right)));
            weights.push(1.0);
            // Equal neighbours are pooled too: the map is the same, with fewer steps.
            while values.len() > 1 && values[values.len() - 2] >= values[values.len() - 1] {
                let (v, w) = (values.pop().unwrap_or(0.0), weights.pop().unwrap_or(0.0));
                let end = ends.pop().unwrap_or(x);
                let (pv, pw) = (values.len() - 1, weights.len() - 1);
                values[pv] = (values[pv] * weights[pw] + v * w) / (weights[pw] + w);
                weights[pw] += w;
                *ends.last_mut().unwrap_or(&mut 0.0) = end;
            }
        }
        (!values.is_empty()).then_some(TopIsotonic { ends, values })
    }

    /// Whether the map is well formed: as many ends as values, both non-decreasing, finite, and
    /// the values probabilities.
    pub fn is_valid(&self) -> bool {
        let sorted = |v: &[f64]| v.windows(2).all(|w| w[0] <= w[1]);
        !self.values.is_empty()
            && self.ends.len() == self.values.len()
            && self.ends.iter().all(|x| x.is_finite())
            && self.values.iter().all(|v| (0.0..=1.0).contains(v))
            && sorted(&self.ends)
            && sorted(&self.values)
    }

    /// The mapped top probability for a top probability `top`.
    pub fn map(&self, top: f64) -> f64 {
        let i = self.ends.partition_point(|&e| e < top);
        self.values[i.min(self.values.len() - 1)]
    }
}

/// The map a model applies to its top probability after the temperature.
#[derive(Debug, Clone, PartialEq)]
pub enum TopMap {
    Platt(TopPlatt),
    Isotonic(TopIsotonic),
}

impl TopMap {
    pub fn map(&self, top: f64) -> f64 {
        match self {
            TopMap::Platt(m) => m.map(top),
            TopMap::Isotonic(m) => m.map(top),
        }
    }

    /// Applies the map to one row of probabilities in place (see [`replace_top`]).
    pub fn apply(&self, p: &mut [f32]) {
        replace_top(p, |top| self.map(top));
    }

    /// A short description for reports: the formula, or the number of steps.
    pub fn describe(&self) -> String {
        match self {
            TopMap::Platt(m) => format!("top probability σ({:.4}·logit(p) {:+.4})", m.a, m.b),
            TopMap::Isotonic(m) => {
                format!("isotonic top-probability map ({} steps)", m.values.len())
            }
        }
    }
}

/// Which top-probability map a calibration fits after the temperature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TopMapKind {
    /// The temperature alone.
    #[default]
    None,
    Platt,
    Isotonic,
}

/// Replaces a row's top probability by `new_top(top)`, scales the other labels to fill the rest,
/// and raises the new top where needed so that the runner-up, scaled with the rest, cannot
/// overtake it.
fn replace_top(p: &mut [f32], new_top: impl Fn(f64) -> f64) {
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
    let new_top = new_top(top).max(floor).clamp(0.0, 1.0 - EDGE);
    let scale = (1.0 - new_top) / (1.0 - top).max(1e-12);
    for (i, v) in p.iter_mut().enumerate() {
        *v = if i == top_i {
            new_top as f32
        } else {
            (*v as f64 * scale) as f32
        };
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

    #[test]
    fn isotonic_fit_pools_violators_into_a_non_decreasing_map() {
        // Sorted by top probability: right, wrong, right, right, wrong, right.
        let pairs = [
            (0.4, true),
            (0.5, false),
            (0.6, true),
            (0.7, true),
            (0.8, false),
            (0.9, true),
        ];
        let m = TopIsotonic::fit(&pairs).unwrap();
        assert!(m.is_valid(), "{m:?}");
        // (0.4, 0.5) pool to 0.5; 0.6 and 0.7 pool at 1, then with 0.8 at 2/3; 0.9 → 1.
        assert_eq!(m.ends, vec![0.5, 0.8, 0.9]);
        assert_eq!(m.values.len(), 3);
        assert!((m.values[0] - 0.5).abs() < 1e-12 && (m.values[1] - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(m.values[2], 1.0);
        assert_eq!(m.map(0.1), 0.5);
        assert_eq!(m.map(0.5), 0.5);
        assert!((m.map(0.55) - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(m.map(0.99), 1.0);
        assert_eq!(TopIsotonic::fit(&[]), None);
    }

    #[test]
    fn isotonic_map_keeps_labels_and_sums() {
        let m = TopMap::Isotonic(TopIsotonic {
            ends: vec![0.5, 0.9],
            values: vec![0.2, 0.95],
        });
        let mut low = [0.101f32, 0.45, 0.449];
        m.apply(&mut low);
        assert_eq!(argmax(&low), 1, "{low:?}");
        let mut high = [0.8f32, 0.15, 0.05];
        m.apply(&mut high);
        assert!((high[0] - 0.95).abs() < 1e-6 && (high[1] / high[2] - 3.0).abs() < 1e-3);
        for p in [low, high] {
            assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{p:?}");
        }
    }

    #[test]
    fn only_well_formed_isotonic_maps_are_valid() {
        let ok = TopIsotonic {
            ends: vec![0.5, 0.9],
            values: vec![0.4, 0.9],
        };
        assert!(ok.is_valid());
        let bad = |ends: Vec<f64>, values: Vec<f64>| !TopIsotonic { ends, values }.is_valid();
        assert!(bad(vec![0.9, 0.5], vec![0.4, 0.9]));
        assert!(bad(vec![0.5, 0.9], vec![0.9, 0.4]));
        assert!(bad(vec![0.5], vec![0.4, 0.9]));
        assert!(bad(vec![0.5, 0.9], vec![0.4, 1.5]));
        assert!(bad(vec![], vec![]));
    }
}
