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
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select

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


def impact_report(scope: Scope, user: User) -> ImpactReport:
    hubs = hubs_in(scope, user)
    report = ImpactReport(scope, hubs)
    served: set[int] = set()
    for hub in hubs:
        start, end = scope.bounds(hub)
        at_hub = _served_at(hub, start, end)
        served |= at_hub
        figures = HubFigures(
            hub=hub,
            members_served=len(at_hub),
            check_ins=_count(_check_ins(hub, start, end)),
            events_held=_count(_events(hub, start, end)),
            attendance=_count(_attended(hub, start, end)),
            mentoring_sessions=_count(_sessions(hub, start, end)),
        )
        report.per_hub.append(figures)
        report.check_ins += figures.check_ins
        report.events_held += figures.events_held
        report.attendance += figures.attendance
        report.mentoring_sessions += figures.mentoring_sessions
        report.registrations += _count(_registered(hub, start, end))
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


# -- who was served at one hub ------------------------------------------------------------------


def _served_at(hub: Hub, start: datetime, end: datetime) -> set[int]:
    queries: list[Select[Any]] = [
        select(AccessEvent.member_id).where(
            AccessEvent.hub_id == hub.id,
            AccessEvent.granted,
            AccessEvent.member_id.is_not(None),
            AccessEvent.decided_at >= start,
            AccessEvent.decided_at < end,
        ),
        select(Booking.member_id)
        .join(Resource, Resource.id == Booking.resource_id)
        .join(Floor, Floor.id == Resource.floor_id)
        .where(
            Floor.hub_id == hub.id,
            Booking.status.in_(SERVED_BOOKINGS),
            Booking.start_at >= start,
            Booking.start_at < end,
        ),
        select(EventRegistration.member_id)
        .join(Event, Event.id == EventRegistration.event_id)
        .where(
            *_held_events(hub, start, end),
            EventRegistration.status == RegistrationStatus.REGISTERED,
            EventRegistration.member_id.is_not(None),
        ),
        select(MentoringSession.member_id)
        .join(MentorSlot, MentorSlot.id == MentoringSession.slot_id)
        .where(*_slot_in(hub, start, end), MentoringSession.status != SessionStatus.CANCELLED),
    ]
    served: set[int] = set()
    for query in queries:
        served.update(member_id for member_id in db.session.scalars(query.distinct()) if member_id)
    return served


def _held_events(hub: Hub, start: datetime, end: datetime) -> list:  # type: ignore[type-arg]
    return [
        Event.hub_id == hub.id,
        Event.cancelled_at.is_(None),
        Event.starts_at >= start,
        Event.starts_at < end,
    ]


def _slot_in(hub: Hub, start: datetime, end: datetime) -> list:  # type: ignore[type-arg]
    return [MentorSlot.hub_id == hub.id, MentorSlot.starts_at >= start, MentorSlot.starts_at < end]


def _check_ins(hub: Hub, start: datetime, end: datetime) -> Select[Any]:
    return select(AccessEvent.id).where(
        AccessEvent.hub_id == hub.id,
        AccessEvent.granted,
        AccessEvent.direction == Direction.IN,
        AccessEvent.decided_at >= start,
        AccessEvent.decided_at < end,
    )


def _events(hub: Hub, start: datetime, end: datetime) -> Select[Any]:
    return select(Event.id).where(*_held_events(hub, start, end))


def _registered(hub: Hub, start: datetime, end: datetime) -> Select[Any]:
    return (
        select(EventRegistration.id)
        .join(Event, Event.id == EventRegistration.event_id)
        .where(
            *_held_events(hub, start, end),
            EventRegistration.status == RegistrationStatus.REGISTERED,
        )
    )


def _attended(hub: Hub, start: datetime, end: datetime) -> Select[Any]:
    """Registrations whose pass was granted entry at least once."""
    came = select(AccessEvent.id).where(
        AccessEvent.pass_id == EventRegistration.pass_id, AccessEvent.granted
    )
    return _registered(hub, start, end).where(came.exists())


def _sessions(hub: Hub, start: datetime, end: datetime) -> Select[Any]:
    return _sessions_where(_slot_in(hub, start, end))


def _sessions_where(where: list[Any], column: Any = MentoringSession.id) -> Select[Any]:
    return (
        select(column)
        .join(MentorSlot, MentorSlot.id == MentoringSession.slot_id)
        .where(*where, MentoringSession.status != SessionStatus.CANCELLED)
    )


def _count(query: Select[Any]) -> int:
    return int(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0)


# -- about the members served ---------------------------------------------------------------------


def _members(report: ImpactReport, served: set[int]) -> None:
    """New members (first membership starting in the period) and the plan they are on at its
    end: subsidised, paying, or free."""
    if not served:
        return
    scope = report.scope
    memberships = db.session.execute(
        select(Membership.user_id, Membership.starts_on, Plan.subsidised, Plan.price_minor)
        .join(Plan, Plan.id == Membership.plan_id)
        .where(Membership.user_id.in_(served))
        .order_by(Membership.user_id, Membership.starts_on, Membership.id)
    ).all()
    first: dict[int, date] = {}
    latest: dict[int, tuple[bool, int]] = {}
    for row in memberships:
        first.setdefault(row.user_id, row.starts_on)
        if row.starts_on <= scope.last_day:
            latest[row.user_id] = (row.subsidised, row.price_minor)
    report.new_members = sum(1 for day in first.values() if scope.covers(day))
    for subsidised, price in latest.values():
        if subsidised:
            report.subsidised += 1
        elif price > 0:
            report.paying += 1
        else:
            report.free += 1


def _businesses(report: ImpactReport, served: set[int]) -> None:
    """Businesses of the members served by stage and sector, and the people they employ: the
    latest answer up to the period's end, and its change since the last answer before it began
    (or the first answer within it)."""
    if not served:
        report.by_stage = [(stage, 0) for stage in BusinessStage]
        return
    profiles = db.session.execute(
        select(BusinessProfile.id, BusinessProfile.stage, BusinessProfile.kbli_section).where(
            BusinessProfile.user_id.in_(served)
        )
    ).all()
    stages = Counter(row.stage for row in profiles)
    sectors = Counter(row.kbli_section for row in profiles)
    report.by_stage = [(stage, stages[stage]) for stage in BusinessStage]
    report.by_sector = [(code, sectors[code]) for code, _, _ in KBLI_SECTIONS if sectors[code]]
    records = db.session.execute(
        select(EmploymentRecord.business_id, EmploymentRecord.recorded_on, EmploymentRecord.people)
        .where(
            EmploymentRecord.business_id.in_([row.id for row in profiles]),
            EmploymentRecord.recorded_on <= report.scope.last_day,
        )
        .order_by(EmploymentRecord.business_id, EmploymentRecord.recorded_on)
    ).all()
    latest: dict[int, int] = {}
    baseline: dict[int, int] = {}
    for row in records:
        if row.recorded_on < report.scope.first_day or row.business_id not in baseline:
            baseline[row.business_id] = row.people
        latest[row.business_id] = row.people
    report.employed_latest = sum(latest.values())
    report.employed_change = report.employed_latest - sum(baseline.values())


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
