"""Zigbee2MQTT: one device per installation (its base topic and a map from each sensor's
friendly name to a zone), instead of one device per friendly name. Data only, no schema.

Before, a device's adapter_config was {"name": "<friendly name>"} with the zone in
devices.zone_id. Upgrading turns each hub's active Zigbee2MQTT devices into one installation:
the oldest keeps its id and MQTT login and gets {"base_topic": ..., "sensors": {name: {"zone":
zone id}}} for all of them; the others are deactivated (their sensors live on in its map).
The first hub keeps the base topic `zigbee2mqtt`; a further hub's installation gets
`zigbee2mqtt-<hub slug>` (one base topic per installation; set Zigbee2MQTT's mqtt.base_topic
to it). Downgrading gives each installation the name of its first sensor again; the devices
deactivated on the way up stay deactivated.

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-01 21:40:00

"""
from typing import Any

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

DEFAULT_BASE_TOPIC = "zigbee2mqtt"

devices = sa.table(
    "devices",
    sa.column("id", sa.Integer),
    sa.column("hub_id", sa.Integer),
    sa.column("adapter", sa.String),
    sa.column("adapter_config", sa.JSON),
    sa.column("zone_id", sa.Integer),
    sa.column("active", sa.Boolean),
)
hubs = sa.table("hubs", sa.column("id", sa.Integer), sa.column("slug", sa.String))


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(devices.c.id, devices.c.hub_id, devices.c.adapter_config, devices.c.zone_id)
        .where(devices.c.adapter == "zigbee2mqtt", devices.c.active.is_(True))
        .order_by(devices.c.id)
    ).all()
    slugs = dict(connection.execute(sa.select(hubs.c.id, hubs.c.slug)).all())
    by_hub: dict[int, list[Any]] = {}
    for row in rows:
        if "base_topic" not in (row.adapter_config or {}):
            by_hub.setdefault(row.hub_id, []).append(row)
    taken = {
        (row.adapter_config or {}).get("base_topic")
        for row in rows
        if "base_topic" in (row.adapter_config or {})
    }
    for hub_id, legacy in by_hub.items():
        base = DEFAULT_BASE_TOPIC
        if base in taken:
            base = f"{DEFAULT_BASE_TOPIC}-{slugs[hub_id]}"[:64]
        taken.add(base)
        sensors = {
            row.adapter_config["name"]: {"zone": row.zone_id}
            for row in legacy
            if isinstance((row.adapter_config or {}).get("name"), str) and row.zone_id is not None
        }
        keeper, *merged = legacy
        connection.execute(
            devices.update()
            .where(devices.c.id == keeper.id)
            .values(adapter_config={"base_topic": base, "sensors": sensors})
        )
        if merged:
            connection.execute(
                devices.update()
                .where(devices.c.id.in_([row.id for row in merged]))
                .values(active=False)
            )


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(devices.c.id, devices.c.adapter_config).where(
            devices.c.adapter == "zigbee2mqtt"
        )
    ).all()
    for row in rows:
        config = row.adapter_config or {}
        if "base_topic" not in config:
            continue
        sensors = config.get("sensors") or {}
        name, place = next(iter(sensors.items()), ("", {}))
        values: dict[str, Any] = {"adapter_config": {"name": name or "unmapped"}}
        if isinstance(place.get("zone"), int):
            values["zone_id"] = place["zone"]
        connection.execute(devices.update().where(devices.c.id == row.id).values(**values))
