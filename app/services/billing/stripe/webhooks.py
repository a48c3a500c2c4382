"""Stripe webhooks, each event processed exactly once.

- The signature is checked with the SDK (Stripe's 300 s tolerance): a tampered or stale request
  is an InvalidWebhook (400) and changes nothing.
- The event's row is inserted first, in the same transaction as its effect, and flushed before
  the effect runs: of two deliveries of one event at the same moment, the unique event id lets
  one through (PostgreSQL makes the second wait for the first's commit, SQLite's write lock
  queues them) and the other sees a duplicate. An effect that raises rolls the row back with
  it: the endpoint answers 5xx, Stripe retries, and the retry is processed once.
- Events can arrive out of order. A payment only moves forward: `succeeded` is final; a
  `payment_failed` is acted on only if Stripe, asked now, still has the intent failed (a later
  attempt may be processing or have succeeded since).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol

import stripe
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import StripeEvent, StripeEventOutcome, utcnow
from app.services.billing.stripe.amounts import CURRENCY, from_stripe_amount
from app.services.billing.stripe.provider import PROVIDER, StripeProvider
from app.services.errors import DomainError, InvalidInput, NotFound
from app.services.transactions import transaction

log = logging.getLogger(__name__)

TOLERANCE_SECONDS = 300
DUPLICATE = "duplicate"
SUCCEEDED, FAILED = "payment_intent.succeeded", "payment_intent.payment_failed"
#: A failed intent's statuses at Stripe; anything else means a newer attempt moved it on.
STILL_FAILED = {"requires_payment_method", "canceled", "failed"}


class PaymentRecorder(Protocol):
    """What the webhooks call: app.services.billing.payments (each call owns its transaction
    and is idempotent per provider_ref), or a test's stand-in."""

    def provider_payment_succeeded(
        self, *, provider: str, provider_ref: str, reference: str, amount_idr: int
    ) -> Any: ...

    def provider_payment_failed(
        self, *, provider: str, provider_ref: str, reference: str, reason: str
    ) -> None: ...


class InvalidWebhook(DomainError):
    """The request is not a Stripe event signed with our secret within the tolerance."""

    code = "invalid_webhook"
    http_status = 400


@dataclass(frozen=True)
class StripeEventData:
    id: str
    type: str
    object: dict[str, Any]

    @property
    def object_id(self) -> str | None:
        value = self.object.get("id")
        return value if isinstance(value, str) else None

    @property
    def reference(self) -> str | None:
        metadata = self.object.get("metadata") or {}
        value = metadata.get("reference") if isinstance(metadata, dict) else None
        return value if isinstance(value, str) and value else None


def verify(payload: bytes, signature: str | None, secret: str) -> StripeEventData:
    """The event in `payload`, if `signature` is Stripe's for it with `secret`, and recent."""
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature, secret, tolerance=TOLERANCE_SECONDS
        )
        data = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise InvalidWebhook("signature, timestamp or body refused", reason=str(error)) from None
    if not isinstance(data, dict):
        raise InvalidWebhook("not an event")
    event_id, kind = data.get("id"), data.get("type")
    obj = (data.get("data") or {}).get("object") if isinstance(data.get("data"), dict) else None
    if not (isinstance(event_id, str) and event_id and isinstance(kind, str)):
        raise InvalidWebhook("not an event")
    if not isinstance(obj, dict):
        raise InvalidWebhook("an event without its object")
    return StripeEventData(id=event_id[:255], type=kind[:100], object=obj)


def already_processed(event_id: str) -> bool:
    return (
        db.session.scalar(select(StripeEvent.id).where(StripeEvent.event_id == event_id))
        is not None
    )


def process(event: StripeEventData, provider: StripeProvider, payments: PaymentRecorder) -> str:
    """Process `event` once; returns its outcome, or DUPLICATE when it was processed before."""
    if already_processed(event.id):
        return DUPLICATE
    # Asked of Stripe before the transaction, so no lock is held across the network.
    outcome = decide(event, provider)
    try:
        recorded = record(event, outcome, payments)
    except (NotFound, InvalidInput):
        # The billing domain has no such order, invoice or attempt (or the reference is not
        # one of Ruang's): retrying cannot change that, so the event is kept as such (and
        # answered 200) instead of failing forever.
        log.error(
            "Stripe event %s names %s, which billing does not know", event.id, event.reference
        )
        outcome = StripeEventOutcome.UNKNOWN_REFERENCE
        recorded = record(event, outcome, payments)
    if not recorded:
        return DUPLICATE
    log.info("Stripe event %s (%s): %s", event.id, event.type, outcome)
    return outcome


def record(event: StripeEventData, outcome: str, payments: PaymentRecorder) -> bool:
    """Insert the event's row and apply its effect in one transaction; False if another
    delivery of the event got there first."""
    try:
        with transaction():
            if already_processed(event.id):
                return False
            db.session.add(
                StripeEvent(
                    event_id=event.id,
                    type=event.type,
                    object_id=event.object_id,
                    outcome=outcome,
                    processed_at=utcnow(),
                )
            )
            db.session.flush()  # the unique event id decides here, before any effect
            apply(event, outcome, payments)
    except IntegrityError:
        if already_processed(event.id):
            return False
        raise
    return True


def decide(event: StripeEventData, provider: StripeProvider) -> str:
    """What the event means for Ruang, given where its payment is now."""
    if event.type not in (SUCCEEDED, FAILED) or event.reference is None:
        return StripeEventOutcome.IGNORED
    if str(event.object.get("currency", CURRENCY)).upper() != CURRENCY:
        # Ruang charges in IDR only: a payment in another currency is not one of its charges.
        log.error("Stripe event %s is in %s, not IDR: ignored", event.id, event.object["currency"])
        return StripeEventOutcome.IGNORED
    if event.type == SUCCEEDED:
        return StripeEventOutcome.SUCCEEDED
    current = provider.retrieve(event.object_id or "")
    return (
        StripeEventOutcome.FAILED
        if current.status in STILL_FAILED
        else StripeEventOutcome.SUPERSEDED
    )


def apply(event: StripeEventData, outcome: str, payments: PaymentRecorder) -> None:
    """Hand the event to the billing domain, inside the transaction that holds its row."""
    reference, intent_id = event.reference or "", event.object_id or ""
    if outcome == StripeEventOutcome.SUCCEEDED:
        currency = str(event.object.get("currency") or "idr")
        received = event.object.get("amount_received") or event.object.get("amount")
        payments.provider_payment_succeeded(
            provider=PROVIDER,
            provider_ref=intent_id,
            reference=reference,
            amount_idr=from_stripe_amount(int(received or 0), currency),
        )
    elif outcome == StripeEventOutcome.FAILED:
        payments.provider_payment_failed(
            provider=PROVIDER,
            provider_ref=intent_id,
            reference=reference,
            reason=failure_reason(event),
        )


def failure_reason(event: StripeEventData) -> str:
    error = event.object.get("last_payment_error") or {}
    if not isinstance(error, dict):
        return "payment_failed"
    return str(
        error.get("decline_code") or error.get("code") or error.get("message") or "payment_failed"
    )[:200]
