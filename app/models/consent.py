"""Members' data rights (UU PDP 27/2022): consents given, requests for export or erasure, and
the version of each member's secret calendar feed address."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.members import User
from app.models.types import enum_column


class ConsentRecord(Base):
    """The member agreed to version `version` of the personal-data notice at `given_at`."""

    __tablename__ = "consent_records"
    __table_args__ = (Index("ix_consent_records_user_given", "user_id", "given_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(16))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(16), default="web")  # web, frontdesk, renewal


class DataRequestKind(enum.StrEnum):
    EXPORT = "export"
    ERASURE = "erasure"


class DataRequestStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    REJECTED = "rejected"


class DataRequest(Base):
    """A member asked for their data or for their account to be erased; staff handle it.

    After erasure user_id still names the (anonymised) account, so the request stays on record."""

    __tablename__ = "data_requests"
    __table_args__ = (Index("ix_data_requests_status_at", "status", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[DataRequestKind] = mapped_column(enum_column(DataRequestKind, "data_request_kind"))
    status: Mapped[DataRequestStatus] = mapped_column(
        enum_column(DataRequestStatus, "data_request_status"), default=DataRequestStatus.OPEN
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    handled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    note: Mapped[str] = mapped_column(String(500), default="")

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])


class CalendarFeed(Base):
    """The version of a user's secret feed address: rotating it bumps the version, so the old
    address (signed over the old version) stops working. Nothing secret is stored."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(default=1)
    rotated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
