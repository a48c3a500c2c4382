"""Programme data for the bulk set: business profiles with employment history, OK OCE steps,
mentors with office hours and sessions, events with registrations, passes and attendance, and
access events (check-ins of the bookings, attendance at events, walk-ins on a plan, refusals).

Deterministic for a seed (its own RNG, so the bookings stay those of `app/seed/bulk.py`), and
valid as the services would have written it: one step record per member and step, a mentor's
slots never overlap and hold at most one live session, a member is registered once per event,
an event's attendance is a granted entry with the registration's pass in the event's time.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.extensions import db
from app.models import (
    AccessEvent,
    Booking,
    BusinessProfile,
    Direction,
    EmploymentRecord,
    Event,
    EventKind,
    EventRegistration,
    Floor,
    MentoringSession,
    MentorSlot,
    Pass,
    PassKind,
    ProgrammeStep,
    RegistrationStatus,
    Resource,
    Role,
    RoleGrant,
    SessionStatus,
    StepRecord,
    User,
    UserStatus,
)
from app.models.businesses import BusinessStage
from app.seed.bulk_write import next_id, table_of, write_rows
from app.services.access.decision import Reason

PROGRAMME_TABLES = (
    "business_profiles",
    "employment_records",
    "step_records",
    "mentor_slots",
    "mentoring_sessions",
    "events",
    "event_registrations",
    "access_events",
)
ONLINE_ZONE = ZoneInfo("Asia/Jakarta")
#: KBLI 2020 sections of UMKM, weighted: trade, food, manufacturing, other services first.
SECTORS = "G" * 30 + "I" * 25 + "C" * 15 + "S" * 10 + "J" * 6 + "A" * 5 + "H" * 3 + "NPRMQ"
STAGES = [BusinessStage.IDEA] + [BusinessStage.STARTING] * 3 + [BusinessStage.RUNNING] * 5
STAGES += [BusinessStage.GROWING] * 2
#: How far members get through the seven steps (1 = registration only).
STEPS_REACHED = [1] * 25 + [2] * 25 + [3] * 20 + [4] * 12 + [5] * 9 + [6] * 5 + [7] * 4
REFUSALS = [Reason.NO_ENTITLEMENT, Reason.EXPIRED, Reason.ANTI_PASSBACK, Reason.HUB_CLOSED]
EVENT_TITLES = {
    EventKind.TRAINING: "Pelatihan Pemasaran Digital",
    EventKind.WORKSHOP: "Lokakarya Laporan Keuangan UMKM",
    EventKind.CLINIC: "Klinik Perizinan NIB",
    EventKind.MEETUP: "Temu Wirausaha",
}


class HubDays(Protocol):
    id: int
    zone: ZoneInfo

    def opening(self, day: date) -> tuple[datetime, datetime] | None: ...


@dataclass(frozen=True)
class ProgrammeCounts:
    access_events: int
    events: int
    mentors: int
    seed: int
    batch_size: int


Progress = Callable[[str, int], None]


def seed_programme(
    counts: ProgrammeCounts,
    hubs: list[HubDays],
    days: list[date],
    member_ids: list[int],
    now: datetime,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write the programme data; return how many rows of each kind."""
    rng = random.Random(counts.seed * 7919 + 1)
    out: dict[str, int] = {}

    def write(name: str, model: Any, rows: Iterator[dict[str, Any]]) -> None:
        out[name] = write_rows(table_of(model), rows, counts.batch_size)
        if progress is not None:
            progress(name, out[name])

    first_day = min(days, default=now.date())
    home = {member: hubs[n % len(hubs)] for n, member in enumerate(member_ids)}
    profiles = _profiles(member_ids, first_day, now, rng)
    write("business_profiles", BusinessProfile, (row for row, _ in profiles))
    write("employment_records", EmploymentRecord, _employment(profiles, rng, now))
    write("step_records", StepRecord, _steps(member_ids, home, first_day, now, rng))
    past = [day for day in days if day < now.date()]
    mentor_ids = _mentors(counts.mentors, now, counts.batch_size)
    slots = list(_slots(mentor_ids, hubs, days, now))
    write("mentor_slots", MentorSlot, iter(slots))
    write("mentoring_sessions", MentoringSession, _sessions(slots, member_ids, now, rng))
    events = list(_events(counts.events, hubs, days, now, rng))
    write("events", Event, (row for row, _ in events))
    passes: list[dict[str, Any]] = []
    attendance: list[dict[str, Any]] = []
    registrations = list(_registrations(events, member_ids, now, rng, passes, attendance))
    member_passes = _member_passes(member_ids, next_id(table_of(Pass)) + len(passes), now)
    write("passes", Pass, iter(passes + list(member_passes.values())))  # before what uses them
    write("event_registrations", EventRegistration, iter(registrations))
    scans = _access_events(
        counts.access_events, attendance, member_passes, home, hubs, past, member_ids, now, rng
    )
    write("access_events", AccessEvent, scans)
    return out


