"""Pass pages: the rotating code and its JSON refresh, lost phone, booking passes (page, PNG,
mail), guest invitations, and suspension revoking passes. QR images are decoded back with
zxing-cpp to tokens that verify."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Pass, PassKind, Role, UserStatus
from app.services.access import passes
from app.services.access.decision import AccessRequest, Reason, decide_access
from app.services.access.keys import Keyring, generate_key, published_keys
from app.services.booking import bookings
from app.services.people import members as member_admin
from devices import passcode
from tests.conftest import MONDAY, TUESDAY

zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp is a dev dependency")
Image = pytest.importorskip("PIL.Image", reason="Pillow is a dev dependency")

NINE = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB


@pytest.fixture
def keyring(app, session) -> Keyring:
    """The app's own keyring (instance folder) with a fresh active key for this test."""
    ring = app.extensions["ruang.keyring"]
    generate_key(ring)
    return ring


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English. The test app context is shared by every request of a test, so
    Flask-Babel keeps the first locale it picks: pick it with the browser's language."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def at_nine(clock) -> datetime:
    clock(NINE)
    return NINE


@pytest.fixture
def siti(make_member):
    return make_member(name="Siti Rahma", locale="en")


@pytest.fixture
def budi(make_member):
    return make_member(name="Budi", locale="en")


