"""Security headers on every response.

Scripts come only from our static files (no inline script or handler anywhere), and no page may be
framed. The one exception is the card pay page, which loads Stripe.js from STRIPE_JS_URL: that page
alone gets a policy extended by Stripe's origins (app.web.card_payments).
Styles also come only from static files, with one exception: style attributes, which the floor
plan uses for its per-floor minimum width so the page lays out without JavaScript.
A style attribute cannot run script or select other elements, so it cannot read the page;
<style> elements, which could, stay blocked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import Flask, Response, current_app

DIRECTIVES: tuple[tuple[str, str], ...] = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self'"),
    ("style-src-attr", "'unsafe-inline'"),
    ("object-src", "'none'"),
    ("base-uri", "'none'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
)


def content_security_policy(extra: Mapping[str, Iterable[str]] | None = None) -> str:
    """The policy, with `extra` sources added per directive (a directive not in the base
    policy starts from 'self', as default-src would have it)."""
    sources = {name: [value] for name, value in DIRECTIVES}
    for name, more in (extra or {}).items():
        sources.setdefault(name, ["'self'"]).extend(more)
    return "; ".join(f"{name} {' '.join(values)}" for name, values in sources.items())


CONTENT_SECURITY_POLICY = content_security_policy()

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    # Reset and verification links carry tokens in their path: never send a path elsewhere.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}

#: Two years, the preload list's minimum; only in production, which is served over TLS.
STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"


def init_security_headers(app: Flask) -> None:
    @app.after_request
    def _secure(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if current_app.config.get("RUANG_ENV") == "production":
            response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        return response
