#!/usr/bin/env bash
# CPU inference benchmark: `stance eval` and the Python + PyTorch peer on the same pairs (all 803
# (sentence, target) pairs of NewsMTSC test-rw), the same thread count, in the same run.
#
#   PEER_PYTHON=/path/to/venv/bin/python scripts/bench.sh [THREADS] [MODEL_DIR]
#
# PEER_PYTHON: a Python with torch and transformers (see the peer's README); PEER_ORT=1 also runs
# the peer's ONNX Runtime backend (needs onnxruntime, onnx and onnxscript in that Python; the model
# is exported to a temporary folder first), in f32 and with ONNX Runtime's dynamic int8
# quantisation (`quantize_dynamic`, int8 weights per channel; BERT-family encoders only, as the
# peer's export); PEER_DIR: the peer's
# scripts (default ../shared/peer); PEER_BASE: the base encoder folder the peer runs (default
# models/base/all-MiniLM-L6-v2; models/base/all-mpnet-base-v2 for an MPNet model); DATA: test-rw.jsonl (default ../shared/datasets/newsmtsc/test-rw.jsonl).
# MODEL_DIR: a stance model directory (default models/minilm-newsmtsc). Prints a table and writes
# bench-results/cpu-<date>.json. stance runs in its default arithmetic (int8 linear layers where the
# CPU has AVX-512 VNNI or AVX2) and in f32; both F1m on the pairs are printed beside the speed, so the
# accuracy cost of int8 is measured in the same run. stance numbers are the median of 3 runs; end-to-end pairs/s
# exclude model loading and include tokenisation, as the peer's do. After the full table, stance and
# the peer's best batch size run alternately, 3 rounds, so that the machine's drift hits both alike:
# the headline ratio is the median of the per-round ratios.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
THREADS="${1:-2}"
MODEL="${2:-models/minilm-newsmtsc}"
PEER_BASE="${PEER_BASE:-$ROOT/models/base/all-MiniLM-L6-v2}"
PEER_DIR="${PEER_DIR:-../shared/peer}"
DATA="${DATA:-../shared/datasets/newsmtsc/test-rw.jsonl}"
OUT_DIR="bench-results"
mkdir -p "$OUT_DIR"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"

[ -f "$DATA" ] || { echo "error: $DATA not found (set DATA)" >&2; exit 1; }
[ -f "$MODEL/stance.json" ] || { echo "error: $MODEL is not a stance model directory" >&2; exit 1; }
scripts/setup-base-model.sh >/dev/null
cargo build --release --quiet
BIN=target/release/stance

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run_stance() { # args… → pairs/s (median of 3)
  for _ in 1 2 3; do
    "$BIN" --threads "$THREADS" eval --model "$MODEL" --data "$DATA" "$@" | sed -n 's/^\([0-9.]*\) pairs\/s.*/\1/p'
  done | median
}
peak_rss_mb() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.0f", $1/1024}'; }

f1m_of() { "$BIN" --threads "$THREADS" eval --model "$MODEL" --data "$DATA" "$@" | sed -n 's/.*F1m \([0-9.]*\).*/\1/p'; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); threads: $THREADS"
ARITH=$("$BIN" --threads "$THREADS" eval --model "$MODEL" --data "$DATA" | sed -n 's/^model .*(\(.*\))$/\1/p')
S_SORTED=$(run_stance)
S_F32=$(run_stance --precision f32)
S_FILE=$(run_stance --no-sort --max-batch 32)
S_THREADED=$(run_stance --parallel-batches 1)
F1_DEFAULT=$(f1m_of)
F1_F32=$(f1m_of --precision f32)
S_RSS=$(peak_rss_mb "$BIN" --threads "$THREADS" eval --model "$MODEL" --data "$DATA")

PEER_JSON="$OUT_DIR/peer-torch-$STAMP.json"
if [ -n "${PEER_PYTHON:-}" ]; then
  MINILM_DIR="$PEER_BASE" HF_HUB_OFFLINE=1 \
    "$PEER_PYTHON" "$PEER_DIR/bench_infer.py" --backend torch --threads "$THREADS" --batch-sizes "${PEER_BATCHES:-1,8,32,64}" --out "$PEER_JSON" >&2
else
  echo "PEER_PYTHON not set: peer skipped" >&2
fi

# ort_bench MODEL.onnx OUT.json: the peer's ONNX Runtime backend on one exported model.
ort_bench() {
  MINILM_DIR="$PEER_BASE" HF_HUB_OFFLINE=1 \
    "$PEER_PYTHON" "$PEER_DIR/bench_infer.py" --backend ort --onnx "$1" --threads "$THREADS" \
    --batch-sizes "${PEER_BATCHES:-1,8,32,64}" --out "$2" >&2
}
ORT_JSON="$OUT_DIR/peer-ort-$STAMP.json"
ORT8_JSON="$OUT_DIR/peer-ort-int8-$STAMP.json"
if [ -n "${PEER_PYTHON:-}" ] && [ "${PEER_ORT:-0}" = 1 ]; then
  ONNX_DIR="$(mktemp -d)"
  MINILM_DIR="$PEER_BASE" HF_HUB_OFFLINE=1 \
    "$PEER_PYTHON" "$PEER_DIR/bench_infer.py" --threads "$THREADS" --attn eager --export-onnx "$ONNX_DIR/spc_cls.onnx" >&2
  ort_bench "$ONNX_DIR/spc_cls.onnx" "$ORT_JSON"
  "$PEER_PYTHON" - "$ONNX_DIR/spc_cls.onnx" "$ONNX_DIR/spc_cls.int8.onnx" <<'PY' >&2
