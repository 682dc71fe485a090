#!/usr/bin/env python3
"""Splits NewsMTSC's train.jsonl into a training part and a calibration part, held out from both
training and model selection, so that a temperature fitted on it is not flattered by either.

The split is by article (source and article number of `primary_gid`, e.g. `polusa_1234`), so no
article has sentences on both sides, and it is fixed by a hash: an article goes to calibration when
the first two bytes of SHA-256("stance-calibration:" + key) read as an integer, modulo 100, are
below PERCENT (default 12). A sentence text that also occurs in a training article stays in
training. Nothing else is read: dev and test files are untouched.

    scripts/split-calibration.py TRAIN.jsonl OUT_DIR [PERCENT]

writes OUT_DIR/train-fit.jsonl and OUT_DIR/calibration.jsonl (NewsMTSC layout, lines unchanged) and
prints the counts.
"""
import hashlib
import json
import os
import sys


def article_key(gid: str) -> str:
    parts = gid.split("_")
    if len(parts) < 3:
        raise ValueError(f"primary_gid {gid!r} has no article number")
    return f"{parts[0]}_{parts[2]}"


def held_out(key: str, percent: int) -> bool:
    digest = hashlib.sha256(f"stance-calibration:{key}".encode()).digest()
    return int.from_bytes(digest[:2], "big") % 100 < percent


def main() -> None:
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.strip().splitlines()[-5])
    src, out = sys.argv[1], sys.argv[2]
    percent = int(sys.argv[3]) if len(sys.argv) == 4 else 12
    rows = []
    with open(src, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                key = article_key(r["primary_gid"])
            except (ValueError, KeyError) as e:
                sys.exit(f"{src}:{n}: {e}")
            rows.append((line if line.endswith("\n") else line + "\n", r, held_out(key, percent)))
    fit_texts = {r["sentence_normalized"] for _, r, cal in rows if not cal}
    os.makedirs(out, exist_ok=True)
    counts = {"train-fit": [0, 0], "calibration": [0, 0]}
    tmp = {name: open(os.path.join(out, name + ".jsonl.tmp"), "w", encoding="utf-8") for name in counts}
    for line, r, cal in rows:
        name = "calibration" if cal and r["sentence_normalized"] not in fit_texts else "train-fit"
        tmp[name].write(line)
        counts[name][0] += 1
        counts[name][1] += len(r["targets"])
    for name, f in tmp.items():
        f.close()
        os.replace(os.path.join(out, name + ".jsonl.tmp"), os.path.join(out, name + ".jsonl"))
    for name, (sentences, targets) in counts.items():
        print(f"{name}\t{sentences} sentences\t{targets} targets")


if __name__ == "__main__":
    main()
