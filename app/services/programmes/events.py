"""Programme events: staff create them (once or weekly) at a hub, holding their room through the
booking engine, and cancel them; registrants hear of a cancellation by mail.

An event in a room holds it with a real booking row (source "event"): the same rules as any
booking of the room (open, within opening hours, not in the past, no overlap, the hub's buffer)
and the same exclusion constraint, so an event and a room booking can never collide.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import (
    AccessEvent,
    Booking,
    BookingSource,
    BookingStatus,
    Event,
    EventKind,
    EventRegistration,
    Hub,
    Pass,
    Plan,
    ProgrammeStep,
    RegistrationStatus,
    Resource,
    ResourceKind,
    User,
    utcnow,
)
from app.services import audit
from app.services.access.passes import revoke_passes_of
from app.services.booking import rules
from app.services.booking.placement import get_or_404
from app.services.errors import BookingConflict, Forbidden, InvalidInput, InvalidTransition
from app.services.notifications.mail import Mailer
from app.services.programmes import notices
from app.services.programmes.event_passes import DOORS_OPEN_EARLY
from app.services.transactions import is_exclusion_violation, transaction

MAX_WEEKS = 26
#: Registrants are reminded this long before the event.
REMIND_AHEAD = timedelta(hours=24)
AUDITED = ("title", "kind", "hub_id", "resource_id", "starts_at", "ends_at", "capacity")


@dataclass(frozen=True)
class EventInput:
    hub_id: int
    title: str
    kind: EventKind
    starts_at: datetime
    ends_at: datetime
    capacity: int
    resource_id: int | None = None
    description: str = ""
    online_url: str = ""
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    plan_id: int | None = None
    required_step: ProgrammeStep | None = None
    weeks: int = 1  # 1: once; more: a weekly series


def create_events(form: EventInput, *, actor_id: int, now: datetime | None = None) -> list[Event]:
    """Create the event (or one per week of the series), each holding its room. Any week whose
    room is taken refuses the whole series, naming the date."""
    now = now or utcnow()
    starts, ends = rules.check_interval(form.starts_at, form.ends_at)
    _check(form)
    with transaction():
        actor = get_or_404(User, actor_id)
        hub = get_or_404(Hub, form.hub_id)
        if not actor.can_staff(hub.id):
            raise Forbidden("only this hub's staff create its events")
        if form.plan_id is not None:
            get_or_404(Plan, form.plan_id)
        series_id = uuid.uuid4().hex if form.weeks > 1 else None
        created = []
        for week in range(form.weeks):
            shift = timedelta(weeks=week)
            event = Event(
                hub_id=hub.id,
                resource_id=form.resource_id,
                title=form.title.strip()[:200],
                kind=form.kind,
                description=form.description.strip(),
                starts_at=starts + shift,
                ends_at=ends + shift,
                capacity=form.capacity,
                registration_opens_at=_shifted(form.registration_opens_at, shift),
                registration_closes_at=_shifted(form.registration_closes_at, shift),
                online_url=form.online_url.strip()[:500],
                plan_id=form.plan_id,
                required_step=form.required_step,
                series_id=series_id,
                created_by_id=actor.id,
            )
            if form.resource_id is not None:
                event.booking = hold_room(hub, form.resource_id, event, actor.id, now)
            db.session.add(event)
            db.session.flush()
            audit.record(
                "event.created",
                event,
                actor_id=actor.id,
                hub_id=hub.id,
                after=audit.snapshot(event, AUDITED),
            )
            created.append(event)
    return created


def hold_room(hub: Hub, resource_id: int, event: Event, actor_id: int, now: datetime) -> Booking:
    """Book the room for the event through the booking rules, in the caller's transaction."""
    resource = get_or_404(Resource, resource_id, lock=True)
    if resource.hub.id != hub.id or resource.kind is ResourceKind.DESK:
        raise InvalidInput("choose a room or event space of this hub", field="resource_id")
    start, end = event.starts_at, event.ends_at
    rules.check_resource(resource)
    rules.check_within_opening(hub, hub.opening_day(start), start, end)
    rules.check_not_past(resource, start, end, now)
    try:
        rules.check_capacity(resource, start, end)
    except BookingConflict as conflict:
        raise type(conflict)(
            f"{resource.name} is already booked on {hub.local_date(start):%Y-%m-%d}",
            **conflict.details,
            day=hub.local_date(start),
        ) from None
    booking = Booking(
        resource_id=resource.id,
        member_id=actor_id,
        start_at=start,
        end_at=end,
        status=BookingStatus.CONFIRMED,
        source=BookingSource.EVENT,
        exclusive=not resource.is_pool,
        created_by_id=actor_id,
    )
    db.session.add(booking)
    try:
        db.session.flush()
    except IntegrityError as exc:
        if is_exclusion_violation(exc):
            raise BookingConflict(f"{resource.name} is already booked at that time") from exc
        raise
    return booking


