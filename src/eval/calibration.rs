//! Whether probabilities mean what they say: expected calibration error (ECE), negative
//! log-likelihood (NLL), and temperature scaling fitted on held-out data.
//!
//! Temperature scaling divides the logits by one number `T` before the softmax: it never
//! changes a prediction's label, only how sure it claims to be. Fine-tuned models trained with
//! label smoothing or averaged over seeds are under-confident (`T < 1` sharpens them).

use serde::{Deserialize, Serialize};

/// Bins of the expected calibration error (equal width over the top probability).
pub const ECE_BINS: usize = 10;

/// Calibration figures of a set of predictions.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Calibration {
    /// Expected calibration error, 10 equal-width bins of the top probability.
    pub ece: f64,
    /// Mean negative log-likelihood of the gold label (natural log).
    pub nll: f64,
    /// Mean top probability.
    pub mean_confidence: f64,
}

/// Probabilities re-scaled by temperature `t`: `softmax(ln p / t)` (equal to `softmax(z / t)`
/// for the logits `z` the probabilities came from).
pub fn rescale(p: &[f32], t: f64) -> Vec<f32> {
    if (t - 1.0).abs() < 1e-12 {
        return p.to_vec();
    }
    let z: Vec<f64> = p.iter().map(|&x| (x.max(1e-30) as f64).ln() / t).collect();
    let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = z.iter().map(|v| (v - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| (v / s) as f32).collect()
}

/// ECE, NLL and mean confidence of probability rows against gold label indices.
pub fn measure(probs: &[Vec<f32>], gold: &[usize]) -> Calibration {
    let n = probs.len().min(gold.len());
    if n == 0 {
        return Calibration {
            ece: 0.0,
            nll: 0.0,
            mean_confidence: 0.0,
        };
    }
    let mut conf_sum = [0f64; ECE_BINS];
    let mut correct = [0usize; ECE_BINS];
    let mut count = [0usize; ECE_BINS];
    let (mut nll, mut conf_total) = (0f64, 0f64);
    for (p, &g) in probs.iter().zip(gold).take(n) {
        let (top, conf) =
            p.iter().enumerate().fold(
                (0, f32::NEG_INFINITY),
                |b, (i, &v)| if v > b.1 { (i, v) } else { b },
            );
        let conf = conf as f64;
        let bin = ((conf * ECE_BINS as f64) as usize).min(ECE_BINS - 1);
        conf_sum[bin] += conf;
        count[bin] += 1;
        correct[bin] += usize::from(top == g);
        conf_total += conf;
        nll -= (p.get(g).copied().unwrap_or(0.0).max(1e-12) as f64).ln();
    }
    let ece = (0..ECE_BINS)
        .filter(|&b| count[b] > 0)
        .map(|b| (correct[b] as f64 - conf_sum[b]).abs())
        .sum::<f64>()
        / n as f64;
    Calibration {
        ece,
        nll: nll / n as f64,
        mean_confidence: conf_total / n as f64,
    }
}

/// The temperature that minimises the NLL of `probs` (taken at temperature 1) on `gold`:
/// golden-section search over `ln t` in `[ln 0.05, ln 20]` (the NLL is unimodal in `t`).
pub fn fit_temperature(probs: &[Vec<f32>], gold: &[usize]) -> f64 {
    let nll_at = |log_t: f64| {
        let t = log_t.exp();
        probs
            .iter()
            .zip(gold)
            .map(|(p, &g)| -(rescale(p, t).get(g).copied().unwrap_or(0.0).max(1e-12) as f64).ln())
            .sum::<f64>()
    };
    let (mut a, mut b) = (0.05f64.ln(), 20f64.ln());
    let r = (5f64.sqrt() - 1.0) / 2.0;
    let (mut c, mut d) = (b - r * (b - a), a + r * (b - a));
    let (mut fc, mut fd) = (nll_at(c), nll_at(d));
    for _ in 0..60 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - r * (b - a);
            fc = nll_at(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + r * (b - a);
            fd = nll_at(d);
        }
    }
    ((a + b) / 2.0).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ece_of_hand_made_predictions() {
        // Two at 0.9 confidence (one right), two at 0.6 (both right).
        let probs = vec![
            vec![0.9, 0.05, 0.05],
            vec![0.9, 0.05, 0.05],
            vec![0.2, 0.6, 0.2],
            vec![0.2, 0.6, 0.2],
        ];
        let gold = [0, 1, 1, 1];
        let c = measure(&probs, &gold);
        // bin 0.9: |1 - 1.8| = 0.8; bin 0.6: |2 - 1.2| = 0.8; over 4.
        assert!((c.ece - 0.4).abs() < 1e-6, "{c:?}");
        let nll = -(0.9f64.ln() + 0.05f64.ln() + 2.0 * 0.6f64.ln()) / 4.0;
        assert!((c.nll - nll).abs() < 1e-6);
        assert!((c.mean_confidence - 0.75).abs() < 1e-6);
    }

    #[test]
    fn rescaling_keeps_the_label_and_sharpens_below_one() {
        let p = [0.5f32, 0.3, 0.2];
        let sharp = rescale(&p, 0.5);
        assert!(sharp[0] > 0.5 && sharp[2] < 0.2);
        // softmax(2 ln p) = p^2 / sum p^2
        let s: f32 = p.iter().map(|x| x * x).sum();
        assert!((sharp[0] - 0.25 / s).abs() < 1e-6);
        assert_eq!(rescale(&p, 1.0), p.to_vec());
    }

    #[test]
    fn fitted_temperature_recovers_the_one_that_flattened_the_data() {
        // Labels drawn from sharp probabilities q; the model reports q flattened by T = 2.5:
        // the fit must find about 1 / 2.5 to undo it.
        use rand::{rngs::StdRng, Rng, SeedableRng};
        let mut rng = StdRng::seed_from_u64(3);
        let (mut probs, mut gold) = (Vec::new(), Vec::new());
        for _ in 0..4000 {
            let z: Vec<f64> = (0..3).map(|_| rng.random::<f64>() * 6.0).collect();
            let e: Vec<f64> = z.iter().map(|v| v.exp()).collect();
            let s: f64 = e.iter().sum();
            let q: Vec<f32> = e.iter().map(|v| (v / s) as f32).collect();
            let u: f32 = rng.random();
            let g = if u < q[0] {
                0
            } else if u < q[0] + q[1] {
                1
            } else {
                2
            };
            probs.push(rescale(&q, 2.5));
            gold.push(g);
        }
        let t = fit_temperature(&probs, &gold);
        assert!((t - 0.4).abs() < 0.05, "fitted {t}");
        let before = measure(&probs, &gold);
        let after: Vec<Vec<f32>> = probs.iter().map(|p| rescale(p, t)).collect();
        let after = measure(&after, &gold);
        assert!(
            after.nll < before.nll && after.ece < before.ece / 2.0,
            "{before:?} {after:?}"
        );
    }
}
