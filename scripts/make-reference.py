#!/usr/bin/env python3
"""Writes a reference fixture for the Rust encoder tests: token ids and last-layer hidden states
computed by Hugging Face transformers (PyTorch) for a few sentence pairs. Needs torch +
transformers; run once per base model:
    python3 scripts/make-reference.py models/base/all-MiniLM-L6-v2   # tests/fixtures/minilm-reference.json
    python3 scripts/make-reference.py models/base/all-mpnet-base-v2  # tests/fixtures/mpnet-reference.json
For MPNet the fixture also holds the relative-position bucket of every offset in -300..300, and
a long pair (over 128 tokens) so that the logarithmic and the capped buckets are exercised.
"""
import json
import sys

import torch
from transformers import AutoConfig, AutoModel, AutoTokenizer

PAIRS = [
    ("China praised @ Russia @ for its restraint.", "Russia"),
    ("@ Beijing @ said the sanctions on Moscow were unlawful and would fail.", "Beijing"),
]
LONG = (
    "In a long statement read out at the start of the annual meeting, officials from several "
    "capitals, including Paris, Berlin, Rome and Madrid, said that the talks with @ Moscow @ "
    "had reached a difficult stage, that the proposals tabled last week by the negotiators were "
    "neither complete nor acceptable in their present form, that further rounds would be needed "
    "before the end of the year, and that the member states would keep their sanctions in place "
    "until the other side showed a real willingness to compromise on the questions of borders, "
    "prisoners, energy supplies and the reconstruction of the damaged cities in the east."
)

path = sys.argv[1]
cfg = AutoConfig.from_pretrained(path)
is_mpnet = cfg.model_type == "mpnet"
name = "mpnet" if is_mpnet else "minilm"
pairs = PAIRS + ([(LONG, "Moscow")] if is_mpnet else [])
tok = AutoTokenizer.from_pretrained(path)
model = AutoModel.from_pretrained(path, add_pooling_layer=False).eval()
out = []
with torch.no_grad():
    for a, b in pairs:
        enc = tok(a, b, return_tensors="pt")
        hs = model(**enc).last_hidden_state[0]
        out.append({
            "first": a,
            "second": b,
            "input_ids": enc["input_ids"][0].tolist(),
            "token_type_ids": enc.get("token_type_ids", torch.zeros_like(enc["input_ids"]))[0].tolist(),
            "hidden": [[round(x, 6) for x in row] for row in hs.tolist()],
        })
doc = {"model": f"sentence-transformers/{path.rstrip('/').split('/')[-1]}", "pairs": out}
if is_mpnet:
    rel = torch.arange(-300, 301)
    buckets = model.encoder.relative_position_bucket(rel, num_buckets=cfg.relative_attention_num_buckets)
    doc["buckets"] = {"from": -300, "values": buckets.tolist()}
dest = f"tests/fixtures/{name}-reference.json"
json.dump(doc, open(dest, "w"))
print(f"wrote {dest} ({len(out)} pairs, lengths {[len(p['input_ids']) for p in out]})")
