#!/usr/bin/env bash
# Trains a MiniLM student distilled from the MPNet model (the `small` recipe: 4 epochs, lr 1e-4,
# batch 16, label smoothing 0.1; α 0.5, T 2) on NewsMTSC, with step checkpoints into RUN_DIR;
# run it again with the same arguments to continue. Optional: a file of unlabelled pairs
# (scripts/unlabelled-newsmtsc.sh makes one).
#
#   nohup scripts/train-distilled.sh ../runs/distil-s42 42 [UNLABELLED.jsonl] > ../runs/distil-s42.log 2>&1 &
#
# DATA_DIR: NewsMTSC (default ../shared/datasets/newsmtsc); TRAIN: the training file (default
# DATA_DIR/train.jsonl); TEACHER (default models/mpnet-newsmtsc).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="${1:?usage: scripts/train-distilled.sh RUN_DIR [SEED] [UNLABELLED]}"
SEED="${2:-42}"
UNLABELLED="${3:-}"
DATA_DIR="${DATA_DIR:-$ROOT/../shared/datasets/newsmtsc}"
TEACHER="${TEACHER:-$ROOT/models/mpnet-newsmtsc}"
TRAIN="${TRAIN:-$DATA_DIR/train.jsonl}"
THREADS="${THREADS:-$(nproc)}"
"$ROOT/scripts/setup-base-model.sh" minilm >&2
(cd "$ROOT" && cargo build --release --quiet)
EXTRA=()
[ -n "$UNLABELLED" ] && EXTRA+=(--unlabelled "$UNLABELLED")
[ -f "$RUN/checkpoint/state.json" ] || [ -f "$RUN/.checkpoint.tmp/state.json" ] || [ -f "$RUN/.checkpoint.old/state.json" ] && EXTRA+=(--resume)
exec "$ROOT/target/release/stance" --threads "$THREADS" train \
  --base "$ROOT/models/base/all-MiniLM-L6-v2" --recipe small \
  --train "$TRAIN" --dev "$DATA_DIR/dev-rw.jsonl" --dev "$DATA_DIR/dev-mt.jsonl" \
  --out "$RUN" --batch-size 16 --seed "$SEED" --save-f16 --checkpoint-every 100 --log-every 10 \
  --teacher "$TEACHER" --distill-weight 0.5 --temperature 2 "${EXTRA[@]}"
