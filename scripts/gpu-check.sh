#!/usr/bin/env bash
# GPU checks for a machine with an NVIDIA GPU (Hopper, sm_90) and no network.
#
#   scripts/gpu-check.sh prepare   # here: build the CUDA binary (~25 min from clean) and fill .gpu/ (git-ignored)
#   scripts/gpu-check.sh run       # there, with .gpu/ carried: parity CPU vs CUDA + throughput vs PyTorch (< 8 min)
#   scripts/gpu-check.sh train     # there: fine-tune four seeds on CUDA, average them, bring back the best on dev
#
# prepare needs a CUDA 13.0 build toolkit: CUDA_TOOLKIT_SCRIPT (default ../shared/cuda/setup-toolkit.sh) lays
# one out from PyPI wheels in CUDA_TOOLKIT_DIR. The CUDA build uses its own target dir (target-cuda).
# run compares, on all 803 test-rw pairs, the CPU binary's labels and probabilities with the CUDA
# binary's (f32 and f16), then times CUDA scoring of test-rw replicated to ~50k pairs against the
# peer's PyTorch inference (peer/gpu_bench.py) on the same card in the same call.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
G=.gpu
MODEL="${MODEL:-models/minilm-newsmtsc}"
SHARED="${SHARED:-../shared}"

prepare() {
  local tk="${CUDA_TOOLKIT_DIR:-/tmp/cuda-toolkit}"
  eval "$("${CUDA_TOOLKIT_SCRIPT:-$SHARED/cuda/setup-toolkit.sh}" "$tk" --env)"
  CARGO_TARGET_DIR=target-cuda cargo build --release --features cuda
  cargo build --release
  rm -rf "$G" && mkdir -p "$G/data" "$G/peer"
  xz -T0 -c target-cuda/release/stance > "$G/stance-cuda.xz"
  xz -T0 -c target/release/stance > "$G/stance-cpu.xz"
  cp -r "$MODEL" "$G/model"
  rm -rf "$G/model/checkpoint"
  cp "$SHARED/datasets/newsmtsc/"{train,dev-rw,dev-mt,test-rw}.jsonl "$G/data/"
  cp -r models/base/all-MiniLM-L6-v2 "$G/base"
  cp "$SHARED/peer/"*.py "$SHARED/peer/"*.sh "$G/peer/"
  (cd "$G" && python3 peer/make_carry.py >/dev/null 2>&1 || true)
  grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
  du -sh "$G"
  echo "carry .gpu (name it in the device call's carry list)"
}

unpack() {
  export LD_LIBRARY_PATH="/usr/local/cuda-13.0/targets/x86_64-linux/lib:${LD_LIBRARY_PATH:-}"
  mkdir -p /tmp/stance
  xz -dc "$G/stance-cuda.xz" > /tmp/stance/cuda && xz -dc "$G/stance-cpu.xz" > /tmp/stance/cpu
  chmod +x /tmp/stance/cuda /tmp/stance/cpu
  OUT="${OUT:-/tmp/stance/out}"; mkdir -p "$OUT"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
}

