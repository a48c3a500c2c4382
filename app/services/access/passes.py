"""Issuing and revoking passes; the per-hub revocation list readers keep.

Tokens are signed here (devices.passcode) with the server's current key. A member's and a staff
member's code rotates: a new token every ROTATION seconds, each valid TOKEN_LIFETIME seconds, so
a screenshot soon stops working; a booking or guest pass is valid on its day in hub time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select, update

from app.extensions import db
from app.models import Booking, Hub, Pass, PassKind, User, utcnow
from app.services.access.keys import Keyring, signing_key
from app.services.booking.placement import get_or_404
from app.services.errors import InvalidInput, NotFound, QuotaExceeded
from app.services.transactions import transaction
from devices import passcode

ROTATION = 30  # seconds between codes on the pass page
TOKEN_LIFETIME = 90  # seconds each rotating code is valid

TOKEN_KIND = {
    PassKind.MEMBER: passcode.PassKind.MEMBER,
    PassKind.DAY: passcode.PassKind.DAY,
    PassKind.GUEST: passcode.PassKind.GUEST,
    PassKind.STAFF: passcode.PassKind.STAFF,
    # Valid for the event's time only; readers treat it as a dated pass, as they do a day pass.
    PassKind.EVENT: passcode.PassKind.DAY,
}


@dataclass(frozen=True)
class IssuedToken:
    token: str
    pass_id: int
    valid_from: datetime
    valid_until: datetime


@dataclass(frozen=True)
class RevocationList:
    hub_id: int
    version: int
    pass_ids: list[int]


def rotating_token(keyring: Keyring, user_id: int, now: datetime | None = None) -> IssuedToken:
    """The current code of a member's (or, for staff, the staff) pass."""
    now = now or utcnow()
    with transaction():
        user = get_or_404(User, user_id)
        kind = PassKind.STAFF if user.is_staff else PassKind.MEMBER
        holder_pass = _current_pass(user.id, kind) or _new_pass(kind, member_id=user.id)
        start = int(now.timestamp()) // ROTATION * ROTATION
        issued = _sign(keyring, holder_pass, start, start + TOKEN_LIFETIME)
    return issued


def booking_token(keyring: Keyring, booking_id: int, member_id: int | None = None) -> IssuedToken:
    """The day pass of a booking: valid on the booked day, at the booking's hub only."""
    with transaction():
        booking = get_or_404(Booking, booking_id)
        if member_id is not None and booking.member_id != member_id:
            raise NotFound("no such booking", id=booking_id)
        hub = booking.resource.hub
        day_pass = db.session.scalar(
            select(Pass).where(Pass.booking_id == booking.id, Pass.revoked_at.is_(None))
        )
        if day_pass is None:
            start, end = hub.local_day_bounds(hub.local_date(booking.start_at))
            day_pass = _new_pass(
                PassKind.DAY,
                member_id=booking.member_id,
                booking_id=booking.id,
                hub_id=hub.id,
                valid_from=start,
                valid_until=end,
            )
        issued = _sign_whole(keyring, day_pass)
    return issued


def invite_guest(
    keyring: Keyring, member_id: int, hub_id: int, day: date, guest_name: str, guest_email: str
) -> tuple[Pass, IssuedToken]:
    """A guest pass for `day` at a hub, counted against the member's monthly guest quota."""
    guest_name, guest_email = guest_name.strip(), guest_email.strip().lower()
    if not guest_name or "@" not in guest_email:
        raise InvalidInput("give the guest's name and email address")
    with transaction():
        member = get_or_404(User, member_id, lock=True)
        hub = get_or_404(Hub, hub_id)
        if day < hub.today():
            raise InvalidInput("that day has already passed")
        membership = member.membership_on(day, hub.id)
        allowance = membership.plan.guests_per_month if membership else 0
        first = day.replace(day=1)
        month = (hub.local_day_bounds(first)[0], hub.local_day_bounds(_next_month(first))[0])
        used = db.session.scalar(
            select(func.count())
            .select_from(Pass)
            .where(
                Pass.kind == PassKind.GUEST,
                Pass.invited_by_id == member.id,
                Pass.valid_from >= month[0],
                Pass.valid_from < month[1],
                Pass.revoked_at.is_(None),
            )
        )
        if (used or 0) >= allowance:
            raise QuotaExceeded(
                f"your plan includes {allowance} guest(s) a month", quota=allowance, used=used
            )
        start, end = hub.local_day_bounds(day)
        guest_pass = _new_pass(
            PassKind.GUEST,
            hub_id=hub.id,
            valid_from=start,
            valid_until=end,
            guest_name=guest_name,
            guest_email=guest_email,
            invited_by_id=member.id,
        )
        issued = _sign_whole(keyring, guest_pass)
    return guest_pass, issued


