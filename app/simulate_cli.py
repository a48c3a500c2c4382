"""`flask ruang simulate`: simulated readers and sensors at a hub (the demo hub by default).

Registers the simulated devices once (through the device registry, so the gateway accepts them):
a reader on the hub's main entrance and one on its exit (or the entrance's other side), one on
each other door (room doors, doors into a zone), one sensor per zone. It issues real rotating
passes for the hub's members and lets devices/sim.py walk them through those doors while
sensors report each zone. The devices log in with the app's own MQTT login
(MQTT_URL), so nothing has to be added to the broker's password file for a demo.
"""

from __future__ import annotations

import random
import threading
from pathlib import Path
from typing import cast

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.extensions import db
from app.models import Device, DeviceKind, Door, DoorKind, Hub, Role, RoleGrant, User, Zone
from app.services.access.keys import Keyring
from app.services.access.passes import ROTATION, rotating_token
from app.services.devices import doors as door_admin
from app.services.devices import registry as device_admin
from devices import sim
from devices.reader.config import BrokerAddress, ConfigError


@click.command("simulate")
@click.option("--hub", "slug", default="jfc-hub", show_default=True, help="The hub's slug.")
@click.option("--rate", default=1.0, show_default=True, help="Events (scans, reports) a second.")
@click.option("--count", default=0, help="Stop after this many events (default: until Ctrl-C).")
@click.option("--members", "member_count", default=8, show_default=True)
@click.option("--broker", "url", default=None, help="MQTT URL (default: the app's MQTT_URL).")
@click.option("--seed", default=None, type=int, help="Random seed, for a repeatable run.")
@with_appcontext
def simulate_command(
    slug: str, rate: float, count: int, member_count: int, url: str | None, seed: int | None
) -> None:
    """Drive simulated door readers and occupancy sensors at a hub."""
    app = cast(Flask, current_app._get_current_object())  # type: ignore[attr-defined]
    hub = db.session.scalar(select(Hub).where(Hub.slug == slug))
    if hub is None:
        raise click.ClickException(f"no hub {slug!r} (run `flask ruang seed-demo` first)")
    address = _broker(app, url)
    readers, inner, zones = _devices(hub)
    members = _members(hub, member_count)
    if not members:
        raise click.ClickException(f"{hub.name} has no members with a plan to simulate")
    keyring: Keyring = app.extensions["ruang.keyring"]

    def token_for(member_id: int) -> str:
        issued = rotating_token(keyring, member_id)
        db.session.remove()  # a fresh session per scan: see what the gateway committed
        return issued.token

    try:
        simulated = sim.Hub.connect(address, hub.slug, readers, zones, inner_readers=inner)
    except ConnectionError as exc:
        raise click.ClickException(
            f"{exc}: is the broker running? (`make run` starts one)"
        ) from None
    click.echo(
        f"Simulating {hub.name}: readers {readers[0]} / {readers[1]}, "
        f"{len(inner)} inner door reader(s), {len(zones)} zone sensor(s), "
        f"{len(members)} members, {rate:g} events/s. Ctrl-C stops."
    )
    stop = threading.Event()
    try:
        tally = sim.run(
            simulated,
            members,
            token_for,
            rate=rate,
            count=count or None,
            echo=click.echo,
            rng=random.Random(seed),
            stop=stop,
            patience=ROTATION,  # a code opens each way once: wait for the next one
        )
    except KeyboardInterrupt:
        tally = None
    finally:
        simulated.close()
    if tally is not None:
        click.echo(
            f"{tally.granted} granted, {tally.denied} denied, {tally.unanswered} unanswered, "
            f"{tally.reports} sensor reports"
        )


def _broker(app: Flask, url: str | None) -> BrokerAddress:
    url = url or app.config.get("RUANG_MQTT_URL")
    if not url:
        raise click.ClickException("set MQTT_URL (or pass --broker mqtt://user:pass@host:port)")
    try:
        address = BrokerAddress.parse(url)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if address.password is None:  # the gateway's login, as `flask ruang gateway` uses it
        password = device_admin.gateway_password(app.config, Path(app.instance_path))
        address = address.with_login(address.username or device_admin.GATEWAY_USER, password)
    return address


def _devices(hub: Hub) -> tuple[tuple[str, str], list[str], list[sim.ZoneSpec]]:
    """The simulated readers (entrance in and out, inner doors) and one sensor per zone,
    registered on first use."""
    base = f"sim-{hub.slug}"[:50]
    doors = door_admin.list_doors(hub)
    from_outside = [d for d in doors if d.from_zone_id is None and d.kind is not DoorKind.ROOM]
    entrance = next((d for d in from_outside if d.kind is DoorKind.ENTRANCE), None)
    exit_door = next((d for d in from_outside if d.kind is DoorKind.EXIT), entrance)
    readers = (f"{base}-in", f"{base}-out")
    for device_id, way, door in zip(readers, ("in", "out"), (entrance, exit_door), strict=True):
        _registered(hub, device_id, f"Simulated entrance ({way})", DeviceKind.READER, door=door)
    inner = []
    for door in doors:
        if door not in (entrance, exit_door):
            device_id = f"{base}-door{door.id}"
            name = f"Simulated reader: {door.name}"
            _registered(hub, device_id, name, DeviceKind.READER, door=door)
            inner.append(device_id)
    specs = []
    for index, zone in enumerate(door_admin.list_zones(hub), start=1):
        device_id = f"{base}-zone{index}"
        _registered(hub, device_id, f"Simulated sensor: {zone.name}", DeviceKind.SENSOR, zone)
        # Zones with a capacity get a people counter; the others a presence detector.
        specs.append(sim.ZoneSpec(device_id, zone.name, zone.capacity, zone.capacity is not None))
    return readers, inner, specs


def _registered(
    hub: Hub,
    device_id: str,
    name: str,
    kind: DeviceKind,
    zone: Zone | None = None,
    door: Door | None = None,
) -> None:
    device = db.session.scalar(select(Device).where(Device.device_id == device_id))
    if device is None:
        details = device_admin.DeviceDetails(
            device_id,
            name,
            kind,
            door_name=door.name if door else "",
            zone_name=zone.name if zone else "",
        )
        device_admin.register_device(hub, details)
        click.echo(f"registered simulated {kind.value} {device_id}")
    elif door is not None and device.door_id is None:
        door_admin.move_reader(device, door)  # registered before the hub had doors


def _members(hub: Hub, limit: int) -> list[sim.Member]:
    """Members (not staff) with a plan valid at the hub today."""
    today = hub.today()
    users = db.session.scalars(
        select(User).join(RoleGrant).where(RoleGrant.role == Role.MEMBER).order_by(User.id)
    ).unique()
    chosen = [
        sim.Member(user.id, user.name)
        for user in users
        if not user.is_staff and user.membership_on(today, hub.id) is not None
    ]
    return chosen[:limit]
