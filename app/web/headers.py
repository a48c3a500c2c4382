"""Security headers on every response.

Scripts come only from our static files (no inline script or handler anywhere), and no page may be
framed. Styles also come only from static files, with one exception: style attributes, which
the floor plan uses for its per-floor minimum width so the page lays out without JavaScript.
A style attribute cannot run script or select other elements, so it cannot read the page;
<style> elements, which could, stay blocked.
"""

from __future__ import annotations

from flask import Flask, Response, current_app

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

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
