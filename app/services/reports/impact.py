"""The impact report: what the programme achieved at the hubs of a scope over a period.

A member is counted once however many hubs of the scope served them: figures above a hub are
unions of members, not sums of hub figures. Every instant is placed in its own hub's days.
Members served: anyone with a granted entry, a booking that was not cancelled or a no-show, a
place at an event, or a mentoring session at a hub of the scope in the period (online sessions,
at no hub, count for the whole programme, on WIB days).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, case, func, select, union

from app.extensions import db
from app.models import (
    AccessEvent,
    Booking,
    BookingStatus,
    BusinessProfile,
    Direction,
    EmploymentRecord,
    Event,
    EventRegistration,
    Floor,
    Hub,
    Membership,
    MentoringSession,
    MentorSlot,
    Plan,
    ProgrammeStep,
    RegistrationStatus,
    Resource,
    SessionStatus,
    StepRecord,
    User,
)
from app.models.businesses import KBLI_SECTIONS, BusinessStage
from app.services.programmes.mentoring import ONLINE_ZONE
from app.services.reports.scope import Level, Scope, hubs_in
from app.services.reports.sql import among, roomy_sort

SERVED_BOOKINGS = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.COMPLETED)


@dataclass(frozen=True)
class HubFigures:
    hub: Hub
    members_served: int
    check_ins: int
    events_held: int
    attendance: int
    mentoring_sessions: int


@dataclass
class ImpactReport:
    scope: Scope
    hubs: list[Hub]
    members_served: int = 0
    new_members: int = 0
    by_stage: list[tuple[BusinessStage, int]] = field(default_factory=list)
    by_sector: list[tuple[str, int]] = field(default_factory=list)
    employed_latest: int = 0
    employed_change: int = 0
    steps_reached: list[tuple[ProgrammeStep, int]] = field(default_factory=list)
    events_held: int = 0
    registrations: int = 0
    attendance: int = 0
    mentoring_sessions: int = 0
    check_ins: int = 0
    subsidised: int = 0
    paying: int = 0
    free: int = 0
    per_hub: list[HubFigures] = field(default_factory=list)
    # Members served one level down (programme: provinces, province: cities, city: kecamatan),
    # each a union over its hubs: a member served at two hubs of a city counts once there.
    by_area: list[tuple[str, int]] = field(default_factory=list)


def impact_report(scope: Scope, user: User) -> ImpactReport:
    hubs = hubs_in(scope, user)
    roomy_sort()
    report = ImpactReport(scope, hubs)
    served: set[int] = set()
    areas: dict[str, set[int]] = {}
    for zone_hubs in _by_zone(hubs):
        # Hubs in one zone share the period's bounds: one grouped query per figure per zone.
        start, end = scope.bounds(zone_hubs[0])
        ids = [hub.id for hub in zone_hubs]
        at_hubs = _served_at(ids, start, end)
        counts = {
            name: _count_by_hub(query(ids, start, end))
            for name, query in (
                ("check_ins", _check_ins),
                ("events", _events),
                ("attended", _attended),
                ("sessions", _sessions),
                ("registered", _registered),
            )
        }
        for hub in zone_hubs:
            served |= at_hubs.get(hub.id, set())
            areas.setdefault(_area_of(hub, scope.level), set()).update(at_hubs.get(hub.id, ()))
            report.per_hub.append(
                HubFigures(
                    hub=hub,
                    members_served=len(at_hubs.get(hub.id, ())),
                    check_ins=counts["check_ins"].get(hub.id, 0),
                    events_held=counts["events"].get(hub.id, 0),
                    attendance=counts["attended"].get(hub.id, 0),
                    mentoring_sessions=counts["sessions"].get(hub.id, 0),
                )
            )
        report.check_ins += sum(counts["check_ins"].values())
        report.events_held += sum(counts["events"].values())
        report.attendance += sum(counts["attended"].values())
        report.mentoring_sessions += sum(counts["sessions"].values())
        report.registrations += sum(counts["registered"].values())
    report.per_hub.sort(key=lambda figures: figures.hub.name)
    report.by_area = sorted((area, len(members)) for area, members in areas.items())
    if scope.level is Level.PROGRAMME:  # online office hours belong to no hub
        start, end = (
            datetime.combine(day, time(0), tzinfo=ONLINE_ZONE)
            for day in (scope.first_day, scope.last_day + timedelta(days=1))
        )
        online = [
            MentorSlot.hub_id.is_(None),
            MentorSlot.starts_at >= start,
            MentorSlot.starts_at < end,
        ]
        report.mentoring_sessions += _count(_sessions_where(online))
        served.update(db.session.scalars(_sessions_where(online, MentoringSession.member_id)))
    report.members_served = len(served)
    _members(report, served)
    _businesses(report, served)
    _steps(report, hubs)
    return report


AREA_BELOW = {
    Level.PROGRAMME: "province",
    Level.PROVINCE: "city",
    Level.CITY: "kecamatan",
    Level.KECAMATAN: "name",
    Level.HUB: "name",
}


def _area_of(hub: Hub, level: Level) -> str:
    return str(getattr(hub, AREA_BELOW[level])) or "—"


def _by_zone(hubs: list[Hub]) -> list[list[Hub]]:
    zones: dict[str, list[Hub]] = {}
    for hub in hubs:
        zones.setdefault(hub.timezone, []).append(hub)
    return list(zones.values())


# -- what happened at the hubs of one zone, by hub ------------------------------------------------


def _served_at(hub_ids: list[int], start: datetime, end: datetime) -> dict[int, set[int]]:
    """The members served at each hub: (hub, member) pairs from every kind of use."""
    queries: list[Any] = [  # (hub id, member id) selects of differing column types
        select(AccessEvent.hub_id, AccessEvent.member_id).where(
            AccessEvent.hub_id.in_(hub_ids),
            AccessEvent.granted,
            AccessEvent.member_id.is_not(None),
            AccessEvent.decided_at >= start,
            AccessEvent.decided_at < end,
        ),
        select(Floor.hub_id, Booking.member_id)
        .join(Resource, Resource.id == Booking.resource_id)
        .join(Floor, Floor.id == Resource.floor_id)
        .where(
            Floor.hub_id.in_(hub_ids),
            Booking.status.in_(SERVED_BOOKINGS),
            Booking.start_at >= start,
            Booking.start_at < end,
        ),
        select(Event.hub_id, EventRegistration.member_id)
        .join(Event, Event.id == EventRegistration.event_id)
        .where(
            *_held_events(hub_ids, start, end),
            EventRegistration.status == RegistrationStatus.REGISTERED,
            EventRegistration.member_id.is_not(None),
        ),
        select(MentorSlot.hub_id, MentoringSession.member_id)
        .join(MentorSlot, MentorSlot.id == MentoringSession.slot_id)
        .where(*_slot_in(hub_ids, start, end), MentoringSession.status != SessionStatus.CANCELLED),
    ]
    served: dict[int, set[int]] = {}
    for hub_id, member_id in db.session.execute(union(*queries)):  # each pair once
        if member_id is not None:
            served.setdefault(hub_id, set()).add(member_id)
    return served


def _held_events(hub_ids: list[int], start: datetime, end: datetime) -> list[Any]:
    return [
        Event.hub_id.in_(hub_ids),
        Event.cancelled_at.is_(None),
        Event.starts_at >= start,
        Event.starts_at < end,
    ]


def _slot_in(hub_ids: list[int], start: datetime, end: datetime) -> list[Any]:
    return [
        MentorSlot.hub_id.in_(hub_ids),
        MentorSlot.starts_at >= start,
        MentorSlot.starts_at < end,
    ]


def _check_ins(hub_ids: list[int], start: datetime, end: datetime) -> Select[Any]:
    return select(AccessEvent.hub_id).where(
        AccessEvent.hub_id.in_(hub_ids),
        AccessEvent.granted,
        AccessEvent.direction == Direction.IN,
        AccessEvent.decided_at >= start,
        AccessEvent.decided_at < end,
    )


def _events(hub_ids: list[int], start: datetime, end: datetime) -> Select[Any]:
    return select(Event.hub_id).where(*_held_events(hub_ids, start, end))


def _registered(hub_ids: list[int], start: datetime, end: datetime) -> Select[Any]:
    return (
        select(Event.hub_id)
        .join(EventRegistration, EventRegistration.event_id == Event.id)
        .where(
            *_held_events(hub_ids, start, end),
            EventRegistration.status == RegistrationStatus.REGISTERED,
        )
    )


def _attended(hub_ids: list[int], start: datetime, end: datetime) -> Select[Any]:
    """Registrations whose pass was granted entry at least once."""
    came = select(AccessEvent.id).where(
        AccessEvent.pass_id == EventRegistration.pass_id, AccessEvent.granted
    )
    return _registered(hub_ids, start, end).where(came.exists())


def _sessions(hub_ids: list[int], start: datetime, end: datetime) -> Select[Any]:
    return _sessions_where(_slot_in(hub_ids, start, end), MentorSlot.hub_id)


def _sessions_where(where: list[Any], column: Any = MentoringSession.id) -> Select[Any]:
    return (
        select(column)
        .select_from(MentoringSession)
        .join(MentorSlot, MentorSlot.id == MentoringSession.slot_id)
        .where(*where, MentoringSession.status != SessionStatus.CANCELLED)
    )


def _count_by_hub(query: Select[Any]) -> dict[int, int]:
    """How many rows `query` (selecting a hub id first) has per hub."""
    rows = query.subquery()
    hub = rows.columns[0]
    rows_by_hub = db.session.execute(select(hub, func.count()).group_by(hub)).all()
    return {hub_id: count for hub_id, count in rows_by_hub}


def _count(query: Select[Any]) -> int:
    return int(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0)


# -- about the members served ---------------------------------------------------------------------


def _members(report: ImpactReport, served: set[int]) -> None:
    """New members (first membership starting in the period) and the plan they are on at its
    end (their latest membership starting by then): subsidised, paying, or free. Counted by the
    database: the members served go in as one parameter, a few numbers come back."""
    if not served:
        return
    scope = report.scope
    mine = among(Membership.user_id, served)
    firsts = (
        select(func.min(Membership.starts_on).label("first"))
        .where(mine)
        .group_by(Membership.user_id)
        .subquery()
    )
    report.new_members = _count(
        select(firsts.c.first).where(firsts.c.first.between(scope.first_day, scope.last_day))
    )
    order = (Membership.starts_on.desc(), Membership.id.desc())
    latest = (
        select(
            Membership.plan_id,
            func.row_number().over(partition_by=Membership.user_id, order_by=order).label("n"),
        )
        .where(mine, Membership.starts_on <= scope.last_day)
        .subquery()
    )
    paid = Plan.price_idr > 0
    plans = db.session.execute(
        select(Plan.subsidised, paid, func.count())
        .select_from(latest)
        .join(Plan, Plan.id == latest.c.plan_id)
        .where(latest.c.n == 1)
        .group_by(Plan.subsidised, paid)
    ).all()
    for subsidised, paying, count in plans:
        if subsidised:
            report.subsidised += count
        elif paying:
            report.paying += count
        else:
            report.free += count


def _businesses(report: ImpactReport, served: set[int]) -> None:
    """Businesses of the members served by stage and sector, and the people they employ: the
    latest answer up to the period's end, and its change since the last answer before it began
    (or the first answer within it)."""
    if not served:
        report.by_stage = [(stage, 0) for stage in BusinessStage]
        return
    mine = among(BusinessProfile.user_id, served)
    stages: Counter[BusinessStage] = Counter()
    sectors: Counter[str] = Counter()
    for stage, section, count in db.session.execute(
        select(BusinessProfile.stage, BusinessProfile.kbli_section, func.count())
        .where(mine)
        .group_by(BusinessProfile.stage, BusinessProfile.kbli_section)
    ):
        stages[stage] += count
        sectors[section] += count
    report.by_stage = [(stage, stages[stage]) for stage in BusinessStage]
    report.by_sector = [(code, sectors[code]) for code, _, _ in KBLI_SECTIONS if sectors[code]]
    first = report.scope.first_day
    before = EmploymentRecord.recorded_on < first
    record = EmploymentRecord
    answers = (
        select(
            record.people,
            func.row_number()
            .over(
                partition_by=record.business_id,
                order_by=(record.recorded_on.desc(), record.id.desc()),
            )
            .label("latest"),
            func.row_number()
            .over(
                partition_by=record.business_id,
                # the last answer before the period, else the first one in it
                order_by=(
                    case((before, 0), else_=1),
                    case((before, record.recorded_on)).desc(),
                    case((before, record.id)).desc(),
                    record.recorded_on,
                    record.id,
                ),
            )
            .label("baseline"),
        )
        .join(BusinessProfile, BusinessProfile.id == record.business_id)
        .where(mine, record.recorded_on <= report.scope.last_day)
        .subquery()
    )
    latest, baseline = db.session.execute(
        select(
            func.coalesce(func.sum(case((answers.c.latest == 1, answers.c.people))), 0),
            func.coalesce(func.sum(case((answers.c.baseline == 1, answers.c.people))), 0),
        )
    ).one()
    report.employed_latest = int(latest)
    report.employed_change = int(latest) - int(baseline)


def _steps(report: ImpactReport, hubs: list[Hub]) -> None:
    """Steps reached in the period, recorded at the scope's hubs (the whole programme also
    counts those recorded at no hub, e.g. by a mentor online)."""
    scope = report.scope
    stmt = select(StepRecord.step, func.count()).where(
        StepRecord.reached_on >= scope.first_day, StepRecord.reached_on <= scope.last_day
    )
    if scope.level is not Level.PROGRAMME:
        stmt = stmt.where(StepRecord.hub_id.in_([hub.id for hub in hubs]))
    counts = dict(db.session.execute(stmt.group_by(StepRecord.step)).all())
    report.steps_reached = [(step, counts.get(step, 0)) for step in ProgrammeStep]
