#!/usr/bin/env bash
# Run the local MQTT broker from config/mosquitto: Mosquitto when installed, else the embedded
# Python broker (amqtt; same password file and ACL, no shared subscriptions, no TLS).
# Files live in instance/mosquitto/: mosquitto.conf, passwd and acl written from the device
# registry (`flask ruang device passwords`, with the gateway user), data/.
#   scripts/broker.sh [PORT]        RUANG_MQTT_PORT (1883), RUANG_MQTT_BIND (127.0.0.1),
#                                   RUANG_BROKER=embedded to use the Python broker anyway
# After adding or deactivating a device, run it again, or rewrite the files and send SIGHUP.
set -euo pipefail
cd "$(dirname "$0")/.."
export FLASK_APP="app:create_app"
BIN=.venv/bin
DIR="${RUANG_INSTANCE_DIR:-instance}/mosquitto"
PORT="${1:-${RUANG_MQTT_PORT:-1883}}"
BIND="${RUANG_MQTT_BIND:-127.0.0.1}"
mkdir -p "$DIR/data"
DIR="$(cd "$DIR" && pwd)"

"$BIN/flask" ruang device passwords --out "$DIR/passwd" --acl-out "$DIR/acl" >/dev/null
"$BIN/python" - "$DIR" "$PORT" "$BIND" <<'PY'
import sys
from pathlib import Path
from string import Template

folder, port, bind = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
template = Path("config/mosquitto/mosquitto.conf.template").read_text()
(folder / "mosquitto.conf").write_text(
    Template(template).substitute(
        PASSWORD_FILE=folder / "passwd", ACL_FILE=folder / "acl", PORT=port, BIND=bind,
        PERSISTENCE="true", DATA_DIR=folder / "data",
    )
)
PY

MOSQUITTO="$(command -v mosquitto || true)"
for candidate in /usr/sbin/mosquitto /usr/local/sbin/mosquitto; do
  [ -z "$MOSQUITTO" ] && [ -x "$candidate" ] && MOSQUITTO="$candidate"
done
[ "${RUANG_BROKER:-}" = embedded ] && MOSQUITTO=""  # to try the fallback where both exist
if [ -n "$MOSQUITTO" ]; then
  # As root, mosquitto would switch to the 'mosquitto' user, who cannot read our 0600 files.
  [ "$(id -u)" = 0 ] && echo "user root" >>"$DIR/mosquitto.conf"
  echo "MQTT broker: mosquitto on $BIND:$PORT (config $DIR/mosquitto.conf)"
  exec "$MOSQUITTO" -c "$DIR/mosquitto.conf"
fi
echo "MQTT broker: mosquitto is not installed; embedded Python broker on $BIND:$PORT"
exec "$BIN/python" -m config.mosquitto.embedded "$DIR/mosquitto.conf"