# -- businesses and steps -------------------------------------------------------------------------


def _profiles(
    member_ids: list[int], first_day: date, now: datetime, rng: random.Random
) -> list[tuple[dict[str, Any], list[tuple[date, int]]]]:
    """A business for 85 % of members, with 1-4 answers to "people employed", 90 days apart."""
    profile_id = next_id(table_of(BusinessProfile))
    rows: list[tuple[dict[str, Any], list[tuple[date, int]]]] = []
    for member in member_ids:
        if rng.random() >= 0.85:
            continue
        people = rng.choice((0, 1, 1, 2, 2, 3, 4, 5, 8))
        history = []
        asked = first_day - timedelta(days=rng.randrange(0, 400))
        for _ in range(rng.randint(1, 4)):
            history.append((asked, people))
            people = max(0, people + rng.choice((-1, 0, 0, 1, 1, 2)))
            asked += timedelta(days=90 + rng.randrange(0, 30))
            if asked > now.date():
                break
        nib = "".join(rng.choice("0123456789") for _ in range(13)) if rng.random() < 0.5 else None
        rows.append(
            (
                dict(
                    id=profile_id + len(rows),
                    user_id=member,
                    name=f"Usaha {member}",
                    nib=nib,
                    kbli_section=rng.choice(SECTORS),
                    stage=rng.choice(STAGES),
                    people_employed=history[-1][1],
                    kecamatan="",
                    kelurahan="",
                    demographics_consent_at=None,
                    gender=None,
                    age_band=None,
                    created_at=now,
                    updated_at=now,
                ),
                history,
            )
        )
    return rows


def _employment(
    profiles: list[tuple[dict[str, Any], list[tuple[date, int]]]],
    rng: random.Random,
    now: datetime,
) -> Iterator[dict[str, Any]]:
    for row, history in profiles:
        for recorded_on, people in history:
            yield dict(
                business_id=row["id"], people=people, recorded_on=recorded_on, created_at=now
            )


def _steps(
    member_ids: list[int],
    home: dict[int, HubDays],
    first_day: date,
    now: datetime,
    rng: random.Random,
) -> Iterator[dict[str, Any]]:
    """Each member's first k steps in order, weeks apart, at their home hub (a tenth online)."""
    steps = list(ProgrammeStep)
    for member in member_ids:
        day = first_day - timedelta(days=rng.randrange(0, 200))
        for step in steps[: rng.choice(STEPS_REACHED)]:
            if day > now.date():
                break
            yield dict(
                member_id=member,
                step=step,
                reached_on=day,
                hub_id=None if rng.random() < 0.1 else home[member].id,
                recorded_by_id=None,
                note="",
                created_at=now,
            )
            day += timedelta(days=rng.randrange(14, 120))


# -- mentoring ------------------------------------------------------------------------------------


def _mentors(count: int, now: datetime, batch_size: int) -> list[int]:
    first = next_id(table_of(User))
    ids = [first + n for n in range(count)]
    users = (
        dict(
            id=uid,
            email=f"bulk-mentor-{uid:07d}@bulk.ruang.test",
            name=f"Pendamping {uid}",
            phone="",
            business_name="",
            sector="",
            kecamatan="",
            locale=None,
            password_hash=None,
            status=UserStatus.ACTIVE,
            email_verified_at=now,
            created_at=now,
        )
        for uid in ids
    )
    write_rows(table_of(User), users, batch_size)
    grants = (dict(user_id=uid, role=Role.MENTOR, hub_id=None) for uid in ids)
    write_rows(table_of(RoleGrant), grants, batch_size)
    return ids


