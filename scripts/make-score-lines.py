#!/usr/bin/env python3
"""Synthetic `stance score` output for benchmarking `stance report`: N sentence lines (default
1,000,000), 10 sentences per document, 8 actors, 5 outlets, dates over three years (2022-2024),
seeded. The lines have the layout `stance score` writes; their texts and scores are random.

    scripts/make-score-lines.py OUT.jsonl [N]
"""
import json
import random
import sys

out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
rng = random.Random(7)
actors = ["China", "Russia", "Ukraine", "United States", "NATO", "European Union", "India", "Iran"]
outlets = ["Harbour Times", "Capital Ledger", "Northern Wire", "Daily Meridian", "Evening Post"]
with open(out, "w", encoding="utf-8") as f:
    for i in range(n):
        doc = i // 10
        drng = random.Random(doc)
        date = f"{2022 + drng.randrange(3)}-{1 + drng.randrange(12):02d}-{1 + drng.randrange(28):02d}"
        actor = rng.choice(actors)
        s, c = rng.random() * 0.6, rng.random() * 0.4
        scores = {"supportive": round(s, 4), "critical": round(c, 4), "neutral": round(1 - s - c, 4)}
        stance = max(scores, key=scores.get)
        text = f"Sentence {i % 10} of document {doc}, about {actor} and what was said of it."
        f.write(json.dumps({
            "doc": f"doc-{doc}", "sentence": i % 10, "start": 0, "end": len(text), "text": text,
            "actors": [{"actor": actor, "kind": "country",
                        "mentions": [{"text": actor, "start": 32, "end": 32 + len(actor), "via": "alias"}],
                        "stance": stance, "scores": scores}],
            "model": "bench@0000", "version": "0.1.0",
            "fields": {"date": date, "outlet": outlets[doc % 5]},
        }) + "\n")
