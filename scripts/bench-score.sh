#!/usr/bin/env bash
# Archive scoring benchmark: a synthetic archive of N articles (default 2000) built from the sentences
# of NewsMTSC train.jsonl and the example article (deterministic), scored with `stance score`.
# Prints articles/s, pairs/s, peak RSS and the split of time between text work (segmentation, actor
# matching, tokenisation, output) and the model.
#
#   scripts/bench-score.sh [N] [THREADS] [MODEL_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
N="${1:-2000}"
THREADS="${2:-2}"
MODEL="${3:-models/minilm-newsmtsc}"
TRAIN="${TRAIN:-../shared/datasets/newsmtsc/train.jsonl}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cargo build --release --quiet
scripts/make-archive.py "$N" "$TRAIN" datasets/examples/diplomacy-brief.txt "$WORK/archive.jsonl"
echo "archive: $N articles, $(du -h "$WORK/archive.jsonl" | cut -f1)"
/usr/bin/time -f "peak RSS %M KB, wall %e s" target/release/stance --threads "$THREADS" score "$WORK/archive.jsonl" \
  --model "$MODEL" --output "$WORK/out.jsonl" --summary "$WORK/summary.jsonl" 2>&1 | tail -3
echo "output: $(wc -l < "$WORK/out.jsonl") sentence lines, $(wc -l < "$WORK/summary.jsonl") summary rows"