def _slots(
    mentor_ids: list[int], hubs: list[HubDays], days: list[date], now: datetime
) -> Iterator[dict[str, Any]]:
    """Each mentor's office hours: 10:00 and 11:00 on two weekdays of each week at their hub,
    every fifth mentor online (in WIB); one mentor's hours never overlap."""
    slot_id = next_id(table_of(MentorSlot))
    for n, mentor in enumerate(mentor_ids):
        hub = hubs[n % len(hubs)]
        online = n % 5 == 4
        weekdays = (n % 5, (n + 2) % 5)
        for day in days:
            if day.weekday() not in weekdays or (not online and hub.opening(day) is None):
                continue
            zone = ONLINE_ZONE if online else hub.zone
            for hour in (10, 11):
                starts = datetime.combine(day, time(hour), tzinfo=zone)
                yield dict(
                    id=slot_id,
                    mentor_id=mentor,
                    hub_id=None if online else hub.id,
                    online_url="https://meet.example.test/ruang" if online else "",
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=50),
                    cancelled_at=None,
                    created_at=now,
                )
                slot_id += 1


def _sessions(
    slots: list[dict[str, Any]], member_ids: list[int], now: datetime, rng: random.Random
) -> Iterator[dict[str, Any]]:
    for slot in slots:
        past = slot["ends_at"] <= now
        if rng.random() >= (0.65 if past else 0.35):
            continue
        cancelled = rng.random() < 0.1
        status = (
            SessionStatus.CANCELLED
            if cancelled
            else SessionStatus.HELD
            if past
            else SessionStatus.BOOKED
        )
        yield dict(
            slot_id=slot["id"],
            member_id=rng.choice(member_ids),
            status=status,
            topic="Perizinan dan pemasaran",
            notes="",
            follow_up="",
            created_at=min(slot["starts_at"] - timedelta(days=3), now),
            cancelled_at=min(slot["starts_at"] - timedelta(days=1), now) if cancelled else None,
        )


# -- events ---------------------------------------------------------------------------------------


def _events(
    count: int, hubs: list[HubDays], days: list[date], now: datetime, rng: random.Random
) -> Iterator[tuple[dict[str, Any], int]]:
    """`count` events, 13:00-15:00 at a hub on an open day, in its event space (no room)."""
    event_id = next_id(table_of(Event))
    made = 0
    while made < count and days:
        hub = rng.choice(hubs)
        day = rng.choice(days)
        if hub.opening(day) is None:
            continue
        starts = datetime.combine(day, time(13), tzinfo=hub.zone)
        kind = rng.choice(list(EventKind))
        capacity = rng.randrange(15, 41)
        yield (
            dict(
                id=event_id + made,
                hub_id=hub.id,
                resource_id=None,
                booking_id=None,
                title=EVENT_TITLES[kind],
                kind=kind,
                description="",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                capacity=capacity,
                registration_opens_at=None,
                registration_closes_at=None,
                online_url="",
                plan_id=None,
                required_step=None,
                series_id=None,
                created_by_id=None,
                cancelled_at=min(starts - timedelta(days=2), now) if rng.random() < 0.04 else None,
                created_at=min(starts - timedelta(days=21), now),
            ),
            capacity,
        )
        made += 1


