"""Without a Stripe key there are no card pages and no webhook endpoint (manual payments only)."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_no_stripe_no_card_pages(client, a_member, login) -> None:
    login(a_member)
    assert client.get("/pay/card/pi_123").status_code == 404


def test_no_stripe_no_webhook(client: FlaskClient) -> None:
    assert client.post("/stripe/webhook", data="{}").status_code == 404


def test_an_amount_card_payments_cannot_take_is_explained_in_both_languages(app, session) -> None:
    from flask_babel import refresh

    from app.messages import describe
    from app.services.billing.stripe.amounts import to_stripe_amount
    from app.services.billing.stripe.errors import AmountOutOfRange

    try:
        to_stripe_amount(5_000)
    except AmountOutOfRange as error:
        refused = error
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        assert describe(refused) == (
            "Card payments here take Rp 10,000 to Rp 9,999,999,999; "
            "please pay this at the front desk."
        )
    with app.test_request_context(headers={"Accept-Language": "id"}):
        refresh()  # Flask-Babel keeps the first request's locale on the shared app context
        assert describe(refused) == (
            "Pembayaran kartu di sini menerima Rp 10.000 sampai Rp 9.999.999.999; "
            "silakan bayar di meja depan."
        )
