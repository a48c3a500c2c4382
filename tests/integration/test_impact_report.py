"""The impact report against figures computed by hand on a small seeded programme: three hubs
(two in Jakarta, WIB; one in Jayapura, WIT), a member served at two hubs (counted once above a
hub), and entries near midnight that belong to a day only in their own hub's zone.

November 2026, hub-local days. By hand:
  served  A: siti, budi, eko   B: siti   C: ani   -> Jakarta Pusat 3 (not 4), programme 4
  (dodi's scan at C at 00:30 WIT on 1 December is 30 November in UTC: outside; eko's at A at
  00:30 WIB on 1 November is 31 October in UTC: inside; dodi's cancelled booking serves nobody)
  new members: siti (first membership 5 November) -> 1
  plans at the end: siti, eko subsidised; budi paying; ani free -> 2 / 1 / 1
  businesses: siti running I, budi growing C, ani idea I
  employed: siti 2 (1 Oct) -> 5 (15 Nov); budi 10 (10 Nov) -> 12 (20 Nov), 20 on 5 Dec ignored
            -> latest 17, change +5
  steps in November: training (siti, at A), licensing (ani, at C); capital (budi, October) not
  events held 1 (one cancelled), registrations 2, attended 1; mentoring sessions at hubs 1 (one
  cancelled), online 1 more for the programme (ani on 30 November 23:30 WIB; budi's at 00:30 WIB
  on 1 December is 30 November in UTC: outside)
  check-ins (granted, in): A 3, B 1, C 1 -> 5
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.models import (
    AccessEvent,
    Booking,
    BookingStatus,
    BusinessProfile,
    BusinessStage,
    Direction,
    EmploymentRecord,
    Event,
    EventKind,
    EventRegistration,
    MentoringSession,
    MentorSlot,
    Pass,
    PassKind,
    ProgrammeStep,
    RegistrationStatus,
    ResourceKind,
    Role,
    SessionStatus,
    StepRecord,
)
from app.services.errors import Forbidden
from app.services.reports.impact import impact_report
from app.services.reports.scope import Level, Scope

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
ids = itertools.count(1)


@pytest.fixture
def programme(session, make_hub, make_resource, make_plan, make_member):
    """The seeded programme: hubs, members and what happened to them, as in the docstring."""
    a = make_hub(
        slug="tanah-abang", city="Jakarta Pusat", province="DKI Jakarta", kecamatan="Tanah Abang"
    )
    b = make_hub(slug="menteng", city="Jakarta Pusat", province="DKI Jakarta", kecamatan="Menteng")
    c = make_hub(
        timezone="Asia/Jayapura",
        slug="abepura",
        city="Jayapura",
        province="Papua",
        kecamatan="Abepura",
    )
    room_a = make_resource(a, ResourceKind.ROOM, name="Ruang A")
    subsidised = make_plan(code="okoce", subsidised=True)
    paying = make_plan(code="bulanan", price_idr=50_000)
    free = make_plan(code="gratis")
    siti = make_member(name="Siti", plan=subsidised, starts_on=date(2026, 11, 5))
    budi = make_member(name="Budi", plan=paying, starts_on=date(2026, 1, 1))
    ani = make_member(name="Ani", plan=free, starts_on=date(2025, 6, 1))
    dodi = make_member(name="Dodi", plan=free, starts_on=date(2025, 6, 1))
    eko = make_member(name="Eko", plan=subsidised, starts_on=date(2026, 6, 1))
    mentor = make_member(name="Mentor", plan=None, roles=[(Role.MENTOR, None)])

    def scan(hub, member, day, hour, minute=0, granted=True, pass_id=None):
        db.session.add(
            AccessEvent(
                event_id=f"seed-{next(ids)}",
                hub_id=hub.id,
                member_id=member.id,
                pass_id=pass_id,
                direction=Direction.IN,
                granted=granted,
                reason="granted" if granted else "no_entitlement",
                decided_at=hub.local_datetime(day, time(hour, minute)),
            )
        )

    scan(a, siti, date(2026, 11, 10), 9)
    scan(b, siti, date(2026, 11, 11), 9)
    scan(c, ani, date(2026, 11, 30), 23, 30)
    scan(c, dodi, date(2026, 12, 1), 0, 30)  # 30 November in UTC
    scan(a, eko, date(2026, 11, 1), 0, 30)  # 31 October in UTC
    scan(a, dodi, date(2026, 11, 12), 9, granted=False)

    def booking(member, day, status):
        start = a.local_datetime(day, time(10))
        db.session.add(
            Booking(
                resource_id=room_a.id,
                member_id=member.id,
                start_at=start,
                end_at=start + timedelta(hours=1),
                status=status,
            )
        )

    booking(budi, date(2026, 11, 12), BookingStatus.COMPLETED)
    booking(dodi, date(2026, 11, 13), BookingStatus.CANCELLED)

    for member, stage, sector, records in [
        (siti, BusinessStage.RUNNING, "I", [(date(2026, 10, 1), 2), (date(2026, 11, 15), 5)]),
        (
            budi,
            BusinessStage.GROWING,
            "C",
            [(date(2026, 11, 10), 10), (date(2026, 11, 20), 12), (date(2026, 12, 5), 20)],
        ),
        (ani, BusinessStage.IDEA, "I", []),
    ]:
        profile = BusinessProfile(
            user_id=member.id, name=f"Usaha {member.name}", kbli_section=sector, stage=stage
        )
        profile.employment = [EmploymentRecord(recorded_on=d, people=n) for d, n in records]
        db.session.add(profile)

    for member, step, day, hub in [
        (siti, ProgrammeStep.TRAINING, date(2026, 11, 10), a),
        (ani, ProgrammeStep.LICENSING, date(2026, 11, 20), c),
        (budi, ProgrammeStep.CAPITAL, date(2026, 10, 15), a),
    ]:
        db.session.add(StepRecord(member_id=member.id, step=step, reached_on=day, hub_id=hub.id))

    def event(cancelled=False):
        start = a.local_datetime(date(2026, 11, 10), time(10))
        held = Event(
            hub_id=a.id,
            title="Pelatihan",
            kind=EventKind.TRAINING,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            capacity=10,
            online_url="https://meet.example.test/x",
            cancelled_at=start - timedelta(days=1) if cancelled else None,
        )
        db.session.add(held)
        db.session.flush()
        return held

    held, called_off = event(), event(cancelled=True)
    for member in (siti, budi):
        holder = Pass(kind=PassKind.EVENT, member_id=member.id, hub_id=a.id)
        db.session.add(holder)
        db.session.flush()
        db.session.add(
            EventRegistration(
                event_id=held.id,
                member_id=member.id,
                status=RegistrationStatus.REGISTERED,
                pass_id=holder.id,
            )
        )
        if member is siti:
            scan(a, siti, date(2026, 11, 10), 9, 50, pass_id=holder.id)
    db.session.add(
        EventRegistration(
            event_id=called_off.id, member_id=dodi.id, status=RegistrationStatus.REGISTERED
        )
    )

    for hub, member, status in [(c, ani, SessionStatus.BOOKED), (a, dodi, SessionStatus.CANCELLED)]:
        start = hub.local_datetime(date(2026, 11, 20), time(10))
        slot = MentorSlot(
            mentor_id=mentor.id, hub_id=hub.id, starts_at=start, ends_at=start + timedelta(hours=1)
        )
        db.session.add(slot)
        db.session.flush()
        db.session.add(MentoringSession(slot_id=slot.id, member_id=member.id, status=status))
    for member, day, hour in [(ani, date(2026, 11, 30), 23), (budi, date(2026, 12, 1), 0)]:
        start = datetime.combine(day, time(hour, 30), tzinfo=ZoneInfo("Asia/Jakarta"))
        online = MentorSlot(
            mentor_id=mentor.id, starts_at=start, ends_at=start + timedelta(hours=1)
        )
        db.session.add(online)
        db.session.flush()
        db.session.add(MentoringSession(slot_id=online.id, member_id=member.id))
    session.commit()
    admin = make_member(plan=None, roles=[(Role.PROGRAMME_ADMIN, None)])
    return {"a": a, "b": b, "c": c, "admin": admin, "siti": siti, "dodi": dodi}


def report(level: Level, name: str, user):
    return impact_report(Scope(level, name, *NOVEMBER), user)


def test_the_whole_programme_in_november(programme) -> None:
    figures = report(Level.PROGRAMME, "", programme["admin"])

    assert figures.members_served == 4
    assert figures.new_members == 1
    assert (figures.subsidised, figures.paying, figures.free) == (2, 1, 1)
    assert dict(figures.by_stage) == {
        BusinessStage.IDEA: 1,
        BusinessStage.STARTING: 0,
        BusinessStage.RUNNING: 1,
        BusinessStage.GROWING: 1,
    }
    assert figures.by_sector == [("C", 1), ("I", 2)]
    assert (figures.employed_latest, figures.employed_change) == (17, 5)
    reached = {step: n for step, n in figures.steps_reached if n}
    assert reached == {ProgrammeStep.TRAINING: 1, ProgrammeStep.LICENSING: 1}
    assert (figures.events_held, figures.registrations, figures.attendance) == (1, 2, 1)
    assert figures.mentoring_sessions == 2  # one at a hub, one online
    assert figures.check_ins == 5
    assert figures.by_area == [("DKI Jakarta", 3), ("Papua", 1)]  # siti once in her province
    per_hub = {f.hub.slug: (f.members_served, f.check_ins) for f in figures.per_hub}
    assert per_hub == {"tanah-abang": (3, 3), "menteng": (1, 1), "abepura": (1, 1)}


def test_a_member_of_two_hubs_is_counted_once_in_their_city(programme) -> None:
    city = report(Level.CITY, "Jakarta Pusat", programme["admin"])
    assert city.members_served == 3  # siti at both hubs, once
    assert sum(f.members_served for f in city.per_hub) == 4
    assert city.by_area == [("Menteng", 1), ("Tanah Abang", 3)]
    assert {step: n for step, n in city.steps_reached if n} == {ProgrammeStep.TRAINING: 1}
    assert city.employed_latest == 17  # siti's and budi's businesses


def test_a_day_is_the_hubs_day(programme) -> None:
    papua = report(Level.PROVINCE, "Papua", programme["admin"])
    assert papua.members_served == 1  # ani at 23:30 WIT on 30 November; not dodi after midnight
    assert papua.check_ins == 1
    assert papua.mentoring_sessions == 1  # the online one counts for the programme only
    kecamatan = report(Level.KECAMATAN, "Tanah Abang", programme["admin"])
    assert kecamatan.check_ins == 3  # eko at 00:30 WIB on 1 November counts


def test_hub_admins_see_only_their_hubs(programme, make_member) -> None:
    admin_b = make_member(plan=None, roles=[(Role.HUB_ADMIN, programme["b"])])
    assert report(Level.HUB, "menteng", admin_b).members_served == 1
    city = report(Level.CITY, "Jakarta Pusat", admin_b)
    assert [f.hub.slug for f in city.per_hub] == ["menteng"]
    for level, name in [(Level.HUB, "tanah-abang"), (Level.PROGRAMME, "")]:
        with pytest.raises(Forbidden):
            report(level, name, admin_b)


def test_an_empty_period_is_all_zeroes(programme) -> None:
    figures = impact_report(
        Scope(Level.PROGRAMME, "", date(2025, 1, 1), date(2025, 1, 31)), programme["admin"]
    )
    assert (figures.members_served, figures.check_ins, figures.employed_latest) == (0, 0, 0)
