#!/usr/bin/env python3
"""Writes tests/fixtures/minilm-reference.json: token ids and last-layer hidden states of
all-MiniLM-L6-v2 computed by Hugging Face transformers (PyTorch) for a few sentence pairs.
The Rust encoder is tested against these values. Needs torch + transformers; run once:
    python3 scripts/make-reference.py models/base/all-MiniLM-L6-v2
"""
import json
import sys

import torch
from transformers import AutoModel, AutoTokenizer

PAIRS = [
    ("China praised @ Russia @ for its restraint.", "Russia"),
    ("@ Beijing @ said the sanctions on Moscow were unlawful and would fail.", "Beijing"),
]

path = sys.argv[1]
tok = AutoTokenizer.from_pretrained(path)
model = AutoModel.from_pretrained(path, add_pooling_layer=False).eval()
out = []
with torch.no_grad():
    for a, b in PAIRS:
        enc = tok(a, b, return_tensors="pt")
        hs = model(**enc).last_hidden_state[0]
        out.append({
            "first": a,
            "second": b,
            "input_ids": enc["input_ids"][0].tolist(),
            "token_type_ids": enc["token_type_ids"][0].tolist(),
            "hidden": [[round(x, 6) for x in row] for row in hs.tolist()],
        })
json.dump({"model": "sentence-transformers/all-MiniLM-L6-v2", "pairs": out}, open("tests/fixtures/minilm-reference.json", "w"))
print("wrote tests/fixtures/minilm-reference.json")
