"""`flask ruang device ...`: register devices and issue their MQTT credentials."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.cli_shared import domain_errors_exit, hub_named
from app.models import Adapter, DeviceKind
from app.services.devices import registry as device_admin
from config.mosquitto.passwords import write_password_file

BASE_ACL = Path(__file__).resolve().parent.parent / "config" / "mosquitto" / "acl"


@click.group("device")
def device() -> None:
    """Devices: readers, sensors and adapters."""


def _show_credentials(issued: device_admin.IssuedCredentials) -> None:
    click.echo(f"MQTT username: {issued.username}")
    click.echo("MQTT password: " + click.style(issued.password, bold=True))
    click.echo("The password is shown only now. Give it to the device, then run")
    click.echo(
        "`flask ruang device passwords --out FILE` and reload the broker (scripts/broker.sh)."
    )


@device.command("add")
@click.option("--hub", "hub_slug", required=True, help="The hub's slug.")
@click.option("--id", "device_id", required=True, help="Device id: its MQTT username and topic.")
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice([k.value for k in DeviceKind]), required=True)
@click.option("--door", default="", help="The door a reader opens (by name).")
@click.option("--zone", default="", help="The zone a sensor reports on (by name).")
@click.option(
    "--adapter", type=click.Choice([a.value for a in Adapter]), default=Adapter.NATIVE.value
)
@click.option("--adapter-config", default="", help='JSON, e.g. {"topic": "tasmota_5AB1C2"}.')
@with_appcontext
def add_command(
    hub_slug: str,
    device_id: str,
    name: str,
    kind: str,
    door: str,
    zone: str,
    adapter: str,
    adapter_config: str,
) -> None:
    """Register a device and issue its MQTT password (shown once)."""
    with domain_errors_exit():
        details = device_admin.DeviceDetails(
            device_id=device_id,
            name=name,
            kind=DeviceKind(kind),
            adapter=Adapter(adapter),
            adapter_config=device_admin.parse_adapter_config(adapter_config),
            door_name=door,
            zone_name=zone,
        )
        issued = device_admin.register_device(hub_named(hub_slug), details)
    click.echo(f"Device {device_id} added to {hub_slug}.")
    _show_credentials(issued)


@device.command("list")
@click.option("--hub", "hub_slug", default=None, help="Only this hub's devices.")
@with_appcontext
def list_command(hub_slug: str | None) -> None:
    """The registered devices: hub, kind, adapter, online, last seen, firmware."""
    devices = device_admin.list_devices(hub_named(hub_slug) if hub_slug else None)
    if not devices:
        click.echo("No devices.")
        return
    click.echo(
        f"{'device':<24} {'hub':<16} {'kind':<7} {'adapter':<14} {'state':<9} "
        f"{'last seen (hub time)':<20} firmware"
    )
    for item in devices:
        state = "inactive" if not item.active else ("online" if item.online else "offline")
        seen = (
            item.last_seen_at.astimezone(item.hub.zone).strftime("%Y-%m-%d %H:%M")
            if item.last_seen_at
            else "never"
        )
        click.echo(
            f"{item.device_id:<24} {item.hub.slug:<16} {item.kind.value:<7} "
            f"{item.adapter.value:<14} {state:<9} {seen:<20} {item.firmware or '-'}"
        )


@device.command("configure")
@click.argument("device_id")
@click.option("--adapter-config", required=True, help="The adapter settings, as JSON.")
@with_appcontext
def configure_command(device_id: str, adapter_config: str) -> None:
    """Change a device's adapter settings, e.g. map another Zigbee2MQTT sensor to a room."""
    with domain_errors_exit():
        configured = device_admin.configure_adapter(
            device_admin.find_device(device_id), device_admin.parse_adapter_config(adapter_config)
        )
    click.echo(f"Device {device_id}: {json.dumps(configured.adapter_config)}")
    click.echo("Write the ACL again (`flask ruang device passwords --acl-out FILE`) and reload.")


@device.command("rotate-password")
@click.argument("device_id")
@with_appcontext
def rotate_password_command(device_id: str) -> None:
    """Issue a new MQTT password for a device (the old one stops at the broker's next reload)."""
    with domain_errors_exit():
        issued = device_admin.rotate_password(device_admin.find_device(device_id))
    _show_credentials(issued)


@device.command("passwords")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--acl-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the ACL: config/mosquitto/acl plus each adapter device's own topics.",
)
@click.option("--gateway-password", envvar="RUANG_MQTT_GATEWAY_PASSWORD", default=None, hidden=True)
@with_appcontext
def passwords_command(out: Path, acl_out: Path | None, gateway_password: str | None) -> None:
    """Write the broker's password file (mode 0600) from the registry, with the gateway user.

    The gateway's password: RUANG_MQTT_GATEWAY_PASSWORD, else the one in MQTT_URL, else
    instance/mosquitto/gateway-password (generated once)."""
    config = dict(current_app.config)
    if gateway_password:
        config["RUANG_MQTT_GATEWAY_PASSWORD"] = gateway_password
    secret = device_admin.gateway_password(config, Path(current_app.instance_path))
    lines = device_admin.password_file_lines(secret)
    write_password_file(out, lines)
    click.echo(f"{out}: {len(lines) - 1} users ({device_admin.GATEWAY_USER} and the devices)")
    if acl_out is not None:
        write_password_file(acl_out, device_admin.acl_file_lines(BASE_ACL.read_text()))
        click.echo(f"{acl_out}: the ACL")
