"""Floors, zones and bookable resources (desks, rooms, spaces) with their place on the plan."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime
from app.models.hubs import Hub
from app.models.types import enum_column


class ResourceKind(enum.StrEnum):
    DESK = "desk"
    ROOM = "room"
    SPACE = "space"


class BookingMode(enum.StrEnum):
    WHOLE_DAY = "whole_day"
    TIMED = "timed"


class Floor(Base):
    __tablename__ = "floors"
    __table_args__ = (UniqueConstraint("hub_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[int] = mapped_column(default=0)
    # Size of the floor-plan drawing, in plan units; resources are placed inside it.
    plan_width: Mapped[int] = mapped_column(default=1000)
    plan_height: Mapped[int] = mapped_column(default=600)

    hub: Mapped[Hub] = relationship(back_populates="floors")
    zones: Mapped[list[Zone]] = relationship(back_populates="floor", cascade="all, delete-orphan")
    resources: Mapped[list[Resource]] = relationship(
        back_populates="floor", cascade="all, delete-orphan", order_by="Resource.name"
    )


class Zone(Base):
    """An area of a floor that occupancy sensors report on; may cap how many people it holds.
    A retired zone keeps its row (occupancy history points at it) but is offered nowhere."""

    __tablename__ = "zones"
    __table_args__ = (
        UniqueConstraint("floor_id", "name"),
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="zone_capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    floor_id: Mapped[int] = mapped_column(ForeignKey("floors.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    capacity: Mapped[int | None] = mapped_column(default=None)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    floor: Mapped[Floor] = relationship(back_populates="zones")


class Resource(Base):
    """Something bookable: a named desk or room (capacity 1), or a pool of N seats."""

    __tablename__ = "resources"
    __table_args__ = (
        UniqueConstraint("floor_id", "name"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("slot_minutes > 0", name="slot_positive"),
        CheckConstraint("min_minutes > 0 AND max_minutes >= min_minutes", name="duration_bounds"),
        CheckConstraint("max_minutes <= 1440", name="at_most_one_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    floor_id: Mapped[int] = mapped_column(ForeignKey("floors.id", ondelete="CASCADE"), index=True)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[ResourceKind] = mapped_column(enum_column(ResourceKind, "resource_kind"))
    booking_mode: Mapped[BookingMode] = mapped_column(enum_column(BookingMode, "booking_mode"))
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    slot_minutes: Mapped[int] = mapped_column(default=30)
    min_minutes: Mapped[int] = mapped_column(default=30)
    max_minutes: Mapped[int] = mapped_column(default=1440)
    # Position and size on the floor plan, in the floor's plan units.
    x: Mapped[int] = mapped_column(default=0)
    y: Mapped[int] = mapped_column(default=0)
    width: Mapped[int] = mapped_column(default=40)
    height: Mapped[int] = mapped_column(default=30)
    amenities: Mapped[list[Any]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)

    floor: Mapped[Floor] = relationship(back_populates="resources")
    zone: Mapped[Zone | None] = relationship()

    @property
    def hub(self) -> Hub:
        return self.floor.hub

    @property
    def is_pool(self) -> bool:
        return self.capacity > 1

    @property
    def is_whole_day(self) -> bool:
        return self.booking_mode is BookingMode.WHOLE_DAY
