"""Which notifications a member gets: every kind unless they switched it off; required kinds
always. `notify` queues a member's notification in the caller's transaction if they want it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select

from app.extensions import db
from app.models import NotificationOptOut, OutboxMessage, User
from app.services.errors import InvalidInput
from app.services.notifications.kinds import KINDS, Kind
from app.services.notifications.mail import Mail
from app.services.notifications.outbox import enqueue
from app.services.transactions import transaction


@dataclass(frozen=True)
class Preference:
    kind: Kind
    enabled: bool


def preferences(user_id: int) -> list[Preference]:
    """Every kind with whether the member gets it, in declaration order."""
    off = _opted_out(user_id)
    return [Preference(k, k.required or k.code not in off) for k in KINDS.values()]


def set_preferences(user_id: int, enabled: Iterable[str]) -> list[Preference]:
    """Get exactly the kinds in `enabled` (required kinds stay on whatever it says)."""
    wanted = set(enabled)
    unknown = wanted - KINDS.keys()
    if unknown:
        raise InvalidInput(f"no notification kind {sorted(unknown)[0]!r}", field="kinds")
    with transaction():
        db.session.execute(delete(NotificationOptOut).where(NotificationOptOut.user_id == user_id))
        for code, k in KINDS.items():
            if not k.required and code not in wanted:
                db.session.add(NotificationOptOut(user_id=user_id, kind=code))
    return preferences(user_id)


def wants(user_id: int, kind: Kind) -> bool:
    return kind.required or kind.code not in _opted_out(user_id)


def notify(
    kind: Kind,
    user: User,
    subject: str,
    body: str,
    *,
    hub_id: int | None = None,
    made_attachments: tuple[tuple[str, int], ...] = (),
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Queue `kind` for `user` by mail, unless they switched it off or have no mailbox."""
    if not user.has_real_email or not wants(user.id, kind):
        return None
    return enqueue(
        Mail(to=user.email, subject=subject, body=body),
        kind=kind.code,
        user_id=user.id,
        hub_id=hub_id,
        made_attachments=made_attachments,
        dedupe_key=dedupe_key,
    )


def _opted_out(user_id: int) -> set[str]:
    return set(
        db.session.scalars(
            select(NotificationOptOut.kind).where(NotificationOptOut.user_id == user_id)
        )
    )
