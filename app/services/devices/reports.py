"""What the MQTT gateway keeps in the device registry: online state, firmware and last-seen time
(the gateway finds devices through app/services/access/directory.py).

Registering devices and their credentials is app/services/devices/registry.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import bindparam, select, update

from app.extensions import db
from app.models import Adapter, Device
from app.services.transactions import transaction


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


def record_seen(seen: Mapping[str, datetime]) -> None:
    """Devices sent something (device id -> when): move each last_seen_at forward (never
    back), all in one transaction."""
    if not seen:
        return
    with transaction():
        db.session.connection().execute(
            _SEEN, [{"device": device, "at": at} for device, at in seen.items()]
        )


_SEEN = (
    update(Device)
    .where(
        Device.device_id == bindparam("device"),
        (Device.last_seen_at.is_(None)) | (Device.last_seen_at < bindparam("at")),
    )
    .values(last_seen_at=bindparam("at"))
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
