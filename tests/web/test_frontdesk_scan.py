"""Front-desk scanning: the scan box on the hub page, the verdict for a grant and for refusals
(page and JSON), permissions, and the access-event list with its filters."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from app.extensions import db
from app.messages import ACCESS_REASONS
from app.models import AccessEvent, BookingStatus, Direction, Role, UserStatus
from app.services.access import passes
from app.services.access.decision import (
    AccessRequest,
    OfflineDecision,
    Reason,
    decide_access,
    record_offline_event,
)
from app.services.access.keys import Keyring, generate_key
from app.services.booking import bookings
from devices import passcode
from tests.conftest import MONDAY

zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp is a dev dependency")
Image = pytest.importorskip("PIL.Image", reason="Pillow is a dev dependency")

NINE = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English. The test app context is shared by every request of a test, so
    Flask-Babel keeps the first locale it picks: pick it with the browser's language."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def keyring(app, session) -> Keyring:
    ring = app.extensions["ruang.keyring"]
    generate_key(ring)
    return ring


@pytest.fixture
def at_nine(clock) -> datetime:
    clock(NINE)
    return NINE


@pytest.fixture
def staff(make_member, a_hub):
    return make_member(plan=None, name="Dewi Staff", locale="en", roles=[(Role.FRONTDESK, a_hub)])


@pytest.fixture
def desk_client(client, login, staff):
    return login(staff)


@pytest.fixture
def siti(make_member):
    return make_member(name="Siti Rahma", locale="en")


def scan(client, hub, token: str, **headers):
    return client.post(f"/frontdesk/{hub.slug}/scan", data={"token": token}, headers=headers)


def verdict(page: str) -> str:
    """The verdict box's text, whitespace collapsed."""
    match = re.search(r'<div class="verdict [^"]*".*?</div>', page, re.S)
    assert match, "no verdict on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split())


def events() -> list[AccessEvent]:
    return list(db.session.scalars(select(AccessEvent).order_by(AccessEvent.id)))


def code_of(member, keyring) -> str:
    return passes.rotating_token(keyring, member.id).token


# -- the scan box -------------------------------------------------------------------------------


def test_hub_page_has_the_scan_box(desk_client, a_hub) -> None:
    page = desk_client.get(f"/frontdesk/{a_hub.slug}/")
    assert page.status_code == 200
    assert f'action="/frontdesk/{a_hub.slug}/scan"' in page.text
    assert re.search(r'<input[^>]*autofocus[^>]*name="token"', page.text)
    assert "Use camera" in page.text
    assert "frontdesk-scan.js" in page.text
    assert "vendor/jsqr/jsQR.js" in page.text
    assert 'class="verdict' not in page.text


def test_grant_shows_name_and_todays_booking_and_checks_in(
    desk_client, keyring, at_nine, a_hub, a_desk, siti
) -> None:
    booking = bookings.book_whole_day(siti.id, a_desk.id, MONDAY)
    page = scan(desk_client, a_hub, code_of(siti, keyring))
    assert page.status_code == 200
    assert 'class="verdict grant' in page.text
    words = verdict(page.text)
    assert "Granted" in words
    assert "Siti Rahma" in words
    assert "A01" in words
    assert "08:00 \u2013 17:00 WIB" in words
    field = re.search(r'<input[^>]*name="token"[^>]*>', page.text).group(0)
    assert 'value=""' in field  # cleared for the next person
    assert "autofocus" in field
    db.session.expire_all()
    assert booking.status is BookingStatus.CHECKED_IN
    (event,) = events()
    assert (event.granted, event.source, event.hub_id) == (True, "frontdesk", a_hub.id)


def test_grant_on_membership_without_a_booking(desk_client, keyring, at_nine, a_hub, siti) -> None:
    words = verdict(scan(desk_client, a_hub, code_of(siti, keyring)).text)
    assert "Granted" in words
    assert "No booking today: entry on membership." in words


def test_guest_pass_shows_the_guests_name(
    desk_client, keyring, at_nine, a_hub, make_member, make_plan
) -> None:
    host = make_member(plan=make_plan(guests_per_month=1))
    _, issued = passes.invite_guest(keyring, host.id, a_hub.id, MONDAY, "Rina Tamu", "r@x.id")
    words = verdict(scan(desk_client, a_hub, issued.token).text)
    assert "Granted" in words
    assert "Rina Tamu" in words
    assert "Guest pass" in words


def refusal(desk_client, hub, token) -> tuple[str, str]:
    page = scan(desk_client, hub, token)
    assert page.status_code == 200
    assert 'class="verdict deny' in page.text
    match = re.search(r'data-reason="(\w+)"', page.text)
    assert match
    return match.group(1), verdict(page.text)


def test_refused_not_a_pass(desk_client, keyring, at_nine, a_hub) -> None:
    reason, words = refusal(desk_client, a_hub, "HELLO WORLD")
    assert reason == Reason.BAD_FORMAT
    assert "Refused" in words
    assert "This is not a Ruang pass" in words


