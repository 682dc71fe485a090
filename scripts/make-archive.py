#!/usr/bin/env python3
"""A synthetic news archive for benchmarks: N articles of 4–15 paragraphs of 1–3 sentences drawn
(seeded) from NewsMTSC train.jsonl and the example article, as JSONL ({id, text, source, outlet}).

    scripts/make-archive.py N TRAIN_JSONL EXAMPLE_TXT OUT [FILES]

With FILES > 1, OUT is a prefix and articles go round-robin into OUT0.jsonl … OUT{FILES-1}.jsonl.
"""
import json
import random
import sys

n, train, example, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
files = int(sys.argv[5]) if len(sys.argv) > 5 else 1
sents = [json.loads(l)["sentence_normalized"] for l in open(train, encoding="utf-8") if l.strip()]
sents += [l.strip() for l in open(example, encoding="utf-8") if l.strip()]
rng = random.Random(7)
outs = [open(out if files == 1 else f"{out}{i}.jsonl", "w", encoding="utf-8") for i in range(files)]
for i in range(n):
    k = rng.randint(8, 30)
    paras = [" ".join(rng.choice(sents) for _ in range(rng.randint(1, 3))) for _ in range(k // 2)]
    outs[i % files].write(json.dumps({"id": f"doc-{i}", "text": "\n".join(paras), "source": "synthetic", "outlet": f"o{i % 7}"}) + "\n")
for f in outs:
    f.close()
