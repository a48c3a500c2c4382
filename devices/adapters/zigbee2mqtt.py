"""Zigbee2MQTT presence / occupancy sensors and people counters.

One Zigbee2MQTT installation is one Ruang device: it logs in once and publishes under its base
topic (`zigbee2mqtt` unless its `mqtt.base_topic` says otherwise). It publishes each sensor's
whole state on `<base>/<friendly name>` as JSON, among other fields (battery, illuminance,
linkquality, ...): `occupancy` (PIR sensors) or `presence` (mmWave sensors) booleans, and
people counters' `people` count with `status` in / out / idle. A sensor's availability is on
`<base>/<name>/availability`, the installation's own on `<base>/bridge/state`: plain
`online` / `offline` in older releases, `{"state": "online"}` since 1.34. The device's
`adapter_config` maps friendly names to zones or rooms:
`{"base_topic": "zigbee2mqtt", "sensors": {"lobby-pir": {"zone": 3}}}`.
"""

from __future__ import annotations

from typing import Literal

from devices.adapters import json_object, plain_text

#: The protocol's bound on a people count (devices.protocol.Occupancy).
MAX_PEOPLE = 10_000
_PRESENCE_FIELDS = ("occupancy", "presence")
_FIELDS = (*_PRESENCE_FIELDS, "people")

#: What a state message says: (present, people count), or that it is other telemetry, or that
#: it cannot be read (not a JSON object, an occupancy field of the wrong type).
Reading = tuple[bool | None, int | None] | Literal["telemetry", "unusable"]


def is_bridge_topic(parts: list[str]) -> bool:
    """Whether topic levels have a Zigbee2MQTT shape: `<base>/<name>`,
    `<base>/<name>/availability`, `<base>/bridge/state` (the base decides whose it is)."""
    if len(parts) == 2:
        return all(parts)
    return (
        len(parts) == 3
        and all(parts)
        and (parts[2] == "availability" or parts[1:] == ["bridge", "state"])
    )


def subscriptions(base_topic: str) -> tuple[str, ...]:
    """The topic filters that carry an installation's sensors and its own state."""
    return (f"{base_topic}/+", f"{base_topic}/+/availability", f"{base_topic}/bridge/state")


def read_state(payload: bytes) -> Reading:
    """(present, people count) from a state message, either part None when not reported;
    "telemetry" when it carries neither (a plug, a button, a battery-only update); "unusable"
    when it is not a JSON object or its occupancy fields are not what Zigbee2MQTT sends.
    Never raises.

    A sensor reporting both `occupancy` and `presence` is present if either is true. A people
    count below zero (a counter that missed someone coming in) reads as 0.
    """
    data = json_object(payload)
    if data is None:
        return "unusable"
    flags = [data[name] for name in _PRESENCE_FIELDS if isinstance(data.get(name), bool)]
    present = any(flags) if flags else None
    count = _people(data.get("people"))
    if present is None and count is None:
        return "unusable" if any(name in data for name in _FIELDS) else "telemetry"
    return present, count


def online_from_availability(payload: bytes) -> bool | None:
    """True / False from `online` / `offline` or `{"state": "online"}`; None otherwise."""
    states = {"online": True, "offline": False}
    data = json_object(payload)
    if data is not None:
        state = data.get("state")
        return states.get(state.strip().lower()) if isinstance(state, str) else None
    return states.get(plain_text(payload) or "")


def _people(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    count = max(int(value), 0)
    return count if count <= MAX_PEOPLE else None
