"""Tokens and webhooks made, shown and revoked in the UI, then used on the API."""

from __future__ import annotations

import re

from app.models import Role
from app.services.integrations import webhooks
from tests.api.conftest import bearer


def _issued(html: str) -> str:
    match = re.search(r'id="issued-token" type="text" readonly value="([^"]+)"', html)
    assert match, "no token shown"
    return match.group(1)


def test_member_makes_uses_and_revokes_a_token(login, a_member) -> None:
    client = login(a_member)
    page = client.post(
        "/account/tokens",
        data={"name": "My app", "scopes": ["hubs:read", "bookings:read"], "expires_in_days": 30},
    )
    assert page.status_code == 200
    text = _issued(page.text)
    client.post("/logout")
    assert client.get("/api/v1/bookings", headers=bearer(text)).status_code == 200
    listing = login(a_member).get("/account/tokens").text
    assert "My app" in listing
    assert text not in listing  # shown once only
    assert "Never" not in listing  # its last use is shown
    token_id = re.search(r"/account/tokens/(\d+)/revoke", listing).group(1)
    client.post(f"/account/tokens/{token_id}/revoke")
    assert client.get("/api/v1/bookings", headers=bearer(text)).status_code == 401


def test_a_bad_token_form_says_why_and_makes_nothing(login, a_member) -> None:
    client = login(a_member)
    page = client.post("/account/tokens", data={"name": "x", "expires_in_days": 9999})
    assert 'id="issued-token"' not in page.text
    assert 'class="error"' in page.text
    assert "No tokens yet." in page.text


def test_hub_admin_makes_a_service_token_and_a_webhook(login, make_member, a_hub, make_hub) -> None:
    admin = make_member(roles=[(Role.HUB_ADMIN, a_hub)])
    client = login(admin)
    page = client.post(
        "/admin/integrations/tokens",
        data={
            "token-name": "Dashboard",
            "token-scopes": ["occupancy:read"],
            "token-hub_ids": [a_hub.id],
            "token-expires_in_days": 30,
        },
    )
    text = _issued(page.text)
    assert client.get(f"/api/v1/hubs/{a_hub.id}/occupancy", headers=bearer(text)).status_code == 200
    everywhere = client.post(
        "/admin/integrations/tokens",
        data={"token-name": "All", "token-scopes": ["occupancy:read"], "token-expires_in_days": 3},
    )
    assert 'id="issued-token"' not in everywhere.text  # only programme admins: every hub
    hook = client.post(
        "/admin/integrations/webhooks",
        data={
            "hook-url": "https://city.example/hooks",
            "hook-event_types": ["booking.created"],
            "hook-hub_ids": [a_hub.id],
        },
    )
    assert hook.status_code == 302
    (endpoint,) = webhooks.endpoints_for(admin)
    assert client.get(f"/admin/integrations/webhooks/{endpoint.id}").status_code == 200
    other_admin = make_member(roles=[(Role.HUB_ADMIN, make_hub())])
    other = login(other_admin)
    assert other.get(f"/admin/integrations/webhooks/{endpoint.id}").status_code == 404
    assert "city.example" not in other.get("/admin/integrations").text


def test_admin_sends_a_failed_delivery_again(
    clock, login, make_member, make_hub, a_hub, a_desk
) -> None:
    from datetime import timedelta

    from app.extensions import db
    from app.models import DeliveryStatus, WebhookDelivery, utcnow
    from app.services.booking import bookings
    from app.services.notifications.outbox import OutboxPolicy
    from tests.conftest import TUESDAY

    admin = make_member(roles=[(Role.HUB_ADMIN, a_hub)])
    endpoint = webhooks.register_endpoint(
        admin, "http://127.0.0.1:9/closed", ["booking.created"], [a_hub.id]
    )
    bookings.book_whole_day(make_member().id, a_desk.id, TUESDAY)
    policy = OutboxPolicy(max_attempts=1)
    webhooks.deliver_due(policy=policy)
    delivery = db.session.scalars(db.select(WebhookDelivery)).one()
    assert delivery.status is DeliveryStatus.FAILED
    client = login(admin)
    page = client.get(f"/admin/integrations/webhooks/{endpoint.id}").text
    assert f"/admin/integrations/deliveries/{delivery.id}/retry" in page
    stranger = login(make_member(roles=[(Role.HUB_ADMIN, make_hub())]))
    assert stranger.post(f"/admin/integrations/deliveries/{delivery.id}/retry").status_code == 404
    client = login(admin)
    assert client.post(f"/admin/integrations/deliveries/{delivery.id}/retry").status_code == 302
    db.session.expire_all()
    retried = db.session.get(WebhookDelivery, delivery.id)
    assert (retried.status, retried.attempts) == (DeliveryStatus.PENDING, 0)
    assert retried.next_attempt_at <= utcnow() + timedelta(seconds=1)
