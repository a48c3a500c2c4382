"""Pages of a hub's records for integrations, newest first, continued after an id (cursor)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute

from app.extensions import db
from app.models import AccessEvent, Booking, Floor, Resource

T = TypeVar("T", AccessEvent, Booking)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    more: bool


def _page(
    stmt: Select[Any], id_column: InstrumentedAttribute[int], before_id: int | None, limit: int
) -> Page[Any]:
    if before_id is not None:
        stmt = stmt.where(id_column < before_id)
    rows = list(db.session.scalars(stmt.order_by(id_column.desc()).limit(limit + 1)))
    return Page(rows[:limit], len(rows) > limit)


def access_events(hub_id: int, before_id: int | None, limit: int) -> Page[AccessEvent]:
    """The hub's access decisions (granted or not)."""
    stmt = select(AccessEvent).where(AccessEvent.hub_id == hub_id)
    return _page(stmt, AccessEvent.id, before_id, limit)


def check_ins(hub_id: int, before_id: int | None, limit: int) -> Page[Booking]:
    """The hub's bookings that were checked in (at the door or the desk)."""
    stmt = (
        select(Booking)
        .join(Resource, Booking.resource_id == Resource.id)
        .join(Floor, Resource.floor_id == Floor.id)
        .where(Floor.hub_id == hub_id, Booking.checked_in_at.is_not(None))
    )
    return _page(stmt, Booking.id, before_id, limit)
