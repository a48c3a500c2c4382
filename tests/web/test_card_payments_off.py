"""Without a Stripe key there are no card pages and no webhook endpoint (manual payments only)."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_no_stripe_no_card_pages(client, a_member, login) -> None:
    login(a_member)
    assert client.get("/pay/card/pi_123").status_code == 404


def test_no_stripe_no_webhook(client: FlaskClient) -> None:
    assert client.post("/stripe/webhook", data="{}").status_code == 404
