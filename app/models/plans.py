"""Plans: what a membership costs and what it entitles a member to."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ColumnElement, ForeignKey, String, Table, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime
from app.models.hubs import Hub
from app.models.types import enum_column


class BillingInterval(enum.StrEnum):
    NONE = "none"
    DAY = "day"
    MONTH = "month"


plan_hubs = Table(
    "plan_hubs",
    Base.metadata,
    Column("plan_id", ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True),
    Column("hub_id", ForeignKey("hubs.id", ondelete="CASCADE"), primary_key=True),
)


class Plan(Base):
    """A plan. Quotas of None mean unlimited; `hubs` empty with `all_hubs` means every hub."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Whole rupiah (Rp 50.000 is 50_000), like every amount Ruang stores (app.models.billing).
    price_idr: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3), default="IDR")
    billing_interval: Mapped[BillingInterval] = mapped_column(
        enum_column(BillingInterval, "billing_interval"), default=BillingInterval.MONTH
    )
    all_hubs: Mapped[bool] = mapped_column(default=True)
    desk_days_per_month: Mapped[int | None] = mapped_column(default=None)
    room_hours_per_month: Mapped[int | None] = mapped_column(default=None)
    advance_days: Mapped[int] = mapped_column(default=14)
    guests_per_month: Mapped[int] = mapped_column(default=0)
    subsidised: Mapped[bool] = mapped_column(default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    hubs: Mapped[list[Hub]] = relationship(secondary=plan_hubs)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def allows_hub(self, hub_id: int) -> bool:
        return self.all_hubs or any(hub.id == hub_id for hub in self.hubs)

    @classmethod
    def allowing_hub(cls, hub_id: int | ColumnElement[int]) -> ColumnElement[bool]:
        """allows_hub(hub_id) as a SQL condition."""
        chosen = select(plan_hubs.c.plan_id).where(plan_hubs.c.hub_id == hub_id)
        return or_(cls.all_hubs, cls.id.in_(chosen))
