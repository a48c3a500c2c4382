"""Mentors' office hours and the sessions members book in them.

A mentor is never double booked, by the database: a slot holds at most one live session (a
partial unique index on both databases), and on PostgreSQL an exclusion constraint
(`ex_mentor_slots_no_overlap`, created by the migration) forbids two live slots of one mentor
that overlap; on SQLite the service checks under BEGIN IMMEDIATE, as for rooms.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.hubs import Hub
from app.models.members import User
from app.models.types import enum_column


class MentorSlot(Base):
    __tablename__ = "mentor_slots"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_mentor_slots_mentor_starts", "mentor_id", "starts_at"),
        Index("ix_mentor_slots_hub_starts", "hub_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    hub_id: Mapped[int | None] = mapped_column(
        ForeignKey("hubs.id", ondelete="CASCADE"), default=None
    )  # None: online
    online_url: Mapped[str] = mapped_column(String(500), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    mentor: Mapped[User] = relationship()
    hub: Mapped[Hub | None] = relationship()


class SessionStatus(enum.StrEnum):
    BOOKED = "booked"
    HELD = "held"
    CANCELLED = "cancelled"


class MentoringSession(Base):
    """A member's booking of a slot; the notes are for the mentor, the member and programme
    admins only (see `may_read_notes`)."""

    __tablename__ = "mentoring_sessions"
    __table_args__ = (
        Index(
            "uq_mentoring_sessions_live_slot",
            "slot_id",
            unique=True,
            postgresql_where=text("status <> 'cancelled'"),
            sqlite_where=text("status <> 'cancelled'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("mentor_slots.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[SessionStatus] = mapped_column(
        enum_column(SessionStatus, "session_status"), default=SessionStatus.BOOKED
    )
    topic: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    slot: Mapped[MentorSlot] = relationship()
    member: Mapped[User] = relationship()

    def may_read_notes(self, user: User) -> bool:
        return user.id in (self.member_id, self.slot.mentor_id) or user.is_programme_admin
