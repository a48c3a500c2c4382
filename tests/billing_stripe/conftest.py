"""Stripe tests: the app of these tests is configured for a localstripe started once per
session (tests/stripe.py). Webhooks reach the real billing domain (app.services.billing.
payments); a test that asks for `payments` gets the counting stand-in (RecordingPayments)
instead, where counting the calls is the sharper check."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from app.extensions import db
from app.services.billing.stripe.client import PAYMENTS_KEY
from tests.conftest import make_test_app
from tests.databases import fresh_database
from tests.mail import MailCatcher
from tests.stripe import LocalStripe, RecordingPayments, localstripe

__all__ = ["localstripe"]


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
        yield app
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def payments(app: Flask) -> Iterator[RecordingPayments]:
    recorder = RecordingPayments()
    app.extensions[PAYMENTS_KEY] = recorder
    yield recorder
    app.extensions.pop(PAYMENTS_KEY, None)