run() {
  unpack
  local T="$G/data/test-rw.jsonl"
  /tmp/stance/cpu --threads 16 eval --precision f32 --model "$G/model" --data "$T" --predictions "$OUT/cpu.jsonl" | tee "$OUT/cpu-eval.txt"
  /tmp/stance/cuda eval --device cuda --model "$G/model" --data "$T" --predictions "$OUT/cuda-f32.jsonl" --token-budget 65536 --max-batch 256 | tee "$OUT/cuda-f32-eval.txt"
  /tmp/stance/cuda eval --device cuda --half --model "$G/model" --data "$T" --predictions "$OUT/cuda-f16.jsonl" --token-budget 65536 --max-batch 256 | tee "$OUT/cuda-f16-eval.txt"
  python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
load = lambda f: [json.loads(l) for l in open(f"{out}/{f}")]
cpu = load("cpu.jsonl")
for name in ["cuda-f32.jsonl", "cuda-f16.jsonl"]:
    g = load(name)
    same = sum(a["label"] == b["label"] for a, b in zip(cpu, g)) / len(cpu)
    dmax = max(abs(a["scores"][k] - b["scores"][k]) for a, b in zip(cpu, g) for k in a["scores"])
    print(f"{name}: labels equal to CPU on {100*same:.2f}% of {len(cpu)} pairs; max |prob diff| {dmax:.4f}")
PY
  # Throughput: test-rw replicated to ~50k pairs.
  for i in $(seq 62); do cat "$T"; done > /tmp/stance/big.jsonl
  for half in "" "--half"; do
    /tmp/stance/cuda eval --device cuda $half --model "$G/model" --data /tmp/stance/big.jsonl --token-budget 65536 --max-batch 512 | grep pairs/s | sed "s/^/stance cuda ${half:-f32}: /"
  done | tee "$OUT/stance-throughput.txt"
  if [ -d "$G/peer/carry" ]; then
    (cd "$G" && OUT="$OUT/peer" EPOCHS=0 bash peer/gpu_bench.sh) || echo "peer run failed"
  fi
}

train() {
  unpack
  # The CPU recipe of the shipped model, one run per seed, then their weight average; the model with the
  # best mean dev F1m (dev-rw and dev-mt) among the runs and the average is chosen, and only it is scored on
  # test-rw. SEEDS, EPOCHS, LR, BS, LS override the recipe.
  local d="$G/data" models=() m
  for s in ${SEEDS:-42 43 44 45}; do
    /tmp/stance/cuda train --device cuda --base "$G/base" --train "$d/train.jsonl" --dev "$d/dev-rw.jsonl" --dev "$d/dev-mt.jsonl" \
      --out "/tmp/stance/seed$s" --epochs "${EPOCHS:-4}" --lr "${LR:-1e-4}" --batch-size "${BS:-16}" \
      --label-smoothing "${LS:-0.1}" --seed "$s" --save-f16 | tee "$OUT/train-seed$s.txt"
    models+=(--model "/tmp/stance/seed$s")
  done
  if [ "${#models[@]}" -ge 4 ]; then
    /tmp/stance/cpu --threads 16 average "${models[@]}" --dev "$d/dev-rw.jsonl" --dev "$d/dev-mt.jsonl" \
      --out /tmp/stance/average --save-f16 | tee "$OUT/average.txt"
  fi
  m=$(python3 - /tmp/stance/seed* /tmp/stance/average <<'PY'
import json, os, sys
best = None
for d in sys.argv[1:]:
    if not os.path.exists(f"{d}/stance.json"):
        continue
    s = json.load(open(f"{d}/stance.json"))["dev_scores"]["scores"]
    mean = sum(x["f1m"] for x in s[:2]) / len(s[:2])
    print(f"{d}: mean dev F1m {100 * mean:.2f}", file=sys.stderr)
    if best is None or mean > best[0]:
        best = (mean, d)
print(best[1])
PY
)
  echo "chosen on dev: $m" | tee "$OUT/chosen.txt"
  /tmp/stance/cuda eval --device cuda --model "$m" --data "$d/test-rw.jsonl" --report "$OUT/test-rw-report.json" | tee "$OUT/test-rw.txt"
  # Files come back at most 16 MiB each: split the (f16) weights, join them with
  # `cat model.safetensors.part-* > model.safetensors`.
  split -b 15M "$m/model.safetensors" "$OUT/model.safetensors.part-"
  cp "$m"/{config.json,tokenizer.json,stance.json} "$OUT/"
  [ -f "$m/train-log.jsonl" ] && cp "$m/train-log.jsonl" "$OUT/"
  true
}

case "${1:-}" in
  prepare) prepare ;;
  run) run ;;
  train) train ;;
  *) echo "usage: $0 prepare|run|train" >&2; exit 2 ;;
esac
