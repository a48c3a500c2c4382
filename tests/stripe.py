"""Stripe for tests: localstripe (a stateful Stripe-compatible server from PyPI) started as a
subprocess on a free port bound to 127.0.0.1 with no on-disk state (tests/localstripe_main.py),
and the helpers tests need around it: an app configured for it, signed webhook deliveries.

localstripe accepts any key that starts with `sk_`; it ignores idempotency keys, never retries
a webhook and sends 2017-shaped event payloads, so Ruang's own guards are proved by its own tests.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import stripe
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry
from app.services.audit import record
from app.services.errors import NotFound
from app.services.transactions import transaction

ROOT = Path(__file__).resolve().parents[1]
SECRET_KEY = "sk_test_ruang_localstripe"
PUBLISHABLE_KEY = "pk_test_ruang_localstripe"
WEBHOOK_SECRET = "whsec_ruang_test_secret"

#: Test cards (Stripe's, which localstripe knows too): plain, declined, 3-D Secure required.
CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000341"  # attaches, then every charge is declined
CARD_3DS = "4000002760003184"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LocalStripe:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def js_url(self) -> str:
        """localstripe's stand-in for Stripe.js (https://js.stripe.com/v3/)."""
        return f"{self.url}/js.stripe.com/v3/"

    def app_config(self) -> dict[str, Any]:
        """The Flask settings that point Ruang at this server."""
        return {
            "STRIPE_SECRET_KEY": SECRET_KEY,
            "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": self.url,
            "STRIPE_JS_URL": self.js_url,
            # localstripe refuses PaymentIntent parameters it does not know (setup_future_usage).
            "STRIPE_SAVE_CARDS": False,
        }

    def client(self) -> stripe.StripeClient:
        """An SDK client on this server, for what a test does as Stripe or as the browser."""
        return stripe.StripeClient(
            SECRET_KEY, base_addresses={"api": self.url}, max_network_retries=0
        )

    def register_webhook(self, name: str, url: str, events: list[str] | None = None) -> None:
        """Make localstripe deliver its events, signed with WEBHOOK_SECRET, to `url`."""
        fields: dict[str, Any] = {"url": url, "secret": WEBHOOK_SECRET}
        if events is not None:
            fields["events"] = events
        self._post(f"/_config/webhooks/{name}", fields)

    def card_payment_method(self, number: str = CARD_OK) -> str:
        """A card PaymentMethod as Stripe.js would create it in the browser."""
        method = self.client().v1.payment_methods.create(
            params={
                "type": "card",
                "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
            }
        )
        return str(method.id)

    def save_card(self, customer: str, number: str = CARD_OK) -> str:
        """A card kept on `customer`, as a first payment with setup_future_usage leaves it."""
        method = self.card_payment_method(number)
        self.client().v1.payment_methods.attach(method, params={"customer": customer})
        return method

    def pay(self, intent_id: str, number: str = CARD_OK) -> str:
        """Confirm the PaymentIntent with a card, as Stripe.js does in the browser; its status."""
        client = self.client()  # localstripe confirms only an intent that has its card already
        client.v1.payment_intents.update(
            intent_id, params={"payment_method": self.card_payment_method(number)}
        )
        return str(client.v1.payment_intents.confirm(intent_id).status)

    def _post(self, path: str, fields: dict[str, Any]) -> None:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(fields).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200, response.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    @classmethod
    @contextmanager
    def running(cls, workdir: Path) -> Iterator[LocalStripe]:
        """Start localstripe; raise RuntimeError (with its output) when it does not come up."""
        port = free_port()
        log_path = workdir / "localstripe.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.localstripe_main", str(port)],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = cls(port, process)
        try:
            deadline = time.monotonic() + 20
            while True:
                if process.poll() is not None:
                    output = log_path.read_text(errors="replace")
                    raise RuntimeError(f"localstripe exited at start:\n{output}")
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("localstripe did not start within 20 s") from None
                    time.sleep(0.05)
            yield server
        finally:
            server.stop()


def signed_headers(
    payload: str, secret: str = WEBHOOK_SECRET, at: int | None = None
) -> dict[str, str]:
    """The Stripe-Signature header Stripe would send, made by the SDK's own signing helper."""
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=at)
    return {"Stripe-Signature": header, "Content-Type": "application/json"}


def payment_intent_event(
    kind: str,
    intent_id: str,
    reference: str | None,
    amount_idr: int = 150_000,
    status: str = "succeeded",
    event_id: str | None = None,
    error_code: str | None = None,
    created: int | None = None,
) -> str:
    """A `payment_intent.*` event as Stripe sends it for STRIPE_API_VERSION (the fields Ruang
    reads, and the envelope around them), serialised as the request body."""
    from config.settings import STRIPE_API_VERSION

    now = int(time.time()) if created is None else created
    amount = amount_idr * 100
    intent: dict[str, Any] = {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_received": amount if status == "succeeded" else 0,
        "capture_method": "automatic_async",
        "client_secret": f"{intent_id}_secret_test",
        "confirmation_method": "automatic",
        "created": now - 5,
        "currency": "idr",
        "customer": "cus_test",
        "description": None,
        "last_payment_error": (
            {"code": error_code, "decline_code": error_code, "message": "Your card was declined."}
            if error_code
            else None
        ),
        "latest_charge": f"ch_{intent_id[3:]}" if status == "succeeded" else None,
        "livemode": False,
        "metadata": {"reference": reference} if reference else {},
        "next_action": None,
        "payment_method": "pm_test",
        "payment_method_types": ["card"],
        "status": status,
    }
    event = {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": STRIPE_API_VERSION,
        "created": now,
        "data": {"object": intent},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": kind,
    }
    return json.dumps(event)


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


SUCCEEDED_ACTION = "test.stripe.succeeded"
FAILED_ACTION = "test.stripe.failed"


class RecordingPayments:
    """A stand-in for app.services.billing.payments (the PaymentRecorder protocol): each call
    owns its transaction and writes an audit entry per call, deliberately NOT idempotent, so a
    test counts how often Stripe's events reached the billing domain. `fail_next` makes the
    next calls raise, as a billing domain that cannot process an event would."""

    def __init__(self) -> None:
        self.fail_next = 0
        self.unknown: set[str] = set()  # references billing has no order for (NotFound)
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
        if reference in self.unknown:
            raise NotFound("no order with that reference", reference=reference)
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


def create_recording_app() -> Any:
    """The app as `flask run` builds it from the environment, with RecordingPayments as its
    billing domain: for tests that run Ruang in processes of its own
    (`flask --app "tests.stripe:create_recording_app()" run`)."""
    from app import create_app
    from app.services.billing.stripe.client import PAYMENTS_KEY

    app = create_app()
    app.extensions[PAYMENTS_KEY] = RecordingPayments()
    return app
