#!/usr/bin/env bash
# Run Ruang on the embedded defaults: migrate, seed the demo, start the worker and the web app.
# Used by `make run`. Ctrl+C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
export FLASK_APP="app:create_app"
BIN=.venv/bin
HOST="${RUANG_HOST:-127.0.0.1}"
PORT="${RUANG_PORT:-5000}"

"$BIN/flask" db upgrade
"$BIN/flask" ruang seed-demo

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

"$BIN/flask" ruang worker &
pids+=($!)

echo
echo "Ruang is running at http://$HOST:$PORT/  (Ctrl+C to stop)"
"$BIN/flask" run --host "$HOST" --port "$PORT"
