#!/usr/bin/env bash
# Every check: lint, format, types, then the whole test suite. Used by `make test` and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

echo "== ruff"; "$BIN/ruff" check . && "$BIN/ruff" format --check .
echo "== mypy"; "$BIN/mypy"
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  echo "== note: TEST_DATABASE_URL is not set; PostgreSQL cases will be skipped"
fi
echo "== pytest"; "$BIN/pytest" "$@"
