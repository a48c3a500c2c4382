"""Billing: what a hub charges, orders and their lines, plan-period invoices, and each order's
or invoice's attempt at a payment provider.

Every amount is whole rupiah (`*_idr`, Rp 150.000 is 150000): Ruang never stores cents; Stripe's
minor units exist only at the Stripe client's edge (app.money.to_minor).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.bookings import Booking
from app.models.hubs import Hub
from app.models.members import Membership, User
from app.models.types import enum_column

#: Defaults of a hub's billing settings, until an admin saves its own.
DEFAULT_REFUND_HOURS = 24
DEFAULT_HOLD_MINUTES = 15


class PaymentMethod(enum.StrEnum):
    CASH = "cash"
    QRIS = "qris"  # shown at the desk: the member scans the hub's QRIS sticker
    TRANSFER = "transfer"
    CARD = "card"  # through a provider (Stripe)


#: What front-desk staff record by hand.
MANUAL_METHODS = (PaymentMethod.CASH, PaymentMethod.QRIS, PaymentMethod.TRANSFER)


class HubBilling(Base):
    """A hub's prices and money policy. A hub without a row uses the defaults."""

    __tablename__ = "hub_billing"
    __table_args__ = (
        CheckConstraint("day_pass_price_idr IS NULL OR day_pass_price_idr >= 0", name="price"),
        CheckConstraint("room_hour_price_idr IS NULL OR room_hour_price_idr >= 0", name="hour"),
        CheckConstraint("refund_hours_before >= 0", name="refund_hours"),
        CheckConstraint("hold_minutes > 0", name="hold_minutes"),
    )

    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), primary_key=True)
    # None: the day-pass plan's own price applies.
    day_pass_price_idr: Mapped[int | None] = mapped_column(default=None)
    # Room hours beyond a plan's quota, per hour; None: not sold (the booking is refused).
    room_hour_price_idr: Mapped[int | None] = mapped_column(default=None)
    # A paid booking cancelled at least this many hours before its start is refunded.
    refund_hours_before: Mapped[int] = mapped_column(default=DEFAULT_REFUND_HOURS)
    # How long a booking waiting for its payment holds the slot.
    hold_minutes: Mapped[int] = mapped_column(default=DEFAULT_HOLD_MINUTES)

    hub: Mapped[Hub] = relationship()


class OrderStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its payment
    PAID = "paid"
    CANCELLED = "cancelled"  # never paid (released, or abandoned)


class LineKind(enum.StrEnum):
    DAY_PASS = "day_pass"  # noqa: S105 (a line kind, not a secret)
    ROOM_HOURS = "room_hours"
    PLAN_PERIOD = "plan_period"


class Order(Base):
    """What a member buys at one hub, in one payment."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("total_idr >= 0", name="total"),
        Index("ix_orders_member_created", "member_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="RESTRICT"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    status: Mapped[OrderStatus] = mapped_column(
        enum_column(OrderStatus, "order_status"), default=OrderStatus.PENDING
    )
    total_idr: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    hub: Mapped[Hub] = relationship()
    member: Mapped[User] = relationship(foreign_keys=[member_id])
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )

    @property
    def reference(self) -> str:
        """Ruang's own id for providers: the root of every idempotency key."""
        return f"order-{self.id}"

    @property
    def description(self) -> str:
        return ", ".join(line.description for line in self.lines)


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("amount_idr >= 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[LineKind] = mapped_column(enum_column(LineKind, "line_kind"))
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(default=1)
    unit_price_idr: Mapped[int] = mapped_column(default=0)
    amount_idr: Mapped[int] = mapped_column(default=0)
    # What the line gives, once paid.
    day: Mapped[date | None] = mapped_column(Date, default=None)
    # The desk or room asked for (a day pass bought online books it when paid).
    resource_id: Mapped[int | None] = mapped_column(
        ForeignKey("resources.id", ondelete="SET NULL"), default=None
    )
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL"), default=None, index=True
    )
    membership_id: Mapped[int | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL"), default=None
    )

    order: Mapped[Order] = relationship(back_populates="lines")
    booking: Mapped[Booking | None] = relationship()
    membership: Mapped[Membership | None] = relationship()


class InvoiceStatus(enum.StrEnum):
    OPEN = "open"
    PAID = "paid"
    VOID = "void"


class Invoice(Base):
    """One period of a paid plan. One per (membership, period): two renewal workers racing
    create one invoice, the database decides."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("membership_id", "period_start"),
        CheckConstraint("period_end > period_start", name="period"),
        CheckConstraint("amount_idr >= 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="RESTRICT"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    # The hub that bills the plan: its receipt numbers, its revenue.
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="RESTRICT"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    amount_idr: Mapped[int] = mapped_column()
    status: Mapped[InvoiceStatus] = mapped_column(
        enum_column(InvoiceStatus, "invoice_status"), default=InvoiceStatus.OPEN
    )
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    membership: Mapped[Membership] = relationship()
    member: Mapped[User] = relationship()

    @property
    def reference(self) -> str:
        return f"invoice-{self.id}"


class PaymentAttempt(Base):
    """An order's or invoice's charge at a provider. One per reference: a double-click or two
    web processes starting the same payment find the row the first one inserted."""

    __tablename__ = "payment_attempts"
    __table_args__ = (
        UniqueConstraint("reference"),
        UniqueConstraint("provider", "provider_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(32))
    provider_ref: Mapped[str | None] = mapped_column(String(255), default=None)
    # ProviderIntent.status, or "starting" before the provider answered.
    status: Mapped[str] = mapped_column(String(32), default="starting")
    amount_idr: Mapped[int] = mapped_column()
    failure_reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
