#!/usr/bin/env python3
"""Two models' F1m on the same labelled pairs, compared with a paired bootstrap.

Reads two `stance eval --predictions FILE` outputs on the same data (same pairs, same gold labels), prints each
one's F1m (macro-F1 over the gold labels' classes), the difference (second − first) and its 95% interval over
2,000 paired resamples of the pairs. Needs numpy.

    scripts/f1-compare.py FIRST_PREDICTIONS.jsonl SECOND_PREDICTIONS.jsonl
"""
import json
import sys

import numpy as np


def load(path):
    rows = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    return [r["id"] for r in rows], [r["gold"] for r in rows], [r["label"] for r in rows]


def f1m(gold, pred, labels):
    scores = []
    for c in labels:
        tp = np.sum((pred == c) & (gold == c))
        fp = np.sum((pred == c) & (gold != c))
        fn = np.sum((pred != c) & (gold == c))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return 100 * float(np.mean(scores))


def main():
    (i1, g1, p1), (i2, g2, p2) = load(sys.argv[1]), load(sys.argv[2])
    if i1 != i2 or g1 != g2:
        sys.exit("the two files do not hold the same pairs with the same gold labels")
    labels = sorted(set(g1))
    gold, a, b = np.array(g1), np.array(p1), np.array(p2)
    rng = np.random.RandomState(0)
    diffs = []
    for _ in range(2000):
        k = rng.randint(0, len(gold), len(gold))
        diffs.append(f1m(gold[k], b[k], labels) - f1m(gold[k], a[k], labels))
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    fa, fb = f1m(gold, a, labels), f1m(gold, b, labels)
    print(f"F1m {fa:.2f} -> {fb:.2f}: difference {fb - fa:+.2f}, 95% [{lo:+.2f}, {hi:+.2f}] ({len(gold)} pairs)")


if __name__ == "__main__":
    main()
