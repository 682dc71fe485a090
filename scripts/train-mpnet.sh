#!/usr/bin/env bash
# Trains one MPNet candidate (all-mpnet-base-v2, the `base` recipe: 3 epochs, lr 3e-5, batch 16, no
# smoothing) on NewsMTSC, checkpointing every 100 steps into RUN_DIR, so that a stopped run loses at
# most 100 steps; run it again with the same arguments to continue (--resume is added when RUN_DIR
# holds a checkpoint). Hours on 2 CPU cores: start it in the background, e.g.
#
#   nohup scripts/train-mpnet.sh ../runs/mpnet-s42 42 > ../runs/mpnet-s42.log 2>&1 &
#   tail -1 ../runs/mpnet-s42/train-log.jsonl          # where it stands
#
# DATA_DIR: NewsMTSC (default ../shared/datasets/newsmtsc); TRAIN: the training file (default
# DATA_DIR/train.jsonl; e.g. the train-fit part of scripts/split-calibration.py); THREADS (default:
# all cores); EXTRA: more `stance train` flags, which win over the recipe's (e.g.
# EXTRA="--lr 4e-5 --layer-decay 0.9").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="${1:?usage: scripts/train-mpnet.sh RUN_DIR [SEED]}"
SEED="${2:-42}"
DATA_DIR="${DATA_DIR:-$ROOT/../shared/datasets/newsmtsc}"
TRAIN="${TRAIN:-$DATA_DIR/train.jsonl}"
THREADS="${THREADS:-$(nproc)}"
"$ROOT/scripts/setup-base-model.sh" mpnet >&2
(cd "$ROOT" && cargo build --release --quiet)
RESUME=()
[ -f "$RUN/checkpoint/state.json" ] || [ -f "$RUN/.checkpoint.tmp/state.json" ] || [ -f "$RUN/.checkpoint.old/state.json" ] && RESUME=(--resume)
exec "$ROOT/target/release/stance" --threads "$THREADS" train \
  --base "$ROOT/models/base/all-mpnet-base-v2" --recipe base \
  --train "$TRAIN" --dev "$DATA_DIR/dev-rw.jsonl" --dev "$DATA_DIR/dev-mt.jsonl" \
  --out "$RUN" --batch-size 16 --warmup 0.1 --dropout 0.1 --seed "$SEED" --save-f16 \
  --checkpoint-every 100 --log-every 10 ${EXTRA:-} "${RESUME[@]}"
