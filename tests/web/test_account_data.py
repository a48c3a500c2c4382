"""The member's account pages, calendar feeds and the admin pages for undelivered mail and
erasure requests, through the real app."""

from __future__ import annotations

import json

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.models import (
    AuditEntry,
    DataRequest,
    DataRequestStatus,
    NotificationOptOut,
    OutboxMessage,
    OutboxStatus,
    Role,
    User,
)
from app.services.booking import bookings
from app.services.calendars import feeds
from tests.conftest import MONDAY, TEST_PASSWORD, hub_time


@pytest.fixture
def siti(make_member) -> User:
    return make_member(name="Siti", email="siti@example.id", locale="en", consent_version="2026-11")


@pytest.fixture
def booked(siti, a_desk, clock):
    clock(hub_time(a_desk.hub, MONDAY, 7))
    return bookings.book_whole_day(siti.id, a_desk.id, MONDAY)


def feed_path(client, member: User) -> str:
    page = client.get("/account/calendar")
    assert page.status_code == 200
    token = feeds.feed_token("test-secret", member.id)
    assert f"/calendar/{token}.ics" in page.text
    return f"/calendar/{token}.ics"


def test_preferences_switch_a_kind_off_but_never_a_required_one(client, login, siti, session):
    login(siti)
    page = client.get("/account/notifications")
    assert 'value="account" checked disabled' in page.text
    response = client.post("/account/notifications", data={"kinds": ["booking_reminder"]})
    assert response.status_code == 302
    off = set(session.scalars(select(NotificationOptOut.kind)))
    assert "booking_confirmed" in off
    assert "account" not in off
    assert "booking_reminder" not in off


def test_the_calendar_feed_parses_carries_the_zone_and_rotates(client, login, siti, booked):
    login(siti)
    old = feed_path(client, siti)
    client.post("/logout")
    response = client.get(old)  # no log-in: the address is the key
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Asia/Jakarta"
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == booked.start_at
    assert str(event["summary"]).startswith("A01")

    login(siti)
    assert client.post("/account/calendar/rotate").status_code == 302
    assert client.get(old).status_code == 404
    assert client.get(feed_path(client, siti)).status_code == 200
    assert client.get("/calendar/1.1.forged.ics").status_code == 404


def test_a_room_feed_is_for_staff_of_its_hub(
    client, login, siti, booked, a_room, make_member, make_hub
) -> None:
    staff = make_member(plan=None, locale="en", roles=[(Role.FRONTDESK, booked.resource.hub)])
    other = make_member(plan=None, locale="en", roles=[(Role.FRONTDESK, make_hub(slug="lain"))])
    room = f"rooms/{booked.resource_id}.ics"
    login(staff)
    page = client.get("/account/calendar").text
    assert f"rooms/{a_room.id}.ics" in page
    assert room not in page  # a desk: no room feed listed
    ok = client.get(f"/calendar/{feeds.feed_token('test-secret', staff.id)}/{room}")
    assert ok.status_code == 200
    [event] = Calendar.from_ical(ok.data).walk("VEVENT")
    assert str(event["summary"]).startswith("Siti:")
    for outsider in (other, siti):
        token = feeds.feed_token("test-secret", outsider.id)
        assert client.get(f"/calendar/{token}/{room}").status_code == 404


def test_add_to_calendar_downloads_only_ones_own_booking(client, login, siti, booked, a_member):
    login(siti)
    page = client.get(f"/m/bookings/{booked.id}")
    assert f"/calendar/bookings/{booked.id}.ics" in page.text
    response = client.get(f"/calendar/bookings/{booked.id}.ics")
    assert "attachment" in response.headers["Content-Disposition"]
    assert Calendar.from_ical(response.data).walk("VEVENT")
    login(a_member)
    assert client.get(f"/calendar/bookings/{booked.id}.ics").status_code == 404


def test_my_data_page_and_download(client, login, siti, booked) -> None:
    login(siti)
    page = client.get("/account/data")
    assert "siti@example.id" in page.text
    assert "Bookings" in page.text
    response = client.get("/account/data.json")
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert [b["id"] for b in data["tables"]["bookings"]] == [booked.id]
    assert "password_hash" not in data["tables"]["users"][0]


def test_erasure_is_asked_then_carried_out_by_the_hub_admin(
    client, login, siti, booked, make_member, session
) -> None:
    login(siti)
    client.post("/account/erasure", data={})  # not confirmed: nothing asked
    assert session.scalars(select(DataRequest)).all() == []
    client.post("/account/erasure", data={"confirm": "yes"})
    [request] = session.scalars(select(DataRequest)).all()

    admin = make_member(plan=None, locale="en", roles=[(Role.HUB_ADMIN, booked.resource.hub)])
    login(admin)
    assert "siti@example.id" in client.get("/admin/data-requests").text
    client.post(f"/admin/data-requests/{request.id}", data={"decision": "erase"})
    session.refresh(request)
    assert request.status is DataRequestStatus.DONE
    assert session.scalars(select(AuditEntry.action)).all()[-1] == "member.erase"
    client.post("/logout")
    response = client.post("/login", data={"email": "siti@example.id", "password": TEST_PASSWORD})
    assert response.status_code != 302  # the account is gone


def test_a_changed_notice_is_asked_again_before_anything_else(client, login, make_member):
    member = make_member(locale="en", consent_version="2020-01")
    login(member)
    response = client.get("/m/bookings")
    assert response.status_code == 302
    assert "/account/consent" in response.headers["Location"]
    client.post("/account/consent", data={})  # not ticked
    assert client.get("/m/bookings").status_code == 302
    done = client.post("/account/consent", data={"agree": "yes", "next": "/m/bookings"})
    assert done.headers["Location"] == "/m/bookings"
    assert client.get("/m/bookings").status_code == 200


def test_failed_mail_is_shown_to_the_hubs_admins_and_sent_again(
    client, login, session, a_hub, make_member, make_hub
) -> None:
    failed = OutboxMessage(
        recipient="x@example.id",
        subject="Halo",
        hub_id=a_hub.id,
        status=OutboxStatus.FAILED,
        attempts=8,
        last_error="SMTP down",
    )
    session.add(failed)
    session.commit()
    other = make_member(plan=None, locale="en", roles=[(Role.HUB_ADMIN, make_hub(slug="lain"))])
    login(other)
    assert "SMTP down" not in client.get("/admin/outbox").text
    assert client.post(f"/admin/outbox/{failed.id}/retry").status_code == 404
    admin = make_member(plan=None, locale="en", roles=[(Role.HUB_ADMIN, a_hub)])
    login(admin)
    assert "SMTP down" in client.get("/admin/outbox").text
    client.post(f"/admin/outbox/{failed.id}/retry")
    session.refresh(failed)
    assert failed.status is OutboxStatus.PENDING
