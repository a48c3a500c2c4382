"""The JSON API (app.api.v1) and, on other branches, incoming webhooks (Stripe)."""

from __future__ import annotations

from flask import Flask


def register_api(app: Flask) -> None:
    from app.api.v1 import init_api_v1

    init_api_v1(app)
