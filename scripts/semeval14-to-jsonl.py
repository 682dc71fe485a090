#!/usr/bin/env python3
"""SemEval-2014 Task 4 (aspect-based sentiment; Pontiki et al., 2014) training XML to stance's simple JSONL,
split by sentence into train / dev / test (80 / 10 / 10, by a hash of the sentence id, so the split is the same
on every machine). Aspect terms become targets with their character offsets; positive → supportive,
negative → critical, neutral → neutral; `conflict` terms are left out (as usual for this data set). Used to check
the training recipes on a second data set (BENCHMARKS.md); the data are not part of this project.

    scripts/semeval14-to-jsonl.py Restaurants_Train_v2.xml OUT_DIR
"""
import hashlib
import json
import os
import sys
import xml.etree.ElementTree as ET

LABELS = {"positive": "supportive", "negative": "critical", "neutral": "neutral"}


def split_of(sentence_id):
    h = int(hashlib.sha256(sentence_id.encode()).hexdigest(), 16) % 10
    return "test" if h == 0 else "dev" if h == 1 else "train"


def main(src, out):
    os.makedirs(out, exist_ok=True)
    files = {s: open(os.path.join(out, f"{s}.jsonl"), "w") for s in ("train", "dev", "test")}
    counts = {s: 0 for s in files}
    dropped = 0
    for sent in ET.parse(src).getroot().iter("sentence"):
        sid, text = sent.get("id"), sent.findtext("text")
        split = split_of(sid)
        for k, a in enumerate(sent.iter("aspectTerm")):
            label = LABELS.get(a.get("polarity"))
            if label is None:
                dropped += 1
                continue
            start, end = int(a.get("from")), int(a.get("to"))
            assert text[start:end] == a.get("term"), (sid, a.get("term"))
            row = {"id": f"{sid}#{k}", "text": text, "target": a.get("term"), "start": start, "end": end, "label": label}
            files[split].write(json.dumps(row, ensure_ascii=False) + "\n")
            counts[split] += 1
    for f in files.values():
        f.close()
    print(json.dumps({"pairs": counts, "conflict_dropped": dropped}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
