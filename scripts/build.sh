#!/usr/bin/env bash
# Builds the one-folder app dist/aloud/ with PyInstaller (aloud.spec) and prints its size and build time.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
"${PYTHON:-.venv/bin/python}" -m PyInstaller --noconfirm --log-level WARN aloud.spec
echo "Built dist/aloud/ in $(( $(date +%s) - started )) s: $(du -sh dist/aloud | cut -f1)"
