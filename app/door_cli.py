"""`flask ruang door ...` and `flask ruang zone ...`: set up a hub's doors and zones.

The command line acts as the operator (no actor): every change is audited all the same.
"""

from __future__ import annotations

from collections.abc import Callable

import click
from flask.cli import with_appcontext

from app.cli_shared import domain_errors_exit, hub_named
from app.models import Door, DoorKind, Zone
from app.services.devices import doors as door_admin

KINDS = click.Choice([kind.value for kind in DoorKind])


def _capacity(value: str | None) -> int | None:
    """A capacity option: a number, or "none" to lift the cap."""
    if value is None or value.lower() == "none":
        return None
    try:
        return int(value)
    except ValueError:
        raise click.BadParameter("a number of people, or none", param_hint="--capacity") from None


hub_option = click.option("--hub", "hub_slug", required=True, help="The hub's slug.")


# -- doors --------------------------------------------------------------------------------------


@click.group("door")
def door() -> None:
    """Doors: entrances, exits and room doors, and the readers on them."""


def _door_options(editing: bool) -> list[click.Option]:
    # When editing, an option left out keeps the door's current value (None here).
    return [
        click.Option(["--kind"], type=KINDS, required=not editing, default=None),
        click.Option(["--into", "into_zone"], default=None, help='Zone passing "in" enters.'),
        click.Option(["--from", "from_zone"], default=None, help='Zone passing "in" leaves.'),
        click.Option(["--room"], default=None, help="The room a room door serves."),
        click.Option(
            ["--anti-passback/--no-anti-passback"], default=None, help="Refuse in twice running."
        ),
        click.Option(["--open-seconds"], type=int, default=None, help="How long it unlocks."),
        click.Option(
            ["--reader", "readers"], multiple=True, help="Device id of a reader to put on it."
        ),
    ]


def _with_options(options: list[click.Option]) -> Callable[[click.Command], click.Command]:
    def decorate(command: click.Command) -> click.Command:
        command.params.extend(options)
        return command

    return decorate


@_with_options(_door_options(editing=False))
@door.command("add")
@hub_option
@click.option("--name", required=True)
@with_appcontext
def add_door_command(hub_slug: str, name: str, readers: tuple[str, ...], **values: object) -> None:
    """Add a door (and put readers on it)."""
    with domain_errors_exit():
        hub = hub_named(hub_slug)
        added = door_admin.add_door(hub, _details(name, values, None), readers)
    click.echo(f"Door {added.name!r} added to {hub_slug}: {_describe(added)}")


@_with_options(_door_options(editing=True))
@door.command("edit")
@hub_option
@click.argument("name")
@click.option("--rename", default=None, help="A new name.")
@with_appcontext
def edit_door_command(
    hub_slug: str, name: str, rename: str | None, readers: tuple[str, ...], **values: object
) -> None:
    """Change a door; readers given with --reader move onto it."""
    with domain_errors_exit():
        found = door_admin.door_named(hub_named(hub_slug), name)
        edited = door_admin.edit_door(found, _details(rename or found.name, values, found), readers)
    click.echo(f"Door {edited.name!r}: {_describe(edited)}")


@door.command("retire")
@hub_option
@click.argument("name")
@with_appcontext
def retire_door_command(hub_slug: str, name: str) -> None:
    """Retire a door: it refuses every scan from now on; its history stays."""
    with domain_errors_exit():
        retired = door_admin.retire_door(door_admin.door_named(hub_named(hub_slug), name))
    click.echo(f"Door {retired.name!r} is retired: its readers refuse every scan.")


@door.command("list")
@hub_option
@click.option("--all", "include_retired", is_flag=True, help="Retired doors too.")
@with_appcontext
def list_doors_command(hub_slug: str, include_retired: bool) -> None:
    """The hub's doors: where each leads, its checks and its readers."""
    found = door_admin.list_doors(hub_named(hub_slug), include_retired)
    if not found:
        click.echo("No doors.")
    for item in found:
        click.echo(f"{item.name}: {_describe(item)}")