def _registrations(
    events: list[tuple[dict[str, Any], int]],
    member_ids: list[int],
    now: datetime,
    rng: random.Random,
    passes: list[dict[str, Any]],
    attendance: list[dict[str, Any]],
) -> Iterator[dict[str, Any]]:
    """Half to all places taken, a few cancelled; a pass per place; three in four of the places
    at an event held in the past came (`attendance`: their granted entry, written later)."""
    pass_id = next_id(table_of(Pass))
    for event, capacity in events:
        starts, ends = event["starts_at"], event["ends_at"]
        held = event["cancelled_at"] is None and starts <= now
        for member in rng.sample(
            member_ids, min(len(member_ids), rng.randint(capacity // 2, capacity))
        ):
            cancelled = rng.random() < 0.08
            place = None
            if not cancelled:
                place = pass_id
                pass_id += 1
                passes.append(
                    _pass(place, PassKind.EVENT, member, event["hub_id"], now)
                    | dict(valid_from=starts - timedelta(minutes=30), valid_until=ends)
                )
                if held and rng.random() < 0.75:
                    at = starts - timedelta(minutes=rng.randrange(0, 30))
                    attendance.append(
                        dict(pass_id=place, member_id=member, hub_id=event["hub_id"], at=at)
                    )
            yield dict(
                event_id=event["id"],
                member_id=member,
                guest_name="",
                guest_email="",
                status=RegistrationStatus.CANCELLED if cancelled else RegistrationStatus.REGISTERED,
                pass_id=place,
                registered_by_id=None,
                created_at=min(event["created_at"] + timedelta(days=1), now),
                promoted_at=None,
                cancelled_at=min(starts - timedelta(days=1), now) if cancelled else None,
                reminded_at=None,
            )


def _pass(
    pass_id: int, kind: PassKind, member: int, hub_id: int | None, now: datetime
) -> dict[str, Any]:
    return dict(
        id=pass_id,
        kind=kind,
        member_id=member,
        booking_id=None,
        hub_id=hub_id,
        valid_from=None,
        valid_until=None,
        guest_name="",
        guest_email="",
        invited_by_id=None,
        revoked_at=None,
        revoked_reason="",
        created_at=now,
    )


def _member_passes(member_ids: list[int], first: int, now: datetime) -> dict[int, dict[str, Any]]:
    """Every member's own pass (what the door reader scans for a booking or a plan), with ids
    from `first` on (after the event passes, written together)."""
    return {m: _pass(first + n, PassKind.MEMBER, m, None, now) for n, m in enumerate(member_ids)}


# -- access events --------------------------------------------------------------------------------


def _access_events(
    wanted: int,
    attendance: list[dict[str, Any]],
    member_passes: dict[int, dict[str, Any]],
    home: dict[int, HubDays],
    hubs: list[HubDays],
    past: list[date],
    member_ids: list[int],
    now: datetime,
    rng: random.Random,
) -> Iterator[dict[str, Any]]:
    """`wanted` decisions: attendance at events, the check-in and leaving of bookings, then
    walk-ins on a plan (in and out; mostly at the member's home hub) and refusals, on past
    open days."""
    made = 0

    def scan(
        hub_id: int,
        member: int,
        pass_id: int,
        at: datetime,
        direction: Direction,
        reason: str = Reason.GRANTED,
    ) -> dict[str, Any]:
        nonlocal made
        made += 1
        return dict(
            event_id=f"bulk-{made:010d}",
            hub_id=hub_id,
            door_id=None,
            pass_id=pass_id,
            member_id=member,
            direction=direction,
            granted=reason == Reason.GRANTED,
            reason=reason,
            source="gateway",
            decided_at=at,
            latency_ms=round(rng.uniform(1.0, 6.0), 2),
            replay_key=None,
            server_reason=None,
        )

    for entry in attendance:
        if made >= wanted:
            return
        yield scan(entry["hub_id"], entry["member_id"], entry["pass_id"], entry["at"], Direction.IN)
    checked_in = db.session.execute(
        select(Floor.hub_id, Booking.member_id, Booking.checked_in_at, Booking.completed_at)
        .join(Resource, Resource.id == Booking.resource_id)
        .join(Floor, Floor.id == Resource.floor_id)
        .where(Floor.hub_id.in_([hub.id for hub in hubs]), Booking.checked_in_at.is_not(None))
        .order_by(Booking.id)
    ).all()  # read before writing: each batch written commits
    for hub_id, member, came, left in checked_in:
        if made >= wanted * 0.6:
            break
        pass_id = member_passes[member]["id"]
        yield scan(hub_id, member, pass_id, cast(datetime, came), Direction.IN)
        if left is not None:
            yield scan(hub_id, member, pass_id, left, Direction.OUT)
    while made < wanted and past:
        member = rng.choice(member_ids)
        hub = home[member] if rng.random() < 0.85 else rng.choice(hubs)
        opening = hub.opening(rng.choice(past))
        pass_id = member_passes[member]["id"]
        if opening is None:
            continue
        opens, closes = opening
        at = opens + (closes - opens) * rng.random() * 0.8
        if rng.random() < 0.12:
            yield scan(hub.id, member, pass_id, at, Direction.IN, rng.choice(REFUSALS))
            continue
        yield scan(hub.id, member, pass_id, at, Direction.IN)
        if made < wanted:
            left = min(at + timedelta(hours=rng.randint(1, 6)), closes)
            yield scan(hub.id, member, pass_id, left, Direction.OUT)
