"""Zigbee2MQTT presence / occupancy sensors and people counters.

Zigbee2MQTT publishes a device's whole state on `zigbee2mqtt/<name>` as JSON, among other fields
(battery, illuminance, linkquality, ...): `occupancy` (PIR sensors) or `presence` (mmWave
sensors) booleans, and people counters' `people` count with `status` in / out / idle. Its
availability on `zigbee2mqtt/<name>/availability` is plain `online` / `offline` in older
releases and `{"state": "online"}` since 1.34. The device's `adapter_config` is
`{"name": "<friendly name>"}`.
"""

from __future__ import annotations

from devices.adapters import json_object, plain_text

#: The protocol's bound on a people count (devices.protocol.Occupancy).
MAX_PEOPLE = 10_000
_PRESENCE_FIELDS = ("occupancy", "presence")


def occupancy_from_state(payload: bytes) -> tuple[bool | None, int | None] | None:
    """(present, people count) from a state message, either part None when not reported; None
    when the message carries neither (a plug, a button, a battery-only update). Never raises.

    A sensor reporting both `occupancy` and `presence` is present if either is true. A people
    count below zero (a counter that missed someone coming in) reads as 0.
    """
    data = json_object(payload)
    if data is None:
        return None
    flags = [data[name] for name in _PRESENCE_FIELDS if isinstance(data.get(name), bool)]
    present = any(flags) if flags else None
    count = _people(data.get("people"))
    if present is None and count is None:
        return None
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
