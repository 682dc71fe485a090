#!/usr/bin/env python3
"""Calibrators that keep every label, compared by cross-validation on dev predictions.

Reads `stance eval --predictions FILE` output of the dev sets (probabilities with the model's temperature
applied, and gold labels). Twenty shuffles of five folds; each fold's probabilities come from a calibrator fitted
without it, and ECE (10 bins) and NLL are measured on all the out-of-fold probabilities of a shuffle together
(fold-level ECE on a few dozen pairs is dominated by binning noise). Two designs:

- pooled: the folds are drawn from all the files together (every dev set counts);
- target: the folds are drawn from the first file only (the set like the one the model is judged on: dev-rw for
  test-rw), fitted on the other folds of it plus every other file ("+ rest"), or on its other folds alone.

Calibrators (every one keeps each pair's label; the fitted values are relative to the model's temperature):
one temperature fitted by NLL (what `stance calibrate` does), one fitted by ECE, a temperature per predicted
label, and three maps of the top probability alone (the other labels scaled to fill the rest, the top one kept on
top): isotonic regression, histogram binning (5 equal-count bins), and Platt scaling of its log-odds (alone, and after
a temperature fitted on the same folds: what `stance calibrate` does). Needs numpy.

    scripts/calibration-cv.py TARGET_DEV_PREDICTIONS.jsonl [OTHER_DEV_PREDICTIONS.jsonl ...]
"""
import json
import sys

import numpy as np

BINS = 10
SHUFFLES = 20
FOLDS = 5
TEMPERATURES = np.exp(np.linspace(np.log(0.3), np.log(3), 120))


def load(f):
    p, g = [], []
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


def with_top(p, new_top):
    """`p` with its top probability replaced by `new_top`, the others scaled to fill the rest, and the top label
    kept on top (`new_top` raised where the runner-up would overtake it)."""
    order = np.sort(p, 1)
    top, second = order[:, -1], order[:, -2]
    floor = second / (1 - top + second) + 1e-6
    new_top = np.clip(np.maximum(new_top, floor), 0, 1 - 1e-6)
    scale = (1 - new_top) / np.maximum(1 - top, 1e-12)
    q = p * scale[:, None]
    q[np.arange(len(p)), p.argmax(1)] = new_top
    return q


def isotonic(x, y):
    """Pool-adjacent-violators: the non-decreasing fit of y on sorted x, as (knots, values)."""
    o = np.argsort(x)
    xs, ys = x[o], y[o].astype(float)
    vals, wts, ends = [], [], []
    for xi, yi in zip(xs, ys):
        vals.append(yi)
        wts.append(1.0)
        ends.append(xi)
        while len(vals) > 1 and vals[-2] > vals[-1]:
            w = wts[-2] + wts[-1]
            v = (vals[-2] * wts[-2] + vals[-1] * wts[-1]) / w
            vals[-2:], wts[-2:], ends[-2:] = [v], [w], [ends[-1]]
    return np.array(ends), np.array(vals)


def isotonic_fit(z, g):
    p = softmax(z)
    return isotonic(p.max(1), p.argmax(1) == g)


def isotonic_apply(z, fitted):
    ends, vals = fitted
    p = softmax(z)
    i = np.minimum(np.searchsorted(ends, p.max(1)), len(vals) - 1)
    return with_top(p, vals[i])


def binning_fit(z, g, bins=5):
    p = softmax(z)
    c, right = p.max(1), p.argmax(1) == g
    edges = np.quantile(c, np.linspace(0, 1, bins + 1)[1:-1])
    b = np.searchsorted(edges, c)
    return edges, np.array([right[b == k].mean() if (b == k).any() else 0.5 for k in range(bins)])


def binning_apply(z, fitted):
    edges, acc = fitted
    p = softmax(z)
    return with_top(p, acc[np.searchsorted(edges, p.max(1))])


def logit(c):
    c = np.clip(c, 1e-6, 1 - 1e-6)
    return np.log(c / (1 - c))


def platt_fit(z, g):
    p = softmax(z)
    x, y = logit(p.max(1)), (p.argmax(1) == g).astype(float)
    a, b = 1.0, 0.0
    for _ in range(50):  # Newton steps on the binary log-likelihood
        s = 1 / (1 + np.exp(-(a * x + b)))
        grad = np.array([((s - y) * x).sum(), (s - y).sum()])
        w = s * (1 - s) + 1e-9
        h = np.array([[(w * x * x).sum(), (w * x).sum()], [(w * x).sum(), w.sum()]])
        a, b = np.array([a, b]) - np.linalg.solve(h + 1e-6 * np.eye(2), grad)
    return a, b


def platt_apply(z, ab):
    p = softmax(z)
    a, b = ab
    return with_top(p, 1 / (1 + np.exp(-(a * logit(p.max(1)) + b))))


def t_platt_fit(z, g):
    t = one_t(nll)[0](z, g)
    return t, platt_fit(z / t, g)


def t_platt_apply(z, fitted):
    t, ab = fitted
    return platt_apply(z / t, ab)


CALIBRATORS = [
    ("none (the model's temperature)", (lambda z, g: None, lambda z, _: softmax(z))),
    ("one temperature, by NLL", one_t(nll)),
    ("one temperature, by ECE", one_t(ece)),
    ("a temperature per predicted label", (per_label_fit, per_label_apply)),
    ("top probability: isotonic", (isotonic_fit, isotonic_apply)),
    ("top probability: 5 bins", (binning_fit, binning_apply)),
    ("top probability: Platt", (platt_fit, platt_apply)),
    ("temperature, then Platt", (t_platt_fit, t_platt_apply)),
]


def cross_validate(z, g, fit, apply, rest=None):
    """Mean over shuffles of out-of-fold ECE and NLL; `rest` (z, g) is added to every fold's fitting data."""
    eces, nlls = [], []
    for seed in range(SHUFFLES):
        idx = np.arange(len(g))
        np.random.RandomState(seed).shuffle(idx)
        q = np.zeros_like(z)
        for fold in np.array_split(idx, FOLDS):
            train = np.setdiff1d(idx, fold)
            zt, gt = z[train], g[train]
            if rest is not None:
                zt, gt = np.concatenate([zt, rest[0]]), np.concatenate([gt, rest[1]])
            q[fold] = apply(z[fold], fit(zt, gt))
        eces.append(ece(q, g))
        nlls.append(nll(q, g))
    return np.mean(eces), np.mean(nlls)


def main():
    sets = [load(f) for f in sys.argv[1:]]
    pooled = np.concatenate([s[0] for s in sets]), np.concatenate([s[1] for s in sets])
    target = sets[0]
    rest = None
    if len(sets) > 1:
        rest = np.concatenate([s[0] for s in sets[1:]]), np.concatenate([s[1] for s in sets[1:]])
    print(f"{'calibrator':36} {'pooled ECE':>10} {'NLL':>7}   {'target+rest ECE':>15} {'NLL':>7}"
          f"   {'target ECE':>10} {'NLL':>7}")
    for name, (fit, apply) in CALIBRATORS:
        pe, pn = cross_validate(*pooled, fit, apply)
        re, rn = cross_validate(*target, fit, apply, rest) if rest is not None else (float("nan"),) * 2
        te, tn = cross_validate(*target, fit, apply)
        print(f"{name:36} {pe:10.4f} {pn:7.4f}   {re:15.4f} {rn:7.4f}   {te:10.4f} {tn:7.4f}")


if __name__ == "__main__":
    main()
