"""The event rule of the access decision (app.services.access.decision calls it): an event pass
admits its holder to the event's hub while the event runs (doors open DOORS_OPEN_EARLY before),
and opens the room door of the event's room; a cancelled place or event has a revoked pass."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Event, EventRegistration, RegistrationStatus

#: An event pass opens the door this long before the event starts.
DOORS_OPEN_EARLY = timedelta(minutes=30)


def event_admits(pass_id: int, now: datetime, resource_id: int | None = None) -> bool:
    """Whether the event pass `pass_id` lets its holder in now (into room `resource_id`, when
    scanned at a room door)."""
    row = db.session.execute(
        select(Event.starts_at, Event.ends_at, Event.resource_id)
        .join(EventRegistration, EventRegistration.event_id == Event.id)
        .where(
            EventRegistration.pass_id == pass_id,
            EventRegistration.status == RegistrationStatus.REGISTERED,
            Event.cancelled_at.is_(None),
        )
    ).first()
    if row is None or not row.starts_at - DOORS_OPEN_EARLY <= now < row.ends_at:
        return False
    return resource_id is None or row.resource_id == resource_id
