"""POST /stripe/webhook: Stripe's events, signature-checked and processed exactly once.

No login and no CSRF token (Stripe signs the request instead). 400 for a request that is not
a recent event signed with our secret; 200 once processed (or seen before); 5xx when
processing failed, so Stripe retries it. 404 where Stripe is not configured.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, jsonify, request

from app.extensions import csrf
from app.services.billing.stripe import webhooks
from app.services.billing.stripe.client import stripe_payments, stripe_provider
from app.services.errors import DomainError

log = logging.getLogger(__name__)

stripe_webhooks = Blueprint("stripe_webhooks", __name__)

#: Stripe's events are a few kilobytes; anything far larger is not one.
MAX_EVENT_BYTES = 512 * 1024


@stripe_webhooks.post("/stripe/webhook")
@csrf.exempt
def receive() -> tuple[Response, int]:
    provider, payments = stripe_provider(), stripe_payments()
    if provider is None or not provider.config.webhook_secret:
        abort(404)
    if (request.content_length or 0) > MAX_EVENT_BYTES:
        return jsonify(error="too_large"), 413
    payload = request.get_data(cache=False)
    try:
        event = webhooks.verify(
            payload, request.headers.get("Stripe-Signature"), provider.config.webhook_secret
        )
        outcome = webhooks.process(event, provider, payments)
    except webhooks.InvalidWebhook:
        return jsonify(error="invalid_signature"), 400
    except DomainError as error:
        # Stripe unreachable, or the billing domain refused: not processed, Stripe retries.
        log.warning("Stripe event not processed: %s", error.code)
        return jsonify(error=error.code), 503
    return jsonify(received=True, outcome=outcome), 200
