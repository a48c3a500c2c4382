"""What the MQTT gateway needs from the device registry: find a device by its id or by its
adapter's name for it, and keep its online state, firmware and last-seen time.

Registering devices and their credentials is app/services/device_admin.py.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Adapter, Device
from app.services.transactions import transaction

#: The adapter_config key that names a third-party device on its own topics.
ADAPTER_KEYS = {Adapter.TASMOTA_GM861: "topic", Adapter.ZIGBEE2MQTT: "name"}


def device_by_id(device_id: str) -> Device | None:
    """The device with this id (its MQTT username), its hub loaded, or None."""
    return db.session.scalar(
        select(Device).options(joinedload(Device.hub)).where(Device.device_id == device_id)
    )


def device_by_adapter(adapter: Adapter, key: str) -> Device | None:
    """The active device of `adapter` whose adapter_config names it `key` (a Tasmota topic, a
    Zigbee2MQTT friendly name), or None. Compared in Python: JSON queries differ per backend
    and a hub has a handful of such devices."""
    config_key = ADAPTER_KEYS.get(adapter)
    if config_key is None:
        return None
    candidates = db.session.scalars(
        select(Device)
        .options(joinedload(Device.hub))
        .where(Device.adapter == adapter, Device.active)
        .order_by(Device.id)
    )
    return next((d for d in candidates if (d.adapter_config or {}).get(config_key) == key), None)


def record_status(
    device_id: str, online: bool, firmware: str | None = None, at: datetime | None = None
) -> bool:
    """Store what a device said about itself (its status, a last will, an availability message).

    `firmware` None keeps the known version; `at` None (a retained message of unknown age)
    leaves last_seen_at alone. Returns False for an unknown device.
    """
    with transaction():
        device = db.session.scalar(select(Device).where(Device.device_id == device_id))
        if device is None:
            return False
        device.online = online
        if firmware is not None:
            device.firmware = firmware[:32]
        if at is not None and (device.last_seen_at is None or at > device.last_seen_at):
            device.last_seen_at = at
    return True


def record_seen(device_id: str, at: datetime) -> None:
    """The device sent something at `at`: move its last_seen_at forward (never back)."""
    with transaction():
        db.session.execute(
            update(Device)
            .where(
                Device.device_id == device_id,
                (Device.last_seen_at.is_(None)) | (Device.last_seen_at < at),
            )
            .values(last_seen_at=at)
        )


def mark_silent_offline(silent_since: datetime) -> list[str]:
    """Mark offline every native device still online but not heard from since `silent_since`
    (it missed its heartbeats without a last will, e.g. a power cut that took the network too).
    Third-party devices are left to their own last will / availability messages."""
    with transaction():
        silent = list(
            db.session.scalars(
                select(Device).where(
                    Device.online,
                    Device.adapter == Adapter.NATIVE,
                    (Device.last_seen_at.is_(None)) | (Device.last_seen_at < silent_since),
                )
            )
        )
        for device in silent:
            device.online = False
    return [device.device_id for device in silent]