def _details(name: str, values: dict[str, object], current: Door | None) -> door_admin.DoorDetails:
    def given(key: str, now: object) -> object:
        return values[key] if values.get(key) is not None else now

    def zone_name(zone: Zone | None) -> str:
        return zone.name if zone is not None else ""

    return door_admin.DoorDetails(
        name=name,
        kind=DoorKind(str(given("kind", current.kind if current else DoorKind.ENTRANCE))),
        into_zone=str(given("into_zone", zone_name(current.zone) if current else "")),
        from_zone=str(given("from_zone", zone_name(current.from_zone) if current else "")),
        room=str(given("room", current.resource.name if current and current.resource else "")),
        anti_passback=bool(given("anti_passback", current.anti_passback if current else False)),
        open_seconds=int(str(given("open_seconds", current.open_seconds if current else 5))),
    )


def _describe(item: Door) -> str:
    leads = f"from {item.from_zone.name if item.from_zone else 'outside'}"
    leads += f" into {item.zone.name if item.zone else 'outside'}"
    parts = [item.kind.value, leads]
    if item.resource is not None:
        parts.append(f"serves {item.resource.name}")
    parts.append("anti-passback" if item.anti_passback else "no anti-passback")
    parts.append(f"opens {item.open_seconds} s")
    readers = ", ".join(d.device_id for d in door_admin.readers_on(item)) or "no readers"
    parts.append(f"readers: {readers}")
    if item.is_retired:
        parts.append("RETIRED")
    return "; ".join(parts)


# -- zones --------------------------------------------------------------------------------------


@click.group("zone")
def zone() -> None:
    """Zones: areas of a floor that doors lead into and sensors count."""


@zone.command("add")
@hub_option
@click.option("--floor", required=True, help="The floor's name.")
@click.option("--name", required=True)
@click.option("--capacity", default=None, help="Most people it holds (default: no cap).")
@with_appcontext
def add_zone_command(hub_slug: str, floor: str, name: str, capacity: str | None) -> None:
    """Add a zone to a floor."""
    with domain_errors_exit():
        details = door_admin.ZoneDetails(name, floor, _capacity(capacity))
        added = door_admin.add_zone(hub_named(hub_slug), details)
    click.echo(f"Zone {added.name!r} added to {floor}: {_describe_zone(added)}")


@zone.command("edit")
@hub_option
@click.argument("name")
@click.option("--rename", default=None)
@click.option("--floor", default=None, help="Move it to this floor.")
@click.option("--capacity", default=None, help="Most people it holds, or none.")
@with_appcontext
def edit_zone_command(
    hub_slug: str, name: str, rename: str | None, floor: str | None, capacity: str | None
) -> None:
    """Change a zone's name, floor or capacity."""
    with domain_errors_exit():
        found = door_admin.zone_named(hub_named(hub_slug), name)
        details = door_admin.ZoneDetails(
            rename or found.name,
            floor or found.floor.name,
            found.capacity if capacity is None else _capacity(capacity),
        )
        edited = door_admin.edit_zone(found, details)
    click.echo(f"Zone {edited.name!r}: {_describe_zone(edited)}")


@zone.command("retire")
@hub_option
@click.argument("name")
@with_appcontext
def retire_zone_command(hub_slug: str, name: str) -> None:
    """Retire a zone no active door or sensor uses; its history stays."""
    with domain_errors_exit():
        retired = door_admin.retire_zone(door_admin.zone_named(hub_named(hub_slug), name))
    click.echo(f"Zone {retired.name!r} is retired.")


@zone.command("list")
@hub_option
@click.option("--all", "include_retired", is_flag=True, help="Retired zones too.")
@with_appcontext
def list_zones_command(hub_slug: str, include_retired: bool) -> None:
    """The hub's zones, by floor, with their capacity."""
    found = door_admin.list_zones(hub_named(hub_slug), include_retired)
    if not found:
        click.echo("No zones.")
    for item in found:
        click.echo(f"{item.name}: {_describe_zone(item)}")


def _describe_zone(item: Zone) -> str:
    cap = f"capacity {item.capacity}" if item.capacity is not None else "no cap"
    retired = "; RETIRED" if item.retired_at is not None else ""
    return f"{item.floor.name}; {cap}{retired}"
