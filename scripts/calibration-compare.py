#!/usr/bin/env python3
"""Two calibrations of the same predictions compared on one labelled set, paired.

Reads two `stance eval --predictions FILE` outputs of the same model on the same data (labels must agree; only
the probabilities differ), prints each one's ECE (10 bins) and the difference with a paired bootstrap 95%
interval (2,000 resamples of the pairs) and how often the second is better. Needs numpy.

    scripts/calibration-compare.py FIRST_PREDICTIONS.jsonl SECOND_PREDICTIONS.jsonl
"""
import importlib.util
import os
import sys

import numpy as np

spec = importlib.util.spec_from_file_location("cv", os.path.join(os.path.dirname(__file__), "calibration-cv.py"))
cv = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cv)


def main():
    (z1, g1), (z2, g2) = cv.load(sys.argv[1]), cv.load(sys.argv[2])
    if len(g1) != len(g2) or not (g1 == g2).all():
        sys.exit("the two files do not hold the same pairs with the same gold labels")
    p1, p2 = np.exp(z1), np.exp(z2)
    if not (p1.argmax(1) == p2.argmax(1)).all():
        sys.exit("the two files' predicted labels differ: not two calibrations of one model")
    rng = np.random.RandomState(0)
    d = []
    for _ in range(2000):
        i = rng.randint(0, len(g1), len(g1))
        d.append(cv.ece(p2[i], g1[i]) - cv.ece(p1[i], g1[i]))
    lo, hi = np.percentile(d, [2.5, 97.5])
    e1, e2 = cv.ece(p1, g1), cv.ece(p2, g1)
    print(f"ECE first {e1:.4f}, second {e2:.4f}, second − first {e2 - e1:+.4f} "
          f"(paired bootstrap 95% [{lo:+.4f}, {hi:+.4f}]; second better in {np.mean(np.array(d) < 0):.1%})")


if __name__ == "__main__":
    main()