def test_refused_forged(desk_client, keyring, at_nine, a_hub, siti) -> None:
    claims, _, _ = passcode.decode_unverified(code_of(siti, keyring))
    forged = passcode.encode(claims, Ed25519PrivateKey.generate())
    reason, words = refusal(desk_client, a_hub, forged)
    assert reason == Reason.BAD_SIGNATURE
    assert "Forged or damaged pass" in words
    assert "Siti" not in words  # nothing about a pass we could not verify


def test_refused_expired(desk_client, keyring, clock, a_hub, siti) -> None:
    clock(NINE)
    token = code_of(siti, keyring)
    clock(NINE + timedelta(minutes=5))
    reason, words = refusal(desk_client, a_hub, token)
    assert reason == Reason.EXPIRED
    assert "This code has expired" in words


def test_refused_replayed_screenshot(desk_client, keyring, at_nine, a_hub, siti) -> None:
    token = code_of(siti, keyring)
    assert 'class="verdict grant' in scan(desk_client, a_hub, token).text
    reason, words = refusal(desk_client, a_hub, token)
    assert reason == Reason.REPLAYED
    assert "already used" in words


def test_refused_revoked_after_lost_phone(desk_client, keyring, at_nine, a_hub, siti) -> None:
    token = code_of(siti, keyring)
    passes.report_lost_phone(siti.id)
    reason, words = refusal(desk_client, a_hub, token)
    assert reason == Reason.REVOKED
    assert "revoked" in words
    assert "Siti Rahma" in words  # whose pass it was, for the conversation at the desk


def test_refused_wrong_hub(
    desk_client, keyring, at_nine, a_hub, make_hub, make_resource, siti
) -> None:
    elsewhere = make_resource(make_hub(name="Elsewhere"), name="Z01")
    booking = bookings.book_whole_day(siti.id, elsewhere.id, MONDAY)
    token = passes.booking_token(keyring, booking.id).token
    reason, words = refusal(desk_client, a_hub, token)
    assert reason == Reason.WRONG_HUB
    assert "another hub" in words


def test_refused_suspended(desk_client, keyring, at_nine, a_hub, siti) -> None:
    token = code_of(siti, keyring)
    siti.status = UserStatus.SUSPENDED
    db.session.commit()
    reason, words = refusal(desk_client, a_hub, token)
    assert reason == Reason.MEMBER_SUSPENDED
    assert "suspended" in words


def test_refused_without_membership(desk_client, keyring, at_nine, a_hub, make_member) -> None:
    walker = make_member(plan=None, name="Tanpa Paket")
    reason, words = refusal(desk_client, a_hub, code_of(walker, keyring))
    assert reason == Reason.NO_ENTITLEMENT
    assert "No active membership here and no booking today." in words


def test_refused_when_closed(desk_client, keyring, clock, a_hub, siti) -> None:
    clock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))  # 19:00 WIB
    reason, words = refusal(desk_client, a_hub, code_of(siti, keyring))
    assert reason == Reason.HUB_CLOSED
    assert "The hub is closed now." in words


def test_every_reason_has_words() -> None:
    codes = {v for k, v in vars(Reason).items() if k.isupper()}
    assert codes == set(ACCESS_REASONS)


# -- JSON for frontdesk-scan.js -----------------------------------------------------------------


def test_scan_as_json_returns_only_the_verdict(desk_client, keyring, at_nine, a_hub, siti) -> None:
    response = scan(desk_client, a_hub, code_of(siti, keyring), Accept="application/json")
    assert response.status_code == 200
    data = response.get_json()
    assert data["granted"] is True
    assert "Siti Rahma" in data["html"]
    assert "<html" not in data["html"]
    refused = scan(desk_client, a_hub, "nope", Accept="application/json").get_json()
    assert refused["granted"] is False
    assert 'class="verdict deny' in refused["html"]


def test_empty_scan_is_a_message_and_no_event(desk_client, keyring, at_nine, a_hub) -> None:
    page = scan(desk_client, a_hub, "")
    assert "Scan a pass, or type its code." in page.text
    data = scan(desk_client, a_hub, "", Accept="application/json").get_json()
    assert data["granted"] is None
    assert "Scan a pass, or type its code." in data["html"]
    assert events() == []


def test_overlong_input_is_a_message_not_a_crash(desk_client, keyring, at_nine, a_hub) -> None:
    page = scan(desk_client, a_hub, "A" * 5000)
    assert page.status_code == 200
    assert "too long" in page.text
    assert events() == []


# -- permissions --------------------------------------------------------------------------------


def test_scanning_at_another_hub_is_403(
    desk_client, keyring, at_nine, make_hub, a_hub, siti
) -> None:
    other = make_hub(name="Other Hub", slug="other")
    assert scan(desk_client, other, code_of(siti, keyring)).status_code == 403
    assert desk_client.get("/frontdesk/other/events").status_code == 403
    assert desk_client.post("/frontdesk/nowhere/scan", data={"token": "x"}).status_code == 404
    assert events() == []


def test_members_cannot_scan(client, login, keyring, at_nine, a_hub, siti) -> None:
    login(siti)
    assert scan(client, a_hub, code_of(siti, keyring)).status_code == 403
    assert client.get(f"/frontdesk/{a_hub.slug}/events").status_code == 403
    assert events() == []


