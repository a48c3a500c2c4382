"""Passes, the keys that sign them, doors, and the access events every decision leaves.

A pass is a row here; the QR token only carries its id (see devices/passcode.py). Revoking a
pass bumps the revocation version of every hub it could open, so readers fetch a fresh list.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.bookings import Booking
from app.models.hubs import Hub
from app.models.members import User
from app.models.spaces import Resource, Zone
from app.models.types import enum_column


class PassKind(enum.StrEnum):
    MEMBER = "member"
    DAY = "day"
    GUEST = "guest"
    STAFF = "staff"
    EVENT = "event"  # a registration's place at an event, valid for the event's time


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


class PassKey(Base):
    """An Ed25519 signing key's public half; the private half never enters the database."""

    __tablename__ = "pass_keys"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # key id 0..255
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Pass(Base):
    __tablename__ = "passes"
    __table_args__ = (Index("ix_passes_member_kind", "member_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PassKind] = mapped_column(enum_column(PassKind, "pass_kind"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    hub_id: Mapped[int | None] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"))
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    guest_name: Mapped[str] = mapped_column(String(200), default="")
    guest_email: Mapped[str] = mapped_column(String(254), default="")
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[User | None] = relationship(foreign_keys=[member_id])
    booking: Mapped[Booking | None] = relationship()
    hub: Mapped[Hub | None] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class DoorKind(enum.StrEnum):
    """What a door is for. The direction of a passage comes from the scan: an exit's readers
    report "out"; a room door also needs a booking of its room."""

    ENTRANCE = "entrance"
    EXIT = "exit"
    ROOM = "room"


class Door(Base):
    """A door with readers, leading from `from_zone` into `zone` (a scan "out" goes back).

    A room door opens only for a booking of its room covering now. A retired door keeps its
    row, so access events still name it, but refuses every scan.
    """

    __tablename__ = "doors"

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[DoorKind] = mapped_column(enum_column(DoorKind, "door_kind"))
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id", ondelete="SET NULL"))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id", ondelete="SET NULL"))
    from_zone_id: Mapped[int | None] = mapped_column(
        ForeignKey("zones.id", ondelete="SET NULL"), default=None
    )
    anti_passback: Mapped[bool] = mapped_column(default=False)
    open_seconds: Mapped[int] = mapped_column(default=5)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    hub: Mapped[Hub] = relationship()
    resource: Mapped[Resource | None] = relationship()
    zone: Mapped[Zone | None] = relationship(foreign_keys=[zone_id])
    from_zone: Mapped[Zone | None] = relationship(foreign_keys=[from_zone_id])

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class AccessEvent(Base):
    """One access decision. `event_id` is unique: a retried or duplicated message is stored once.

    `granted`, `reason` and `decided_at` are what the door did. For a decision the door made
    alone (source "offline"), `server_reason` is what the server decides of the same scan.
    """

    __tablename__ = "access_events"
    __table_args__ = (
        Index("ix_access_events_hub_at", "hub_id", "decided_at"),
        Index("ix_access_events_pass_at", "pass_id", "decided_at"),
        # The impact report: a hub's granted entries in a period, from the index alone.
        Index(
            "ix_access_events_hub_granted_at",
            "hub_id",
            "granted",
            "decided_at",
            "direction",
            "member_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"))
    door_id: Mapped[int | None] = mapped_column(ForeignKey("doors.id", ondelete="SET NULL"))
    pass_id: Mapped[int | None] = mapped_column(default=None)  # as scanned; may not exist
    member_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    direction: Mapped[Direction] = mapped_column(enum_column(Direction, "direction"))
    granted: Mapped[bool] = mapped_column()
    reason: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16), default="gateway")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    latency_ms: Mapped[float] = mapped_column(default=0.0)
    # Set only on granted uses of a rotating code: "<hub>:<pass>:<direction>:<valid_from>".
    # Unique, so the same code cannot open the same way twice, even under concurrency.
    replay_key: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    server_reason: Mapped[str | None] = mapped_column(String(32), default=None)

    door: Mapped[Door | None] = relationship()
    member: Mapped[User | None] = relationship()

    @property
    def decided_at_door(self) -> bool:
        return self.source == "offline"

    @property
    def server_disagrees(self) -> bool:
        """The door opened where the server would refuse, or the other way round."""
        return self.server_reason is not None and (self.server_reason == "granted") != self.granted
