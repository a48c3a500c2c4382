"""Events and mentor slots raced like desks, on every backend: fifty members registering at once
for ten places get exactly ten (the rest are waitlisted, in order), fifty booking one mentor slot
at once: exactly one; a mentor's overlapping office hours published twice at once: one set.

Like tests/integration/test_concurrency.py: a fresh migrated database per backend, real commits,
a thread (own app context, session and connection) per attempt, released by a barrier.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    EventKind,
    EventRegistration,
    Floor,
    Hub,
    Membership,
    MentoringSession,
    MentorSlot,
    Plan,
    RegistrationStatus,
    Resource,
    ResourceKind,
    Role,
    RoleGrant,
    User,
)
from app.models.spaces import BookingMode
from app.services.hubs.calendar import set_opening_hours
from app.services.programmes import events, mentoring, registrations
from app.services.programmes.events import EventInput
from config.settings import engine_options
from tests.conftest import make_test_app
from tests.databases import BACKENDS, fresh_database
from tests.integration.test_concurrency import BOOKED, race, weekdays_from

ATTEMPTS = 50
PLACES = 10
ZONE = ZoneInfo("Asia/Makassar")  # a WITA hub: nothing here assumes Jakarta


@dataclass(frozen=True)
class Seeded:
    app: Flask
    backend: str
    hub_id: int
    room_id: int
    staff_id: int
    mentor_id: int
    crowd_ids: list[int]
    day: date


def local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZONE).astimezone(UTC)


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    backend = str(request.param)
    tmp = tmp_path_factory.mktemp(f"programme-race-{backend}")
    with fresh_database(backend, tmp) as url:
        options = {**engine_options(url), "pool_size": ATTEMPTS, "max_overflow": 5}
        app = make_test_app(url, tmp, SQLALCHEMY_ENGINE_OPTIONS=options)
        try:
            with app.app_context():
                today = datetime.now(ZONE).date()
                hub = Hub(slug="makassar", name="OK OCE Makassar", timezone="Asia/Makassar")
                set_opening_hours(hub, {weekday: (time(8), time(17)) for weekday in range(5)})
                room = Resource(
                    floor=Floor(name="Lantai 1", hub=hub),
                    name="Aula",
                    kind=ResourceKind.ROOM,
                    booking_mode=BookingMode.TIMED,
                    slot_minutes=30,
                    max_minutes=480,
                )
                plan = Plan(code="gratis", name="Gratis", advance_days=60, subsidised=True)

                def person(email: str, role: Role, hub_scope: Hub | None = None) -> User:
                    user = User(email=email, name=email.split("@")[0])
                    user.roles = [RoleGrant(role=role, hub=hub_scope)]
                    user.memberships = [Membership(plan=plan, starts_on=today - timedelta(days=9))]
                    return user

                crowd = [person(f"umkm{n:02d}@example.test", Role.MEMBER) for n in range(ATTEMPTS)]
                staff = person("staff@example.test", Role.FRONTDESK, hub)
                mentor = person("mentor@example.test", Role.MENTOR)
                db.session.add_all([hub, room, staff, mentor, *crowd])
                db.session.commit()
                ready = Seeded(
                    app,
                    backend,
                    hub.id,
                    room.id,
                    staff.id,
                    mentor.id,
                    [m.id for m in crowd],
                    weekdays_from(today + timedelta(days=2), 1)[0],
                )
            # Outside the seeding context: its session would hold SQLite's write lock.
            yield ready
        finally:
            with app.app_context():
                db.engine.dispose()


def test_fifty_registrations_for_ten_places_exactly_ten(seeded: Seeded) -> None:
    with seeded.app.app_context():
        (event,) = events.create_events(
            EventInput(
                hub_id=seeded.hub_id,
                title="Pelatihan pemasaran digital",
                kind=EventKind.TRAINING,
                starts_at=local(seeded.day, 9),
                ends_at=local(seeded.day, 12),
                capacity=PLACES,
                resource_id=seeded.room_id,
            ),
            actor_id=seeded.staff_id,
        )
        event_id = event.id

    outcomes = race(
        seeded.app, [lambda m=m: registrations.register(m, event_id) for m in seeded.crowd_ids]
    )

    assert outcomes == Counter({BOOKED: ATTEMPTS})
    with seeded.app.app_context():
        statuses = Counter(
            db.session.scalars(
                select(EventRegistration.status).where(EventRegistration.event_id == event_id)
            )
        )
        assert statuses == Counter(
            {
                RegistrationStatus.REGISTERED: PLACES,
                RegistrationStatus.WAITLISTED: ATTEMPTS - PLACES,
            }
        )
        with_pass = db.session.scalar(
            select(func.count())
            .select_from(EventRegistration)
            .where(EventRegistration.event_id == event_id, EventRegistration.pass_id.is_not(None))
        )
        assert with_pass == PLACES


def test_one_member_clicking_register_twice_at_once_gets_one(seeded: Seeded) -> None:
    with seeded.app.app_context():
        (event,) = events.create_events(
            EventInput(
                hub_id=seeded.hub_id,
                title="Klinik NIB",
                kind=EventKind.CLINIC,
                starts_at=local(seeded.day, 13),
                ends_at=local(seeded.day, 14),
                capacity=PLACES,
                online_url="https://meet.example.test/nib",
            ),
            actor_id=seeded.staff_id,
        )
        event_id = event.id
    member = seeded.crowd_ids[0]

    outcomes = race(seeded.app, [lambda: registrations.register(member, event_id)] * 10)

    assert outcomes == Counter({BOOKED: 1, "AlreadyRegistered": 9})


def test_fifty_members_one_mentor_slot_exactly_one(seeded: Seeded) -> None:
    with seeded.app.app_context():
        (slot,) = mentoring.publish_slots(
            seeded.mentor_id, local(seeded.day, 10), 60, hub_id=seeded.hub_id
        )
        slot_id = slot.id

    outcomes = race(
        seeded.app, [lambda m=m: mentoring.book_slot(m, slot_id) for m in seeded.crowd_ids]
    )

    assert outcomes == Counter({BOOKED: 1, "SlotTaken": ATTEMPTS - 1})
    with seeded.app.app_context():
        sessions = db.session.scalars(
            select(MentoringSession).where(MentoringSession.slot_id == slot_id)
        ).all()
        assert len(sessions) == 1


def test_overlapping_office_hours_published_at_once_only_one_set(seeded: Seeded) -> None:
    """The same mentor's hours from two devices at once, overlapping: one set is published."""
    starts = [local(seeded.day, 14), local(seeded.day, 14) + timedelta(minutes=30)]

    outcomes = race(
        seeded.app,
        [
            lambda n=n: mentoring.publish_slots(
                seeded.mentor_id, starts[n % 2], 60, 2, online_url="https://meet.example.test/m"
            )
            for n in range(20)
        ],
    )

    assert outcomes == Counter({BOOKED: 1, "SlotTaken": 19})
    with seeded.app.app_context():
        afternoon = db.session.scalar(
            select(func.count())
            .select_from(MentorSlot)
            .where(MentorSlot.mentor_id == seeded.mentor_id, MentorSlot.starts_at >= starts[0])
        )
        assert afternoon == 2
