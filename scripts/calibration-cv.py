#!/usr/bin/env python3
"""Calibrators that keep every label, compared by 5-fold cross-validation on dev predictions.

Reads `stance eval --predictions FILE` output of the dev sets (probabilities with the model's temperature
applied, and gold labels), pools them, and for five shuffles of five folds fits on four folds and measures ECE
(10 bins) and NLL on the fifth: one temperature fitted by NLL (what `stance calibrate` does), one temperature
fitted by ECE, and three temperatures chosen by the predicted label. The fitted temperatures are relative to the
model's. Needs numpy.

    scripts/calibration-cv.py DEV_PREDICTIONS.jsonl [...]
"""
import json
import sys

import numpy as np

BINS = 10
TEMPERATURES = np.exp(np.linspace(np.log(0.3), np.log(3), 120))


def load(files):
    p, g = [], []
    for f in files:
        for line in open(f):
            r = json.loads(line)
            labels = sorted(r["scores"])
            p.append([r["scores"][k] for k in labels])
            g.append(labels.index(r["gold"]))
    return np.log(np.clip(np.array(p), 1e-30, 1)), np.array(g)


def softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def ece(p, g):
    conf, top, s = p.max(1), p.argmax(1), 0.0
    b = np.minimum((conf * BINS).astype(int), BINS - 1)
    for k in range(BINS):
        m = b == k
        if m.any():
            s += abs((top[m] == g[m]).sum() - conf[m].sum())
    return s / len(g)


def nll(p, g):
    return -np.mean(np.log(np.clip(p[np.arange(len(g)), g], 1e-12, 1)))


def one_t(objective):
    def fit(z, g):
        return min(TEMPERATURES, key=lambda t: objective(softmax(z / t), g))

    return fit, lambda z, t: softmax(z / t)


def per_label_fit(z, g):
    k = z.argmax(1)
    return [min(TEMPERATURES, key=lambda t: nll(softmax(z[k == c] / t), g[k == c])) if (k == c).any() else 1.0
            for c in range(z.shape[1])]


def per_label_apply(z, ts):
    return softmax(z / np.array(ts)[z.argmax(1)][:, None])


def cross_validate(z, g, fit, apply):
    eces, nlls = [], []
    for seed in range(5):
        idx = np.arange(len(g))
        np.random.RandomState(seed).shuffle(idx)
        for fold in np.array_split(idx, 5):
            train = np.setdiff1d(idx, fold)
            q = apply(z[fold], fit(z[train], g[train]))
            eces.append(ece(q, g[fold]))
            nlls.append(nll(q, g[fold]))
    return np.mean(eces), np.mean(nlls)


def main():
    z, g = load(sys.argv[1:])
    for name, (fit, apply) in [("one temperature, by NLL", one_t(nll)), ("one temperature, by ECE", one_t(ece)),
                               ("a temperature per predicted label", (per_label_fit, per_label_apply))]:
        e, n = cross_validate(z, g, fit, apply)
        print(f"{name:36} CV ECE {e:.4f}  CV NLL {n:.4f}")


if __name__ == "__main__":
    main()