def revoke_pass(pass_id: int, reason: str) -> Pass:
    with transaction():
        revoked = _revoke(get_or_404(Pass, pass_id, lock=True), reason)
    return revoked


def report_lost_phone(member_id: int) -> int:
    """Revoke the member's rotating pass; the next pass page shows a new one. Returns how many."""
    with transaction():
        passes = db.session.scalars(
            select(Pass).where(
                Pass.member_id == member_id,
                Pass.kind.in_((PassKind.MEMBER, PassKind.STAFF)),
                Pass.revoked_at.is_(None),
            )
        ).all()
        for holder_pass in passes:
            _revoke(holder_pass, "lost phone")
    return len(passes)


def revoke_passes_of(
    *,
    booking_id: int | None = None,
    member_id: int | None = None,
    pass_ids: list[int] | None = None,
    reason: str,
) -> int:
    """Revoke every live pass of a booking, of a member or among `pass_ids`, in the caller's
    transaction."""
    stmt = select(Pass).where(Pass.revoked_at.is_(None))
    if pass_ids is not None:
        stmt = stmt.where(Pass.id.in_(pass_ids))
    if booking_id is not None:
        stmt = stmt.where(Pass.booking_id == booking_id)
    if member_id is not None:
        stmt = stmt.where(Pass.member_id == member_id)
    passes = db.session.scalars(stmt).all()
    for holder_pass in passes:
        _revoke(holder_pass, reason)
    return len(passes)


def revocation_list(hub_id: int, now: datetime | None = None) -> RevocationList:
    """Revoked passes that could still open this hub, and the list's version."""
    now = now or utcnow()
    hub = get_or_404(Hub, hub_id)
    ids = db.session.scalars(
        select(Pass.id)
        .where(
            Pass.revoked_at.is_not(None),
            or_(Pass.hub_id.is_(None), Pass.hub_id == hub.id),
            or_(Pass.valid_until.is_(None), Pass.valid_until > now),
        )
        .order_by(Pass.id)
    ).all()
    return RevocationList(hub.id, hub.revocation_version, list(ids))


def _revoke(holder_pass: Pass, reason: str) -> Pass:
    if holder_pass.revoked_at is None:
        holder_pass.revoked_at = utcnow()
        holder_pass.revoked_reason = reason[:200]
        hubs = update(Hub).values(revocation_version=Hub.revocation_version + 1)
        if holder_pass.hub_id is not None:
            hubs = hubs.where(Hub.id == holder_pass.hub_id)
        db.session.execute(hubs)
    return holder_pass


def _current_pass(member_id: int, kind: PassKind) -> Pass | None:
    return db.session.scalar(
        select(Pass)
        .where(Pass.member_id == member_id, Pass.kind == kind, Pass.revoked_at.is_(None))
        .order_by(Pass.id.desc())
        .limit(1)
    )


def _new_pass(kind: PassKind, **fields: object) -> Pass:
    new = Pass(kind=kind, **fields)
    db.session.add(new)
    db.session.flush()
    return new


def dated_pass_token(keyring: Keyring, holder_pass: Pass) -> IssuedToken:
    """The token of a pass with a fixed validity window (day, guest and event passes)."""
    return _sign_whole(keyring, holder_pass)


def _sign_whole(keyring: Keyring, holder_pass: Pass) -> IssuedToken:
    assert holder_pass.valid_from is not None
    assert holder_pass.valid_until is not None
    return _sign(
        keyring,
        holder_pass,
        int(holder_pass.valid_from.timestamp()),
        int(holder_pass.valid_until.timestamp()),
    )


def _sign(keyring: Keyring, holder_pass: Pass, valid_from: int, valid_until: int) -> IssuedToken:
    key = signing_key(keyring)
    claims = passcode.PassClaims(
        key_id=key.key_id,
        pass_id=holder_pass.id,
        kind=TOKEN_KIND[holder_pass.kind],
        hub_id=holder_pass.hub_id or passcode.ANY_HUB,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    return IssuedToken(
        passcode.encode(claims, key.private_key),
        holder_pass.id,
        datetime.fromtimestamp(valid_from, tz=utcnow().tzinfo),
        datetime.fromtimestamp(valid_until, tz=utcnow().tzinfo),
    )


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)
