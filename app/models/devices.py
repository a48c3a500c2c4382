"""Devices (door readers, sensors, third-party hardware through adapters) and occupancy.

A device's id is its MQTT username and appears in its topics; ACL patterns confine it there.
Third-party devices (Tasmota scanners, Zigbee2MQTT sensors) are rows with an adapter and its
settings, not code per device.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.access import Door
from app.models.base import Base, UTCDateTime, utcnow
from app.models.hubs import Hub
from app.models.spaces import Zone
from app.models.types import enum_column


class DeviceKind(enum.StrEnum):
    READER = "reader"
    SENSOR = "sensor"


class Adapter(enum.StrEnum):
    NATIVE = "native"  # speaks devices/protocol.py itself
    TASMOTA_GM861 = (
        "tasmota_gm861"  # Tasmota + GM861 QR module: tele/<topic>/SENSOR, cmnd/<topic>/POWER
    )
    # One Zigbee2MQTT installation (one MQTT login): <base topic>/<friendly name> occupancy /
    # presence / people, each friendly name mapped to a zone or room in adapter_config.
    ZIGBEE2MQTT = "zigbee2mqtt"


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), unique=True)  # MQTT username, topic id
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[DeviceKind] = mapped_column(enum_column(DeviceKind, "device_kind"))
    adapter: Mapped[Adapter] = mapped_column(
        enum_column(Adapter, "device_adapter"), default=Adapter.NATIVE
    )
    # Adapter settings, e.g. {"topic": "tasmota_5AB1C2", "relay": 1}, or for Zigbee2MQTT
    # {"base_topic": "zigbee2mqtt", "sensors": {"lobby_pir": {"zone": 3}, "pir-2": {"room": 9}}}.
    adapter_config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    door_id: Mapped[int | None] = mapped_column(ForeignKey("doors.id", ondelete="SET NULL"))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id", ondelete="SET NULL"))
    # Mosquitto's PBKDF2-SHA512 hash of the device's MQTT password (the password is shown once).
    mqtt_password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    active: Mapped[bool] = mapped_column(default=True)
    online: Mapped[bool] = mapped_column(default=False)
    firmware: Mapped[str | None] = mapped_column(String(32), default=None)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    hub: Mapped[Hub] = relationship()
    door: Mapped[Door | None] = relationship()
    zone: Mapped[Zone | None] = relationship()


class ZoneOccupancy(Base):
    """Live occupancy of a zone: the latest count and/or presence its sensors reported."""

    __tablename__ = "zone_occupancy"

    zone_id: Mapped[int] = mapped_column(
        ForeignKey("zones.id", ondelete="CASCADE"), primary_key=True
    )
    people: Mapped[int | None] = mapped_column(default=None)
    present: Mapped[bool | None] = mapped_column(default=None)
    last_presence_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    zone: Mapped[Zone] = relationship()


class OccupancySample(Base):
    """Five-minute history per zone: the most people seen and whether anyone was present."""

    __tablename__ = "occupancy_samples"
    __table_args__ = (UniqueConstraint("zone_id", "bucket_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="CASCADE"))
    bucket_start: Mapped[datetime] = mapped_column(UTCDateTime)
    max_people: Mapped[int | None] = mapped_column(default=None)
    any_presence: Mapped[bool] = mapped_column(default=False)
    reports: Mapped[int] = mapped_column(default=0)


class ProcessedMessage(Base):
    """Ids of device messages already handled (other than scans, which are access events), so
    a QoS 1 duplicate or a replayed upload is processed once."""

    __tablename__ = "processed_messages"
    __table_args__ = (Index("ix_processed_messages_at", "processed_at"),)

    key: Mapped[str] = mapped_column(String(140), primary_key=True)  # "<device>:<message id>"
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
