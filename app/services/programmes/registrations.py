"""Registering for events: a place while there is one, else the waitlist; cancelling a place
promotes the first on the waitlist. Staff register guests without an account.

Places are counted with the event row locked (FOR NO KEY UPDATE on PostgreSQL; on SQLite every
writer holds the database lock), so fifty members racing for ten places get exactly ten; a
member's second live registration is refused by a partial unique index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    Event,
    EventRegistration,
    Pass,
    PassKind,
    RegistrationStatus,
    User,
    utcnow,
)
from app.services import audit
from app.services.access.keys import Keyring
from app.services.access.passes import IssuedToken, dated_pass_token, revoke_passes_of
from app.services.booking.placement import get_or_404
from app.services.errors import (
    AlreadyRegistered,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotEligible,
    NotFound,
    RegistrationClosed,
)
from app.services.notifications.mail import Mailer
from app.services.programmes import notices
from app.services.programmes.event_passes import DOORS_OPEN_EARLY
from app.services.programmes.steps import has_reached
from app.services.transactions import savepoint, transaction


def register(
    member_id: int,
    event_id: int,
    *,
    mailer: Mailer | None = None,
    keyring: Keyring | None = None,
    now: datetime | None = None,
) -> EventRegistration:
    """The member takes a place, or joins the waitlist when the event is full. A place is
    confirmed by mail (with the pass, given the keyring)."""
    now = now or utcnow()
    with transaction():
        event = get_or_404(Event, event_id, lock=True)
        member = get_or_404(User, member_id)
        _check_open(event, now)
        _check_eligible(event, member)
        registration = _add(event, member_id=member.id, registered_by_id=member.id)
    _confirm(registration, mailer, keyring)
    return registration


def register_guest(
    event_id: int,
    guest_name: str,
    guest_email: str,
    *,
    actor_id: int,
    mailer: Mailer | None = None,
    keyring: Keyring | None = None,
    now: datetime | None = None,
) -> EventRegistration:
    """Staff register a guest of the programme who has no account (no eligibility rules); a
    guest with an email address gets the pass by mail."""
    now = now or utcnow()
    guest_name, guest_email = guest_name.strip()[:200], guest_email.strip().lower()[:254]
    if not guest_name:
        raise InvalidInput("give the guest's name", field="guest_name")
    if guest_email and "@" not in guest_email:
        raise InvalidInput("that email address is not valid", field="guest_email")
    with transaction():
        event = get_or_404(Event, event_id, lock=True)
        actor = get_or_404(User, actor_id)
        if not actor.can_staff(event.hub_id):
            raise Forbidden("only this hub's staff register guests")
        if event.is_cancelled or event.ends_at <= now:
            raise RegistrationClosed("this event is cancelled or over")
        registration = _add(
            event, guest_name=guest_name, guest_email=guest_email, registered_by_id=actor.id
        )
        audit.record(
            "event.guest_registered",
            registration,
            actor_id=actor.id,
            hub_id=event.hub_id,
            after=audit.snapshot(registration, ("event_id", "guest_name", "status")),
        )
    _confirm(registration, mailer, keyring)
    return registration


def cancel_registration(
    registration_id: int,
    *,
    member_id: int | None = None,
    actor_id: int | None = None,
    mailer: Mailer | None = None,
    keyring: Keyring | None = None,
) -> EventRegistration:
    """Cancel a place or a waitlist entry; a freed place goes to the first on the waitlist.
    With `member_id` only that member's own registration (others are NotFound)."""
    with transaction():
        registration = get_or_404(EventRegistration, registration_id)
        if member_id is not None and registration.member_id != member_id:
            raise NotFound("no such registration", id=registration_id)
        event = get_or_404(Event, registration.event_id, lock=True)
        db.session.refresh(registration)  # read again under the event's lock
        if actor_id is not None and not get_or_404(User, actor_id).can_staff(event.hub_id):
            raise Forbidden("only this hub's staff cancel others' registrations")
        if registration.status is RegistrationStatus.CANCELLED:
            raise InvalidTransition("this registration is already cancelled")
        had_place = registration.status is RegistrationStatus.REGISTERED
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = utcnow()
        if registration.pass_id is not None:
            revoke_passes_of(pass_ids=[registration.pass_id], reason="registration cancelled")
        db.session.flush()
        promoted = _promote(event) if had_place and not event.is_cancelled else None
    if promoted is not None:
        _confirm(promoted, mailer, keyring)
    return registration


