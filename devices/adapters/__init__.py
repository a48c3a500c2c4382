"""Third-party devices mapped onto the Ruang protocol, one module per firmware.

Each adapter is a set of pure functions: payload bytes in, plain values out (or the MQTT messages
to send). They never raise on what a device sends, so a gateway handler can call them on anything
that arrives; they import nothing from app/ (they may run on the door hardware too).

    tasmota      Tasmota with a GM861 QR module: tele/<topic>/SENSOR, tele/<topic>/LWT,
                 cmnd/<topic>/Backlog to pulse the door relay
    zigbee2mqtt  one installation under its base topic: <base>/<name> presence / occupancy
                 sensors and people counters, <base>/<name>/availability, <base>/bridge/state
"""

from __future__ import annotations

import json
from typing import Any

#: Bytes an adapter reads at most; third-party payloads are small (Zigbee2MQTT's are < 1 KB).
MAX_PAYLOAD = 4096


def json_object(payload: bytes) -> dict[str, Any] | None:
    """`payload` as a JSON object, or None when it is too long, not UTF-8 JSON, or not an object."""
    if not isinstance(payload, bytes | bytearray) or len(payload) > MAX_PAYLOAD:
        return None
    try:
        data = json.loads(bytes(payload).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def plain_text(payload: bytes) -> str | None:
    """A short payload as stripped, lower-case text, or None."""
    if not isinstance(payload, bytes | bytearray) or len(payload) > MAX_PAYLOAD:
        return None
    try:
        return bytes(payload).decode("utf-8").strip().lower()
    except UnicodeDecodeError:
        return None
