#!/usr/bin/env bash
# The Spark job against single-process `stance score` on the same archive, same run: a synthetic
# archive of N articles (default 2000; scripts/make-archive.py) in 4 files,
# scored (1) by `stance --threads 2 score`, (2) by scripts/spark-score.py in local[2] (two tasks at a
# time, one thread each), (3) in local[1]. Prints documents/s and pairs/s of each, wall time with and
# without the JVM start, and writes bench-results/spark-<time>.json.
#
#   scripts/bench-spark.sh [N] [MODEL_DIR]
#
# PARTITIONS (default 4): input partitions, i.e. stance processes, each loading the model once
# (about 0.7 s here): on one machine, few large partitions cost least.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
N="${1:-2000}"
MODEL="${2:-models/minilm-distilled}"
TRAIN="${TRAIN:-../shared/datasets/newsmtsc/train.jsonl}"
PARTITIONS="${PARTITIONS:-4}"
PY="$(scripts/setup-spark.sh)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cargo build --release --quiet
scripts/make-archive.py "$N" "$TRAIN" datasets/examples/diplomacy-brief.txt "$WORK/archive" 4
BIN="$ROOT/target/release/stance"
t0=$(date +%s.%N)
"$BIN" --threads 2 score "$WORK"/archive*.jsonl --model "$MODEL" -o "$WORK/single.jsonl" --stats-json 2> "$WORK/single.log"
t1=$(date +%s.%N)
spark() {  # cores threads label
  local s e
  s=$(date +%s.%N)
  "$PY" scripts/spark-score.py --master "local[$1]" --input "$WORK/archive*.jsonl" --output "$WORK/spark-$3" \
    --model "$MODEL" --binary "$BIN" --threads "$2" --partitions "$PARTITIONS" > "$WORK/spark-$3.log" 2> "$WORK/spark-$3.err"
  e=$(date +%s.%N)
  echo "$s $e" > "$WORK/spark-$3.time"
}
spark 2 1 two
spark 1 1 one
python3 - "$WORK" "$t0" "$t1" "$N" "$ROOT/bench-results" <<'PY'
import json, os, re, sys, time
work, t0, t1, n, outdir = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
single = [json.loads(l)["stance_stats"] for l in open(f"{work}/single.log") if l.startswith('{"stance_stats"')][0]
pairs = single["pairs"]
rows = {"single process, --threads 2": (t1 - t0, t1 - t0)}
for label, name in [("two", "Spark local[2], 2 tasks × 1 thread"), ("one", "Spark local[1], 1 task × 1 thread")]:
    s, e = map(float, open(f"{work}/spark-{label}.time").read().split())
    stats = [json.loads(l)["stance_spark"] for l in open(f"{work}/spark-{label}.log") if l.startswith('{"stance_spark"')][0]
    assert stats["pairs"] == pairs, (stats, pairs)
    err = open(f"{work}/spark-{label}.err").read()
    rows[name] = (e - s, stats["job_seconds"])
    a = sorted(open(f"{work}/single.jsonl").read().splitlines())
    b = sorted(l for f in sorted(os.listdir(f"{work}/spark-{label}")) if f.startswith("part-") for l in open(f"{work}/spark-{label}/{f}").read().splitlines())
    print(f"{name}: output equals single-process output: {a == b}")
base = rows["single process, --threads 2"][0]
# wall: the whole command (for Spark: JVM and session start included); job: Spark's job alone.
print(f"archive: {n} documents, {pairs} pairs")
result = {"documents": n, "pairs": pairs, "partitions": int(os.environ.get("PARTITIONS", "4")), "rows": []}
for name, (wall, inner) in rows.items():
    print(f"{name:38} wall {wall:6.1f} s (job {inner:6.1f} s)  {n / inner:7.1f} docs/s  {pairs / inner:7.1f} pairs/s  "
          f"job / single {inner / base:.3f}  wall / single {wall / base:.3f}")
    result["rows"].append({"configuration": name, "wall_seconds": wall, "job_seconds": inner, "docs_per_second": n / inner, "pairs_per_second": pairs / inner})
os.makedirs(outdir, exist_ok=True)
path = f"{outdir}/spark-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
json.dump(result, open(path, "w"), indent=1)
print("written", path)
PY