def my_registrations(member_id: int, now: datetime | None = None) -> list[EventRegistration]:
    """The member's live registrations for events not over yet, soonest first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(EventRegistration)
            .join(Event, Event.id == EventRegistration.event_id)
            .where(
                EventRegistration.member_id == member_id,
                EventRegistration.status != RegistrationStatus.CANCELLED,
                Event.ends_at > now,
            )
            .order_by(Event.starts_at)
        )
    )


def registration_of(member_id: int, event_id: int) -> EventRegistration | None:
    return db.session.scalar(
        select(EventRegistration).where(
            EventRegistration.member_id == member_id,
            EventRegistration.event_id == event_id,
            EventRegistration.status != RegistrationStatus.CANCELLED,
        )
    )


@dataclass(frozen=True)
class EventPass:
    registration: EventRegistration
    token: IssuedToken


def event_pass(keyring: Keyring, registration_id: int, member_id: int | None) -> EventPass:
    """The pass of a place at an event (valid for the event's time): the member's own, or with
    `member_id` None any (for staff, who check the hub first: a guest's printed pass)."""
    registration = get_or_404(EventRegistration, registration_id)
    if member_id is not None and registration.member_id != member_id:
        raise NotFound("no such registration", id=registration_id)
    holder = db.session.get(Pass, registration.pass_id) if registration.pass_id else None
    if holder is None or holder.is_revoked:
        raise InvalidTransition("only a confirmed place has a pass")
    return EventPass(registration, dated_pass_token(keyring, holder))


def _confirm(
    registration: EventRegistration, mailer: Mailer | None, keyring: Keyring | None
) -> None:
    """After the commit: mail a confirmed place to its holder, with the pass if we can sign."""
    to = notices.recipient(registration)
    if mailer is None or to is None or registration.status is not RegistrationStatus.REGISTERED:
        return
    holder = db.session.get(Pass, registration.pass_id) if registration.pass_id else None
    token = dated_pass_token(keyring, holder).token if keyring and holder else None
    mailer.send(notices.place_confirmed(registration.event, to, token))


# -- inside the caller's transaction ------------------------------------------------------------


def _add(event: Event, **fields: object) -> EventRegistration:
    """A place if one is left (the event row is locked), else a waitlist entry."""
    taken = _count(event.id, RegistrationStatus.REGISTERED)
    status = (
        RegistrationStatus.REGISTERED if taken < event.capacity else RegistrationStatus.WAITLISTED
    )
    registration = EventRegistration(event_id=event.id, status=status, **fields)
    try:
        with savepoint():
            db.session.add(registration)
            db.session.flush()
    except IntegrityError as exc:  # this member's other click, a moment earlier
        raise AlreadyRegistered("you are already registered for this event") from exc
    if status is RegistrationStatus.REGISTERED:
        _issue_pass(event, registration)
    return registration


def _promote(event: Event) -> EventRegistration | None:
    first = db.session.scalar(
        select(EventRegistration)
        .where(
            EventRegistration.event_id == event.id,
            EventRegistration.status == RegistrationStatus.WAITLISTED,
        )
        .order_by(EventRegistration.created_at, EventRegistration.id)
        .limit(1)
    )
    if first is None or _count(event.id, RegistrationStatus.REGISTERED) >= event.capacity:
        return None
    first.status = RegistrationStatus.REGISTERED
    first.promoted_at = utcnow()
    _issue_pass(event, first)
    return first


def _issue_pass(event: Event, registration: EventRegistration) -> None:
    holder = Pass(
        kind=PassKind.EVENT,
        member_id=registration.member_id,
        hub_id=event.hub_id,
        valid_from=event.starts_at - DOORS_OPEN_EARLY,
        valid_until=event.ends_at,
        guest_name=registration.guest_name,
        guest_email=registration.guest_email,
    )
    db.session.add(holder)
    db.session.flush()
    registration.pass_id = holder.id


def _count(event_id: int, status: RegistrationStatus) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(EventRegistration)
            .where(EventRegistration.event_id == event_id, EventRegistration.status == status)
        )
        or 0
    )


def _check_open(event: Event, now: datetime) -> None:
    if not event.registration_open(now):
        raise RegistrationClosed("registration for this event is not open")


def _check_eligible(event: Event, member: User) -> None:
    if member.is_suspended:
        raise NotEligible("this account is suspended")
    if event.plan_id is not None:
        membership = member.membership_on(event.hub.local_date(event.starts_at), event.hub_id)
        if membership is None or membership.plan_id != event.plan_id:
            raise NotEligible("this event is for members on another plan", plan_id=event.plan_id)
    if event.required_step is not None and not has_reached(member.id, event.required_step):
        raise NotEligible(
            "this event is for members who reached an earlier programme step",
            step=event.required_step.value,
        )
