"""Stripe tests: the app of these tests is configured for a localstripe started once per
session (tests/stripe.py), with a stand-in for the billing domain's payments module."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry
from app.services.audit import record
from app.services.billing.stripe.client import PAYMENTS_KEY
from app.services.transactions import transaction
from tests.conftest import make_test_app
from tests.databases import fresh_database
from tests.mail import MailCatcher
from tests.stripe import LocalStripe

SUCCEEDED_ACTION = "test.stripe.succeeded"
FAILED_ACTION = "test.stripe.failed"


class RecordingPayments:
    """A stand-in for app.services.billing.payments (the PaymentRecorder protocol): each call
    owns its transaction and writes an audit entry per call, deliberately NOT idempotent, so a
    test counts how often Stripe's events reached the billing domain. `fail_next` makes the
    next calls raise, as a billing domain that cannot process an event would."""

    def __init__(self) -> None:
        self.fail_next = 0
        self._lock = threading.Lock()

    def provider_payment_succeeded(
        self, *, provider: str, provider_ref: str, reference: str, amount_idr: int
    ) -> None:
        self._record(SUCCEEDED_ACTION, provider_ref, reference, {"amount_idr": amount_idr})

    def provider_payment_failed(
        self, *, provider: str, provider_ref: str, reference: str, reason: str
    ) -> None:
        self._record(FAILED_ACTION, provider_ref, reference, {"reason": reason})

    def _record(
        self, action: str, provider_ref: str, reference: str, extra: dict[str, Any]
    ) -> None:
        with transaction():
            with self._lock:
                failing, self.fail_next = self.fail_next > 0, max(self.fail_next - 1, 0)
            record(
                action,
                actor_id=None,
                target_type=reference[:64],
                after={"provider_ref": provider_ref, **extra},
            )
            db.session.flush()
            if failing:
                raise RuntimeError("the billing domain could not process this payment")


def effects(reference: str, action: str = SUCCEEDED_ACTION) -> int:
    """How many times the billing domain was told about `reference` (committed rows)."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == action, AuditEntry.target_type == reference[:64])
        )
        or 0
    )


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe]:
    try:
        running = LocalStripe.running(tmp_path_factory.mktemp("localstripe"))
        server = running.__enter__()
    except RuntimeError as error:
        pytest.skip(f"localstripe could not start: {error}")
    try:
        yield server
    finally:
        running.__exit__(None, None, None)


@pytest.fixture(scope="session")
def app(
    backend: str,
    tmp_path_factory: pytest.TempPathFactory,
    smtp_server: MailCatcher,
    localstripe: LocalStripe,
) -> Iterator[Flask]:
    """This package's app: the usual test app, with Stripe pointed at localstripe."""
    tmp = tmp_path_factory.mktemp(f"stripe-app-{backend}")
    with fresh_database(backend, tmp) as url:
        app = make_test_app(url, tmp, **smtp_server.app_config(), **localstripe.app_config())
        app.extensions[PAYMENTS_KEY] = RecordingPayments()
        yield app
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def payments(app: Flask) -> Iterator[RecordingPayments]:
    recorder: RecordingPayments = app.extensions[PAYMENTS_KEY]
    recorder.fail_next = 0
    yield recorder
    recorder.fail_next = 0
