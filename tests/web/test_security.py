"""Security defaults: CSRF on every form, cookie flags, login rate limits, no open redirects."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from flask import Flask

from app.extensions import limiter

ARGUMENT_SAMPLES = {"int": "1", "string": "x", "path": "x", "default": "x"}
#: POST routes that take no CSRF token, and why: Stripe signs its webhooks instead
#: (tests/billing_stripe/test_webhooks.py refuses every unsigned or badly signed request).
CSRF_EXEMPT = {"/stripe/webhook"}


@pytest.fixture
def csrf_on(app: Flask) -> Iterator[None]:
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def post_routes(app: Flask) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or set()):
            continue
        url = rule.rule
        for argument in rule.arguments:
            converter = type(rule._converters[argument]).__name__.lower()
            sample = next((v for k, v in ARGUMENT_SAMPLES.items() if k in converter), "x")
            url = re.sub(rf"<[^>]*{argument}>", sample, url)
        urls.append(url)
    return urls


def test_every_form_needs_a_csrf_token(app, client, csrf_on, a_member, make_member) -> None:
    routes = post_routes(app)
    assert "/login" in routes
    assert "/signup" in routes
    for url in routes:
        if url in CSRF_EXEMPT:
            continue
        response = client.post(url, data={"email": "someone@example.com", "password": "x"})
        if url.startswith("/api/"):
            # The JSON API reads no session cookie, so it needs no CSRF token: a bearer token.
            assert response.status_code == 401, url
            continue
        assert response.status_code == 400, url
        assert "expired" in response.text, url


def test_session_cookie_flags(client, a_member, login) -> None:
    from tests.conftest import TEST_PASSWORD

    login(a_member)
    client.post("/logout")
    response = client.post(
        "/login", data={"email": a_member.email, "password": TEST_PASSWORD, "remember": "y"}
    )
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie
    assert "HttpOnly" in remember_cookie
    assert "SameSite=Lax" in remember_cookie
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", remember_cookie).group(1))
    lifetime = expires - datetime.now(UTC)
    assert timedelta(days=13) < lifetime <= timedelta(days=14)


def test_production_cookies_are_secure(tmp_path) -> None:
    from app import create_app

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"},
        environ={"RUANG_ENV": "production", "SECRET_KEY": "s", "RUANG_INSTANCE_DIR": str(tmp_path)},
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_login_is_rate_limited_per_address(client, a_member) -> None:
    limiter.reset()
    statuses = [
        client.post("/login", data={"email": f"x{i}@example.com", "password": "nope"}).status_code
        for i in range(12)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429, 429]


def test_login_is_rate_limited_per_account(client, a_member) -> None:
    limiter.reset()
    statuses = [
        client.post(
            "/login",
            data={"email": a_member.email, "password": "nope"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{i}"},
        ).status_code
        for i in range(12)
    ]
    assert statuses[10:] == [429, 429]
    assert (
        "Too many attempts"
        in client.post(
            "/login",
            data={"email": a_member.email, "password": "nope"},
            environ_base={"REMOTE_ADDR": "10.0.1.1"},
        ).text
    )


def test_login_does_not_redirect_off_site(client, a_member, login) -> None:
    from tests.conftest import TEST_PASSWORD

    login(a_member)
    client.post("/logout")
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": a_member.email, "password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def test_language_follows_browser_then_choice(client) -> None:
    assert 'lang="en"' in client.get("/login", headers={"Accept-Language": "en-US,en"}).text
    assert 'lang="id"' in client.get("/login", headers={"Accept-Language": "id-ID,id"}).text
    client.post("/language/id", headers={"Accept-Language": "en"})
    assert 'lang="id"' in client.get("/login", headers={"Accept-Language": "en"}).text


def test_members_saved_language_wins(client, a_member, login) -> None:
    a_member.locale = "en"
    login(a_member)
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "id"}).text


def test_unknown_page_is_a_friendly_404(client) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "<main" in response.text
