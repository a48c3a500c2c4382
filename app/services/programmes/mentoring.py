"""Mentors' office hours: a mentor publishes slots (at a hub or online), a member books one,
either cancels under the hub's cut-off as for bookings, and the mentor keeps session notes.

Never double booked, by the database: a slot holds one live session (partial unique index), and
one mentor's live slots never overlap (PostgreSQL: exclusion constraint; SQLite: checked here
under BEGIN IMMEDIATE, which serialises writers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import (
    Hub,
    MentoringSession,
    MentorSlot,
    ProgrammeStep,
    Role,
    SessionStatus,
    User,
    utcnow,
)
from app.services import audit
from app.services.booking import rules
from app.services.booking.placement import get_or_404
from app.services.errors import (
    CancellationTooLate,
    Forbidden,
    InThePast,
    InvalidInput,
    InvalidTransition,
    NotFound,
    SlotTaken,
)
from app.services.programmes.steps import record_step_locked
from app.services.transactions import is_exclusion_violation, savepoint, transaction

#: Online office hours are entered, shown and reported in Jakarta time (WIB).
ONLINE_ZONE = ZoneInfo("Asia/Jakarta")
#: Cancelling an online session (no hub, so no hub policy) closes this long before it.
ONLINE_CANCEL_CUTOFF = timedelta(minutes=60)
MAX_SLOTS = 16


def publish_slots(
    mentor_id: int,
    start: datetime,
    minutes: int,
    count: int = 1,
    *,
    hub_id: int | None = None,
    online_url: str = "",
    now: datetime | None = None,
) -> list[MentorSlot]:
    """`count` back-to-back slots of `minutes` from `start`, at a hub or online."""
    now = now or utcnow()
    start, _ = rules.check_interval(start, start + timedelta(minutes=1))
    if not 15 <= minutes <= 240 or not 1 <= count <= MAX_SLOTS:
        raise InvalidInput(f"slots last 15 to 240 minutes, 1 to {MAX_SLOTS} at a time")
    if start <= now:
        raise InThePast("that time has already passed")
    online_url = online_url.strip()[:500]
    if hub_id is None and not online_url.startswith(("https://", "http://")):
        raise InvalidInput("choose a hub, or give the online link", field="online_url")
    with transaction():
        mentor = get_or_404(User, mentor_id, lock=True)
        if not mentor.has_role(Role.MENTOR):
            raise Forbidden("only mentors publish office hours")
        hub = get_or_404(Hub, hub_id) if hub_id is not None else None
        length = timedelta(minutes=minutes)
        slots = [
            MentorSlot(
                mentor_id=mentor.id,
                hub_id=hub_id,
                online_url=online_url,
                starts_at=start + n * length,
                ends_at=start + (n + 1) * length,
            )
            for n in range(count)
        ]
        if hub is not None:  # at a hub: while it is open, as for bookings
            for slot in slots:
                day = hub.opening_day(slot.starts_at)
                rules.check_within_opening(hub, day, slot.starts_at, slot.ends_at)
        if _overlapping_slot(mentor.id, slots[0].starts_at, slots[-1].ends_at):
            raise SlotTaken("you already have office hours at that time")
        db.session.add_all(slots)
        try:
            db.session.flush()
        except IntegrityError as exc:
            if is_exclusion_violation(exc):
                raise SlotTaken("you already have office hours at that time") from exc
            raise
    return slots


def book_slot(
    member_id: int, slot_id: int, topic: str = "", now: datetime | None = None
) -> MentoringSession:
    """The member books the slot; exactly one of any number of members trying at once gets it."""
    now = now or utcnow()
    with transaction():
        slot = get_or_404(MentorSlot, slot_id)
        member = get_or_404(User, member_id)
        rules.check_member(member)
        if slot.cancelled_at is not None or slot.starts_at <= now:
            raise InvalidTransition("this slot is no longer open")
        if slot.mentor_id == member.id:
            raise InvalidInput("you cannot book your own office hours")
        if _live_session(slot.id) is not None:
            raise SlotTaken("someone else booked this slot")
        session = MentoringSession(slot_id=slot.id, member_id=member.id, topic=topic.strip()[:200])
        try:
            with savepoint():
                db.session.add(session)
                db.session.flush()
        except IntegrityError as exc:  # the partial unique index: another member, a moment ago
            raise SlotTaken("someone else booked this slot") from exc
    return session


def cancel_session(session_id: int, *, user_id: int, now: datetime | None = None) -> None:
    """The member or the mentor cancels, before the cut-off (the hub's, as for bookings)."""
    now = now or utcnow()
    with transaction():
        session = _session_for(session_id, user_id, mentor_or_member=True)
        if session.status is not SessionStatus.BOOKED:
            raise InvalidTransition("this session cannot be cancelled now")
        hub = session.slot.hub
        cutoff = timedelta(minutes=hub.cancel_cutoff_minutes) if hub else ONLINE_CANCEL_CUTOFF
        if now > session.slot.starts_at - cutoff:
            raise CancellationTooLate(
                "it is too late to cancel this session",
                cutoff_minutes=cutoff // timedelta(minutes=1),
            )
        session.status = SessionStatus.CANCELLED
        session.cancelled_at = now


def keep_notes(
    session_id: int,
    *,
    user_id: int,
    notes: str,
    follow_up: str = "",
    step_reached: ProgrammeStep | None = None,
) -> MentoringSession:
    """The mentor (or a programme admin) records the session as held, with notes and follow-up
    steps; a programme step the member reached is recorded with it."""
    with transaction():
        session = _session_for(session_id, user_id, mentor_or_member=False)
        if session.status is SessionStatus.CANCELLED:
            raise InvalidTransition("this session was cancelled")
        session.status = SessionStatus.HELD
        session.notes = notes.strip()[:10_000]
        session.follow_up = follow_up.strip()[:2_000]
        if step_reached is not None:
            slot = session.slot
            record_step_locked(
                session.member_id,
                step_reached,
                (slot.hub.local_date(slot.starts_at) if slot.hub else slot.starts_at.date()),
                actor_id=user_id,
                hub_id=slot.hub_id,
                note=session.follow_up[:500],
            )
        audit.record("mentoring.notes_kept", session, actor_id=user_id, hub_id=session.slot.hub_id)
    return session


@dataclass(frozen=True)
class OpenSlot:
    slot: MentorSlot
    booked: bool


def open_slots(now: datetime | None = None, limit: int = 200) -> list[MentorSlot]:
    """Slots members can still book, soonest first."""
    now = now or utcnow()
    taken = select(MentoringSession.slot_id).where(
        MentoringSession.status != SessionStatus.CANCELLED
    )
    return list(
        db.session.scalars(
            select(MentorSlot)
            .where(
                MentorSlot.starts_at > now,
                MentorSlot.cancelled_at.is_(None),
                MentorSlot.id.not_in(taken),
            )
            .options(joinedload(MentorSlot.mentor), joinedload(MentorSlot.hub))
            .order_by(MentorSlot.starts_at, MentorSlot.id)
            .limit(limit)
        )
    )


def sessions_of(user: User) -> list[MentoringSession]:
    """Sessions the user takes part in: as the member or as the mentor, newest slot first."""
    return list(
        db.session.scalars(
            select(MentoringSession)
            .join(MentorSlot, MentorSlot.id == MentoringSession.slot_id)
            .where(
                (MentoringSession.member_id == user.id) | (MentorSlot.mentor_id == user.id),
                MentoringSession.status != SessionStatus.CANCELLED,
            )
            .order_by(MentorSlot.starts_at.desc())
            .limit(200)
        )
    )


def mentor_slots(mentor_id: int, now: datetime | None = None) -> list[OpenSlot]:
    """The mentor's coming office hours and whether each is booked."""
    now = now or utcnow()
    slots = db.session.scalars(
        select(MentorSlot)
        .where(
            MentorSlot.mentor_id == mentor_id,
            MentorSlot.ends_at > now,
            MentorSlot.cancelled_at.is_(None),
        )
        .order_by(MentorSlot.starts_at)
    ).all()
    booked = set(
        db.session.scalars(
            select(MentoringSession.slot_id).where(
                MentoringSession.slot_id.in_([s.id for s in slots]),
                MentoringSession.status != SessionStatus.CANCELLED,
            )
        )
    )
    return [OpenSlot(slot, slot.id in booked) for slot in slots]


def session_for_reader(session_id: int, user: User) -> MentoringSession:
    """A session whose notes `user` may read (mentor, member, programme admin), else NotFound."""
    session = get_or_404(MentoringSession, session_id)
    if not session.may_read_notes(user):
        raise NotFound("no such session", id=session_id)
    return session


def _session_for(session_id: int, user_id: int, *, mentor_or_member: bool) -> MentoringSession:
    session = get_or_404(MentoringSession, session_id, lock=True)
    user = get_or_404(User, user_id)
    allowed = user.id == session.slot.mentor_id or user.is_programme_admin
    if mentor_or_member:
        allowed = allowed or user.id == session.member_id
    if not allowed:
        raise NotFound("no such session", id=session_id)  # never reveal others' sessions
    return session


def _live_session(slot_id: int) -> MentoringSession | None:
    return db.session.scalar(
        select(MentoringSession).where(
            MentoringSession.slot_id == slot_id,
            MentoringSession.status != SessionStatus.CANCELLED,
        )
    )


def _overlapping_slot(mentor_id: int, start: datetime, end: datetime) -> bool:
    return (
        db.session.scalar(
            select(MentorSlot.id).where(
                MentorSlot.mentor_id == mentor_id,
                MentorSlot.cancelled_at.is_(None),
                MentorSlot.starts_at < end,
                MentorSlot.ends_at > start,
            )
        )
        is not None
    )
