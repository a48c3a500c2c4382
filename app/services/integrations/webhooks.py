"""Outgoing webhooks: admins register endpoints (URL, secret, event types, hubs); an event is
written as one delivery row per matching endpoint in the transaction of the change, and the
worker sends it signed, retried with backoff and recorded (status, response code, attempts).

Claiming and recording follow the mail outbox (app.services.notifications.outbox): claim with a
token and a lease, send outside any transaction, record only if the claim is still ours. A
receiver may see an event twice (a worker dying after the POST and before recording it), so
every body carries its event id for the receiver to drop repeats, as Stripe's do.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy import select

from app.extensions import db
from app.models import DeliveryStatus, User, WebhookDelivery, WebhookEndpoint, utcnow
from app.services.audit import record
from app.services.errors import Forbidden, InvalidInput, NotFound
from app.services.notifications.outbox import (
    DEFAULT_POLICY,
    DeliveryReport,
    Lifecycle,
    OutboxPolicy,
    claim_due,
    settle,
)
from app.services.transactions import in_transaction, transaction

log = logging.getLogger(__name__)

EVENT_TYPES = ("booking.created", "booking.cancelled", "checkin.created")
SIGNATURE_HEADER = "Ruang-Signature"
#: Receivers should refuse signatures older than this (replays), as Stripe's libraries do.
TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value: t=<unix time>,v1=<HMAC-SHA256 of "t.body", hex>."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: float | None = None) -> bool:
    """Whether `header` signs `body` with `secret` within the tolerance (for receivers, tests)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


# -- endpoints (admins) -------------------------------------------------------------------------


def register_endpoint(
    actor: User, url: str, event_types: list[str], hub_ids: list[int] | None
) -> WebhookEndpoint:
    """Register an endpoint for events of `hub_ids` (None: all, programme admins). Audited."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        raise InvalidInput("the URL must be an http(s) address", field="url")
    unknown = set(event_types) - set(EVENT_TYPES)
    if unknown or not event_types:
        raise InvalidInput(f"choose event types among {list(EVENT_TYPES)}", field="event_types")
    if hub_ids is None and not actor.is_programme_admin:
        raise Forbidden("only programme admins register endpoints for every hub")
    if hub_ids is not None and (not hub_ids or not all(actor.can_administer(h) for h in hub_ids)):
        raise Forbidden("you can register endpoints only for hubs you administer")
    with transaction():
        endpoint = WebhookEndpoint(
            url=url.strip(),
            secret="whsec_" + secrets.token_urlsafe(24),
            event_types=sorted(set(event_types)),
            hub_ids=sorted(set(hub_ids)) if hub_ids is not None else None,
            created_by_id=actor.id,
        )
        db.session.add(endpoint)
        db.session.flush()
        record(
            "webhook.register",
            endpoint,
            actor_id=actor.id,
            hub_id=hub_ids[0] if hub_ids else None,
            after={"url": endpoint.url, "events": endpoint.event_types, "hubs": hub_ids},
        )
    return endpoint


def _may_manage(actor: User, endpoint: WebhookEndpoint) -> bool:
    if actor.is_programme_admin:
        return True
    return endpoint.hub_ids is not None and all(actor.can_administer(h) for h in endpoint.hub_ids)


def endpoints_for(actor: User) -> list[WebhookEndpoint]:
    endpoints = db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id.desc()))
    return [e for e in endpoints if _may_manage(actor, e)]


def deactivate_endpoint(actor: User, endpoint_id: int) -> None:
    with transaction():
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        if endpoint is None or not _may_manage(actor, endpoint):
            raise NotFound(f"no webhook endpoint {endpoint_id}")
        if endpoint.active:
            endpoint.active = False
            record("webhook.deactivate", endpoint, actor_id=actor.id, after={"active": False})


def endpoint_for(actor: User, endpoint_id: int) -> WebhookEndpoint:
    """An endpoint the admin manages, or NotFound."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or not _may_manage(actor, endpoint):
        raise NotFound(f"no webhook endpoint {endpoint_id}")
    return endpoint


