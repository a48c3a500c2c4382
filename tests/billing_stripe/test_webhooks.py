"""POST /stripe/webhook: signed events processed once; tampered, stale, replayed, reordered and
failing deliveries. Payloads are shaped for the pinned API version and signed with the SDK's
own helper (stripe.WebhookSignature.generate_signature_header)."""

from __future__ import annotations

import time
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import StripeEvent, StripeEventOutcome
from tests.stripe import (
    CARD_DECLINED,
    CARD_OK,
    FAILED_ACTION,
    LocalStripe,
    RecordingPayments,
    effects,
    payment_intent_event,
    signed_headers,
)

URL = "/stripe/webhook"


def reference() -> str:
    return f"order-{uuid.uuid4().hex[:10]}"


def deliver(client: FlaskClient, body: str, **signing: object) -> tuple[int, dict[str, object]]:
    response = client.post(URL, data=body, headers=signed_headers(body, **signing))  # type: ignore[arg-type]
    return response.status_code, response.get_json(silent=True) or {}


def stored_events(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(StripeEvent)) or 0)


def test_a_succeeded_payment_reaches_the_billing_domain_once(
    client: FlaskClient, session: Session, payments: RecordingPayments
) -> None:
    ref = reference()
    body = payment_intent_event("payment_intent.succeeded", "pi_ok1", ref, amount_idr=150_000)
    status, answer = deliver(client, body)
    assert (status, answer["outcome"]) == (200, StripeEventOutcome.SUCCEEDED)
    assert effects(ref) == 1
    event = session.scalar(select(StripeEvent).where(StripeEvent.object_id == "pi_ok1"))
    assert event is not None
    assert event.type == "payment_intent.succeeded"
    assert event.processed_at is not None


def test_the_amount_reaches_the_billing_domain_in_whole_rupiah(
    client: FlaskClient, session: Session, payments: RecordingPayments
) -> None:
    from app.models import AuditEntry

    ref = reference()
    deliver(client, payment_intent_event("payment_intent.succeeded", "pi_amt", ref, 275_000))
    entry = session.scalar(select(AuditEntry).where(AuditEntry.target_type == ref))
    assert entry is not None
    assert entry.after == {"provider_ref": "pi_amt", "amount_idr": 275_000}


def test_a_replayed_event_is_processed_once(
    client: FlaskClient, session: Session, payments: RecordingPayments
) -> None:
    ref = reference()
    body = payment_intent_event("payment_intent.succeeded", "pi_replay", ref)
    assert deliver(client, body)[0] == 200
    for _ in range(3):
        status, answer = deliver(client, body)  # signed afresh each time, as Stripe retries
        assert (status, answer["outcome"]) == (200, "duplicate")
    assert effects(ref) == 1


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda body: body.replace("150000", "15"), id="tampered-body"),
        pytest.param(lambda body: body + " ", id="one-byte-more"),
    ],
)
def test_a_tampered_request_is_refused_and_changes_nothing(
    client: FlaskClient, session: Session, payments: RecordingPayments, spoil: object
) -> None:
    ref = reference()
    body = payment_intent_event("payment_intent.succeeded", "pi_tamper", ref, 150_000)
    headers = signed_headers(body)
    before = stored_events(session)
    response = client.post(URL, data=spoil(body), headers=headers)  # type: ignore[operator]
    assert response.status_code == 400
    assert stored_events(session) == before
    assert effects(ref) == 0


def test_a_request_signed_with_another_secret_is_refused(
    client: FlaskClient, session: Session, payments: RecordingPayments
) -> None:
    ref = reference()
    body = payment_intent_event("payment_intent.succeeded", "pi_other", ref)
    status, _ = deliver(client, body, secret="whsec_someone_else")
    assert status == 400
    assert effects(ref) == 0


