#!/usr/bin/env bash
# Reader throughput per archive format: one synthetic archive (scripts/make-archive.py, N articles)
# as JSONL, CSV, JSONL.gz, CSV.gz, JSONL.zst and Parquet (snappy; needs python3 with pyarrow, else
# left out), each read by `stance pairs` (reading, segmentation, actor mentions; no model) into
# /dev/null, ROUNDS rounds interleaved. Prints seconds and documents/s per format.
#
#   scripts/bench-formats.sh [N] [ROUNDS] [WORK_DIR]
#
# PYTHON: a python3 with pyarrow for the Parquet file (default python3).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-5000}"
ROUNDS="${2:-2}"
WORK="${3:-$(mktemp -d)}"
PY="${PYTHON:-python3}"
DATA_DIR="${DATA_DIR:-$ROOT/../shared/datasets/newsmtsc}"
EXAMPLE="${EXAMPLE:-$ROOT/../shared/examples/china-russia-ukraine.txt}"
(cd "$ROOT" && cargo build --release --quiet)
S="$ROOT/target/release/stance"
mkdir -p "$WORK"
cd "$WORK"
python3 "$ROOT/scripts/make-archive.py" "$N" "$DATA_DIR/train.jsonl" "$EXAMPLE" arch.jsonl
python3 - <<'PY'
import csv, json
rows = [json.loads(l) for l in open("arch.jsonl", encoding="utf-8")]
with open("arch.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    w.writerows(rows)
PY
gzip -kf arch.jsonl
gzip -c arch.csv > arch.csv.gz
FORMATS=(arch.jsonl arch.csv arch.jsonl.gz arch.csv.gz)
if command -v zstd >/dev/null; then zstd -qf arch.jsonl -o arch.jsonl.zst; FORMATS+=(arch.jsonl.zst); fi
if "$PY" -c "import pyarrow" 2>/dev/null; then
  "$PY" -c "import pyarrow.json as j, pyarrow.parquet as q; q.write_table(j.read_json('arch.jsonl'), 'arch.parquet')"
  FORMATS+=(arch.parquet)
fi
for r in $(seq "$ROUNDS"); do
  for f in "${FORMATS[@]}"; do
    t0=$(date +%s.%N)
    "$S" --threads 2 -q pairs "$f" -o /dev/null
    t1=$(date +%s.%N)
    python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print(f'round $r  {sys.argv[3]:15s} {s:6.2f} s  {int(sys.argv[4])/s:8.0f} documents/s')" "$t0" "$t1" "$f" "$N"
  done
done
