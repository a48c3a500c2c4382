"""The web edge: redirects stay on the site, ids and numbers fit the columns, text holds no control
characters, every response carries the security headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Floor, Role, User
from tests.conftest import TEST_PASSWORD, TUESDAY

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"

#: Each of these leaves the site in some browser, or in the framework's URL handling.
OFF_SITE = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/%5Cevil.example/",
    "/%2F/evil.example/",
    "/%2f%2fevil.example/",
    "/\t/evil.example/",
    "\t//evil.example/",
    " //evil.example/",
    "/%09/evil.example/",
    "/\n/evil.example/",
    "javascript:alert(1)",
    "java\nscript:alert(1)",
    "http:/evil.example/",
    "/\u3000/evil.example/",
]


@pytest.fixture
def hub_admin(make_member, a_hub) -> User:
    return make_member(name="Hana Admin", plan=None, roles=[(Role.HUB_ADMIN, a_hub)])


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_goes_home_for_any_off_site_next(client, a_member, login, target) -> None:
    login(a_member)
    client.post("/logout")
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": a_member.email, "password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_language_switch_goes_home_for_any_off_site_next(client, target) -> None:
    response = client.post("/language/id", data={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_follows_only_this_sites_referrer(client) -> None:
    back = client.post("/language/id", headers={"Referer": "http://localhost/login?x=1"})
    assert back.headers["Location"] == "/login?x=1"
    for referrer in ("https://evil.example/login", "http://localhost.evil.example/login"):
        response = client.post("/language/id", headers={"Referer": referrer})
        assert response.headers["Location"] == "/", referrer


def test_a_local_next_is_followed(client, a_member, login) -> None:
    login(a_member)
    client.post("/logout")
    response = client.post(
        "/login?next=/m/bookings%3Fday%3D2026-11-24",
        data={"email": a_member.email, "password": TEST_PASSWORD},
    )
    assert response.headers["Location"] == "/m/bookings?day=2026-11-24"
    language = client.post("/language/en", data={"next": "/m/?q=Siti%20Rahma"})
    assert language.headers["Location"] == "/m/?q=Siti%20Rahma"


@pytest.mark.parametrize("number", ["2147483648", "9223372036854775808", "9" * 40])
def test_ids_no_column_holds_are_404(client, login, a_member, hub_admin, a_hub, number) -> None:
    login(a_member)
    assert client.get(f"/m/bookings/{number}").status_code == 404
    assert client.post(f"/m/bookings/{number}/cancel").status_code == 404
    login(hub_admin)
    assert client.get(f"/admin/hubs/{a_hub.slug}/floors/{number}").status_code == 404


def test_numbers_no_column_holds_are_form_errors(
    client, login, clock, a_member, a_desk, booking_count
) -> None:
    login(a_member)
    slug = a_desk.floor.hub.slug
    response = client.post(
        f"/m/{slug}/book", data={"resource_id": "2147483648", "day": TUESDAY.isoformat()}
    )
    assert response.status_code < 500
    assert booking_count() == 0
    assert client.get(f"/m/{slug}/", query_string={"floor": "2147483648"}).status_code == 200


def test_control_characters_are_refused_everywhere(client, login, a_member, a_hub) -> None:
    before = db.session.scalar(select(func.count()).select_from(User))
    for name in ("Siti\x00", "Siti\x1b[2J", "Siti\u0085", "Siti\ufffd"):
        signup = {"name": name, "email": "siti.new@example.com", "password": TEST_PASSWORD}
        assert client.post("/signup", data={**signup, "consent": "y"}).status_code == 400
    assert client.post("/login", data={"next": "/\x00/evil.example/"}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(User)) == before
    login(a_member)
    assert client.get("/m/", query_string={"q": "a\x00"}).status_code == 400
    assert client.get(f"/m/{a_hub.slug}%00/").status_code == 400


def test_line_breaks_only_in_a_textarea(client, login, hub_admin, a_hub) -> None:
    login(hub_admin)
    data = {
        "floor-name": "Lantai 1\r\nSet-Cookie: x",
        "floor-level": "1",
        "floor-plan_width": "900",
        "floor-plan_height": "500",
    }
    response = client.post(f"/admin/hubs/{a_hub.slug}/floors", data=data)
    assert response.status_code in (200, 422)
    assert "Remove the control characters or line breaks" in response.text
    assert db.session.scalar(select(Floor).where(Floor.name.startswith("Lantai 1"))) is None


@pytest.mark.parametrize("path", ["/", "/login", "/no/such/page", "/static/ruang.css", "/healthz"])
def test_every_response_carries_security_headers(client, path) -> None:
    response = client.get(path)
    response.close()
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in directives["style-src"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # not over plain HTTP in dev


def test_production_adds_hsts(tmp_path) -> None:
    from app import create_app

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"},
        environ={"RUANG_ENV": "production", "SECRET_KEY": "s", "RUANG_INSTANCE_DIR": str(tmp_path)},
    )
    response = app.test_client().get("/static/ruang.css")
    response.close()
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_templates_have_no_script_the_policy_would_block() -> None:
    found = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text()
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, re.compile("javascript:")):
            found += [
                f"{template.relative_to(TEMPLATES)}: {m.group(0)}" for m in pattern.finditer(text)
            ]
    assert found == []


def test_favicon(client) -> None:
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200
        assert icon.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    with client.get("/static/favicon.svg") as svg:
        assert svg.mimetype == "image/svg+xml"
    assert 'rel="icon"' in client.get("/login").text


def test_a_price_whose_sen_no_column_holds_is_a_form_error(
    client, login, make_member, a_plan
) -> None:
    """Prices are kept in sen (x100): Rp 1.000.000.000 would overflow the column on PostgreSQL."""
    from app.models import Plan
    from tests.web.test_admin_people import PLAN

    login(make_member(plan=None, roles=[(Role.PROGRAMME_ADMIN, None)]))
    response = client.post("/admin/plans/new", data={**PLAN, "plan-price_rupiah": "1000000000"})
    assert response.status_code in (200, 422)
    assert db.session.scalar(select(Plan).where(Plan.code == PLAN["plan-code"])) is None
