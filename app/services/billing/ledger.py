"""The ledger: writing payments and refunds (inside the caller's transaction) with their
receipt numbers, and reading them back.

Receipt numbers run per hub per hub-local year with no gaps and no repeats: the counter row is
created if missing (insert, or nothing on conflict) and then incremented by one UPDATE, which
holds the row's lock until the payment's transaction ends. A payment rolled back takes its
number back with it; the next payment at that hub waits for the lock and reads the counter as
committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import (
    EntryKind,
    Hub,
    Invoice,
    Order,
    Payment,
    PaymentMethod,
    ReceiptCounter,
    utcnow,
)
from app.services.errors import InvalidInput

#: The largest single amount Ruang records (Rp 100 juta): beyond it is a typo, not a sale.
MAX_AMOUNT_IDR = 100_000_000


def check_amount(amount_idr: int, field: str = "amount_idr") -> int:
    """A positive whole-rupiah amount within MAX_AMOUNT_IDR, else InvalidInput."""
    if isinstance(amount_idr, bool) or not isinstance(amount_idr, int):
        raise InvalidInput("an amount is whole rupiah", field=field)
    if not 0 < amount_idr <= MAX_AMOUNT_IDR:
        raise InvalidInput("amount out of range", field=field, maximum=MAX_AMOUNT_IDR)
    return amount_idr


def take_receipt_seq(hub_id: int, year: int) -> int:
    """The next receipt number of `hub_id` in `year`; locks the counter until the commit."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(ReceiptCounter)
        .values(hub_id=hub_id, year=year, last_seq=0)
        .on_conflict_do_nothing(index_elements=["hub_id", "year"])
    )
    seq = db.session.scalar(
        update(ReceiptCounter)
        .where(ReceiptCounter.hub_id == hub_id, ReceiptCounter.year == year)
        .values(last_seq=ReceiptCounter.last_seq + 1)
        .returning(ReceiptCounter.last_seq)
    )
    assert seq is not None  # the row exists: inserted above or before
    return int(seq)


def record_payment(
    *,
    hub: Hub,
    member_id: int | None,
    amount_idr: int,
    method: PaymentMethod,
    recorded_by_id: int | None,
    order: Order | None = None,
    invoice: Invoice | None = None,
    provider: str | None = None,
    provider_ref: str | None = None,
    reference: str = "",
    note: str = "",
    now: datetime | None = None,
) -> Payment:
    """Add a payment with the hub's next receipt number to the caller's transaction."""
    now = now or utcnow()
    year = hub.local_date(now).year
    payment = Payment(
        kind=EntryKind.PAYMENT,
        hub_id=hub.id,
        member_id=member_id,
        order_id=order.id if order is not None else None,
        invoice_id=invoice.id if invoice is not None else None,
        amount_idr=check_amount(amount_idr),
        method=method,
        provider=provider,
        provider_ref=provider_ref,
        reference=reference.strip(),
        note=note.strip(),
        receipt_year=year,
        receipt_seq=take_receipt_seq(hub.id, year),
        recorded_by_id=recorded_by_id,
        recorded_at=now,
    )
    db.session.add(payment)
    db.session.flush()
    return payment


def record_refund(
    payment: Payment,
    amount_idr: int,
    *,
    recorded_by_id: int | None,
    refund_key: str,
    provider_ref: str | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Payment:
    """Add a refund of `payment` to the caller's transaction (the caller holds its lock)."""
    refund = Payment(
        kind=EntryKind.REFUND,
        hub_id=payment.hub_id,
        member_id=payment.member_id,
        order_id=payment.order_id,
        invoice_id=payment.invoice_id,
        refund_of_id=payment.id,
        amount_idr=check_amount(amount_idr),
        method=payment.method,
        provider=payment.provider if provider_ref else None,
        provider_ref=provider_ref,
        reference=payment.receipt_number or "",
        note=note.strip(),
        refund_key=refund_key,
        recorded_by_id=recorded_by_id,
        recorded_at=now or utcnow(),
    )
    db.session.add(refund)
    db.session.flush()
    return refund


def refunded_idr(payment_id: int) -> int:
    """How much of a payment has been refunded so far."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(Payment.amount_idr), 0)).where(
            Payment.refund_of_id == payment_id, Payment.kind == EntryKind.REFUND
        )
    )
    return int(total or 0)


def refunds_of(payment_id: int) -> list[Payment]:
    return list(
        db.session.scalars(
            select(Payment).where(Payment.refund_of_id == payment_id).order_by(Payment.id)
        )
    )


def _entries() -> Select[Payment]:
    return select(Payment).options(
        joinedload(Payment.member), joinedload(Payment.recorded_by), joinedload(Payment.hub)
    )


def member_history(member_id: int) -> list[Payment]:
    """A member's payments and refunds, newest first."""
    return list(
        db.session.scalars(
            _entries()
            .where(Payment.member_id == member_id)
            .order_by(Payment.recorded_at.desc(), Payment.id.desc())
        )
    )


def entries_between(hub_id: int, start: datetime, end: datetime) -> list[Payment]:
    """The hub's ledger over [start, end), in the order it was written."""
    return list(
        db.session.scalars(
            _entries()
            .where(
                Payment.hub_id == hub_id,
                Payment.recorded_at >= start,
                Payment.recorded_at < end,
            )
            .order_by(Payment.recorded_at, Payment.id)
        )
    )


def entries_on(hub: Hub, day: date) -> list[Payment]:
    """The hub's ledger on its local `day`."""
    return entries_between(hub.id, *hub.local_day_bounds(day))


@dataclass(frozen=True)
class Totals:
    paid_idr: int
    refunded_idr: int

    @property
    def net_idr(self) -> int:
        return self.paid_idr - self.refunded_idr


def totals(entries: list[Payment], method: PaymentMethod | None = None) -> Totals:
    """Payments and refunds among `entries` (of one method, if given)."""
    chosen = [e for e in entries if method is None or e.method is method]
    return Totals(
        sum(e.amount_idr for e in chosen if not e.is_refund),
        sum(e.amount_idr for e in chosen if e.is_refund),
    )