def cancel_event(event_id: int, *, actor_id: int, mailer: Mailer) -> Event:
    """Cancel the event: its room is freed, every pass revoked, every registrant told by mail."""
    with transaction():
        event = get_or_404(Event, event_id, lock=True)
        actor = get_or_404(User, actor_id)
        if not actor.can_staff(event.hub_id):
            raise Forbidden("only this hub's staff cancel its events")
        if event.is_cancelled:
            return event
        with audit.audited_change(
            "event.cancelled", event, ("cancelled_at",), actor_id=actor.id, hub_id=event.hub_id
        ):
            event.cancelled_at = utcnow()
        if event.booking is not None and event.booking.is_active:
            event.booking.status = BookingStatus.CANCELLED
            event.booking.cancelled_at = event.cancelled_at
        live = live_registrations(event.id)
        revoke_passes_of(
            pass_ids=[r.pass_id for r in live if r.pass_id is not None], reason="event cancelled"
        )
        recipients = notices.recipients(live)
    for recipient in recipients:
        mailer.send(notices.event_cancelled(event, recipient))
    return event


def reschedule_event(
    event_id: int,
    starts_at: datetime,
    ends_at: datetime,
    resource_id: int | None,
    *,
    actor_id: int,
    mailer: Mailer,
    now: datetime | None = None,
) -> Event:
    """Move the event to a new time or room: the room is held anew through the booking rules
    (refused, nothing changed, if it is taken), the passes follow, registrants are told."""
    now = now or utcnow()
    starts_at, ends_at = rules.check_interval(starts_at, ends_at)
    with transaction():
        event = get_or_404(Event, event_id, lock=True)
        actor = get_or_404(User, actor_id)
        if not actor.can_staff(event.hub_id):
            raise Forbidden("only this hub's staff change its events")
        if event.is_cancelled or event.ends_at <= now:
            raise InvalidTransition("a cancelled or past event cannot be moved")
        if resource_id is None and not event.online_url:
            raise InvalidInput("choose a room, or give the online link", field="resource_id")
        _check(_as_input(event, starts_at, ends_at, resource_id))
        with audit.audited_change(
            "event.changed", event, AUDITED, actor_id=actor.id, hub_id=event.hub_id
        ):
            if event.booking is not None and event.booking.is_active:
                event.booking.status = BookingStatus.CANCELLED
                event.booking.cancelled_at = now
                db.session.flush()  # the old hold frees the room before the new one is placed
            event.starts_at, event.ends_at, event.resource_id = starts_at, ends_at, resource_id
            db.session.flush()
            db.session.refresh(event, ["resource"])
            event.booking = (
                hold_room(event.hub, resource_id, event, actor.id, now)
                if resource_id is not None
                else None
            )
        live = live_registrations(event.id)
        for holder in db.session.scalars(
            select(Pass).where(Pass.id.in_([r.pass_id for r in live if r.pass_id is not None]))
        ):
            holder.valid_from = starts_at - DOORS_OPEN_EARLY
            holder.valid_until = ends_at
        recipients = notices.recipients(live)
    for recipient in recipients:
        mailer.send(notices.event_changed(event, recipient))
    return event


def send_event_reminders(
    mailer: Mailer, now: datetime | None = None, ahead: timedelta = REMIND_AHEAD
) -> int:
    """Remind each registrant once of an event starting within `ahead`. Rows another worker is
    reminding are skipped, so two workers never remind twice. Returns how many were sent."""
    now = now or utcnow()
    with transaction():
        due = db.session.scalars(
            select(EventRegistration)
            .join(Event, Event.id == EventRegistration.event_id)
            .where(
                EventRegistration.status == RegistrationStatus.REGISTERED,
                EventRegistration.reminded_at.is_(None),
                Event.cancelled_at.is_(None),
                Event.starts_at > now,
                Event.starts_at <= now + ahead,
            )
            .with_for_update(of=EventRegistration, skip_locked=True)
        ).all()
        sent = 0
        for registration in due:
            registration.reminded_at = now
            to = notices.recipient(registration)
            if to is not None:
                # Queued in the outbox with the mark, so a reminder is sent once or not at all.
                mailer.send(notices.event_reminder(registration.event, to))
                sent += 1
    return sent


