#!/usr/bin/env bash
# Run Ruang on the embedded defaults: migrate, seed the demo, serve. Used by `make run`.
set -euo pipefail
cd "$(dirname "$0")/.."
export FLASK_APP="app:create_app"
BIN=.venv/bin
HOST="${RUANG_HOST:-127.0.0.1}"
PORT="${RUANG_PORT:-5000}"

"$BIN/flask" db upgrade
"$BIN/flask" ruang seed-demo
echo
echo "Ruang is running at http://$HOST:$PORT/  (Ctrl+C to stop)"
exec "$BIN/flask" run --host "$HOST" --port "$PORT"
