"""Stripe's settings: nothing without a secret key; the API version pinned; types by setting."""

from __future__ import annotations

from app import create_app
from app.services.billing.stripe.client import StripeConfig
from config.settings import STRIPE_API_VERSION, load_settings


def test_without_a_key_there_is_no_stripe(tmp_path) -> None:
    config = load_settings({"RUANG_INSTANCE_DIR": str(tmp_path)}).flask_config()
    assert config["STRIPE_SECRET_KEY"] is None
    assert StripeConfig.from_app_config(config) is None
    assert config["STRIPE_API_VERSION"] == STRIPE_API_VERSION
    assert config["STRIPE_PAYMENT_METHOD_TYPES"] == ["card"]
    assert config["STRIPE_JS_URL"] == "https://js.stripe.com/v3/"


def test_settings_from_the_environment(tmp_path) -> None:
    config = load_settings(
        {
            "RUANG_INSTANCE_DIR": str(tmp_path),
            "STRIPE_SECRET_KEY": "sk_test_x",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_x",
            "STRIPE_WEBHOOK_SECRET": "whsec_x",
            "STRIPE_PAYMENT_METHOD_TYPES": "card, qris",
            "STRIPE_API_BASE": "http://127.0.0.1:8420",
            "STRIPE_JS_URL": "http://127.0.0.1:8420/js.stripe.com/v3/",
            "STRIPE_SAVE_CARDS": "no",
        }
    ).flask_config()
    stripe_config = StripeConfig.from_app_config(config)
    assert stripe_config is not None
    assert stripe_config.payment_method_types == ("card", "qris")
    assert stripe_config.api_base == "http://127.0.0.1:8420"
    assert stripe_config.js_origin == "http://127.0.0.1:8420"
    assert stripe_config.save_cards is False
    assert stripe_config.api_version == STRIPE_API_VERSION


def test_two_apps_in_one_process_keep_their_own_stripe(tmp_path) -> None:
    """The SDK's module globals are never set: each app has its own StripeClient."""
    import stripe

    def app_with(key: str, base: str):  # type: ignore[no-untyped-def]
        return create_app(
            {
                "STRIPE_SECRET_KEY": key,
                "STRIPE_API_BASE": base,
                "RATELIMIT_STORAGE_URI": "memory://",
            },
            environ={"RUANG_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "x"},
        )

    first, second = (
        app_with("sk_test_one", "http://127.0.0.1:1"),
        app_with("sk_test_two", "http://127.0.0.1:2"),
    )
    one, two = first.extensions["ruang.stripe"], second.extensions["ruang.stripe"]
    assert (one.config.secret_key, two.config.secret_key) == ("sk_test_one", "sk_test_two")
    assert one.client is not two.client
    assert stripe.api_key is None
    without = create_app(
        {"RATELIMIT_STORAGE_URI": "memory://"},
        environ={"RUANG_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "x"},
    )
    assert without.extensions["ruang.stripe"] is None
    # Billing's registry of providers offers Stripe only where a key is set.
    assert first.extensions["ruang.payment_providers"]["stripe"] is one
    assert "stripe" not in without.extensions.get("ruang.payment_providers", {})
