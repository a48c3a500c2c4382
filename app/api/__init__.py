"""The JSON API (app.api.v1), the Stripe webhook endpoint, outgoing webhooks."""

from __future__ import annotations

from flask import Flask


def register_api(app: Flask) -> None:
    from app.api.v1 import init_api_v1

    init_api_v1(app)
