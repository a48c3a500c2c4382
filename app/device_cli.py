"""`flask ruang device ...`: register devices and issue their MQTT credentials."""

from __future__ import annotations

import click


@click.group("device")
def device() -> None:
    """Devices: readers, sensors and adapters."""
