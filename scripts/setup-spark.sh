#!/usr/bin/env bash
# Installs what the Spark job needs: a pinned pyspark in .venv-spark/ (git-ignored) and Java 17
# (apt, when it is missing and this runs as root). Idempotent. Prints the Python to use.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-spark"
if ! command -v java > /dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless > /dev/null
  else
    echo "error: Java 17 is needed by Spark: install openjdk-17-jre-headless" >&2
    exit 1
  fi
fi
if ! "$VENV/bin/python" -c "import pyspark" 2> /dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --no-cache-dir -r "$ROOT/scripts/spark-requirements.txt"
fi
echo "$VENV/bin/python"
