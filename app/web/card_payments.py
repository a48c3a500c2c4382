"""The card pay page (Stripe.js) and its status page, for a member's own PaymentIntent.

"Pay by card" on billing's pay page posts to `start_order` / `start_invoice`, which start the
one PaymentIntent of that order or invoice (payments.start_payment) and send the member to
`card_payments.pay`; a renewal that needs 3-D Secure sends them there too. The
page confirms the payment in the browser with Stripe.js, which also runs 3-D Secure; then the
status page shows what Stripe and Ruang know, refreshing until Ruang has recorded the payment
(Stripe's webhook) or it failed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user

from app.headers import content_security_policy
from app.messages import describe
from app.services.billing import payments
from app.services.billing.providers import Charge, ProviderIntent
from app.services.billing.stripe.checkout import PAYABLE, CardPayment, card_payment
from app.services.billing.stripe.client import stripe_provider
from app.services.billing.stripe.provider import StripeProvider
from app.services.errors import DomainError, NotFound
from app.web.context import me

card_payments = Blueprint("card_payments", __name__, url_prefix="/pay/card")

#: A PaymentIntent id as Stripe makes them; anything else matches no route.
INTENT_ID = re.compile(r"pi_[A-Za-z0-9_]{1,120}")


@card_payments.before_request
def _members_only() -> Any:
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    return None


def _provider() -> StripeProvider:
    provider = stripe_provider()
    if provider is None:
        abort(404)  # manual payments only here
    return provider


def _payment(intent_id: str) -> tuple[StripeProvider, CardPayment]:
    if not INTENT_ID.fullmatch(intent_id):
        abort(404)
    provider = _provider()
    return provider, card_payment(provider, intent_id, me().id)


@card_payments.post("/orders/<int:order_id>")
def start_order(order_id: int) -> ResponseReturnValue:
    """Pay by card for the member's pending order."""
    back = url_for("billing.pay", order_id=order_id)
    return _start(lambda: payments.charge_for_order(order_id, me().id), back)


@card_payments.post("/invoices/<int:invoice_id>")
def start_invoice(invoice_id: int) -> ResponseReturnValue:
    """Pay by card for one of the member's open invoices."""

    def charge() -> Charge:
        found = payments.charge_for_invoice(invoice_id)
        if found.member_id != me().id:
            raise NotFound("no such invoice")
        return found

    return _start(charge, url_for("billing.pay_invoice", invoice_id=invoice_id))


def _start(charge_of: Callable[[], Charge], back: str) -> ResponseReturnValue:
    provider = _provider()
    try:
        charge = charge_of()
        intent = resumable(provider, charge.reference) or payments.start_payment(provider, charge)
    except NotFound:
        raise
    except DomainError as error:
        flash(gettext("Not started: %(reason)s", reason=describe(error)), "error")
        return redirect(back)
    if intent.status in ("succeeded", "processing"):
        return redirect(url_for(".status", intent_id=intent.provider_ref))
    return redirect(url_for(".pay", intent_id=intent.provider_ref))


def resumable(provider: StripeProvider, reference: str) -> ProviderIntent | None:
    """The PaymentIntent this order or invoice already has, if the member can still pay it:
    a second click resumes it (Stripe's idempotency key would too, but only for 24 hours)."""
    attempt = payments.attempt_of(reference)
    if attempt is None or attempt.provider != provider.name or not attempt.provider_ref:
        return None
    intent = provider.retrieve(attempt.provider_ref)
    return intent if intent.status in PAYABLE else None


@card_payments.get("/<intent_id>")
def pay(intent_id: str) -> ResponseReturnValue:
    """Card field and pay button (or, for a payment waiting on 3-D Secure, the bank's check)."""
    provider, payment = _payment(intent_id)
    if not payment.payable:
        return redirect(url_for(".status", intent_id=payment.intent_id))
    response = make_response(
        render_template("billing/card_pay.html", payment=payment, stripe=provider.config)
    )
    response.headers["Content-Security-Policy"] = content_security_policy(
        provider.config.content_security_sources()
    )
    response.headers["Cache-Control"] = "no-store"  # the page carries the client secret
    return response


@card_payments.get("/<intent_id>/status")
def status(intent_id: str) -> str:
    _, payment = _payment(intent_id)
    return render_template("billing/card_status.html", payment=payment)


@card_payments.get("/<intent_id>/status.json")
def status_json(intent_id: str) -> Response:
    """For card-payment.js on the status page, which asks until the payment is final."""
    _, payment = _payment(intent_id)
    response = jsonify(status=payment.status, recorded=payment.recorded, final=payment.final)
    response.headers["Cache-Control"] = "no-store"
    return response
