#!/usr/bin/env bash
# Create .venv and install the service with its development tools. Safe to run again:
# it reinstalls only when pyproject.toml has changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."

python_bin="${PYTHON:-python3}"
if ! "$python_bin" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "需要 Python 3.11 或更高版本（当前：$("$python_bin" --version 2>&1)）。可用 PYTHON=/path/to/python3.11 指定。" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    "$python_bin" -m venv .venv
fi

# EXTRAS=dev,load adds the load-test tools (locust, psutil).
extras="${EXTRAS:-dev}"
stamp=.venv/.installed-from
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1) $extras"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$extras]"
    # face_recognition's metadata asks for "dlib", which has no Linux wheel and compiles for
    # many minutes; dlib comes from the dlib-bin wheel instead (see pyproject.toml).
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps "face_recognition==1.3.0"
    echo "$wanted" > "$stamp"
fi

# The browser tests' accessibility engine (axe-core, pinned in tests/browser/package-lock.json).
# Without npm they skip that audit and say so; the browser itself comes from Debian (.ci/run).
if command -v npm >/dev/null 2>&1 && [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
    npm ci --prefix tests/browser --no-audit --no-fund --silent
fi