def test_a_stale_request_is_refused(
    client: FlaskClient, session: Session, payments: RecordingPayments
) -> None:
    """Stripe's tolerance is 300 s: a captured request replayed later is refused."""
    ref = reference()
    signed_at = int(time.time()) - 301
    body = payment_intent_event("payment_intent.succeeded", "pi_stale", ref, created=signed_at)
    status, _ = deliver(client, body, at=signed_at)
    assert status == 400
    assert effects(ref) == 0
    # Within the tolerance the same event is taken.
    assert deliver(client, body, at=int(time.time()) - 250)[0] == 200


@pytest.mark.parametrize(
    "headers",
    [{}, {"Stripe-Signature": "garbage"}, {"Stripe-Signature": "t=1,v0=abc"}],
    ids=["none", "garbage", "no-v1"],
)
def test_unsigned_requests_are_refused(
    client: FlaskClient, session: Session, payments: RecordingPayments, headers: dict[str, str]
) -> None:
    body = payment_intent_event("payment_intent.succeeded", "pi_unsigned", reference())
    before = stored_events(session)
    assert client.post(URL, data=body, headers=headers).status_code == 400
    assert stored_events(session) == before


def test_a_signed_body_that_is_not_an_event_is_refused(
    client: FlaskClient, session: Session, payments: RecordingPayments
) -> None:
    before = stored_events(session)
    for body in (
        "[1, 2]",
        '{"id": "evt_x"}',
        "not json",
        '{"id": "evt_y", "type": "x", "data": 1}',
    ):
        assert deliver(client, body)[0] == 400
    assert stored_events(session) == before


def test_an_event_that_fails_to_process_is_retried_and_then_processed_once(
    client: FlaskClient, session: Session, payments: RecordingPayments
) -> None:
    ref = reference()
    body = payment_intent_event("payment_intent.succeeded", "pi_retry", ref)
    payments.fail_next = 1
    before = stored_events(session)
    with pytest.raises(RuntimeError):  # the test client re-raises what the app's 500 hid
        client.post(URL, data=body, headers=signed_headers(body))
    assert effects(ref) == 0
    assert stored_events(session) == before  # the event's row went with the failed effect
    assert deliver(client, body)[0] == 200  # Stripe's retry
    assert deliver(client, body)[1]["outcome"] == "duplicate"
    assert effects(ref) == 1


def test_other_event_types_are_recorded_and_ignored(
    client: FlaskClient, session: Session, payments: RecordingPayments
) -> None:
    ref = reference()
    body = payment_intent_event(
        "payment_intent.created", "pi_created", ref, status="requires_payment_method"
    )
    assert deliver(client, body)[1]["outcome"] == StripeEventOutcome.IGNORED
    assert effects(ref) == 0
    assert effects(ref, FAILED_ACTION) == 0


def test_a_payment_not_made_by_ruang_is_ignored(
    client: FlaskClient, session: Session, payments: RecordingPayments
) -> None:
    body = payment_intent_event("payment_intent.succeeded", "pi_foreign", reference=None)
    assert deliver(client, body)[1]["outcome"] == StripeEventOutcome.IGNORED


def paid_intent(localstripe: LocalStripe, ref: str, number: str = CARD_OK) -> str:
    """A PaymentIntent at localstripe, confirmed with a card (succeeded, or declined)."""
    import stripe

    client = localstripe.client()
    params = {
        "amount": 15_000_000,
        "currency": "idr",
        "payment_method": localstripe.card_payment_method(number),
        "metadata": {"reference": ref},
    }
    try:
        return str(client.v1.payment_intents.create(params={**params, "confirm": True}).id)
    except stripe.CardError:
        intents = client.v1.payment_intents.list(params={"limit": 100}).data
        return str(next(i.id for i in intents if i.metadata.to_dict().get("reference") == ref))