def decode_png(png: bytes) -> str:
    (result,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return result.text


def decode_svg(svg: str) -> str:
    try:
        import cairosvg
    except OSError as exc:  # the Python package is there but the cairo library is not
        pytest.skip(f"cannot rasterise SVG here: {exc}")
    return decode_png(
        cairosvg.svg2png(bytestring=svg.encode(), output_width=360, background_color="white")
    )


def svg_of(page: str) -> str:
    start = page.index("<svg")
    return page[start : page.index("</svg>", start) + len("</svg>")]


def claims_of(token: str) -> passcode.PassClaims:
    return passcode.verify(token, published_keys(), datetime.now(UTC).timestamp())


def text_of(message) -> str:
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/plain"]
    return part.get_payload(decode=True).decode()


def attachment_png(message) -> bytes:
    (part,) = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert part.get_filename().endswith(".png")
    return part.get_payload(decode=True)


# -- my pass ------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client) -> None:
    for url in ("/pass/", "/pass/code.json", "/pass/guests", "/pass/booking/1", "/pass/lost"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.location


def test_pass_page_shows_a_code_that_decodes_to_a_member_token(
    client, login, keyring, at_nine, a_hub, siti
) -> None:
    login(siti)
    page = client.get("/pass/")
    assert page.status_code == 200
    assert "Siti Rahma" in page.text
    assert "Member pass" in page.text
    assert 'id="pass-countdown">30<' in page.text  # a new code at 09:00:30
    assert "09:00:30 WIB" in page.text
    assert '<meta http-equiv="refresh" content="30">' in page.text  # without JavaScript
    assert "passes.js" in page.text
    claims = claims_of(decode_svg(svg_of(page.text)))
    assert claims.kind is passcode.PassKind.MEMBER
    assert claims.valid_until - claims.valid_from == passes.TOKEN_LIFETIME
    assert db.session.get(Pass, claims.pass_id).member_id == siti.id


def test_staff_get_a_staff_pass(client, login, keyring, at_nine, a_hub, make_member) -> None:
    staff = make_member(plan=None, name="Dewi", locale="en", roles=[(Role.FRONTDESK, a_hub)])
    login(staff)
    page = client.get("/pass/")
    assert "Staff pass" in page.text
    assert claims_of(decode_svg(svg_of(page.text))).kind is passcode.PassKind.STAFF


def test_code_json_refreshes_every_rotation(client, login, keyring, clock, a_hub, siti) -> None:
    clock(NINE + timedelta(seconds=10))
    login(siti)
    first = client.get("/pass/code.json")
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-store"
    data = first.get_json()
    assert data["valid_from"] == NINE.isoformat()
    assert data["valid_until"] == (NINE + timedelta(seconds=passes.TOKEN_LIFETIME)).isoformat()
    assert data["refresh_at"] == (NINE + timedelta(seconds=passes.ROTATION)).isoformat()
    assert data["refresh_text"] == "at 09:00:30 WIB"
    assert data["valid_until_label"] == "09:01:30 WIB"
    token = decode_svg(data["svg"])
    assert claims_of(token).valid_from == int(NINE.timestamp())
    clock(NINE + timedelta(seconds=31))
    later = client.get("/pass/code.json").get_json()
    assert later["svg"] != data["svg"]
    assert later["refresh_at"] == (NINE + timedelta(seconds=60)).isoformat()


def test_no_signing_key_is_an_error_page_not_a_crash(client, login, at_nine, siti) -> None:
    login(siti)  # no `keyring` fixture: the database has no pass key
    response = client.get("/pass/")
    assert response.status_code == 503
    assert "That did not work" in response.text


# -- lost phone ---------------------------------------------------------------------------------


def test_lost_phone_asks_first_then_revokes_the_old_pass(
    client, login, keyring, at_nine, a_hub, siti
) -> None:
    login(siti)
    old_token = decode_svg(svg_of(client.get("/pass/").text))
    confirm = client.get("/pass/lost")
    assert confirm.status_code == 200
    assert "Yes, block my old pass" in confirm.text
    assert db.session.scalar(select(Pass).where(Pass.member_id == siti.id)).revoked_at is None

    response = client.post("/pass/lost", follow_redirects=True)
    assert response.status_code == 200
    assert "Your old pass is blocked" in response.text
    new_token = decode_svg(svg_of(response.text))
    assert claims_of(new_token).pass_id != claims_of(old_token).pass_id
    refused = decide_access(AccessRequest(token=old_token, hub_id=a_hub.id))
    assert (refused.granted, refused.reason) == (False, Reason.REVOKED)
    assert decide_access(AccessRequest(token=new_token, hub_id=a_hub.id)).granted


# -- booking passes -----------------------------------------------------------------------------


@pytest.fixture
def tuesday_desk(at_nine, a_desk, siti):
    return bookings.book_whole_day(siti.id, a_desk.id, TUESDAY)


def test_booking_pass_page_is_printable_with_local_times(
    app, client, login, keyring, a_hub, tuesday_desk, siti
) -> None:
    login(siti)
    page = client.get(f"/pass/booking/{tuesday_desk.id}")
    assert page.status_code == 200
    assert a_hub.name in page.text
    assert "A01" in page.text
    assert "Tuesday, 24 Nov 2026" in page.text
    assert "08:00</time>\u2013<time" in page.text
    assert "17:00 WIB" in page.text
    assert "@media print" in (Path(app.static_folder) / "passes.css").read_text()
    assert "Email me this pass" in page.text
    claims = claims_of_day(decode_svg(svg_of(page.text)))
    assert claims.kind is passcode.PassKind.DAY
    assert claims.hub_id == a_hub.id


def claims_of_day(token: str) -> passcode.PassClaims:
    """A booking pass for tomorrow: verify it as of its own day."""
    claims, _, _ = passcode.decode_unverified(token)
    return passcode.verify(token, published_keys(), claims.valid_from + 3600)


def test_booking_png_decodes_to_the_same_pass(client, login, keyring, tuesday_desk, siti) -> None:
    login(siti)
    response = client.get(f"/pass/booking/{tuesday_desk.id}.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    page_token = decode_svg(svg_of(client.get(f"/pass/booking/{tuesday_desk.id}").text))
    assert decode_png(response.data) == page_token


def test_another_members_booking_pass_is_404(
    client, login, keyring, tuesday_desk, budi, outbox
) -> None:
    login(budi)
    assert client.get(f"/pass/booking/{tuesday_desk.id}").status_code == 404
    assert client.get(f"/pass/booking/{tuesday_desk.id}.png").status_code == 404
    assert client.post(f"/pass/booking/{tuesday_desk.id}/email").status_code == 404
    assert client.get("/pass/booking/999999").status_code == 404
    assert db.session.scalar(select(Pass).where(Pass.booking_id == tuesday_desk.id)) is None
    # (Reading the mail sends the queue: the owner's booking confirmation makes their pass.)
    assert outbox.to(budi.email) == []


def test_cancelled_booking_has_no_pass(client, login, keyring, tuesday_desk, siti) -> None:
    bookings.cancel_booking(tuesday_desk.id)
    login(siti)
    response = client.get(f"/pass/booking/{tuesday_desk.id}")
    assert response.status_code == 410
    assert "cancelled or over" in response.text


def test_email_me_this_pass_sends_the_png(
    client, login, keyring, tuesday_desk, siti, outbox
) -> None:
    login(siti)
    response = client.post(f"/pass/booking/{tuesday_desk.id}/email", follow_redirects=True)
    assert "The pass is on its way to" in response.text
    # The booking's confirmation went too; this is the pass she asked for.
    (mail,) = [m for m in outbox.to(siti.email) if m["Subject"].startswith("Your Ruang pass")]
    assert mail["Subject"] == "Your Ruang pass for Tuesday, 24 Nov 2026"
    assert "08:00 to 17:00 WIB" in text_of(mail)
    token = decode_png(attachment_png(mail))
    assert claims_of_day(token).pass_id == db.session.scalar(
        select(Pass.id).where(Pass.booking_id == tuesday_desk.id)
    )


def test_my_bookings_links_each_upcoming_booking_to_its_pass(
    client, login, keyring, tuesday_desk, siti
) -> None:
    login(siti)
    page = client.get("/m/bookings")
    assert f'href="/pass/booking/{tuesday_desk.id}"' in page.text


# -- guest passes -------------------------------------------------------------------------------


@pytest.fixture
def host(make_member, make_plan):
    return make_member(name="Ayu", locale="en", plan=make_plan(guests_per_month=2))


def invite(client, hub, day=MONDAY, name="Tamu Satu", email="tamu@example.com"):
    return client.post(
        "/pass/guests",
        data={"hub_id": hub.id, "day": day.isoformat(), "guest_name": name, "guest_email": email},
        follow_redirects=True,
    )


def test_guest_page_shows_the_allowance(client, login, keyring, at_nine, a_hub, host) -> None:
    login(host)
    page = client.get("/pass/guests")
    assert page.status_code == 200
    assert "0 of 2 used" in page.text
    assert "No guests invited this month." in page.text
    assert f'<option selected value="{a_hub.id}">' in page.text


def test_inviting_a_guest_mails_them_a_pass(
    client, login, keyring, at_nine, a_hub, host, outbox
) -> None:
    login(host)
    response = invite(client, a_hub, name="Rina Tamu", email="Rina@Example.com")
    assert "Rina Tamu is invited" in response.text
    assert "1 of 2 used" in response.text
    assert "rina@example.com" in response.text
    (mail,) = outbox.to("rina@example.com")
    assert mail["Subject"] == f"Ayu invited you to {a_hub.name}"
    assert "Monday, 23 Nov 2026" in text_of(mail)
    token = decode_png(attachment_png(mail))
    claims = claims_of(token)
    assert claims.kind is passcode.PassKind.GUEST
    assert claims.hub_id == a_hub.id
    assert decide_access(AccessRequest(token=token, hub_id=a_hub.id)).granted


def test_guest_mail_is_in_the_members_language(
    client, login, keyring, at_nine, a_hub, host, outbox
) -> None:
    host.locale = "id"
    db.session.commit()
    login(host)
    invite(client, a_hub)
    (mail,) = outbox.to("tamu@example.com")
    assert "Senin, 23 Nov 2026" in text_of(mail)  # the date, at least, is Indonesian


def test_guest_quota_is_a_form_message(
    client, login, keyring, at_nine, a_hub, make_member, make_plan, outbox
) -> None:
    login(make_member(locale="en", plan=make_plan(guests_per_month=1)))
    invite(client, a_hub)
    response = invite(client, a_hub, name="Tamu Dua", email="dua@example.com")
    assert "includes 1 guest pass a month and it is used up" in response.text
    assert outbox.to("dua@example.com") == []
    assert 'value="Tamu Dua"' in response.text  # what was typed stays


def test_a_plan_without_guests(client, login, keyring, at_nine, a_hub, make_member) -> None:
    login(make_member(locale="en"))  # a_plan has no guests
    response = invite(client, a_hub)
    assert "Your plan does not include guest passes." in response.text
    assert db.session.scalar(select(Pass).where(Pass.kind == PassKind.GUEST)) is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"day": "2026-11-20"}, "Choose today or a later date."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"name": ""}, "This field is required."),
        ({"day": "someday"}, "Not a valid date value."),
    ],
)
def test_guest_form_errors(
    client, login, keyring, at_nine, a_hub, host, outbox, fields, message
) -> None:
    login(host)
    response = client.post(
        "/pass/guests",
        data={
            "hub_id": a_hub.id,
            "day": fields.get("day", MONDAY.isoformat()),
            "guest_name": fields.get("name", "Tamu"),
            "guest_email": fields.get("email", "tamu@example.com"),
        },
    )
    assert response.status_code == 200
    assert message in response.text
    assert outbox.messages == []
    assert db.session.scalar(select(Pass).where(Pass.kind == PassKind.GUEST)) is None


