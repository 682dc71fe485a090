#!/usr/bin/env bash
# Downloads NewsMTSC (MIT licence, Hamborg and Donnay, EACL 2021) into DIR (default: data/newsmtsc).
set -euo pipefail
DIR="${1:-data/newsmtsc}"
BASE="https://raw.githubusercontent.com/fhamborg/NewsMTSC/main/NewsSentiment/experiments/default/datasets"
mkdir -p "$DIR"
fetch() { curl -fsSL "$BASE/$1" -o "$DIR/$2.tmp" && mv "$DIR/$2.tmp" "$DIR/$2" && echo "$DIR/$2"; }
fetch newsmtsc-rw/train.jsonl train.jsonl
fetch newsmtsc-rw/dev.jsonl dev-rw.jsonl
fetch newsmtsc-rw/test.jsonl test-rw.jsonl
fetch newsmtsc-mt/dev.jsonl dev-mt.jsonl
