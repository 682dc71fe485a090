#!/usr/bin/env bash
# Two builds of stance side by side on the same machine, in one run: the same predictions (F1m to
# the last digit, f32 and int8, test-rw and dev-rw) and the throughput of `eval` and `score`
# (ROUNDS interleaved runs each, median pairs/s, ratio NEW/OLD). For checking that a change that
# should not move the numbers (a refactoring) does not.
#
#   scripts/bench-compare.sh OLD_BINARY NEW_BINARY [ROUNDS] [MODEL_DIR]
#
# Build the old one from a worktree, e.g.
#   git worktree add ../old REV && (cd ../old && CARGO_TARGET_DIR=../old-target cargo build --release)
# DATA_DIR: NewsMTSC (default ../shared/datasets/newsmtsc); THREADS (default 2); N articles (300);
# NEW_FLAGS: extra flags for the new binary's eval and score (e.g. --pad-batches).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OLD="${1:?usage: scripts/bench-compare.sh OLD_BINARY NEW_BINARY [ROUNDS] [MODEL_DIR]}"
NEW="${2:?usage: scripts/bench-compare.sh OLD_BINARY NEW_BINARY [ROUNDS] [MODEL_DIR]}"
ROUNDS="${3:-5}"
MODEL="${4:-$ROOT/models/minilm-newsmtsc}"
DATA_DIR="${DATA_DIR:-$ROOT/../shared/datasets/newsmtsc}"
THREADS="${THREADS:-2}"
N="${N:-300}"
read -r -a NEW_FLAGS <<< "${NEW_FLAGS:-}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$ROOT/scripts/make-archive.py" "$N" "$DATA_DIR/train.jsonl" "$ROOT/datasets/examples/diplomacy-brief.txt" "$WORK/archive.jsonl"
echo "== predictions (must be identical)"
for data in test-rw dev-rw; do
  for prec in f32 int8; do
    for who in old new; do
      bin="$OLD"; flags=(); [ "$who" = new ] && bin="$NEW" && flags=("${NEW_FLAGS[@]}")
      "$bin" --threads "$THREADS" eval --model "$MODEL" --precision "$prec" --data "$DATA_DIR/$data.jsonl" \
        --report "$WORK/$who-$data-$prec.json" --predictions "$WORK/$who-$data-$prec.pred.jsonl" "${flags[@]}" > /dev/null 2>&1
    done
    python3 - "$WORK" "$data" "$prec" <<'PY'
import json, sys
w, data, prec = sys.argv[1:]
f1 = [json.load(open(f"{w}/{who}-{data}-{prec}.json"))["metrics"]["f1m"] for who in ("old", "new")]
same = open(f"{w}/old-{data}-{prec}.pred.jsonl").read() == open(f"{w}/new-{data}-{prec}.pred.jsonl").read()
print(f"{data:8} {prec:5} F1m old {100*f1[0]:.4f} new {100*f1[1]:.4f}  predictions identical: {same}")
PY
  done
done
echo "== throughput ($ROUNDS interleaved rounds, $THREADS threads)"
for r in $(seq "$ROUNDS"); do
  for who in old new; do
    bin="$OLD"; flags=(); [ "$who" = new ] && bin="$NEW" && flags=("${NEW_FLAGS[@]}")
    "$bin" --threads "$THREADS" eval --model "$MODEL" --data "$DATA_DIR/test-rw.jsonl" --report "$WORK/t-$who-$r.json" "${flags[@]}" > /dev/null 2>&1
    "$bin" --threads "$THREADS" score "$WORK/archive.jsonl" --model "$MODEL" -o "$WORK/s-$who-$r.jsonl" "${flags[@]}" 2> "$WORK/s-$who-$r.log"
  done
done
python3 - "$WORK" "$ROUNDS" <<'PY'
import json, re, statistics, sys
w, rounds = sys.argv[1], int(sys.argv[2])
def score_rate(who, r):
    return float(re.search(r"\(([\d.]+) pairs/s", open(f"{w}/s-{who}-{r}.log").read()).group(1))
for name, get in [("eval test-rw (int8)", lambda who, r: json.load(open(f"{w}/t-{who}-{r}.json"))["pairs_per_second"]),
                  ("score archive (int8)", score_rate)]:
    old = statistics.median(get("old", r) for r in range(1, rounds + 1))
    new = statistics.median(get("new", r) for r in range(1, rounds + 1))
    print(f"{name:22} old {old:8.1f} pairs/s  new {new:8.1f} pairs/s  new/old {new/old:.3f}")
PY
echo "score outputs identical: $(cmp -s "$WORK/s-old-1.jsonl" "$WORK/s-new-1.jsonl" && echo true || echo false)"
