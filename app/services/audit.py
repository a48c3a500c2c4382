"""Recording and reading the audit log of staff and admin actions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import Enum
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Base, Hub, User


def snapshot(obj: Base, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of `obj` as JSON-friendly values, for before/after records."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def record(
    action: str,
    target: Base | None = None,
    *,
    actor_id: int | None,
    hub_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    target_type: str | None = None,
) -> AuditEntry:
    """Add an audit entry to the caller's transaction (it commits or rolls back with the act)."""
    entry = AuditEntry(
        action=action,
        actor_id=actor_id,
        hub_id=hub_id,
        target_type=target_type or (type(target).__name__ if target is not None else ""),
        target_id=getattr(target, "id", None),
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


def record_created(
    action: str, target: Base, fields: Iterable[str], *, actor_id: int | None, hub: Hub
) -> None:
    """Add `target` to the caller's transaction and record `action` with its new fields (the
    hub's id is read after the insert, so a new hub can be its own)."""
    db.session.add(target)
    db.session.flush()
    record(action, target, actor_id=actor_id, hub_id=hub.id, after=snapshot(target, fields))


@contextmanager
def audited_change(
    action: str, target: Base, fields: Iterable[str], *, actor_id: int | None, hub_id: int | None
) -> Iterator[None]:
    """Record `action` with the fields before and after the block, if the block changed any."""
    names = tuple(fields)
    before = snapshot(target, names)
    yield
    db.session.flush()
    after = snapshot(target, names)
    if before != after:
        record(action, target, actor_id=actor_id, hub_id=hub_id, before=before, after=after)


@dataclass(frozen=True)
class AuditFilter:
    hub_ids: set[int] | None = None  # None: every hub (programme admins)
    action: str | None = None
    actor_email: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 200


def list_entries(criteria: AuditFilter) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if criteria.hub_ids is not None:
        stmt = stmt.where(AuditEntry.hub_id.in_(criteria.hub_ids))
    if criteria.action:
        stmt = stmt.where(AuditEntry.action == criteria.action)
    if criteria.actor_email:
        stmt = stmt.join(User, AuditEntry.actor_id == User.id).where(
            User.email == criteria.actor_email.strip().lower()
        )
    if criteria.since is not None:
        stmt = stmt.where(AuditEntry.at >= criteria.since)
    if criteria.until is not None:
        stmt = stmt.where(AuditEntry.at < criteria.until)
    return list(db.session.scalars(stmt.limit(criteria.limit)))


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
