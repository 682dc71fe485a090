#!/usr/bin/env bash
# CPU training benchmark: `stance train` and the Python + PyTorch peer fine-tune the same encoder on
# the same first N pairs of NewsMTSC train.jsonl, batch 16, same threads, in the same run.
#
#   PEER_PYTHON=/path/to/venv/bin/python scripts/bench-train.sh [THREADS] [PAIRS]
#
# PEER_PYTHON: a Python with torch and transformers (see the peer's README); PEER_DIR: the peer's
# scripts (default ../shared/peer); DATA_DIR: NewsMTSC (default ../shared/datasets/newsmtsc).
# Both sides train one epoch over the first PAIRS pairs (default 960 = 60 steps) with length-grouped
# batches and the target marked in the sentence; the figure is training pairs per second over the
# epoch (dev scoring and model loading excluded). The peer also runs its own random-batch probe
# (bench_train.py), the figure its README quotes. Writes bench-results/train-<date>.json.
# BASE: the base encoder folder (default models/base/all-MiniLM-L6-v2; models/base/all-mpnet-base-v2
# for MPNet). DEFAULT_ONLY=1: only stance's default configuration and the peer's grouped run (a
# base-size encoder takes minutes per configuration).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
THREADS="${1:-2}"
PAIRS="${2:-960}"
PEER_DIR="${PEER_DIR:-../shared/peer}"
DATA_DIR="${DATA_DIR:-../shared/datasets/newsmtsc}"
OUT_DIR="bench-results"
mkdir -p "$OUT_DIR"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

[ -f "$DATA_DIR/train.jsonl" ] || { echo "error: $DATA_DIR/train.jsonl not found (set DATA_DIR)" >&2; exit 1; }
scripts/setup-base-model.sh >/dev/null
cargo build --release --quiet
BIN=target/release/stance
BASE="${BASE:-models/base/all-MiniLM-L6-v2}"

# The first PAIRS pairs: NewsMTSC lines hold one sentence and one or more targets; keep whole lines
# until PAIRS targets are reached.
python3 - "$DATA_DIR/train.jsonl" "$TMP/train.jsonl" "$PAIRS" <<'PY'
import json, sys
src, dst, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
n = 0
with open(src) as f, open(dst, "w") as out:
    for line in f:
        if n >= want:
            break
        out.write(line)
        n += len(json.loads(line).get("targets", [None]))
print(f"{n} pairs in {dst}", file=sys.stderr)
PY

stance_rate() { # label, extra flags… → pairs/s of the training epoch
  local label="$1"; shift
  rm -rf "$TMP/out"
  "$BIN" --threads "$THREADS" train --base "$BASE" --train "$TMP/train.jsonl" --out "$TMP/out" \
    --epochs 1 --batch-size 16 "$@" >/dev/null 2>"$TMP/err" || { cat "$TMP/err" >&2; exit 1; }
  python3 -c "import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get('type') == 'epoch': print(r['record']['pairs_per_second'])" "$TMP/out/train-log.jsonl"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); threads: $THREADS"
S_SPLIT=$(stance_rate split)
S_SPLIT_FROZEN=0; S_WHOLE=0
if [ "${DEFAULT_ONLY:-0}" != 1 ]; then
  S_SPLIT_FROZEN=$(stance_rate split-frozen --freeze-word-embeddings)
  S_WHOLE=$(stance_rate whole --micro-batches 1)
fi

P_GROUPED=""; P_PROBE=""
if [ -n "${PEER_PYTHON:-}" ]; then
  # The peer reads NewsMTSC from its own data path; --limit keeps the first PAIRS examples of each split.
  MINILM_DIR="$ROOT/$BASE" HF_HUB_OFFLINE=1 "$PEER_PYTHON" "$PEER_DIR/train_newsmtsc.py" --threads "$THREADS" \
    --limit "$PAIRS" --epochs 1 --bs 16 --group-by-length --mark punct --pool marker \
    --outdir "$TMP/peer-results" --save "$TMP/peer-ckpt" >"$TMP/peer.out" 2>&1 || { cat "$TMP/peer.out" >&2; exit 1; }
  P_GROUPED=$(sed -n 's/.*epoch 1: .*(\([0-9.]*\) ex\/s.*/\1/p' "$TMP/peer.out" | head -1)
  if [ "${DEFAULT_ONLY:-0}" != 1 ]; then
    MINILM_DIR="$ROOT/$BASE" HF_HUB_OFFLINE=1 "$PEER_PYTHON" "$PEER_DIR/bench_train.py" --threads "$THREADS" \
      --steps 40 >"$TMP/probe.out" 2>&1 || { cat "$TMP/probe.out" >&2; exit 1; }
    P_PROBE=$(sed -n 's/.* -> \([0-9.]*\) ex\/s.*/\1/p' "$TMP/probe.out" | head -1)
  fi
else
  echo "PEER_PYTHON not set: peer skipped" >&2
fi

python3 - "$OUT_DIR/train-$STAMP.json" "$THREADS" "$PAIRS" "$S_SPLIT" "$S_SPLIT_FROZEN" "$S_WHOLE" "$P_GROUPED" "$P_PROBE" <<'PY'
import json, os, sys
out, threads, pairs, s_split, s_frozen, s_whole, p_grouped, p_probe = sys.argv[1:9]
rows = [("stance, micro-batches (default), all weights", float(s_split))]
if float(s_frozen) > 0:
    rows += [("stance, micro-batches, word embeddings frozen", float(s_frozen)),
             ("stance, whole batch, threaded kernels (--micro-batches 1)", float(s_whole))]
ref = float(p_grouped) if p_grouped else None
if p_grouped:
    rows.append(("PyTorch peer, length-grouped batches, marked target, all weights", float(p_grouped)))
if p_probe:
    rows.append(("PyTorch peer probe, random batches, all weights", float(p_probe)))
print(f"{'configuration':<66} {'pairs/s':>8} {'vs peer (grouped)':>18}")
for name, v in rows:
    print(f"{name:<66} {v:>8.1f} {(f'{v / ref:.2f}x' if ref else '-'):>18}")
json.dump({"threads": int(threads), "pairs": int(pairs), "base": os.environ.get("BASE", "models/base/all-MiniLM-L6-v2"), "rows": [{"name": n, "pairs_per_s": v} for n, v in rows]},
          open(out, "w"), indent=1)
print("wrote", out)
PY
