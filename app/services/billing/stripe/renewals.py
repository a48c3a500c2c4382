"""Off-session renewals: each open invoice that billing finds due is charged to the member's
saved card once, also with two workers running at once.

The claim is the billing domain's own PaymentAttempt row (unique per reference), inserted and
committed before Stripe is asked: of two workers, the second finds the row (SQLite's write
lock) or loses the insert (PostgreSQL's unique index makes it wait for the first's commit) and
moves on. Stripe's idempotency key (the invoice's reference) covers a worker that dies between
its claim and its answer. A decline or a card that needs 3-D Secure leaves the invoice open: the
member pays it on the pay page within the grace period, after which billing voids it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import PaymentAttempt
from app.services.billing import invoices, payments
from app.services.billing.providers import Charge
from app.services.billing.stripe.provider import PROVIDER, NoSavedCard, StripeProvider
from app.services.errors import DomainError
from app.services.transactions import savepoint, transaction

log = logging.getLogger(__name__)


@dataclass
class RenewalRun:
    charged: list[str] = field(default_factory=list)  # references paid off-session
    open: list[str] = field(default_factory=list)  # declined, 3-D Secure or no saved card
    skipped: list[str] = field(default_factory=list)  # another worker had claimed them


def charge_due_renewals(provider: StripeProvider, now: datetime | None = None) -> RenewalRun:
    """Charge every due renewal once; what became of each."""
    run = RenewalRun()
    for invoice_id in invoices.renewal_charges_due(now):
        try:
            charge = payments.charge_for_invoice(invoice_id)
        except DomainError:  # paid or voided since the list was read
            continue
        if not claim(charge):
            run.skipped.append(charge.reference)
            continue
        (run.charged if charge_claimed(provider, charge) else run.open).append(charge.reference)
    return run


def claim(charge: Charge) -> bool:
    """Insert the charge's attempt; False when another worker (or the member) has one."""
    try:
        with transaction():
            if payments.attempt_of(charge.reference) is not None:
                return False
            with savepoint():
                db.session.add(
                    PaymentAttempt(
                        reference=charge.reference, provider=PROVIDER, amount_idr=charge.amount_idr
                    )
                )
                db.session.flush()
    except IntegrityError:
        return False
    return True


def charge_claimed(provider: StripeProvider, charge: Charge) -> bool:
    """Charge the saved card for a claimed renewal; True when it was paid."""
    try:
        intent = provider.charge_saved_card(charge)
    except NoSavedCard:
        no_saved_card(charge.reference)
        return False
    if intent.status == "succeeded":
        # The webhook records it too; billing keeps one payment per PaymentIntent.
        payments.provider_payment_succeeded(
            provider=PROVIDER,
            provider_ref=intent.provider_ref,
            reference=charge.reference,
            amount_idr=charge.amount_idr,
        )
        return True
    reason = "authentication_required" if intent.status == "requires_action" else "declined"
    payments.provider_payment_failed(
        provider=PROVIDER,
        provider_ref=intent.provider_ref,
        reference=charge.reference,
        reason=reason,
    )
    log.info("renewal %s not charged: %s", charge.reference, reason)
    return False


def no_saved_card(reference: str) -> None:
    """The claimed attempt never reached Stripe: failed, with no PaymentIntent of its own."""
    with transaction():
        attempt = payments.attempt_of(reference)
        if attempt is not None and attempt.status == "starting":
            attempt.status, attempt.failure_reason = "failed", "no_saved_card"
