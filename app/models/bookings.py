"""Bookings of resources by members, and the waitlist for full resources.

No double booking is guaranteed by the database: on PostgreSQL an exclusion constraint
(`ex_bookings_no_overlap`, created by the migration) forbids two active bookings of an exclusive
(capacity-1) resource whose [start, end) ranges overlap. Pools are guarded by the booking service,
which locks the resource row before counting.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, Index, Select, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.members import User
from app.models.spaces import Resource
from app.models.types import enum_column

#: No booking is longer than a day; availability queries rely on it to bound their index scans.
MAX_BOOKING_LENGTH = timedelta(days=1)


class BookingStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    COMPLETED = "completed"
    # Held while its payment is pending (room hours beyond the plan's quota): it blocks the
    # slot like any booking, but gives no entry until it is paid and confirmed.
    PENDING_PAYMENT = "pending_payment"


#: Bookings that are the member's: they give entry, a pass, a place in My bookings.
ACTIVE_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)
#: Bookings that take their seat from everyone else (the exclusion constraint's statuses).
HOLDING_STATUSES = (*ACTIVE_STATUSES, BookingStatus.PENDING_PAYMENT)
#: Bookings that count against a plan's monthly quota (a no-show still used the entitlement).
QUOTA_STATUSES = (*ACTIVE_STATUSES, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)


class BookingSource(enum.StrEnum):
    WEB = "web"
    API = "api"
    FRONT_DESK = "front_desk"
    WAITLIST = "waitlist"
    EVENT = "event"  # a programme event's hold on its room


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        Index("ix_bookings_resource_start", "resource_id", "start_at"),
        # The impact report: who a hub's resources served in a period, from the index alone
        # (without it the planner reads every hub's bookings through ix_bookings_status_start).
        Index(
            "ix_bookings_resource_start_served", "resource_id", "start_at", "status", "member_id"
        ),
        Index("ix_bookings_member_start", "member_id", "start_at"),
        Index("ix_bookings_status_start", "status", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[BookingStatus] = mapped_column(
        enum_column(BookingStatus, "booking_status"), default=BookingStatus.CONFIRMED
    )
    source: Mapped[BookingSource] = mapped_column(
        enum_column(BookingSource, "booking_source"), default=BookingSource.WEB
    )
    # Copied from the resource (capacity 1) so the exclusion constraint can see it.
    exclusive: Mapped[bool] = mapped_column(default=True)
    series_id: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    resource: Mapped[Resource] = relationship()
    member: Mapped[User] = relationship(foreign_keys=[member_id])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def is_upcoming(self, now: datetime) -> bool:
        """Active and not over yet: it still has a pass, and My bookings lists it as upcoming."""
        return self.is_active and self.end_at > now

    @property
    def duration(self) -> timedelta:
        return self.end_at - self.start_at

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start_at < end and start < self.end_at


class WaitlistStatus(enum.StrEnum):
    WAITING = "waiting"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


class WaitlistEntry(Base):
    """A member waiting for a seat on a resource over [start, end); first come, first served."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        Index("ix_waitlist_entries_resource_status", "resource_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[WaitlistStatus] = mapped_column(
        enum_column(WaitlistStatus, "waitlist_status"), default=WaitlistStatus.WAITING
    )
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    resource: Mapped[Resource] = relationship()
    member: Mapped[User] = relationship()
    booking: Mapped[Booking | None] = relationship()


def overlapping_active(
    resource_id: int, start: datetime, end: datetime, margin: timedelta = timedelta(0)
) -> Select[Booking]:
    """Bookings holding a resource (HOLDING_STATUSES) that overlap [start - margin, end + margin).

    The lower bound on start_at (no booking is longer than MAX_BOOKING_LENGTH) keeps the scan of
    ix_bookings_resource_start short however much history the resource has.
    """
    low, high = start - margin, end + margin
    return select(Booking).where(
        Booking.resource_id == resource_id,
        Booking.status.in_(HOLDING_STATUSES),
        Booking.start_at >= low - MAX_BOOKING_LENGTH,
        Booking.start_at < high,
        Booking.end_at > low,
    )


def peak_overlap(intervals: Sequence[tuple[datetime, datetime]]) -> int:
    """The largest number of half-open intervals that overlap at any instant."""
    edges = sorted(
        [(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals],
        key=lambda edge: (edge[0], edge[1]),  # an end at t frees its seat before a start at t
    )
    peak = current = 0
    for _, step in edges:
        current += step
        peak = max(peak, current)
    return peak
