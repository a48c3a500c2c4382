"""The ledger: every payment and refund, the receipt counters, and the daily cash-ups.

A ledger row is written once and never edited: a refund is a row of its own pointing at the
payment it returns. Amounts are positive whole rupiah; `signed_idr` gives refunds their minus.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.billing import Invoice, Order, PaymentMethod
from app.models.hubs import Hub
from app.models.members import User
from app.models.types import enum_column


class EntryKind(enum.StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"


class Payment(Base):
    """A payment or a refund. Payments carry the hub's receipt number for the year."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount_idr > 0", name="amount"),
        UniqueConstraint("provider", "provider_ref"),
        UniqueConstraint("hub_id", "receipt_year", "receipt_seq"),
        # A refund's idempotency key: a second submit of one refund form, or a second
        # cancellation of one booking, finds the refund the first one recorded.
        UniqueConstraint("refund_key"),
        Index("ix_payments_hub_recorded", "hub_id", "recorded_at"),
        Index("ix_payments_member_recorded", "member_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EntryKind] = mapped_column(enum_column(EntryKind, "entry_kind"))
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="RESTRICT"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="RESTRICT"), default=None, index=True
    )
    invoice_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT"), default=None, index=True
    )
    refund_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("payments.id", ondelete="RESTRICT"), default=None, index=True
    )
    amount_idr: Mapped[int] = mapped_column()
    method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod, "payment_method"))
    provider: Mapped[str | None] = mapped_column(String(32), default=None)
    provider_ref: Mapped[str | None] = mapped_column(String(255), default=None)
    # What staff typed (a transfer's bank reference, a QRIS RRN), or the provider's reference.
    reference: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    refund_key: Mapped[str | None] = mapped_column(String(100), default=None)
    receipt_year: Mapped[int | None] = mapped_column(default=None)
    receipt_seq: Mapped[int | None] = mapped_column(default=None)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    hub: Mapped[Hub] = relationship()
    member: Mapped[User | None] = relationship(foreign_keys=[member_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    order: Mapped[Order | None] = relationship()
    invoice: Mapped[Invoice | None] = relationship()
    refund_of: Mapped[Payment | None] = relationship(remote_side=[id])

    @property
    def is_refund(self) -> bool:
        return self.kind is EntryKind.REFUND

    @property
    def signed_idr(self) -> int:
        return -self.amount_idr if self.is_refund else self.amount_idr

    @property
    def receipt_number(self) -> str | None:
        """`2026-003-000042`: year, hub, then the year's sequence at that hub, gap-free."""
        if self.receipt_seq is None:
            return None
        return f"{self.receipt_year}-{self.hub_id:03d}-{self.receipt_seq:06d}"


class ReceiptCounter(Base):
    """The last receipt number given at a hub in a year. Taken FOR UPDATE inside the payment's
    transaction, so a rolled-back payment gives its number back: no gaps, no repeats."""

    __tablename__ = "receipt_counters"

    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)


class CashUp(Base):
    """The cash counted in a hub's drawer at the end of a hub-local day, against the ledger."""

    __tablename__ = "cash_ups"
    __table_args__ = (UniqueConstraint("hub_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    expected_idr: Mapped[int] = mapped_column()
    counted_idr: Mapped[int] = mapped_column()
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    hub: Mapped[Hub] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    @property
    def difference_idr(self) -> int:
        """Counted minus expected: negative when cash is missing."""
        return self.counted_idr - self.expected_idr
