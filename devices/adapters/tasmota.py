"""Tasmota with a GM861 QR scanner module, as a door reader.

Tasmota publishes what the module reads on `tele/<topic>/SENSOR`::

    {"Time": "2026-11-23T09:00:00", "GM861": {"AIM": "Q1", "Code": "<token>"}}

its last will on `tele/<topic>/LWT` (retained `Online` / `Offline`), and takes commands on
`cmnd/<topic>/<command>`. The device's `adapter_config` names the topic and the relay:
`{"topic": "tasmota_5AB1C2", "relay": 1}`.
"""

from __future__ import annotations

import re

from devices.adapters import json_object, plain_text

#: Tasmota's topic (`Topic` command): no MQTT wildcards or separators.
_TOPIC = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
#: Tasmota drives up to 32 relays (POWER1..POWER32).
MAX_RELAY = 32
#: Longest PulseTime Tasmota accepts: 64900 = 64800 s (18 hours).
MAX_PULSE_SECONDS = 64_800
#: Longest code we accept from the scanner; our tokens are at most 122 characters.
MAX_CODE = 512


def scan_from_sensor(payload: bytes) -> str | None:
    """The code the GM861 read, from a `tele/<topic>/SENSOR` payload; None for anything else
    (other sensors' telemetry, an empty read, malformed bytes). Never raises."""
    data = json_object(payload)
    module = data.get("GM861") if data is not None else None
    if not isinstance(module, dict):
        return None
    code = module.get("Code")
    if not isinstance(code, str):
        return None
    code = code.strip("\r\n")  # a space is a base45 character: keep it
    if not code or len(code) > MAX_CODE or not code.isprintable():
        return None
    return code


def has_time(payload: bytes) -> bool:
    """Whether a `tele/<topic>/SENSOR` payload carries Tasmota's `Time` (whole seconds)."""
    data = json_object(payload)
    return data is not None and isinstance(data.get("Time"), str) and bool(data["Time"])


def pulse_time(seconds: int) -> int:
    """Tasmota's `PulseTime` value for a pulse of `seconds` (Tasmota Commands, PulseTime<x>).

    `1..111` counts tenths of a second (so up to 11.1 s); `112..64900` counts whole seconds plus
    100 (`PulseTime 113` = 13 s). Up to 11 s we use tenths (5 s -> 50), from 12 s seconds + 100
    (12 s -> 112, 30 s -> 130).
    """
    if seconds < 1:
        raise ValueError(f"a door opens for at least a second, not {seconds}")
    seconds = min(seconds, MAX_PULSE_SECONDS)
    return seconds * 10 if seconds <= 11 else seconds + 100


def open_door(topic: str, relay: int, seconds: int) -> list[tuple[str, bytes]]:
    """The MQTT messages that open the door: relay `relay` on for `seconds`, then off.

    One `cmnd/<topic>/Backlog` with `PulseTime<relay> <value>; Power<relay> ON`: Backlog runs
    the commands in order, so the pulse length is set before the relay switches on, and Tasmota
    itself switches it off when the PulseTime runs out, even if the link drops meanwhile.
    PulseTime is a stored setting; setting it on each opening keeps the device in step with the
    door's `open_seconds`. Publish at QoS 1 and never retained (an unlock must not replay).
    """
    if not _TOPIC.match(topic):
        raise ValueError(f"not a Tasmota topic: {topic!r}")
    if not 1 <= relay <= MAX_RELAY:
        raise ValueError(f"Tasmota relays are numbered 1 to {MAX_RELAY}, not {relay}")
    command = f"PulseTime{relay} {pulse_time(seconds)}; Power{relay} ON"
    return [(f"cmnd/{topic}/Backlog", command.encode())]


def online_from_lwt(payload: bytes) -> bool | None:
    """True for `Online`, False for `Offline` (Tasmota's `tele/<topic>/LWT`), else None."""
    return {"online": True, "offline": False}.get(plain_text(payload) or "")
