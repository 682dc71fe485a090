#!/usr/bin/env bash
# The cost of references and holders in `score`: two builds on one synthetic archive of N articles
# (default 2000) in one run, ROUNDS interleaved runs each (default 3), median wall time, and the
# split between text work and the model from --stats-json. The new build also runs with
# --demonyms --discover score. Pairs differ between the builds (the new one finds more references),
# so seconds per pair and the text seconds are reported beside the wall time.
#
#   scripts/bench-references.sh OLD_BINARY NEW_BINARY [N] [ROUNDS] [MODEL]
#
# Build the old one from a worktree, e.g.
#   git worktree add ../old REV && (cd ../old && CARGO_TARGET_DIR=../old-target cargo build --release)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OLD="${1:?usage: scripts/bench-references.sh OLD_BINARY NEW_BINARY [N] [ROUNDS] [MODEL]}"
NEW="${2:?usage: scripts/bench-references.sh OLD_BINARY NEW_BINARY [N] [ROUNDS] [MODEL]}"
N="${3:-2000}"
ROUNDS="${4:-3}"
MODEL="${5:-$ROOT/models/minilm-distilled}"
TRAIN="${TRAIN:-$ROOT/../shared/datasets/newsmtsc/train.jsonl}"
THREADS="${THREADS:-2}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$ROOT/scripts/make-archive.py" "$N" "$TRAIN" "$ROOT/datasets/examples/diplomacy-brief.txt" "$WORK/archive.jsonl"
run() { # name binary flags...
  local name="$1" bin="$2"; shift 2
  local t0 t1
  t0=$(date +%s.%N)
  "$bin" --threads "$THREADS" score "$WORK/archive.jsonl" --model "$MODEL" --output "$WORK/$name.jsonl" \
    --stats-json "$@" 2> "$WORK/$name.err" > /dev/null
  t1=$(date +%s.%N)
  grep -o '{"stance_stats".*' "$WORK/$name.err" | python3 -c "
import json, sys
s = json.load(sys.stdin)['stance_stats']
print(json.dumps({'name': '$name', 'wall': $t1 - $t0, 'pairs': s['pairs'], 'text': s['seconds_text'], 'model': s['seconds_model']}))
" >> "$WORK/runs.jsonl"
}
for r in $(seq "$ROUNDS"); do
  run old "$OLD"
  run new "$NEW"
  run new-all "$NEW" --demonyms --discover score
done
python3 - "$WORK/runs.jsonl" "$N" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
med = lambda name, k: statistics.median(r[k] for r in runs if r["name"] == name)
old = med("old", "wall")
print(f"archive: {sys.argv[2]} articles, {len(runs) // 3} rounds (median)")
print(f"{'build':28} {'wall s':>8} {'pairs':>7} {'ms/pair':>8} {'text s':>7} {'model s':>8} {'wall/old':>9}")
for name, label in [("old", "previous"), ("new", "new (default)"), ("new-all", "new --demonyms --discover score")]:
    w, p = med(name, "wall"), med(name, "pairs")
    print(f"{label:28} {w:8.1f} {p:7.0f} {1000 * w / p:8.2f} {med(name, 'text'):7.2f} {med(name, 'model'):8.1f} {w / old:9.3f}")
PY
