#!/usr/bin/env bash
# Unlabelled (sentence, target) pairs for distillation from NewsMTSC's training sentences: every
# actor the shipped gazetteer finds in them (`stance pairs`), less the pairs that are labelled
# already. Only train.jsonl is read: no dev or test sentence enters training.
#
#   scripts/unlabelled-newsmtsc.sh OUT.jsonl
#
# DATA_DIR: NewsMTSC (default ../shared/datasets/newsmtsc).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:?usage: scripts/unlabelled-newsmtsc.sh OUT.jsonl}"
DATA_DIR="${DATA_DIR:-$ROOT/../shared/datasets/newsmtsc}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$ROOT" && cargo build --release --quiet)
python3 - "$DATA_DIR/train.jsonl" "$WORK/sentences.jsonl" <<'PY'
import json, sys
seen = {}
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        r = json.loads(line)
        seen.setdefault(r["sentence_normalized"], len(seen))
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for text, i in seen.items():
        f.write(json.dumps({"id": f"s{i}", "text": text}) + "\n")
PY
"$ROOT/target/release/stance" pairs "$WORK/sentences.jsonl" -o "$WORK/pairs.jsonl"
python3 - "$DATA_DIR/train.jsonl" "$WORK/pairs.jsonl" "$OUT" <<'PY'
import json, sys
labelled = set()
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        r = json.loads(line)
        for t in r["targets"]:
            labelled.add((r["sentence_normalized"], t["from"], t["to"]))
kept = dropped = 0
with open(sys.argv[3], "w", encoding="utf-8") as f:
    for line in open(sys.argv[2], encoding="utf-8"):
        p = json.loads(line)
        # NewsMTSC offsets are characters of sentence_normalized, as are the pairs'.
        if (p["text"], p["start"], p["end"]) in labelled:
            dropped += 1
            continue
        f.write(line)
        kept += 1
print(f"{kept} unlabelled pairs written to {sys.argv[3]} ({dropped} already labelled left out)")
PY
