//! Whether probabilities mean what they say: expected calibration error (ECE), negative
//! log-likelihood (NLL), and temperature scaling fitted on held-out data.
//!
//! Temperature scaling divides the logits by one number `T` before the softmax: it never
//! changes a prediction's label, only how sure it claims to be. Fine-tuned models trained with
//! label smoothing or averaged over seeds are under-confident (`T < 1` sharpens them).

use crate::model::calibrator::{logit, sigmoid, TopIsotonic, TopMap, TopPlatt};

/// Bins of the expected calibration error (equal width over the top probability).
pub const ECE_BINS: usize = 10;

pub use crate::model::provenance::Calibration;

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

/// The top label of a probability row and its probability (the first of equals).
fn top_of(p: &[f32]) -> (usize, f32) {
    p.iter().enumerate().fold(
        (0, f32::NEG_INFINITY),
        |b, (i, &v)| if v > b.1 { (i, v) } else { b },
    )
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
        let (top, conf) = top_of(p);
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

/// Platt scaling of the top probability fitted on `probs` and `gold`: the `a`, `b` that
/// maximise the likelihood of "the top label is right" under `σ(a · logit(p_top) + b)` (Newton's
/// method; the log-likelihood is concave). `None` where there is nothing to fit (every top label
/// right, or every one wrong) or the fit is not an increasing map.
pub fn fit_top_platt(probs: &[Vec<f32>], gold: &[usize]) -> Option<TopPlatt> {
    let (x, y): (Vec<f64>, Vec<f64>) = probs
        .iter()
        .zip(gold)
        .map(|(p, &g)| {
            let (top, conf) = top_of(p);
            (logit(conf as f64), f64::from(u8::from(top == g)))
        })
        .unzip();
    let right: f64 = y.iter().sum();
    if right == 0.0 || right == y.len() as f64 {
        return None;
    }
    let (mut a, mut b) = (1.0f64, 0.0f64);
    for _ in 0..100 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-9, 0.0, 1e-9);
        for (&xi, &yi) in x.iter().zip(&y) {
            let s = sigmoid(a * xi + b);
            let w = s * (1.0 - s);
            ga += (s - yi) * xi;
            gb += s - yi;
            haa += w * xi * xi;
            hab += w * xi;
            hbb += w;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-18 {
            break;
        }
        let (da, db) = ((hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det);
        a -= da;
        b -= db;
        if da.abs() + db.abs() < 1e-10 {
            break;
        }
    }
    let map = TopPlatt { a, b };
    map.is_valid().then_some(map)
}

/// The isotonic map of the top probability fitted on `probs` and `gold` (pool-adjacent-violators
/// on "the top label is right"); `None` where there is nothing to fit (every top label right, or
/// every one wrong).
pub fn fit_top_isotonic(probs: &[Vec<f32>], gold: &[usize]) -> Option<TopIsotonic> {
    let pairs: Vec<(f64, bool)> = probs
        .iter()
        .zip(gold)
        .map(|(p, &g)| {
            let (top, conf) = top_of(p);
            (conf as f64, top == g)
        })
        .collect();
    let right = pairs.iter().filter(|(_, r)| *r).count();
    if right == 0 || right == pairs.len() {
        return None;
    }
    TopIsotonic::fit(&pairs).filter(TopIsotonic::is_valid)
}

/// `probs` with the temperature `t`, then the top-probability map (if any), applied.
pub fn calibrate_rows(probs: &[Vec<f32>], t: f64, map: Option<&TopMap>) -> Vec<Vec<f32>> {
    probs
        .iter()
        .map(|p| {
            let mut q = rescale(p, t);
            if let Some(m) = map {
                m.apply(&mut q);
            }
            q
        })
        .collect()
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
    fn platt_fit_recovers_a_miscalibration_one_temperature_cannot_undo() {
        // The top label is right with probability σ(2·logit(c) − 0.5) where the model says c:
        // over-confident below about 0.6, under-confident above. The fit must find a ≈ 2,
        // b ≈ −0.5, and the mapped probabilities must be far better calibrated.
        use rand::{rngs::StdRng, Rng, SeedableRng};
        let mut rng = StdRng::seed_from_u64(5);
        let (mut probs, mut gold) = (Vec::new(), Vec::new());
        let truth = TopPlatt { a: 2.0, b: -0.5 };
        for _ in 0..6000 {
            let c: f32 = 0.4 + 0.59 * rng.random::<f32>();
            let rest = (1.0 - c) / 2.0;
            let right = rng.random::<f64>() < truth.map(c as f64);
            probs.push(vec![c, rest, rest]);
            gold.push(if right {
                0
            } else {
                1 + usize::from(rng.random::<bool>())
            });
        }
        let map = fit_top_platt(&probs, &gold).expect("a fit");
        assert!(
            (map.a - 2.0).abs() < 0.25 && (map.b + 0.5).abs() < 0.2,
            "{map:?}"
        );
        let before = measure(&probs, &gold);
        let after = measure(
            &calibrate_rows(&probs, 1.0, Some(&TopMap::Platt(map))),
            &gold,
        );
        assert!(
            after.ece < before.ece / 2.0 && after.nll < before.nll,
            "{before:?} {after:?}"
        );
        let t = fit_temperature(&probs, &gold);
        let by_t = measure(&calibrate_rows(&probs, t, None), &gold);
        assert!(after.ece < by_t.ece, "Platt {after:?} temperature {by_t:?}");
    }

    #[test]
    fn platt_fit_declines_data_with_nothing_to_fit() {
        let probs = vec![vec![0.8f32, 0.1, 0.1], vec![0.3, 0.6, 0.1]];
        assert_eq!(fit_top_platt(&probs, &[0, 1]), None);
        assert_eq!(fit_top_platt(&probs, &[1, 0]), None);
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
