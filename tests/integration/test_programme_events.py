"""Programme events: the room hold through the booking engine, registration with a waitlist,
guests, cancellation mail, and event passes at the door during and outside the event."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Booking,
    BookingSource,
    BookingStatus,
    Door,
    DoorKind,
    EventKind,
    ProgrammeStep,
    RegistrationStatus,
    Role,
)
from app.services.access.decision import AccessRequest, Reason, decide_access
from app.services.access.keys import Keyring, generate_key
from app.services.booking import bookings
from app.services.errors import (
    AlreadyRegistered,
    BookingConflict,
    Forbidden,
    InvalidInput,
    NotEligible,
    RegistrationClosed,
)
from app.services.notifications.mail import SmtpMailer
from app.services.programmes import events, registrations, steps
from app.services.programmes.events import EventInput
from tests.conftest import MONDAY, TUESDAY, hub_time

NINE = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB


@pytest.fixture
def keyring(tmp_path, session) -> Keyring:
    ring = Keyring(tmp_path / "keys")
    generate_key(ring)
    return ring


@pytest.fixture
def staff(make_member, a_hub):
    return make_member(name="Dewi", roles=[(Role.FRONTDESK, a_hub)])


@pytest.fixture
def mailer(outbox) -> SmtpMailer:
    return SmtpMailer(host="127.0.0.1", port=outbox.port, starttls=False)


def training(hub, room, day=TUESDAY, start=10, end=12, **fields) -> EventInput:
    return EventInput(
        hub_id=hub.id,
        title=fields.pop("title", "Laporan keuangan UMKM"),
        kind=EventKind.TRAINING,
        starts_at=hub_time(hub, day, start),
        ends_at=hub_time(hub, day, end),
        capacity=fields.pop("capacity", 2),
        resource_id=room.id if room is not None else None,
        **fields,
    )


def test_an_event_holds_its_room_with_a_booking(clock, a_hub, a_room, staff, a_member) -> None:
    clock(NINE)
    (event,) = events.create_events(training(a_hub, a_room), actor_id=staff.id)

    assert event.booking is not None
    assert event.booking.source is BookingSource.EVENT
    assert (event.booking.start_at, event.booking.end_at) == (event.starts_at, event.ends_at)
    with pytest.raises(BookingConflict):
        bookings.book(
            a_member.id, a_room.id, hub_time(a_hub, TUESDAY, 11), hub_time(a_hub, TUESDAY, 13)
        )


def test_an_event_cannot_take_a_booked_room(clock, a_hub, a_room, staff, a_member) -> None:
    clock(NINE)
    bookings.book(a_member.id, a_room.id, hub_time(a_hub, TUESDAY, 9), hub_time(a_hub, TUESDAY, 11))
    with pytest.raises(BookingConflict):
        events.create_events(training(a_hub, a_room), actor_id=staff.id)
    assert (
        db.session.scalars(select(Booking).where(Booking.source == BookingSource.EVENT)).all() == []
    )


def test_a_weekly_series_is_refused_whole_when_one_week_collides(
    clock, a_hub, a_room, staff, a_member
) -> None:
    clock(NINE)
    second_week = TUESDAY + timedelta(weeks=1)
    bookings.book(
        a_member.id, a_room.id, hub_time(a_hub, second_week, 10), hub_time(a_hub, second_week, 11)
    )
    with pytest.raises(BookingConflict) as refused:
        events.create_events(training(a_hub, a_room, weeks=4), actor_id=staff.id)
    assert refused.value.details["day"] == second_week
    assert events.upcoming_events(None) == []
    series = events.create_events(
        training(a_hub, a_room, start=14, end=16, weeks=3), actor_id=staff.id
    )
    assert [e.starts_at for e in series] == [
        hub_time(a_hub, TUESDAY + timedelta(weeks=n), 14) for n in range(3)
    ]
    assert len({e.series_id for e in series}) == 1


def test_an_event_room_hold_is_not_released_as_a_no_show(clock, a_hub, a_room, staff) -> None:
    clock(NINE)
    (event,) = events.create_events(training(a_hub, a_room), actor_id=staff.id)
    released = bookings.release_no_shows(hub_time(a_hub, TUESDAY, 11))
    assert event.booking_id not in released
    assert event.booking.status is BookingStatus.CONFIRMED


def test_only_staff_of_the_hub_create_events(clock, a_hub, a_room, a_member) -> None:
    clock(NINE)
    with pytest.raises(Forbidden):
        events.create_events(training(a_hub, a_room), actor_id=a_member.id)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"title": " "}, "title"),
        ({"weeks": 27}, "weeks"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
    ],
)
def test_bad_event_input_changes_nothing(clock, a_hub, a_room, staff, fields, field) -> None:
    clock(NINE)
    with pytest.raises(InvalidInput) as refused:
        events.create_events(training(a_hub, a_room, **fields), actor_id=staff.id)
    assert refused.value.details["field"] == field
    assert events.upcoming_events(None) == []


def test_full_event_waitlists_and_a_cancellation_promotes(
    clock, a_hub, a_room, staff, make_member, mailer, outbox
) -> None:
    clock(NINE)
    (event,) = events.create_events(training(a_hub, a_room, capacity=2), actor_id=staff.id)
    first, second, third = (make_member(name=n, locale="en") for n in ("Ani", "Budi", "Citra"))

    placed = [registrations.register(m.id, event.id, mailer=mailer) for m in (first, second)]
    waiting = registrations.register(third.id, event.id, mailer=mailer)

    assert [r.status for r in placed] == [RegistrationStatus.REGISTERED] * 2
    assert waiting.status is RegistrationStatus.WAITLISTED
    assert waiting.pass_id is None
    assert len(outbox.messages) == 2
    with pytest.raises(AlreadyRegistered):
        registrations.register(first.id, event.id)

    registrations.cancel_registration(placed[0].id, member_id=first.id, mailer=mailer)

    db.session.refresh(waiting)
    assert waiting.status is RegistrationStatus.REGISTERED
    assert waiting.pass_id is not None
    assert outbox.messages[-1]["To"] == third.email
    assert "Your place at" in outbox.messages[-1]["Subject"]


def test_registration_window_and_eligibility(clock, a_hub, a_room, staff, a_member) -> None:
    clock(NINE)
    opens = NINE + timedelta(hours=2)
    (later,) = events.create_events(
        training(a_hub, a_room, registration_opens_at=opens), actor_id=staff.id
    )
    with pytest.raises(RegistrationClosed):
        registrations.register(a_member.id, later.id)
    (advanced,) = events.create_events(
        training(
            a_hub, a_room, day=TUESDAY, start=14, end=16, required_step=ProgrammeStep.TRAINING
        ),
        actor_id=staff.id,
    )
    with pytest.raises(NotEligible):
        registrations.register(a_member.id, advanced.id)
    steps.record_step(
        a_member.id, ProgrammeStep.TRAINING, MONDAY, actor_id=staff.id, hub_id=a_hub.id
    )
    assert registrations.register(a_member.id, advanced.id).status is RegistrationStatus.REGISTERED


def test_staff_register_a_guest_without_an_account(clock, a_hub, a_room, staff) -> None:
    clock(NINE)
    (event,) = events.create_events(training(a_hub, a_room), actor_id=staff.id)
    guest = registrations.register_guest(
        event.id, "Pak Joko", "joko@example.com", actor_id=staff.id
    )
    assert guest.member_id is None
    assert guest.status is RegistrationStatus.REGISTERED
    assert [a.registration.display_name for a in events.attendance(event.id)] == ["Pak Joko"]


def test_cancelling_an_event_frees_the_room_and_mails_registrants(
    clock, a_hub, a_room, staff, a_member, mailer, outbox
) -> None:
    clock(NINE)
    (event,) = events.create_events(training(a_hub, a_room), actor_id=staff.id)
    registrations.register(a_member.id, event.id)
    events.cancel_event(event.id, actor_id=staff.id, mailer=mailer)

    assert event.booking.status is BookingStatus.CANCELLED
    assert [m["To"] for m in outbox.messages] == [a_member.email]
    assert "Dibatalkan" in outbox.messages[0]["Subject"]  # the member's language (default id)
    bookings.book(
        a_member.id, a_room.id, hub_time(a_hub, TUESDAY, 10), hub_time(a_hub, TUESDAY, 11)
    )


# -- the pass at the door ----------------------------------------------------------------------


def scan(token: str, hub, door=None):
    return decide_access(
        AccessRequest(token=token, hub_id=hub.id, door_id=door.id if door else None)
    )


def test_event_pass_opens_during_the_event_only(
    clock, keyring, a_hub, a_room, staff, make_member
) -> None:
    clock(NINE)
    outsider = make_member(name="Eko", plan=None)  # no membership: the event is their reason
    (event,) = events.create_events(training(a_hub, a_room), actor_id=staff.id)
    registration = registrations.register(outsider.id, event.id)
    token = registrations.event_pass(keyring, registration.id, outsider.id).token.token
    room_door = Door(hub_id=a_hub.id, name="Monas", kind=DoorKind.ROOM, resource_id=a_room.id)
    db.session.add(room_door)
    db.session.commit()

    clock(hub_time(a_hub, TUESDAY, 9))  # an hour early
    assert scan(token, a_hub).reason == Reason.NOT_YET_VALID
    clock(hub_time(a_hub, TUESDAY, 9, 45))  # doors open half an hour before
    assert scan(token, a_hub).granted
    assert scan(token, a_hub, room_door).granted
    clock(hub_time(a_hub, TUESDAY, 12, 5))  # after the end
    assert scan(token, a_hub).reason == Reason.EXPIRED

    (arrived,) = events.attendance(event.id)
    assert arrived.arrived_at == hub_time(a_hub, TUESDAY, 9, 45)


def test_event_pass_does_not_open_another_room_or_after_cancelling(
    clock, keyring, a_hub, a_room, make_resource, staff, a_member
) -> None:
    clock(NINE)
    (event,) = events.create_events(training(a_hub, a_room), actor_id=staff.id)
    registration = registrations.register(a_member.id, event.id)
    token = registrations.event_pass(keyring, registration.id, a_member.id).token.token
    other = make_resource(a_hub, a_room.kind, name="Ancol", slot_minutes=30, max_minutes=240)
    other_door = Door(hub_id=a_hub.id, name="Ancol", kind=DoorKind.ROOM, resource_id=other.id)
    db.session.add(other_door)
    db.session.commit()

    clock(hub_time(a_hub, TUESDAY, 10, 30))
    assert scan(token, a_hub, other_door).reason == Reason.ROOM_NOT_BOOKED
    registrations.cancel_registration(registration.id, member_id=a_member.id)
    assert scan(token, a_hub).reason == Reason.REVOKED


# -- changes and reminders -----------------------------------------------------------------------


def test_moving_an_event_moves_its_room_hold_its_passes_and_tells_registrants(
    clock, keyring, a_hub, a_room, make_resource, staff, make_member, mailer, outbox
) -> None:
    clock(NINE)
    (event,) = events.create_events(training(a_hub, a_room), actor_id=staff.id)
    member = make_member(name="Rudi", locale="en")
    registration = registrations.register(member.id, event.id)
    old_hold = event.booking
    other = make_resource(a_hub, a_room.kind, name="Ancol", slot_minutes=30, max_minutes=240)

    events.reschedule_event(
        event.id,
        hub_time(a_hub, TUESDAY, 14),
        hub_time(a_hub, TUESDAY, 16),
        other.id,
        actor_id=staff.id,
        mailer=mailer,
    )

    assert old_hold.status is BookingStatus.CANCELLED
    assert event.booking.resource_id == other.id
    assert (event.booking.start_at, event.booking.end_at) == (event.starts_at, event.ends_at)
    assert [m["Subject"] for m in outbox.messages] == ["Changed: Laporan keuangan UMKM"]
    token = registrations.event_pass(keyring, registration.id, member.id).token
    assert token.valid_until == hub_time(a_hub, TUESDAY, 16)
    clock(hub_time(a_hub, TUESDAY, 10, 30))  # the old time
    assert scan(token.token, a_hub).reason == Reason.NOT_YET_VALID
    clock(hub_time(a_hub, TUESDAY, 15))
    assert scan(token.token, a_hub).granted


def test_moving_an_event_onto_a_booked_room_changes_nothing(
    clock, a_hub, a_room, staff, a_member, mailer, outbox
) -> None:
    clock(NINE)
    (event,) = events.create_events(training(a_hub, a_room), actor_id=staff.id)
    bookings.book(
        a_member.id, a_room.id, hub_time(a_hub, TUESDAY, 14), hub_time(a_hub, TUESDAY, 15)
    )
    assert len(outbox.messages) == 1  # the member's booking confirmed; the event's mail follows
    outbox.clear()
    with pytest.raises(BookingConflict):
        events.reschedule_event(
            event.id,
            hub_time(a_hub, TUESDAY, 14),
            hub_time(a_hub, TUESDAY, 16),
            a_room.id,
            actor_id=staff.id,
            mailer=mailer,
        )
    db.session.refresh(event)
    assert event.starts_at == hub_time(a_hub, TUESDAY, 10)
    assert event.booking.status is BookingStatus.CONFIRMED
    assert outbox.messages == []


def test_registrants_are_reminded_once_the_day_before(
    clock, a_hub, a_room, staff, make_member, mailer, outbox
) -> None:
    clock(NINE)
    (event,) = events.create_events(training(a_hub, a_room, capacity=1), actor_id=staff.id)
    placed, waiting = make_member(locale="en"), make_member(locale="en")
    registrations.register(placed.id, event.id)
    registrations.register(waiting.id, event.id)

    assert events.send_event_reminders(mailer, now=hub_time(a_hub, MONDAY, 9)) == 0  # 25 h ahead
    assert events.send_event_reminders(mailer, now=hub_time(a_hub, MONDAY, 11)) == 1
    assert events.send_event_reminders(mailer, now=hub_time(a_hub, MONDAY, 12)) == 0
    assert [m["To"] for m in outbox.messages] == [placed.email]
    assert outbox.messages[0]["Subject"].startswith("Reminder: Laporan keuangan UMKM")


def test_a_guest_gets_the_pass_by_mail_and_it_opens_the_door(
    clock, keyring, a_hub, a_room, staff, mailer, outbox
) -> None:
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp is a dev dependency")
    image = pytest.importorskip("PIL.Image", reason="Pillow is a dev dependency")
    clock(NINE)
    (event,) = events.create_events(training(a_hub, a_room), actor_id=staff.id)
    registrations.register_guest(
        event.id, "Bu Wati", "wati@example.com", actor_id=staff.id, mailer=mailer, keyring=keyring
    )

    (mail,) = outbox.messages
    assert mail["To"] == "wati@example.com"
    (png,) = [part for part in mail.walk() if part.get_content_type() == "image/png"]
    (decoded,) = zxingcpp.read_barcodes(image.open(io.BytesIO(png.get_payload(decode=True))))
    clock(hub_time(a_hub, TUESDAY, 10))
    decision = scan(decoded.text, a_hub)
    assert decision.granted
    assert decision.member_id is None  # a guest without an account


def test_an_event_room_hold_is_not_its_creators_booking(clock, a_hub, a_room, staff) -> None:
    from app.services.booking import member_bookings
    from app.services.errors import InvalidTransition

    clock(NINE)
    (event,) = events.create_events(training(a_hub, a_room), actor_id=staff.id)
    mine = member_bookings.my_bookings(staff.id)
    assert not mine.upcoming
    with pytest.raises(InvalidTransition):
        bookings.cancel_booking(event.booking_id, member_id=staff.id)
    assert event.booking.status is BookingStatus.CONFIRMED