def test_guest_to_a_hub_the_plan_does_not_allow(
    client, login, keyring, at_nine, a_hub, host, outbox
) -> None:
    login(host)
    response = client.post(
        "/pass/guests",
        data={
            "hub_id": 999999,
            "day": MONDAY.isoformat(),
            "guest_name": "T",
            "guest_email": "t@x.id",
        },
    )
    assert response.status_code == 200
    assert "Not a valid choice" in response.text
    assert outbox.messages == []


# -- suspension revokes passes ------------------------------------------------------------------


def test_suspending_a_member_revokes_their_passes(
    keyring, at_nine, a_hub, a_desk, siti, make_member
) -> None:
    admin = make_member(plan=None, roles=[(Role.HUB_ADMIN, a_hub)])
    member_token = passes.rotating_token(keyring, siti.id).token
    booking = bookings.book_whole_day(siti.id, a_desk.id, TUESDAY)
    passes.booking_token(keyring, booking.id)
    version = a_hub.revocation_version

    member_admin.set_suspended(admin, siti.id, suspended=True, hub_id=a_hub.id)

    db.session.expire_all()
    assert siti.status is UserStatus.SUSPENDED
    live = db.session.scalars(
        select(Pass).where(Pass.member_id == siti.id, Pass.revoked_at.is_(None))
    ).all()
    assert live == []
    revoked = db.session.scalars(select(Pass).where(Pass.member_id == siti.id)).all()
    assert {p.revoked_reason for p in revoked} == {"member suspended"}
    assert len(revoked) == 2
    assert db.session.get(type(a_hub), a_hub.id).revocation_version > version
    assert passcode.decode_unverified(member_token)[0].pass_id in (
        passes.revocation_list(a_hub.id).pass_ids
    )
