"""Payments through a provider: starting one charge per order or invoice, and what the
provider reports back (its webhook calls these).

Idempotent everywhere: one PaymentAttempt per reference (the database's unique constraint
decides between two processes), one ledger payment per (provider, provider_ref), and an
attempt's status only moves forward, so replayed or reordered reports change nothing.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    Hub,
    Invoice,
    InvoiceStatus,
    Order,
    OrderStatus,
    Payment,
    PaymentAttempt,
    PaymentMethod,
    utcnow,
)
from app.services.billing import invoices, ledger, orders
from app.services.billing.providers import Charge, PaymentProvider, ProviderIntent
from app.services.booking.placement import get_or_404
from app.services.errors import InvalidInput, NotFound, OrderNotPayable
from app.services.transactions import savepoint, transaction

#: How far each status has got; a report of an earlier one than the attempt's is ignored.
PROGRESS = {
    "starting": 0,
    "requires_payment_method": 1,
    "requires_action": 2,
    "processing": 3,
    "failed": 4,
    "succeeded": 5,
}
REFERENCE = re.compile(r"^(order|invoice)-(\d{1,18})$")


def parse_reference(reference: str) -> tuple[str, int]:
    """("order", 12) for "order-12"; InvalidInput for anything else."""
    match = REFERENCE.match(reference)
    if match is None:
        raise InvalidInput("not a Ruang payment reference", reference=reference)
    return match.group(1), int(match.group(2))


def charge_for_order(order_id: int, member_id: int) -> Charge:
    """What a provider should collect for the member's pending order."""
    order = orders.order_of_member(order_id, member_id)
    if order.status is not OrderStatus.PENDING or order.total_idr <= 0:
        raise OrderNotPayable(f"order {order.id} is {order.status.value}", order_id=order.id)
    return Charge(
        reference=order.reference,
        amount_idr=order.total_idr,
        description=order.description,
        member_id=order.member_id,
        customer_email=order.member.email,
    )


def charge_for_invoice(invoice_id: int) -> Charge:
    """What a provider should collect for an open invoice (renewals charge this off-session)."""
    invoice = get_or_404(Invoice, invoice_id)
    if invoice.status is not InvoiceStatus.OPEN or invoice.amount_idr <= 0:
        raise OrderNotPayable(f"invoice {invoice.id} is {invoice.status.value}")
    return Charge(
        reference=invoice.reference,
        amount_idr=invoice.amount_idr,
        description=f"{invoice.membership.plan.name} {invoice.period_start.isoformat()}",
        member_id=invoice.member_id,
        customer_email=invoice.member.email,
    )


def start_payment(provider: PaymentProvider, charge: Charge) -> ProviderIntent:
    """Start (or resume) the one attempt for `charge.reference` at `provider`.

    The attempt row is inserted first, in its own transaction: a second click or process
    finds it. The provider is asked outside any transaction (it is a network call); its
    idempotency key, derived from the reference, answers a repeat with the same intent.
    """
    with transaction():
        first = _attempt_for(charge, provider.name)
        if first.status == "succeeded":
            raise OrderNotPayable(f"{charge.reference} is paid")
    intent = provider.start(charge)
    with transaction():
        attempt = _locked_attempt(charge.reference)
        assert attempt is not None  # inserted above; attempts are never deleted
        attempt.provider_ref = attempt.provider_ref or intent.provider_ref
        if attempt.status == "failed":  # the member tries again (another card)
            attempt.status, attempt.failure_reason = intent.status, ""
        else:
            _advance(attempt, intent.status)
    return intent


def attempt_of(reference: str) -> PaymentAttempt | None:
    return db.session.scalar(select(PaymentAttempt).where(PaymentAttempt.reference == reference))


def provider_payment_succeeded(
    *, provider: str, provider_ref: str, reference: str, amount_idr: int
) -> Payment:
    """Record what the provider collected, once, and give what it paid for.

    The order (or invoice) row is locked first, so two deliveries of one event take turns
    and the second finds the first's payment. Money collected is always recorded, also for an
    order paid meanwhile by other means (its note says so: staff refund one of them).
    """
    kind, ident = parse_reference(reference)
    now = utcnow()
    with transaction():
        target: Order | Invoice = (
            get_or_404(Order, ident, lock=True)
            if kind == "order"
            else get_or_404(Invoice, ident, lock=True)
        )
        existing = _payment_by_ref(provider, provider_ref)
        if existing is not None:
            return existing
        hub = get_or_404(Hub, target.hub_id)
        payable = _is_payable(target)
        due = target.total_idr if isinstance(target, Order) else target.amount_idr
        note = "" if payable and amount_idr >= due else "not applied: check and refund"
        payment = ledger.record_payment(
            hub=hub,
            member_id=target.member_id,
            amount_idr=amount_idr,
            method=PaymentMethod.CARD,
            recorded_by_id=None,
            order=target if isinstance(target, Order) else None,
            invoice=target if isinstance(target, Invoice) else None,
            provider=provider,
            provider_ref=provider_ref,
            reference=reference,
            note=note,
            now=now,
        )
        if not note:
            _apply(target, now)
        attempt = _locked_attempt(reference)
        if attempt is not None:
            attempt.provider_ref = attempt.provider_ref or provider_ref
            _advance(attempt, "succeeded")
        orders.audit_payment("payment_received", payment, None)
    return payment


def provider_payment_failed(
    *, provider: str, provider_ref: str, reference: str, reason: str
) -> None:
    """Note a failed charge on its attempt (the order stays payable: the member may retry).
    A failure reported after a success changes nothing."""
    parse_reference(reference)
    with transaction():
        attempt = _locked_attempt(reference)
        if attempt is None or attempt.provider != provider:
            raise NotFound("no payment attempt with that reference", reference=reference)
        attempt.provider_ref = attempt.provider_ref or provider_ref
        if _advance(attempt, "failed"):
            attempt.failure_reason = reason[:500]


# -- helpers -----------------------------------------------------------------------------------


def _attempt_for(charge: Charge, provider: str) -> PaymentAttempt:
    existing = attempt_of(charge.reference)
    if existing is not None:
        return existing
    attempt = PaymentAttempt(
        reference=charge.reference, provider=provider, amount_idr=charge.amount_idr
    )
    try:
        with savepoint():
            db.session.add(attempt)
            db.session.flush()
    except IntegrityError:  # another process inserted it between our read and our insert
        found = attempt_of(charge.reference)
        assert found is not None
        return found
    return attempt


def _locked_attempt(reference: str) -> PaymentAttempt | None:
    return db.session.scalar(
        select(PaymentAttempt)
        .where(PaymentAttempt.reference == reference)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _advance(attempt: PaymentAttempt, status: str) -> bool:
    """Move the attempt to `status` if that is further along; True if it moved."""
    if PROGRESS.get(status, -1) <= PROGRESS.get(attempt.status, 0):
        return False
    attempt.status = status
    return True


def _payment_by_ref(provider: str, provider_ref: str) -> Payment | None:
    return db.session.scalar(
        select(Payment).where(Payment.provider == provider, Payment.provider_ref == provider_ref)
    )


def _is_payable(target: Order | Invoice) -> bool:
    if isinstance(target, Order):
        return target.status is OrderStatus.PENDING
    return target.status is InvoiceStatus.OPEN


def _apply(target: Order | Invoice, now: datetime) -> None:
    """Mark paid and give what was bought."""
    if isinstance(target, Invoice):
        invoices.mark_invoice_paid(target, now)
        return
    orders.mark_paid(target, now)
    orders.fulfil(target, created_by_id=None, now=now)
