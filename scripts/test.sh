#!/usr/bin/env bash
# Set everything up and run the whole test suite with lint and type checks. On the embedded
# defaults unless DATABASE_URL / REDIS_URL point at PostgreSQL / Redis (as .ci/run does).
# Extra arguments go to pytest, e.g. ./scripts/test.sh -k import
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
