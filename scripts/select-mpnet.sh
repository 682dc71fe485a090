#!/usr/bin/env bash
# Applies the MPNet card's selection rule, fixed before test-rw is scored: the candidates are the
# finished runs (each as the epoch `stance train` saved, chosen by dev-rw F1m) and their uniform
# weight average; the winner has the highest mean of dev-rw and dev-mt F1m (f32, as recorded in
# each stance.json). Writes the average to OUT_DIR/soup (calibrated on the dev sets by `stance
# average`) and the table to OUT_DIR/choice.tsv. It does not touch test-rw: score the winner once,
# after this, with `stance eval --precision f32 --data …/test-rw.jsonl`.
#
#   scripts/select-mpnet.sh OUT_DIR models/mpnet-newsmtsc ../runs/mpnet-s43
#
# DATA_DIR: NewsMTSC (default ../shared/datasets/newsmtsc); THREADS (default: all cores).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:?usage: scripts/select-mpnet.sh OUT_DIR MODEL_DIR MODEL_DIR...}"
shift
[ "$#" -ge 2 ] || { echo "select-mpnet: give at least two finished runs or models" >&2; exit 2; }
DATA_DIR="${DATA_DIR:-$ROOT/../shared/datasets/newsmtsc}"
THREADS="${THREADS:-$(nproc)}"
STANCE="$ROOT/target/release/stance"
for m in "$@"; do
  [ -f "$m/model.safetensors" ] && [ -f "$m/stance.json" ] \
    || { echo "select-mpnet: $m: no finished model (model.safetensors and stance.json)" >&2; exit 2; }
done
(cd "$ROOT" && cargo build --release --quiet)
mkdir -p "$OUT"
MODELS=()
for m in "$@"; do MODELS+=(--model "$m"); done
"$STANCE" --threads "$THREADS" average "${MODELS[@]}" --out "$OUT/soup" --save-f16 \
  --dev "$DATA_DIR/dev-rw.jsonl" --dev "$DATA_DIR/dev-mt.jsonl"
python3 - "$@" "$OUT/soup" > "$OUT/choice.tsv.tmp" <<'PY'
import json, sys
rows = []
for d in sys.argv[1:]:
    meta = json.load(open(f"{d}/stance.json"))
    f1 = {}
    for s in meta["dev_scores"]["scores"]:
        for split in ("dev-rw", "dev-mt"):
            if split in s["data"]:
                f1[split] = 100 * s["f1m"]
    if len(f1) != 2:
        sys.exit(f"select-mpnet: {d}/stance.json lacks dev-rw or dev-mt scores")
    rw, mt = f1["dev-rw"], f1["dev-mt"]
    rows.append((d, meta["dev_scores"].get("epoch", "-"), rw, mt, (rw + mt) / 2))
print("candidate\tepoch\tdev-rw F1m\tdev-mt F1m\tmean")
for d, e, rw, mt, mean in rows:
    print(f"{d}\t{e}\t{rw:.2f}\t{mt:.2f}\t{mean:.3f}")
print(f"chosen\t{max(rows, key=lambda r: r[4])[0]}")
PY
mv "$OUT/choice.tsv.tmp" "$OUT/choice.tsv"
cat "$OUT/choice.tsv"
