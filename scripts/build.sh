#!/usr/bin/env bash
# Builds the one-folder app dist/aloud/ with PyInstaller and prints its size and build time.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
"${PYTHON:-.venv/bin/python}" -m PyInstaller --noconfirm --log-level WARN aloud.spec
if command -v strip >/dev/null && [ "$(uname -s)" = Linux ]; then
    # Debug symbols, libpython's above all (22 MB unstripped from pyenv), are dead weight. PyInstaller's own
    # strip=True also strips the auditwheel-patched wheel libraries (numpy.libs and the like), which then
    # fail to load, so strip here and leave those alone.
    find dist/aloud/_internal \( -path '*numpy*' -o -path '*.libs/*' \) -prune -o \
        -type f \( -name '*.so' -o -name '*.so.*' \) -print0 | xargs -0 -r strip --strip-unneeded 2>/dev/null || true
fi
echo "Built dist/aloud/ in $(( $(date +%s) - started )) s: $(du -sh dist/aloud | cut -f1)"
