"""`flask ruang simulate`: simulated readers and sensors at the demo hub."""

from __future__ import annotations

import click


@click.command("simulate")
def simulate_command() -> None:
    """Drive simulated door readers and occupancy sensors at a hub."""
    raise click.ClickException("the simulator is being built in this session")
