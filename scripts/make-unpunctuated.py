#!/usr/bin/env python3
"""Writes a plain-text document of MB megabytes with no sentence punctuation (words from a small
news vocabulary, an actor name about every 800 words), deterministic: the worst case for sentence
splitting, used for the linear-time check in BENCHMARKS.md.

    scripts/make-unpunctuated.py MB OUT.txt
"""
import random
import sys

if len(sys.argv) != 3:
    sys.exit(__doc__.strip().splitlines()[-1].strip())
size = int(float(sys.argv[1]) * 1_000_000)
random.seed(1)
vocab = ("the of and talks minister said trade border security economy meeting officials "
         "government policy week report markets prices").split()
names = ["China", "Russia", "Ukraine", "France", "Germany", "NATO", "Japan", "India", "Brazil", "Iran"]
words, n = [], 0
while n < size:
    w = random.choice(names) if random.random() < 1 / 800 else random.choice(vocab)
    words.append(w)
    n += len(w) + 1
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write(" ".join(words))
