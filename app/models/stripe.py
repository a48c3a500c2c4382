"""What Ruang keeps about Stripe: one Stripe customer per member, and the webhook events it
has processed (each event id once: the unique constraint decides between two deliveries)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class StripeCustomer(Base):
    """The Stripe customer that stands for a member; created once, also when requests race."""

    __tablename__ = "stripe_customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    customer_id: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StripeEventOutcome:
    """What processing an event did (stored as text, so new kinds need no migration)."""

    SUCCEEDED = "payment_succeeded"
    FAILED = "payment_failed"
    SUPERSEDED = "superseded"  # a failure Stripe's current state has moved past
    IGNORED = "ignored"  # a type Ruang does not act on
    UNKNOWN_REFERENCE = "unknown_reference"  # billing knows no order or invoice by its reference


class StripeEvent(Base):
    """A webhook event Ruang has processed. The row is written in the same transaction as the
    event's effect, so an event whose processing failed leaves no row and its retry counts."""

    __tablename__ = "stripe_events"
    __table_args__ = (Index("ix_stripe_events_received_at", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    object_id: Mapped[str | None] = mapped_column(String(255), default=None, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    outcome: Mapped[str] = mapped_column(String(32))
