#!/usr/bin/env bash
# Run Ruang on the embedded defaults: migrate, seed the demo, start the MQTT broker (unless
# MQTT_URL names one), the device gateway, the worker and the web app.
# Used by `make run`. Ctrl+C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
export FLASK_APP="app:create_app"
BIN=.venv/bin
HOST="${RUANG_HOST:-127.0.0.1}"
PORT="${RUANG_PORT:-5000}"
INSTANCE="${RUANG_INSTANCE_DIR:-instance}"

"$BIN/flask" db upgrade
"$BIN/flask" ruang seed-demo

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

if [ -z "${MQTT_URL:-}" ]; then
  # A local broker on 1883, or on a free port when 1883 is taken.
  MQTT_PORT="${RUANG_MQTT_PORT:-$("$BIN/python" -c '
import socket
with socket.socket() as s:
    try:
        s.bind(("127.0.0.1", 1883)); print(1883)
    except OSError:
        s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])
')}"
  scripts/broker.sh "$MQTT_PORT" &
  pids+=($!)
  for _ in $(seq 1 100); do
    "$BIN/python" -c "import socket; socket.create_connection(('127.0.0.1', $MQTT_PORT), 0.2)" \
      2>/dev/null && break
    sleep 0.2
  done
  GATEWAY_PASSWORD="$(cat "$INSTANCE/mosquitto/gateway-password")"
  export MQTT_URL="mqtt://ruang-gateway:$GATEWAY_PASSWORD@127.0.0.1:$MQTT_PORT"
  if [ "${RUANG_BROKER:-}" = embedded ] || ! { command -v mosquitto >/dev/null 2>&1 \
      || [ -x /usr/sbin/mosquitto ]; }; then
    MQTT_URL="$MQTT_URL?protocol=3.1.1"  # the embedded broker speaks MQTT 3.1.1 only
  fi
  BROKER_NOTE="MQTT broker at mqtt://127.0.0.1:$MQTT_PORT (gateway user ruang-gateway; devices: flask ruang device add)"
else
  BROKER_NOTE="MQTT broker from MQTT_URL"
fi

"$BIN/flask" ruang gateway &
pids+=($!)
"$BIN/flask" ruang worker &
pids+=($!)

echo
echo "$BROKER_NOTE"
echo "Ruang is running at http://$HOST:$PORT/  (Ctrl+C to stop)"
# In the background too, so a signal to this script runs cleanup at once (bash would otherwise
# wait for a foreground child first).
"$BIN/flask" run --host "$HOST" --port "$PORT" &
pids+=($!)
wait "$!"