def test_a_failure_delivered_after_the_success_does_not_undo_it(
    client: FlaskClient, session: Session, payments: RecordingPayments, localstripe: LocalStripe
) -> None:
    """Out of order: the first attempt's failure arrives after the intent has succeeded.
    Stripe, asked, says succeeded: the failure is superseded and never reaches billing."""
    ref = reference()
    intent = paid_intent(localstripe, ref)
    succeeded = payment_intent_event("payment_intent.succeeded", intent, ref)
    failed = payment_intent_event(
        "payment_intent.payment_failed",
        intent,
        ref,
        status="requires_payment_method",
        error_code="card_declined",
    )
    assert deliver(client, succeeded)[1]["outcome"] == StripeEventOutcome.SUCCEEDED
    assert deliver(client, failed)[1]["outcome"] == StripeEventOutcome.SUPERSEDED
    assert effects(ref, FAILED_ACTION) == 0
    assert effects(ref) == 1


def test_a_failure_that_arrives_first_is_checked_with_stripe(
    client: FlaskClient, session: Session, payments: RecordingPayments, localstripe: LocalStripe
) -> None:
    """The failure arrives before the success it was followed by: Stripe already has the
    intent succeeded, so the failure is superseded; the success then counts once."""
    ref = reference()
    intent = paid_intent(localstripe, ref)
    failed = payment_intent_event(
        "payment_intent.payment_failed", intent, ref, status="requires_payment_method"
    )
    assert deliver(client, failed)[1]["outcome"] == StripeEventOutcome.SUPERSEDED
    succeeded = payment_intent_event("payment_intent.succeeded", intent, ref)
    assert deliver(client, succeeded)[1]["outcome"] == StripeEventOutcome.SUCCEEDED
    assert (effects(ref), effects(ref, FAILED_ACTION)) == (1, 0)


def test_a_real_failure_reaches_the_billing_domain_once(
    client: FlaskClient, session: Session, payments: RecordingPayments, localstripe: LocalStripe
) -> None:
    ref = reference()
    intent = paid_intent(localstripe, ref, CARD_DECLINED)
    failed = payment_intent_event(
        "payment_intent.payment_failed",
        intent,
        ref,
        status="requires_payment_method",
        error_code="card_declined",
    )
    assert deliver(client, failed)[1]["outcome"] == StripeEventOutcome.FAILED
    assert deliver(client, failed)[1]["outcome"] == "duplicate"
    assert effects(ref, FAILED_ACTION) == 1


def test_the_endpoint_needs_no_csrf_token(
    app: Flask, client: FlaskClient, session: Session, payments: RecordingPayments
) -> None:
    ref = reference()
    body = payment_intent_event("payment_intent.succeeded", "pi_csrf", ref)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert deliver(client, body)[0] == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert effects(ref) == 1


def test_an_oversized_request_is_refused(
    client: FlaskClient, session: Session, payments: RecordingPayments
) -> None:
    body = " " * (600 * 1024)
    response = client.post(URL, data=body, headers=signed_headers(body))
    assert response.status_code == 413


def test_a_payment_in_another_currency_is_ignored(
    client: FlaskClient, session: Session, payments: RecordingPayments
) -> None:
    ref = reference()
    body = payment_intent_event("payment_intent.succeeded", "pi_usd", ref).replace(
        '"currency": "idr"', '"currency": "usd"'
    )
    assert deliver(client, body)[1]["outcome"] == StripeEventOutcome.IGNORED
    assert effects(ref) == 0


def test_a_payment_for_an_order_billing_does_not_know_is_kept_not_retried_forever(
    client: FlaskClient, session: Session, payments: RecordingPayments
) -> None:
    ref = reference()
    payments.unknown.add(ref)
    body = payment_intent_event("payment_intent.succeeded", "pi_unknown", ref)
    status, answer = deliver(client, body)
    assert (status, answer["outcome"]) == (200, StripeEventOutcome.UNKNOWN_REFERENCE)
    assert deliver(client, body)[1]["outcome"] == "duplicate"
    assert effects(ref) == 0
