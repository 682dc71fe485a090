#!/usr/bin/env bash
# GPU checks for a machine with an NVIDIA GPU (Hopper, sm_90), no network, and a 64 MiB limit on
# what travels there (the tracked tree, untracked files that are not ignored, and carried paths).
#
#   scripts/gpu-check.sh prepare   # here: build the CUDA and CPU binaries, fill .gpu/ (git-ignored, ~10 MB)
#   scripts/gpu-check.sh slim      # here: untrack the committed weights for the call (a guard refuses commits)
#   scripts/gpu-check.sh size      # here: what the call would carry, against the 64 MiB limit
#   scripts/gpu-check.sh all       # there: every check in one call (< 7 min), results under $OUT
#   scripts/gpu-check.sh unslim    # here, after the call: track the weights again
#
# The device call (timeout_s 480 leaves room for a second try within 15 minutes of device time):
#   command: bash scripts/gpu-check.sh all      carry: [".gpu", "models/minilm-distilled/model.safetensors"]
#
# `all` runs, each part time-boxed and recorded as it finishes in $OUT/summary.txt (the figures) and
# $OUT/gpu-results.tar.gz (every raw file):
#   1. parity: CUDA f32 and f16 labels and probabilities against the CPU f32 reference on all of test-rw and
#      dev-rw (share of equal labels, largest probability difference, F1m of each);
#   2. scoring throughput: test-rw replicated 62 times (~50k pairs), f16 and f32, two token budgets;
#   3. the PyTorch peer on the same card with the same weights (../shared/peer/gpu_bench.py: fine-tuning
#      and inference; it reads the stance model folder as a Hugging Face BERT checkpoint);
#   4. bad input: an out-of-range device index, `--device cuda` in the CPU build;
#   5. training: 200 steps of batch 32 from the same weights on CUDA and on the CPU, loss curves side by side.
# Not in it: MPNet training (#17). Its base weights are 438 MB in f32 and 219 MB in f16, several times what
# may travel, so MPNet runs train on the CPU (scripts/train-mpnet.sh) until a device can read them.
# DRY=1 runs the same script here (CPU binary as the "CUDA" one, --device cpu, peer in SMOKE mode where
# torch is installed), to check the script before device time is spent on it.
#
# prepare needs a CUDA 13.0 build toolkit: CUDA_TOOLKIT_SCRIPT (default ../shared/cuda/setup-toolkit.sh) lays
# one out from PyPI wheels in CUDA_TOOLKIT_DIR. The CUDA build uses its own target dir (target-cuda).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
G=.gpu
MODEL="${MODEL:-models/minilm-distilled}"
SHARED="${SHARED:-../shared}"
LIMIT=$((64 * 1024 * 1024))
WEIGHTS=(models/*/model.safetensors)
SLIM_MARK=.git/stance-gpu-slim

prepare() {
  local tk="${CUDA_TOOLKIT_DIR:-/tmp/cuda-toolkit}"
  if [ "${DRY:-0}" = 1 ]; then
    cargo build --release
  else
    "${CUDA_TOOLKIT_SCRIPT:-$SHARED/cuda/setup-toolkit.sh}" "$tk" >/dev/null
    eval "$("${CUDA_TOOLKIT_SCRIPT:-$SHARED/cuda/setup-toolkit.sh}" "$tk" --env)"
    CARGO_TARGET_DIR=target-cuda cargo build --release --features cuda
    cargo build --release
  fi
  rm -rf "$G" && mkdir -p "$G/data" "$G/peer"
  local cuda_bin=target-cuda/release/stance
  [ "${DRY:-0}" = 1 ] && cuda_bin=target/release/stance
  # Stripped and xz'd: the debug info is most of the binaries' size.
  for pair in "stance-cuda:$cuda_bin" "stance-cpu:target/release/stance"; do
    strip -o "$G/${pair%%:*}" "${pair#*:}"
    xz -T0 -9 "$G/${pair%%:*}"
  done
  for f in train dev-rw dev-mt test-rw; do
    xz -T0 -9 -c "$SHARED/datasets/newsmtsc/$f.jsonl" > "$G/data/$f.jsonl.xz"
  done
  cp "$SHARED/peer/"*.py "$SHARED/peer/"*.sh "$G/peer/"
  echo "$MODEL" > "$G/model-path"
  grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
  du -sh "$G"
  size || true
}

# The bytes that would travel: tracked files present in the work tree, untracked files that are not
# ignored, and the carried paths (.gpu and the model's weights).
size() {
  local tracked untracked carried total
  tracked=$(git ls-files -z | xargs -0 stat -c %s 2>/dev/null | awk '{s+=$1} END {print s+0}')
  untracked=$(git ls-files -z --others --exclude-standard | xargs -0 -r stat -c %s 2>/dev/null | awk '{s+=$1} END {print s+0}')
  carried=$(du -sb "$G" "$(cat "$G/model-path" 2>/dev/null || echo "$MODEL")/model.safetensors" 2>/dev/null | awk '{s+=$1} END {print s+0}')
  # A carried file that is also tracked travels once.
  [ -f "$SLIM_MARK" ] || carried=$(du -sb "$G" | awk '{print $1}')
  total=$((tracked + untracked + carried))
  printf 'travels: tracked %.1f MiB, untracked %.1f MiB, carried %.1f MiB: %.1f of 64 MiB\n' \
    "$(echo "$tracked / 1048576" | bc -l)" "$(echo "$untracked / 1048576" | bc -l)" \
    "$(echo "$carried / 1048576" | bc -l)" "$(echo "$total / 1048576" | bc -l)"
  if [ "$total" -gt "$LIMIT" ]; then
    [ -f "$SLIM_MARK" ] || echo "over the limit: run scripts/gpu-check.sh slim first"
    return 1
  fi
}

# Untracks the committed weights so that they do not travel (the one the checks need is carried), and
# installs a pre-commit guard: a commit in this state would delete the shipped models.
slim() {
  [ -f "$SLIM_MARK" ] && { echo "already slim"; size; return; }
  git diff --cached --quiet || { echo "error: the index has staged changes; commit or unstage them first" >&2; exit 1; }
  git rm --cached -q -- "${WEIGHTS[@]}"
  for w in "${WEIGHTS[@]}"; do echo "/$w" >> .git/info/exclude; done
  printf '%s\n' "${WEIGHTS[@]}" > "$SLIM_MARK"
  mkdir -p .git/hooks
  cat > .git/hooks/pre-commit <<'HOOK'
#!/bin/sh
if [ -f .git/stance-gpu-slim ]; then
  echo "refused: the weights are untracked for a GPU call; run scripts/gpu-check.sh unslim first" >&2
  exit 1
fi
HOOK
  chmod +x .git/hooks/pre-commit
  echo "weights untracked for the call; run scripts/gpu-check.sh unslim after it"
  size
}

unslim() {
  [ -f "$SLIM_MARK" ] || { echo "not slim"; return; }
  git reset -q -- $(cat "$SLIM_MARK")
  local w
  while read -r w; do
    grep -vxF "/$w" .git/info/exclude > .git/info/exclude.tmp || true
    mv .git/info/exclude.tmp .git/info/exclude
  done < "$SLIM_MARK"
  rm -f "$SLIM_MARK"
  git status --short -- models | head
  echo "weights tracked again"
}

# ---- on the GPU machine ------------------------------------------------------------------------

T0=$(date +%s)
OUT="${OUT:-/tmp/stance-gpu/out}"
W=/tmp/stance-gpu
R="$OUT/raw"
note() { echo "$*" | tee -a "$OUT/summary.txt"; }
elapsed() { echo $(($(date +%s) - T0)); }
# part NAME SECONDS CMD...: runs a part under a time limit; its failure is recorded, not fatal.
part() {
  local name="$1" limit="$2"
  shift 2
  local start
  start=$(date +%s)
  note "== $name (t=$(elapsed)s, limit ${limit}s)"
  # A function cannot run under `timeout`: the script runs itself for the part.
  if timeout "$limit" bash "$ROOT/scripts/gpu-check.sh" part "$@" > "$R/$name.log" 2>&1; then
    note "   ok in $(($(date +%s) - start))s"
  else
    note "   FAILED or timed out (exit $?): tail of $name.log:"
    tail -5 "$R/$name.log" | sed 's/^/   | /' | tee -a "$OUT/summary.txt"
  fi
  pack
}
pack() { tar -C "$OUT" -czf "$OUT/gpu-results.tar.gz.tmp" raw && mv "$OUT/gpu-results.tar.gz.tmp" "$OUT/gpu-results.tar.gz"; }

# The settings every part reads.
settings() {
  export LD_LIBRARY_PATH="/usr/local/cuda-13.0/targets/x86_64-linux/lib:${LD_LIBRARY_PATH:-}"
  M="$(cat "$G/model-path")"
  if [ "${DRY:-0}" = 1 ]; then
    DEV=(--device cpu); THREADS=2
  else
    DEV=(--device cuda); THREADS=16
  fi
}

unpack() {
  mkdir -p "$W" "$R" "$W/data"
  : > "$OUT/summary.txt"
  settings
  xz -dc "$G/stance-cuda.xz" > "$W/cuda" && xz -dc "$G/stance-cpu.xz" > "$W/cpu"
  chmod +x "$W/cuda" "$W/cpu"
  for f in "$G"/data/*.xz; do xz -dc "$f" > "$W/data/$(basename "${f%.xz}")"; done
  [ -f "$M/model.safetensors" ] || { note "missing $M/model.safetensors: carry it"; exit 2; }
  [ "${DRY:-0}" = 1 ] || nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee -a "$OUT/summary.txt"
  note "model $M, $(nproc) CPU cores"
}

parity() {
  local d tag
  for d in test-rw dev-rw; do
    "$W/cpu" --threads "$THREADS" eval --precision f32 --model "$M" --data "$W/data/$d.jsonl" \
      --predictions "$R/$d-cpu-f32.jsonl"
    for tag in f32 f16; do
      local half=()
      [ "$tag" = f16 ] && half=(--half)
      "$W/cuda" eval "${DEV[@]}" "${half[@]}" --model "$M" --data "$W/data/$d.jsonl" \
        --predictions "$R/$d-cuda-$tag.jsonl" --token-budget 65536 --max-batch 256
    done
  done
  python3 - "$R" <<'PY' | tee "$R/parity.txt"
import json, sys
raw = sys.argv[1]
load = lambda f: [json.loads(l) for l in open(f"{raw}/{f}")]
def f1m(rows):
    labels = sorted({r["gold"] for r in rows} | {r["label"] for r in rows})
    f = []
    for c in labels:
        tp = sum(r["gold"] == c and r["label"] == c for r in rows)
        fp = sum(r["gold"] != c and r["label"] == c for r in rows)
        fn = sum(r["gold"] == c and r["label"] != c for r in rows)
        p = tp / (tp + fp) if tp + fp else 0.0
        q = tp / (tp + fn) if tp + fn else 0.0
        f.append(2 * p * q / (p + q) if p + q else 0.0)
    return 100 * sum(f) / len(f)
for d in ["test-rw", "dev-rw"]:
    cpu = load(f"{d}-cpu-f32.jsonl")
    print(f"{d}: CPU f32 F1m {f1m(cpu):.2f} ({len(cpu)} pairs)")
    for tag in ["f32", "f16"]:
        g = load(f"{d}-cuda-{tag}.jsonl")
        assert len(g) == len(cpu), (d, tag, len(g), len(cpu))
        same = sum(a["label"] == b["label"] for a, b in zip(cpu, g)) / len(cpu)
        dmax = max(abs(a["scores"][k] - b["scores"][k]) for a, b in zip(cpu, g) for k in a["scores"])
        print(f"{d}: CUDA {tag}: labels equal on {100 * same:.2f}%, max |prob diff| {dmax:.5f}, F1m {f1m(g):.2f}")
PY
}

throughput() {
  local copies=62
  [ "${DRY:-0}" = 1 ] && copies=1
  for _ in $(seq "$copies"); do cat "$W/data/test-rw.jsonl"; done > "$W/big.jsonl"
  local tb
  for tb in 65536 262144; do
    echo "f16, token budget $tb: $("$W/cuda" eval "${DEV[@]}" --half --model "$M" --data "$W/big.jsonl" \
      --token-budget "$tb" --max-batch 1024 2>&1 | grep -o '[0-9.]* pairs/s.*' | head -1)"
  done
  echo "f32, token budget 65536: $("$W/cuda" eval "${DEV[@]}" --model "$M" --data "$W/big.jsonl" \
    --token-budget 65536 --max-batch 512 2>&1 | grep -o '[0-9.]* pairs/s.*' | head -1)"
}

peer() {
  # The peer reads a Hugging Face BERT folder: the stance model folder is one (its head's extra tensor is
  # ignored), so the peer and stance run the same weights.
  # gpu_bench.sh looks for its carry folder beside itself.
  local c="$ROOT/$G/peer/carry"
  mkdir -p "$c/data"
  ln -sfn "$ROOT/$M" "$c/minilm-fp16"
  ln -sf "$W/data/train.jsonl" "$W/data/test-rw.jsonl" "$c/data/"
  local smoke=0
  [ "${DRY:-0}" = 1 ] && smoke=1
  (cd "$G" && CARRY="$c" SMOKE="$smoke" EPOCHS="${PEER_EPOCHS:-2}" OUT="$R/peer" bash peer/gpu_bench.sh)
}

bad_input() {
  local rc=0
  "$W/cuda" eval --device cuda:9 --model "$M" --data "$W/data/dev-rw.jsonl" || rc=$?
  echo "--device cuda:9: exit $rc"
  rc=0
  "$W/cpu" eval --device cuda --model "$M" --data "$W/data/dev-rw.jsonl" || rc=$?
  echo "--device cuda in the CPU build: exit $rc"
}

train_both() {
  local steps="${TRAIN_STEPS:-200}" dev
  local every=5
  [ "${DRY:-0}" = 1 ] && steps=4 && every=1
  for dev in cuda cpu; do
    local bin="$W/cuda" flags=("${DEV[@]}")
    [ "$dev" = cpu ] && bin="$W/cpu" && flags=(--device cpu)
    "$bin" --threads "$THREADS" train "${flags[@]}" --base "$M" --train "$W/data/train.jsonl" \
      --out "$W/train-$dev" --max-steps "$steps" --batch-size 32 --lr 5e-5 --log-every "$every" --seed 42 \
      --micro-batches 1
    cp "$W/train-$dev/train-log.jsonl" "$R/train-$dev-log.jsonl"
  done
  python3 - "$R" <<'PY' | tee "$R/train-compare.txt"
import json, sys
raw = sys.argv[1]
rows = {}
for dev in ["cuda", "cpu"]:
    for l in open(f"{raw}/train-{dev}-log.jsonl"):
        r = json.loads(l)
        if "step" in r and "loss" in r:
            rows.setdefault(r["step"], {})[dev] = r["loss"]
diffs = []
print("step  loss cuda  loss cpu")
for s in sorted(rows):
    a, b = rows[s].get("cuda"), rows[s].get("cpu")
    if a is not None and b is not None:
        diffs.append(abs(a - b))
        print(f"{s:5d}  {a:9.4f}  {b:8.4f}")
if diffs:
    print(f"largest |loss difference| over {len(diffs)} logged steps: {max(diffs):.4f}")
PY
}

all() {
  unpack
  part parity 120 parity
  part throughput 120 throughput
  part bad-input 60 bad_input
  part peer 180 peer
  part train 200 train_both
  for f in parity.txt train-compare.txt; do
    [ -f "$R/$f" ] && { note "-- $f"; tee -a "$OUT/summary.txt" < "$R/$f" > /dev/null; }
  done
  [ -f "$R/throughput.log" ] && { note "-- throughput"; tee -a "$OUT/summary.txt" < "$R/throughput.log" > /dev/null; }
  note "done in $(elapsed)s"
  pack
}

case "${1:-}" in
  prepare) prepare ;;
  slim) slim ;;
  unslim) unslim ;;
  size) size ;;
  all) all ;;
  part) settings; "$2" ;;
  *) echo "usage: $0 prepare|slim|size|all|unslim" >&2; exit 2 ;;
esac
