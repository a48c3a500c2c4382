"""Erasing a member (UU PDP 27/2022, the right to erasure), requested by the member and carried
out by staff with an audit entry.

The account row stays as an anonymous tombstone, so bookings, memberships and the ledger keep
their counts and sums for statistics; everything that names or reaches the person goes: name,
email, phone, business name, password, roles, opt-outs, the calendar feed, their mail in the
outbox, and their email wherever the audit log quoted it. Access events lose their member. Sector
and kecamatan stay on the tombstone: coarse, and what the programme's impact figures count.
Other domains that hold personal data (receipts keep only what the law requires) add their own
step with `eraser`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, delete, or_, select, update

from app.extensions import db
from app.models import (
    AccessEvent,
    AuditEntry,
    CalendarFeed,
    DataRequest,
    DataRequestKind,
    DataRequestStatus,
    NotificationOptOut,
    OutboxMessage,
    RoleGrant,
    User,
    UserStatus,
    utcnow,
)
from app.services.audit import record
from app.services.booking.usage import home_hub
from app.services.errors import Forbidden, InvalidInput, NotFound
from app.services.transactions import transaction

ERASED_DOMAIN = "erased.invalid"
REDACTED = "[erased]"


@dataclass(frozen=True)
class PersonalValues:
    """What identified the member before erasure (each domain's eraser scrubs these)."""

    user_id: int
    values: tuple[str, ...]


Eraser = Callable[[PersonalValues], None]
ERASERS: list[Eraser] = []


def eraser(step: Eraser) -> Eraser:
    """Register a further erasure step (run in the erasure's transaction, after the core)."""
    ERASERS.append(step)
    return step


def is_erased(user: User) -> bool:
    return user.email.endswith("@" + ERASED_DOMAIN)


def request_erasure(user_id: int) -> DataRequest:
    """The member asks for their account to be erased; staff carry it out."""
    with transaction():
        user = db.session.get(User, user_id, with_for_update=True)
        if user is None or is_erased(user):
            raise NotFound("no such account")
        open_request = db.session.scalar(
            select(DataRequest).where(
                DataRequest.user_id == user_id,
                DataRequest.kind == DataRequestKind.ERASURE,
                DataRequest.status == DataRequestStatus.OPEN,
            )
        )
        if open_request is not None:
            return open_request
        request = DataRequest(user_id=user_id, kind=DataRequestKind.ERASURE)
        db.session.add(request)
    return request


def open_requests(actor: User) -> list[DataRequest]:
    """Open erasure requests the actor may handle, oldest first."""
    requests = db.session.scalars(
        select(DataRequest)
        .where(DataRequest.status == DataRequestStatus.OPEN)
        .order_by(DataRequest.requested_at, DataRequest.id)
    ).all()
    return [r for r in requests if r.user_id is not None and _may_handle(actor, r.user_id)]


def handle_request(actor: User, request_id: int, *, erase: bool, note: str = "") -> DataRequest:
    """Carry out (erase) or refuse (note required) an open erasure request; audited."""
    note = note.strip()[:500]
    if not erase and not note:
        raise InvalidInput("a refusal needs a reason", field="note", reason="refusal_reason")
    with transaction():
        request = db.session.get(DataRequest, request_id, with_for_update=True)
        if request is None or request.user_id is None or not _may_handle(actor, request.user_id):
            raise NotFound(f"no request {request_id} here")
        if request.status is not DataRequestStatus.OPEN:
            raise InvalidInput("this request is already handled", reason="not_open")
        hub = home_hub(request.user_id)
        if erase:
            erase_member(request.user_id)
        request.status = DataRequestStatus.DONE if erase else DataRequestStatus.REJECTED
        request.handled_at = utcnow()
        request.handled_by_id = actor.id
        request.note = note
        record(
            "member.erase" if erase else "member.erase_refused",
            request,
            actor_id=actor.id,
            hub_id=hub.id if hub is not None else None,
            after={"account": request.user_id, "note": note},
        )
    return request


def erase_member(user_id: int) -> None:
    """Erase the member inside the caller's transaction (see the module's docstring)."""
    user = db.session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound("no such account")
    if user.is_staff:
        raise Forbidden("a staff account is erased after its roles are taken away")
    personal = PersonalValues(
        user_id, tuple(v for v in (user.email, user.name, user.phone, user.business_name) if v)
    )
    user.email = f"erased-{user.id}@{ERASED_DOMAIN}"
    user.name = ""
    user.phone = ""
    user.business_name = ""
    user.password_hash = None
    user.email_verified_at = None
    user.locale = None
    user.status = UserStatus.SUSPENDED  # no log-in, no pass
    db.session.execute(delete(RoleGrant).where(RoleGrant.user_id == user_id))
    db.session.execute(delete(NotificationOptOut).where(NotificationOptOut.user_id == user_id))
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user_id))
    db.session.execute(
        delete(OutboxMessage).where(
            or_(OutboxMessage.user_id == user_id, OutboxMessage.recipient.in_(personal.values))
        )
    )
    db.session.execute(
        update(AccessEvent).where(AccessEvent.member_id == user_id).values(member_id=None)
    )
    _scrub_audit(personal)
    for step in ERASERS:
        step(personal)
    db.session.flush()
    db.session.expire(user)


def _scrub_audit(personal: PersonalValues) -> None:
    """Audit entries keep what was done; values that named the member become REDACTED."""
    quoting = or_(
        *(
            cast(column, String).contains(value)
            for column in (AuditEntry.before, AuditEntry.after)
            for value in personal.values
        )
    )
    for entry in db.session.scalars(select(AuditEntry).where(quoting)):
        entry.before = _redact(entry.before, personal.values)
        entry.after = _redact(entry.after, personal.values)


def _redact(value: Any, personal: tuple[str, ...]) -> Any:
    if isinstance(value, dict):
        return {key: _redact(item, personal) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact(item, personal) for item in value]
    if isinstance(value, str) and any(p in value for p in personal):
        return REDACTED
    return value


def _may_handle(actor: User, user_id: int) -> bool:
    """Programme admins handle every request; a hub admin those of members at their hubs."""
    if actor.is_programme_admin:
        return True
    hub = home_hub(user_id)
    return hub is not None and actor.can_administer(hub.id)