def _as_input(
    event: Event, starts_at: datetime, ends_at: datetime, resource_id: int | None
) -> EventInput:
    """The event as an EventInput at a new time and room, to check it as a new one is."""
    return EventInput(
        hub_id=event.hub_id,
        title=event.title,
        kind=event.kind,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=event.capacity,
        resource_id=resource_id,
        online_url=event.online_url,
    )


def live_registrations(event_id: int) -> list[EventRegistration]:
    return list(
        db.session.scalars(
            select(EventRegistration)
            .where(
                EventRegistration.event_id == event_id,
                EventRegistration.status != RegistrationStatus.CANCELLED,
            )
            .options(joinedload(EventRegistration.member))
            .order_by(EventRegistration.created_at, EventRegistration.id)
        ).unique()
    )


@dataclass(frozen=True)
class EventListing:
    event: Event
    registered: int
    waitlisted: int

    @property
    def places_left(self) -> int:
        return max(self.event.capacity - self.registered, 0)


def upcoming_events(
    hub_ids: set[int] | None, now: datetime | None = None, limit: int = 100
) -> list[EventListing]:
    """Events not yet over at the hubs (None: every hub), soonest first, with their counts."""
    now = now or utcnow()
    stmt = (
        select(Event)
        .where(Event.ends_at > now, Event.cancelled_at.is_(None))
        .options(joinedload(Event.hub), joinedload(Event.resource))
        .order_by(Event.starts_at, Event.id)
        .limit(limit)
    )
    if hub_ids is not None:
        stmt = stmt.where(Event.hub_id.in_(hub_ids))
    events = list(db.session.scalars(stmt))
    counts = registration_counts([e.id for e in events])
    return [
        EventListing(
            e,
            counts.get((e.id, RegistrationStatus.REGISTERED), 0),
            counts.get((e.id, RegistrationStatus.WAITLISTED), 0),
        )
        for e in events
    ]


def todays_events(hub: Hub, now: datetime | None = None) -> list[EventListing]:
    """The hub's events on its today (in its zone), not cancelled, with their counts."""
    now = now or utcnow()
    start, end = hub.local_day_bounds(hub.today(now))
    return [
        listing for listing in upcoming_events({hub.id}, start) if listing.event.starts_at < end
    ]


def registration_counts(event_ids: list[int]) -> dict[tuple[int, RegistrationStatus], int]:
    if not event_ids:
        return {}
    rows = db.session.execute(
        select(EventRegistration.event_id, EventRegistration.status, func.count())
        .where(EventRegistration.event_id.in_(event_ids))
        .group_by(EventRegistration.event_id, EventRegistration.status)
    ).all()
    return {(event_id, status): count for event_id, status, count in rows}


@dataclass(frozen=True)
class Attendee:
    registration: EventRegistration
    arrived_at: datetime | None


def attendance(event_id: int) -> list[Attendee]:
    """The live registrations of an event and when each first came in with their pass."""
    registrations = live_registrations(event_id)
    pass_ids = [r.pass_id for r in registrations if r.pass_id is not None]
    arrived = dict(
        db.session.execute(
            select(AccessEvent.pass_id, func.min(AccessEvent.decided_at))
            .where(AccessEvent.pass_id.in_(pass_ids), AccessEvent.granted)
            .group_by(AccessEvent.pass_id)
        ).all()
        if pass_ids
        else []
    )
    return [Attendee(r, arrived.get(r.pass_id)) for r in registrations]


def _check(form: EventInput) -> None:
    if not form.title.strip():
        raise InvalidInput("give the event a title", field="title")
    if not 1 <= form.capacity <= 10_000:
        raise InvalidInput("capacity is from 1 to 10,000 places", field="capacity")
    if not 1 <= form.weeks <= MAX_WEEKS:
        raise InvalidInput(f"a series runs 1 to {MAX_WEEKS} weeks", field="weeks")
    if form.ends_at - form.starts_at > timedelta(hours=12):
        raise InvalidInput("an event lasts at most 12 hours", field="ends_at")
    if form.resource_id is None and not form.online_url.strip():
        raise InvalidInput("choose a room, or give the online link", field="resource_id")
    url = form.online_url.strip()
    if url and not url.startswith(("https://", "http://")):
        raise InvalidInput("the online link starts with https://", field="online_url")
    opens, closes = form.registration_opens_at, form.registration_closes_at
    if opens is not None and closes is not None and closes <= opens:
        raise InvalidInput("registration must close after it opens", field="registration_closes_at")


def _shifted(instant: datetime | None, shift: timedelta) -> datetime | None:
    return instant + shift if instant is not None else None
