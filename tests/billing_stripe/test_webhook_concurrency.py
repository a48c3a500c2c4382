"""Exactly once under concurrency, on every backend: deliveries of one event at the same
moment, Stripe's own signed delivery from localstripe, and members' first payments racing for
their Stripe customer.

These need real commits seen by other connections, so they do not use the rolled-back
`session` fixture: the app is served by a threaded server on a free port (each request its own
thread, app context, session and pooled connection) and a barrier releases the senders at once.
Each test uses its own references, so the tests do not depend on each other."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.extensions import db
from app.models import Role, RoleGrant, StripeCustomer, StripeEvent, User
from app.services.billing.stripe.client import stripe_provider
from app.services.billing.stripe.customers import ensure_customer
from tests.stripe import (
    CARD_OK,
    LocalStripe,
    RecordingPayments,
    effects,
    free_port,
    payment_intent_event,
    signed_headers,
)

SENDERS = 8
BARRIER_TIMEOUT = 60


@pytest.fixture(scope="module")
def base_url(app: Flask) -> Iterator[str]:
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


def post(url: str, body: str) -> tuple[int, str]:
    request = urllib.request.Request(
        url + "/stripe/webhook", data=body.encode(), headers=signed_headers(body), method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())["outcome"]
    except urllib.error.HTTPError as error:
        return error.code, ""


def at_once(count: int, work: object) -> list[object]:
    barrier = threading.Barrier(count, timeout=BARRIER_TIMEOUT)

    def run(_: int) -> object:
        barrier.wait()
        return work()  # type: ignore[operator]

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def committed_effects(app: Flask, ref: str) -> int:
    with app.app_context():
        try:
            return effects(ref)
        finally:
            db.session.remove()


def test_one_event_delivered_many_times_at_once_is_processed_once(
    app: Flask, base_url: str, payments: RecordingPayments
) -> None:
    ref = f"order-{uuid.uuid4().hex[:10]}"
    body = payment_intent_event("payment_intent.succeeded", f"pi_{uuid.uuid4().hex[:14]}", ref)
    results = at_once(SENDERS, lambda: post(base_url, body))
    assert {status for status, _ in results} == {200}  # type: ignore[misc]
    outcomes = Counter(outcome for _, outcome in results)  # type: ignore[misc]
    assert outcomes == {"payment_succeeded": 1, "duplicate": SENDERS - 1}
    assert committed_effects(app, ref) == 1


def test_a_delivery_that_fails_while_its_twin_arrives_is_still_processed_once(
    app: Flask, base_url: str, payments: RecordingPayments
) -> None:
    """The first delivery's processing raises (5xx, its row rolled back) while a second copy
    arrives: whichever way they interleave, after Stripe's retry the payment counts once."""
    ref = f"order-{uuid.uuid4().hex[:10]}"
    body = payment_intent_event("payment_intent.succeeded", f"pi_{uuid.uuid4().hex[:14]}", ref)
    payments.fail_next = 1
    results = at_once(2, lambda: post(base_url, body))
    assert sorted(status for status, _ in results) in ([200, 500], [500, 200])  # type: ignore[misc]
    assert post(base_url, body)[0] == 200  # Stripe's retry of the failed one
    assert committed_effects(app, ref) == 1


def test_localstripes_own_signed_delivery_is_processed_once(
    app: Flask, base_url: str, localstripe: LocalStripe, payments: RecordingPayments
) -> None:
    """localstripe signs its (2017-shaped) payment_intent.succeeded with our secret and posts it
    about a second after the payment; Ruang verifies and processes it."""
    localstripe.register_webhook(
        f"ruang-{uuid.uuid4().hex[:6]}", base_url + "/stripe/webhook", ["payment_intent.succeeded"]
    )
    ref = f"order-{uuid.uuid4().hex[:10]}"
    intent = localstripe.client().v1.payment_intents.create(
        params={
            "amount": 5_000_000,
            "currency": "idr",
            "payment_method": localstripe.card_payment_method(CARD_OK),
            "confirm": True,
            "metadata": {"reference": ref},
        }
    )
    assert intent.status == "succeeded"
    deadline = time.monotonic() + 20
    while committed_effects(app, ref) == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert committed_effects(app, ref) == 1
    with app.app_context():
        event = db.session.scalar(select(StripeEvent).where(StripeEvent.object_id == intent.id))
        assert event is not None
        assert event.outcome == "payment_succeeded"
        db.session.remove()


def test_racing_first_payments_make_one_stripe_customer(
    app: Flask, localstripe: LocalStripe
) -> None:
    email = f"racer-{uuid.uuid4().hex[:8]}@example.com"
    with app.app_context():
        user = User(email=email, name="Racer", roles=[RoleGrant(role=Role.MEMBER)])
        db.session.add(user)
        db.session.commit()
        member_id = user.id
        db.session.remove()

    def first_payment() -> str:
        with app.app_context():
            try:
                provider = stripe_provider()
                assert provider is not None
                return ensure_customer(provider.client, member_id, email)
            finally:
                db.session.remove()

    customers = at_once(SENDERS, first_payment)
    assert len(set(customers)) == 1
    with app.app_context():
        rows = db.session.scalar(
            select(func.count())
            .select_from(StripeCustomer)
            .where(StripeCustomer.member_id == member_id)
        )
        db.session.remove()
    assert rows == 1
    # localstripe ignores idempotency keys, so racers made customers of their own: deleted again.
    listed = localstripe.client().v1.customers.list(params={"limit": 100}).data
    assert [c.id for c in listed if c.email == email] == [customers[0]]
