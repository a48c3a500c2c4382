"""Booking notifications: queued with the booking change, in the member's language, sent through
the real SMTP server with the pass (a QR that decodes) and the calendar entry; members switch
kinds off, except the required ones; a reminder goes once per booking."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.models import BookingStatus, OutboxMessage
from app.services.access.keys import generate_key
from app.services.booking import bookings
from app.services.errors import InvalidInput
from app.services.notifications import kinds, preferences
from app.services.notifications.booking_mail import REMINDER_LEAD, send_booking_reminders
from tests.conftest import MONDAY, TUESDAY, hub_time


@pytest.fixture
def keys(app, session) -> None:
    generate_key(app.extensions["ruang.keyring"])


def attachments(message) -> dict[str, bytes]:
    return {
        part.get_filename(): part.get_payload(decode=True)
        for part in message.walk()
        if part.get_filename()
    }


def queued_kinds(session) -> list[str]:
    return list(session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)))


def test_a_confirmed_booking_is_mailed_with_its_pass_and_calendar_entry(
    app, session, clock, keys, outbox, a_desk, make_member
) -> None:
    member = make_member(name="Siti", locale="en")
    clock(hub_time(a_desk.hub, MONDAY, 7))
    booking = bookings.book_whole_day(member.id, a_desk.id, MONDAY)
    assert queued_kinds(session) == ["booking_confirmed"]
    [mail] = outbox.to(member.email)
    assert mail["Subject"] == "Booked: A01 on Monday, 23 Nov 2026"
    assert "08:00 WIB to 17:00 WIB" in outbox.body(mail)
    files = attachments(mail)
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(files[f"ruang-pass-{booking.id}.png"])))
    assert code.text
    calendar = Calendar.from_ical(files[f"ruang-booking-{booking.id}.ics"])
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == booking.start_at
    assert str(event["dtstart"].params["TZID"]) == "Asia/Jakarta"


def test_mail_is_in_the_members_language(app, session, clock, keys, outbox, a_desk, make_member):
    member = make_member(name="Budi", locale="id")
    clock(hub_time(a_desk.hub, MONDAY, 7))
    bookings.book_whole_day(member.id, a_desk.id, MONDAY)
    [mail] = outbox.to(member.email)
    assert mail["Subject"] == "Dipesan: A01 pada Senin, 23 Nov 2026"


def test_cancel_and_no_show_are_mailed_and_a_failed_booking_queues_nothing(
    app, session, clock, outbox, a_desk, a_room, make_member
) -> None:
    member = make_member(locale="en")
    clock(hub_time(a_desk.hub, MONDAY, 7))
    first = bookings.book_whole_day(member.id, a_desk.id, MONDAY)
    with pytest.raises(Exception):  # noqa: B017,PT011  (one desk a day: a domain error)
        bookings.book_whole_day(member.id, a_desk.id, MONDAY)
    bookings.cancel_booking(first.id, member_id=member.id)
    room = bookings.book(
        member.id, a_room.id, hub_time(a_room.hub, MONDAY, 9), hub_time(a_room.hub, MONDAY, 10)
    )
    clock(room.start_at + timedelta(minutes=a_room.hub.no_show_minutes + 1))
    bookings.release_no_shows()
    assert queued_kinds(session) == [
        "booking_confirmed",
        "booking_cancelled",
        "booking_confirmed",
        "booking_no_show",
    ]
    subjects = [m["Subject"] for m in outbox.to(member.email)]
    assert subjects[1].startswith("Cancelled: A01")
    assert subjects[3].startswith("Released: Monas")


def test_members_switch_kinds_off_but_not_the_required_ones(
    app, session, clock, a_desk, make_member
) -> None:
    member = make_member(locale="en")
    chosen = preferences.set_preferences(member.id, {"booking_reminder"})
    enabled = {p.kind.code for p in chosen if p.enabled}
    assert enabled == {"booking_reminder"} | {k.code for k in kinds.KINDS.values() if k.required}
    with pytest.raises(InvalidInput):
        preferences.set_preferences(member.id, {"no_such_kind"})
    clock(hub_time(a_desk.hub, MONDAY, 7))
    bookings.book_whole_day(member.id, a_desk.id, MONDAY)
    assert queued_kinds(session) == []  # booking_confirmed is off
    assert preferences.wants(member.id, kinds.ACCOUNT)


def test_a_reminder_goes_once_before_the_start(app, session, clock, a_room, make_member) -> None:
    member = make_member(locale="en")
    clock(hub_time(a_room.hub, MONDAY, 7))
    booking = bookings.book(
        member.id, a_room.id, hub_time(a_room.hub, TUESDAY, 9), hub_time(a_room.hub, TUESDAY, 10)
    )
    assert send_booking_reminders() == []  # a day ahead: too early
    clock(booking.start_at - REMINDER_LEAD + timedelta(minutes=1))
    assert send_booking_reminders() == [booking.id]
    assert send_booking_reminders() == []
    assert queued_kinds(session) == ["booking_confirmed", "booking_reminder"]
    assert booking.status is BookingStatus.CONFIRMED
