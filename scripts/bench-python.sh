#!/usr/bin/env bash
# The Python package against the CLI, same machine, same run, interleaved rounds (median):
#  1. `Model.evaluate(test-rw)` against `stance eval --data test-rw` (the library's own pairs/s,
#     model loading excluded on both sides), for the default and the fast model;
#  2. `Model.predict` on 10,000 pairs (NewsMTSC train, then the dev and test files: the first 10,000 targets) against
#     `stance predict --input FILE --output OUT`, end to end as a user runs them (process start,
#     model loading, reading the pairs, predicting, results in hand), fast model.
#
#   PYTHON=/path/to/venv/bin/python scripts/bench-python.sh [ROUNDS]
#
# PYTHON: a Python with the package installed (`pip install ./python`, release build);
# DATA_DIR: NewsMTSC (default ../shared/datasets/newsmtsc); THREADS (default 2).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:?set PYTHON to a Python with the stance package installed}"
ROUNDS="${1:-3}"
DATA_DIR="${DATA_DIR:-$ROOT/../shared/datasets/newsmtsc}"
THREADS="${THREADS:-2}"
cargo build --release --quiet
BIN="$ROOT/target/release/stance"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# 10,000 (sentence, target) pairs, one target per line, in the labelled format both sides read.
python3 - "$DATA_DIR/train.jsonl" "$DATA_DIR/dev-rw.jsonl" "$DATA_DIR/dev-mt.jsonl" "$DATA_DIR/test-rw.jsonl" "$WORK/pairs.jsonl" <<'PY'
import json, sys
n = 0
with open(sys.argv[-1], "w") as out:
    for line in (l for path in sys.argv[1:-1] for l in open(path)):
        r = json.loads(line)
        for t in r["targets"]:
            if n == 10_000:
                break
            out.write(json.dumps({"primary_gid": f"p{n}", "sentence_normalized": r["sentence_normalized"],
                                  "targets": [{"from": t["from"], "to": t["to"], "mention": t["mention"]}]}) + "\n")
            n += 1
print(f"{n} pairs", file=sys.stderr)
PY

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); threads: $THREADS; rounds: $ROUNDS"

for model in default fast; do
  : > "$WORK/cli" ; : > "$WORK/py"
  for _ in $(seq "$ROUNDS"); do
    "$BIN" --threads "$THREADS" eval --model "$model" --data "$DATA_DIR/test-rw.jsonl" --report "$WORK/r.json" > /dev/null
    python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['pairs_per_second'])" "$WORK/r.json" >> "$WORK/cli"
    "$PY" - "$model" "$DATA_DIR/test-rw.jsonl" "$THREADS" >> "$WORK/py" <<'PY'
import sys, stance
m = stance.Model.load(sys.argv[1], threads=int(sys.argv[3]))
print(m.evaluate(sys.argv[2])["pairs_per_second"])
PY
  done
  c=$(median < "$WORK/cli"); p=$(median < "$WORK/py")
  echo "evaluate test-rw, $model model: CLI $(printf %.1f "$c") pairs/s, Python $(printf %.1f "$p") pairs/s, Python/CLI $(python3 -c "print(f'{$p/$c:.3f}')")"
done

: > "$WORK/cli" ; : > "$WORK/py"
for _ in $(seq "$ROUNDS"); do
  s=$(date +%s.%N)
  "$BIN" --threads "$THREADS" --quiet predict --model fast --input "$WORK/pairs.jsonl" --output "$WORK/out.jsonl"
  python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$s" "$(date +%s.%N)" >> "$WORK/cli"
  s=$(date +%s.%N)
  "$PY" - "$WORK/pairs.jsonl" "$THREADS" <<'PY'
import json, sys, stance
texts, targets, spans = [], [], []
for line in open(sys.argv[1]):
    r = json.loads(line)
    t = r["targets"][0]
    texts.append(r["sentence_normalized"]); targets.append(t["mention"]); spans.append((t["from"], t["to"]))
m = stance.Model.load("fast", threads=int(sys.argv[2]))
out = m.predict(texts, targets, spans)
assert len(out) == len(texts)
PY
  python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$s" "$(date +%s.%N)" >> "$WORK/py"
done
c=$(median < "$WORK/cli"); p=$(median < "$WORK/py")
echo "predict 10,000 pairs end to end, fast model: CLI $(printf %.2f "$c") s, Python $(printf %.2f "$p") s, Python/CLI time $(python3 -c "print(f'{$p/$c:.3f}')")"
