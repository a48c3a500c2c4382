"""Programme events (trainings, workshops, clinics, meetups) and who registered for them.

An event held in a room holds it with a real booking row (`booking_id`, source "event"), so the
booking engine's rules and the exclusion constraint keep room bookings and events apart. A weekly
series is one event row per occurrence sharing a `series_id`.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.bookings import Booking
from app.models.businesses import ProgrammeStep
from app.models.hubs import Hub
from app.models.members import User
from app.models.plans import Plan
from app.models.spaces import Resource
from app.models.types import enum_column


class EventKind(enum.StrEnum):
    TRAINING = "training"
    WORKSHOP = "workshop"
    CLINIC = "clinic"  # mentoring clinic
    MEETUP = "meetup"


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        Index("ix_events_hub_starts", "hub_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"))
    resource_id: Mapped[int | None] = mapped_column(
        ForeignKey("resources.id", ondelete="SET NULL"), default=None
    )
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL"), default=None
    )
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, "event_kind"))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column()
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    online_url: Mapped[str] = mapped_column(String(500), default="")
    # Who may register: members on this plan / who reached this step (None: anyone).
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("plans.id", ondelete="SET NULL"), default=None
    )
    required_step: Mapped[ProgrammeStep | None] = mapped_column(
        enum_column(ProgrammeStep, "event_required_step"), default=None
    )
    series_id: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    hub: Mapped[Hub] = relationship()
    resource: Mapped[Resource | None] = relationship()
    booking: Mapped[Booking | None] = relationship()
    plan: Mapped[Plan | None] = relationship()

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def registration_open(self, now: datetime) -> bool:
        opens = self.registration_opens_at
        closes = self.registration_closes_at or self.starts_at
        return not self.is_cancelled and (opens is None or opens <= now) and now < closes


class RegistrationStatus(enum.StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class EventRegistration(Base):
    """A member (or a guest without an account, registered by staff) at an event. A registered
    place carries a pass (kind "event") valid for the event's time."""

    __tablename__ = "event_registrations"
    __table_args__ = (
        CheckConstraint("member_id IS NOT NULL OR guest_name <> ''", name="member_or_guest"),
        # One live registration per member per event, also when they click twice at once.
        Index(
            "uq_event_registrations_live_member",
            "event_id",
            "member_id",
            unique=True,
            postgresql_where=text("status <> 'cancelled' AND member_id IS NOT NULL"),
            sqlite_where=text("status <> 'cancelled' AND member_id IS NOT NULL"),
        ),
        Index("ix_event_registrations_event_status", "event_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), default=None, index=True
    )
    guest_name: Mapped[str] = mapped_column(String(200), default="")
    guest_email: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "registration_status")
    )
    pass_id: Mapped[int | None] = mapped_column(
        ForeignKey("passes.id", ondelete="SET NULL"), default=None, index=True
    )
    registered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    event: Mapped[Event] = relationship()
    member: Mapped[User | None] = relationship(foreign_keys=[member_id])

    @property
    def display_name(self) -> str:
        return self.member.name if self.member is not None else self.guest_name
