#!/usr/bin/env python3
"""How much of a test set's ECE is sampling noise.

For `stance eval --predictions FILE` output (probabilities and gold labels), prints the observed ECE (10
equal-width bins of the top probability), the ECE a perfectly calibrated model would show on the same inputs
(labels drawn from the model's own probabilities, 2,000 draws: mean, 95th percentile, and how often it is at least
the observed value), and a bootstrap 95% interval of the observed ECE. Needs numpy.

    scripts/calibration-noise.py PREDICTIONS.jsonl [...]
"""
import json
import sys

import numpy as np

BINS = 10


def ece(p, g):
    conf, top, n, s = p.max(1), p.argmax(1), len(g), 0.0
    b = np.minimum((conf * BINS).astype(int), BINS - 1)
    for k in range(BINS):
        m = b == k
        if m.any():
            s += abs((top[m] == g[m]).sum() - conf[m].sum())
    return s / n


def main():
    rng = np.random.RandomState(0)
    for f in sys.argv[1:]:
        rows = [json.loads(l) for l in open(f)]
        labels = sorted(rows[0]["scores"])
        p = np.array([[r["scores"][k] for k in labels] for r in rows])
        g = np.array([labels.index(r["gold"]) for r in rows])
        obs = ece(p, g)
        cum = np.cumsum(p, 1)
        sims = np.array([ece(p, (rng.rand(len(p), 1) > cum).sum(1)) for _ in range(2000)])
        boot = [ece(p[i], g[i]) for i in (rng.randint(0, len(g), len(g)) for _ in range(2000))]
        print(
            f"{f}: ECE {obs:.4f}; perfectly calibrated: mean {sims.mean():.4f}, 95th percentile "
            f"{np.percentile(sims, 95):.4f}, P(>= observed) {np.mean(sims >= obs):.2f}; bootstrap 95% "
            f"[{np.percentile(boot, 2.5):.4f}, {np.percentile(boot, 97.5):.4f}]"
        )


if __name__ == "__main__":
    main()