import sys
from onnxruntime.quantization import QuantType, quantize_dynamic
quantize_dynamic(sys.argv[1], sys.argv[2], weight_type=QuantType.QInt8, per_channel=True)
PY
  ort_bench "$ONNX_DIR/spc_cls.int8.onnx" "$ORT8_JSON"
  rm -rf "$ONNX_DIR"
fi

ROUNDS=""
if [ -f "$PEER_JSON" ]; then
  BEST_BS=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['rows']; print(max(r, key=lambda x: x['e2e_ex_per_s'])['batch'])" "$PEER_JSON")
  for i in 1 2 3; do
    S=$("$BIN" --threads "$THREADS" eval --model "$MODEL" --data "$DATA" | sed -n 's/^\([0-9.]*\) pairs\/s.*/\1/p')
    MINILM_DIR="$PEER_BASE" HF_HUB_OFFLINE=1 "$PEER_PYTHON" "$PEER_DIR/bench_infer.py" --backend torch \
      --threads "$THREADS" --batch-sizes "$BEST_BS" --repeats 1 --out "$OUT_DIR/round.json" >&2
    P=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['rows'][0]['e2e_ex_per_s'])" "$OUT_DIR/round.json")
    ROUNDS="$ROUNDS $S:$P"
  done
  rm -f "$OUT_DIR/round.json"
fi

python3 - "$S_SORTED" "$S_FILE" "$S_THREADED" "$S_RSS" "${P_RSS:-}" "$PEER_JSON" "$OUT_DIR/cpu-$STAMP.json" "$THREADS" "$ROUNDS" "$S_F32" "$ARITH" "$F1_DEFAULT" "$F1_F32" "$ORT_JSON" "$ORT8_JSON" <<'PY'
import json, os, sys
s_sorted, s_file, s_thr, s_rss, p_rss, peer_json, out, threads, rounds, s_f32, arith, f1_def, f1_f32, ort_json, ort8_json = sys.argv[1:16]
res = {"threads": int(threads), "stance": {"arithmetic": arith, "length_sorted_pairs_per_s": float(s_sorted),
       "f32_length_sorted_pairs_per_s": float(s_f32), "file_order_batch32_pairs_per_s": float(s_file),
       "one_batch_threaded_kernels_pairs_per_s": float(s_thr), "peak_rss_mb": int(s_rss),
       "f1m_default": float(f1_def), "f1m_f32": float(f1_f32)}}
rows = [(f"stance ({arith}), length-sorted, one batch per thread (default)", float(s_sorted)),
        ("stance (f32), length-sorted, one batch per thread", float(s_f32)),
        (f"stance ({arith}), file order, batches of 32", float(s_file)),
        (f"stance ({arith}), length-sorted, one batch at a time, threaded kernels", float(s_thr))]
best = None
if os.path.exists(peer_json):
    peer = json.load(open(peer_json))
    res["peer"] = peer
    per_bs = {}
    for r in peer["rows"]:
        per_bs[r["batch"]] = r["e2e_ex_per_s"]
    for bs, v in sorted(per_bs.items()):
        rows.append((f"PyTorch peer, file order, batch {bs}", v))
    if per_bs:
        best = max(per_bs.values())
        res["peer_best_pairs_per_s"] = best
        res["ratio_stance_over_peer_best"] = float(s_sorted) / best
    res["peer_peak_rss_mb"] = int(peer.get("peak_rss_mb_vmhwm") or 0)
    p_rss = str(res["peer_peak_rss_mb"])
# The ONNX Runtime peers: (result file, key, row label, what the ratio line calls it).
ort_peers = [(ort_json, "ort", "peer on ONNX Runtime", "ONNX Runtime"),
             (ort8_json, "ort_int8", "peer on ONNX Runtime, dynamic int8", "ONNX Runtime dynamic-int8")]
ort_ratios = []
for path, key, label, what in ort_peers:
    if not os.path.exists(path):
        continue
    peer_run = json.load(open(path))
    res[f"peer_{key}"] = peer_run
    per_bs = {r["batch"]: r["e2e_ex_per_s"] for r in peer_run["rows"]}
    for bs, v in sorted(per_bs.items()):
        rows.append((f"{label}, file order, batch {bs}", v))
    if per_bs:
        res[f"ratio_stance_over_{key}_best"] = float(s_sorted) / max(per_bs.values())
        ort_ratios.append((what, res[f"ratio_stance_over_{key}_best"]))
print(f"{'configuration':<72} {'pairs/s':>8} {'vs peer best':>12}")
for name, v in rows:
    ratio = f"{v / best:.2f}x" if best else "-"
    print(f"{name:<72} {v:>8.1f} {ratio:>12}")
for what, ratio in ort_ratios:
    print(f"stance default vs the peer's best {what} batch size: {ratio:.2f}x")
print(f"F1m on these pairs: stance {arith} {f1_def}, stance f32 {f1_f32} (difference {float(f1_def) - float(f1_f32):+.2f})")
print(f"peak RSS: stance {s_rss} MB" + (f", peer {p_rss} MB" if p_rss else ""))
pairs = [tuple(float(v) for v in r.split(":")) for r in rounds.split()]
if pairs:
    ratios = sorted(a / b for a, b in pairs)
    res["interleaved_rounds"] = [{"stance": a, "peer_best_batch": b, "ratio": a / b} for a, b in pairs]
    res["ratio_interleaved_median"] = ratios[len(ratios) // 2]
    print("interleaved rounds (stance default vs peer best batch size):")
    for a, b in pairs:
        print(f"  stance {a:7.1f}   peer {b:7.1f}   ratio {a / b:.2f}x")
    print(f"median ratio {ratios[len(ratios) // 2]:.2f}x")
json.dump(res, open(out, "w"), indent=1)
print("wrote", out)
PY