def deliveries(actor: User, endpoint_id: int, limit: int = 100) -> list[WebhookDelivery]:
    """The endpoint's deliveries, newest first (for its admin)."""
    endpoint_for(actor, endpoint_id)
    return list(
        db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


# -- events (inside the caller's transaction) ---------------------------------------------------


def emit(event_type: str, hub_id: int | None, data: Mapping[str, Any]) -> int:
    """Queue `event_type` for every active endpoint that wants it; in the caller's transaction.
    Returns how many deliveries were queued."""
    assert event_type in EVENT_TYPES, event_type
    if not in_transaction():
        with transaction():
            return emit(event_type, hub_id, data)
    endpoints = [
        e
        for e in db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active))
        if event_type in e.event_types and (e.hub_ids is None or hub_id in e.hub_ids)
    ]
    if not endpoints:
        return 0
    event_id = "evt_" + uuid.uuid4().hex[:24]
    body = json.dumps(
        {
            "id": event_id,
            "type": event_type,
            "created": int(time.time()),
            "hub_id": hub_id,
            "data": dict(data),
        },
        sort_keys=True,
        default=str,
    )
    for endpoint in endpoints:
        db.session.add(
            WebhookDelivery(
                endpoint_id=endpoint.id,
                event_id=event_id,
                event_type=event_type,
                hub_id=hub_id,
                body=body,
                next_attempt_at=utcnow(),
            )
        )
    return len(endpoints)


def booking_data(booking: Any) -> dict[str, Any]:
    """What a booking event says: no personal data beyond the member's id."""
    return {
        "booking_id": booking.id,
        "resource_id": booking.resource_id,
        "member_id": booking.member_id,
        "start": booking.start_at.isoformat(),
        "end": booking.end_at.isoformat(),
        "status": booking.status.value,
    }


# -- sending (the worker) -----------------------------------------------------------------------


class Sender(Protocol):
    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        """POST it; the response's status code (raise when no response came)."""


@dataclass(frozen=True)
class HttpSender:
    timeout_seconds: float = 10.0

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")  # noqa: S310  (http(s) only, checked at registration)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)


@dataclass(frozen=True)
class _Claim:
    id: int
    token: str
    url: str
    secret: str
    body: str


def deliver_due(
    sender: Sender | None = None, policy: OutboxPolicy = DEFAULT_POLICY, limit: int = 100
) -> DeliveryReport:
    """Send up to `limit` due deliveries. Safe to run from several workers."""
    sender = sender or HttpSender()
    report = DeliveryReport()
    for _ in range(limit):
        claim = _claim_next(policy)
        if claim is None:
            break
        code, error = _post(sender, claim)
        outcome = _finish(claim, code, error, policy)
        getattr(report, outcome).append(claim.id)
    return report


def _claim_next(policy: OutboxPolicy) -> _Claim | None:
    now = utcnow()
    with transaction():
        delivery = claim_due(WebhookDelivery, DELIVERY_STATES, policy, now)
        if delivery is None:
            return None
        token = delivery.claim_token
        endpoint = delivery.endpoint
        return _Claim(delivery.id, token, endpoint.url, endpoint.secret, delivery.body)


def _post(sender: Sender, claim: _Claim) -> tuple[int | None, str | None]:
    body = claim.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Ruang-Webhooks/1",
        SIGNATURE_HEADER: sign(claim.secret, int(time.time()), body),
    }
    try:
        code = sender.post(claim.url, body, headers)
    except Exception as exc:  # no answer at all (refused, timeout, DNS): retried
        log.warning("webhook delivery %s failed: %s", claim.id, exc)
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return code, None if 200 <= code < 300 else f"HTTP {code}"


def _finish(claim: _Claim, code: int | None, error: str | None, policy: OutboxPolicy) -> str:
    now: datetime = utcnow()
    with transaction():
        delivery = db.session.get(WebhookDelivery, claim.id, with_for_update=True)
        return settle(
            delivery, claim.token, error, policy, now, DELIVERY_STATES, response_code=code
        )


DELIVERY_STATES = Lifecycle(
    DeliveryStatus.PENDING,
    DeliveryStatus.SENDING,
    DeliveryStatus.DELIVERED,
    DeliveryStatus.FAILED,
    "delivered_at",
)


def retry_delivery(actor: User, delivery_id: int) -> WebhookDelivery:
    """Send a failed delivery again from the first attempt (its endpoint's admin; audited)."""
    with transaction():
        delivery = db.session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if delivery is None or not _may_manage(actor, delivery.endpoint):
            raise NotFound(f"no webhook delivery {delivery_id}")
        if delivery.status is not DeliveryStatus.FAILED:
            raise InvalidInput("only a failed delivery can be retried", reason="not_failed")
        delivery.status = DeliveryStatus.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = utcnow()
        record(
            "webhook.retry",
            delivery,
            actor_id=actor.id,
            hub_id=delivery.hub_id,
            before={"status": "failed", "last_error": delivery.last_error},
            after={"status": "pending"},
        )
    return delivery
