"""Consent to the personal-data notice (UU PDP 27/2022): each consent is recorded with the
notice's version and the time; when the notice changes, members are asked again."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import ConsentRecord, User, utcnow
from app.services.errors import NotFound
from app.services.transactions import transaction

#: Version of the personal-data notice; change it with the notice's text and every member is
#: asked to agree again at their next visit.
PRIVACY_NOTICE_VERSION = "2026-11"


def record_consent(user_id: int, version: str | None = None, source: str = "web") -> None:
    """Record a consent in the caller's transaction, and keep the account's latest one."""
    now = utcnow()
    version = version or PRIVACY_NOTICE_VERSION
    db.session.add(ConsentRecord(user_id=user_id, version=version, given_at=now, source=source))
    user = db.session.get(User, user_id)
    if user is not None:
        user.consent_at = now
        user.consent_version = version


def needs_consent(user: User) -> bool:
    """The member has not agreed to the current notice (it changed, or they never did)."""
    return user.consent_version != PRIVACY_NOTICE_VERSION


def give_consent(user_id: int) -> None:
    """The member agrees to the current notice."""
    with transaction():
        if db.session.get(User, user_id) is None:
            raise NotFound("no such account")
        record_consent(user_id)


def consent_history(user_id: int) -> list[ConsentRecord]:
    return list(
        db.session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.user_id == user_id)
            .order_by(ConsentRecord.given_at, ConsentRecord.id)
        )
    )