def test_anonymous_scan_goes_to_login(client, a_hub) -> None:
    response = scan(client, a_hub, "x")
    assert response.status_code == 302
    assert "/login" in response.location


# -- the pass page's code works at the desk ------------------------------------------------------


def test_pass_page_svg_is_accepted_at_the_front_desk(
    client, login, keyring, at_nine, a_hub, siti, staff
) -> None:
    try:
        import cairosvg
    except OSError as exc:
        pytest.skip(f"cannot rasterise SVG here: {exc}")
    login(siti)
    page = client.get("/pass/").text
    svg = page[page.index("<svg") : page.index("</svg>") + len("</svg>")]
    png = cairosvg.svg2png(bytestring=svg.encode(), output_width=360, background_color="white")
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    login(staff)
    words = verdict(scan(client, a_hub, decoded.text).text)
    assert "Granted" in words
    assert "Siti Rahma" in words


# -- access events ------------------------------------------------------------------------------


@pytest.fixture
def some_events(desk_client, keyring, clock, a_hub, siti, make_member):
    clock(NINE)
    scan(desk_client, a_hub, code_of(siti, keyring))  # granted
    scan(desk_client, a_hub, "garbage")  # bad_format
    clock(NINE + timedelta(days=1))  # Tuesday
    walker = make_member(plan=None, name="Tanpa Paket")
    scan(desk_client, a_hub, code_of(walker, keyring))  # no_entitlement, Tuesday
    return events()


def event_rows(page: str) -> list[str]:
    body = page[page.index("<tbody>") : page.index("</tbody>")] if "<tbody>" in page else ""
    return re.findall(r'<tr class="(granted|refused)">', body)


def test_events_default_to_today_at_the_hub(desk_client, a_hub, some_events) -> None:
    page = desk_client.get(f"/frontdesk/{a_hub.slug}/events")
    assert page.status_code == 200
    assert event_rows(page.text) == ["refused"]
    assert "Tanpa Paket" in page.text
    assert "No active membership here and no booking today." in page.text
    assert "Front desk" in page.text


def test_events_filtered_by_day_and_outcome(desk_client, a_hub, some_events) -> None:
    url = f"/frontdesk/{a_hub.slug}/events?day=2026-11-23"
    monday = desk_client.get(url).text
    assert sorted(event_rows(monday)) == ["granted", "refused"]
    assert "09:00:00" in monday  # hub-local time with seconds
    assert " ms<" in monday
    assert event_rows(desk_client.get(url + "&outcome=granted").text) == ["granted"]
    refused = desk_client.get(url + "&outcome=refused").text
    assert event_rows(refused) == ["refused"]
    assert "Siti Rahma" not in refused
    assert event_rows(desk_client.get(url + "&reason=bad_format").text) == ["refused"]
    assert event_rows(desk_client.get(url + "&reason=expired").text) == []


def test_events_bad_filters_are_not_a_crash(desk_client, a_hub, some_events) -> None:
    for query in ("day=yesterday", "outcome=maybe", "reason=<b>x</b>", "day=2026-13-45"):
        response = desk_client.get(f"/frontdesk/{a_hub.slug}/events?{query}")
        assert response.status_code == 200, query
        assert "<b>x</b>" not in response.text
        assert event_rows(response.text) == ["refused"]  # falls back to today, unfiltered


def test_events_only_of_this_hub(desk_client, keyring, at_nine, a_hub, make_hub, siti) -> None:
    other = make_hub(name="Other")
    decide_access(AccessRequest(token=code_of(siti, keyring), hub_id=other.id))
    assert db.session.scalar(select(func.count()).select_from(AccessEvent)) == 1
    page = desk_client.get(f"/frontdesk/{a_hub.slug}/events?day=2026-11-23")
    assert event_rows(page.text) == []
    assert "No access events match." in page.text


def test_events_say_where_a_decision_was_made_and_what_the_server_would_say(
    desk_client, keyring, at_nine, a_hub, siti
) -> None:
    scan(desk_client, a_hub, code_of(siti, keyring))  # online, at the desk
    record_offline_event(  # a reader let in what the server refuses (a stale cache, say)
        OfflineDecision(
            token="NOT-A-RUANG-PASS", hub_id=a_hub.id, door_id=None, direction=Direction.IN,
            event_id="reader-1:77", granted=True, reason="granted", at=at_nine,
        )
    )  # fmt: skip
    url = f"/frontdesk/{a_hub.slug}/events?day=2026-11-23"
    everything = desk_client.get(url).text
    assert event_rows(everything) == ["granted", "granted"]
    at_door = desk_client.get(url + "&decided=door").text
    assert event_rows(at_door) == ["granted"]
    assert "At the door (offline)" in at_door
    refusal = ACCESS_REASONS["bad_format"]()
    assert f"The server would refuse: {refusal}" in at_door
    online = desk_client.get(url + "&decided=online").text
    assert event_rows(online) == ["granted"]
    assert "Siti Rahma" in online
    assert "The server would" not in online
