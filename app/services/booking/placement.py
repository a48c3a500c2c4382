"""Placing one booking: every rule, then the insert. Runs inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import (
    Base,
    Booking,
    BookingSource,
    BookingStatus,
    Floor,
    Hub,
    Membership,
    Resource,
    User,
    utcnow,
)
from app.services.booking import rules
from app.services.errors import BookingConflict, NotFound
from app.services.transactions import is_exclusion_violation

M = TypeVar("M", bound=Base)


def place_booking(
    member_id: int,
    resource_id: int,
    start: datetime,
    end: datetime,
    *,
    source: BookingSource,
    created_by_id: int | None = None,
    series_id: str | None = None,
    now: datetime | None = None,
) -> Booking:
    """Check every rule in order and insert the booking. Raises a DomainError, changing nothing.

    Locks the member row, then the resource row (this order everywhere, so no deadlocks), and
    only then reads what the rules check, so concurrent bookings see each other's results.
    """
    start, end = rules.check_interval(start, end)
    member, resource = lock_for_booking(member_id, resource_id)
    return place_locked(
        member,
        resource,
        start,
        end,
        source=source,
        created_by_id=created_by_id,
        series_id=series_id,
        now=now,
    )


def lock_for_booking(member_id: int, resource_id: int) -> tuple[User, Resource]:
    """Lock the member, then the resource, loading with them everything the rules read: the
    member's memberships and plans, the resource's floor, hub and the hub's calendar."""
    member = _locked(
        select(User)
        .where(User.id == member_id)
        .options(selectinload(User.memberships).joinedload(Membership.plan, innerjoin=True)),
        User,
        member_id,
    )
    hub = joinedload(Resource.floor, innerjoin=True).joinedload(Floor.hub, innerjoin=True)
    resource = _locked(
        select(Resource)
        .where(Resource.id == resource_id)
        .options(
            hub.selectinload(Hub.opening_hours),
            hub.selectinload(Hub.closures),
        ),
        Resource,
        resource_id,
    )
    return member, resource


def place_locked(
    member: User,
    resource: Resource,
    start: datetime,
    end: datetime,
    *,
    source: BookingSource,
    created_by_id: int | None = None,
    series_id: str | None = None,
    now: datetime | None = None,
    held_for_payment: bool = False,
) -> Booking:
    """`place_booking` once `lock_for_booking` holds the member and the resource.

    `held_for_payment`: hours beyond the plan's quota, which the member pays for. The quota is
    not checked, and the booking is PENDING_PAYMENT: it holds the slot until paid or released.
    """
    now = now or utcnow()
    start, end = rules.check_interval(start, end)
    hub = resource.hub
    day = hub.opening_day(start)

    rules.check_member(member)
    rules.check_resource(resource)
    opening = rules.check_within_opening(hub, day, start, end)
    rules.check_shape(resource, opening, start, end)
    rules.check_not_past(resource, start, end, now)
    membership = rules.active_membership(member, hub, day)
    rules.check_advance_window(membership, hub, day, now)
    rules.check_one_desk_per_day(member, resource, day)
    if not held_for_payment:
        rules.check_quota(membership, resource, start, end)
    rules.check_capacity(resource, start, end)

    booking = Booking(
        resource_id=resource.id,
        member_id=member.id,
        start_at=start,
        end_at=end,
        status=BookingStatus.PENDING_PAYMENT if held_for_payment else BookingStatus.CONFIRMED,
        source=source,
        exclusive=not resource.is_pool,
        series_id=series_id,
        created_by_id=created_by_id,
    )
    db.session.add(booking)
    try:
        # No savepoint of its own: a conflict fails the whole booking, and the callers that
        # go on after one failed placement (series, waitlist) wrap each in their own.
        db.session.flush()
    except IntegrityError as exc:
        if is_exclusion_violation(exc):  # the database caught what the lock should have
            raise BookingConflict(f"{resource.name} is already booked at that time") from exc
        raise
    return booking


def _locked(statement: Select[M], model: type[M], ident: int) -> M:
    """The one row `statement` selects, locked FOR NO KEY UPDATE (see get_or_404) and read
    afresh, or NotFound. SQLite has no row locks: its writers hold the database lock."""
    obj = db.session.scalar(
        statement.with_for_update(key_share=True, of=model).execution_options(
            populate_existing=True
        )
    )
    if obj is None:
        raise NotFound(f"no such {model.__name__.lower()}", id=ident)
    return obj


def get_or_404(model: type[M], ident: int, *, lock: bool = False) -> M:
    """The row with primary key `ident` (locked FOR UPDATE if asked), or NotFound."""
    # FOR NO KEY UPDATE: serialises writers of the row without blocking inserts that merely
    # refer to it (a foreign key check takes KEY SHARE), which avoids lock-order deadlocks.
    obj = db.session.get(model, ident, with_for_update={"key_share": True} if lock else None)
    if obj is None:
        raise NotFound(f"no such {model.__name__.lower()}", id=ident)
    return obj
