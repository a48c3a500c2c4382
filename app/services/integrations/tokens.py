"""API access tokens: personal (a member's) and service (an integration's), with scopes and an
expiry. The token text is shown once; only a SHA-256 of its secret is stored."""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import ApiToken, TokenKind, User, utcnow
from app.services.audit import record
from app.services.errors import DomainError, Forbidden, InvalidInput, NotFound
from app.services.transactions import transaction


class Scope(enum.StrEnum):
    HUBS_READ = "hubs:read"  # hubs, floors, resources, availability
    BOOKINGS_READ = "bookings:read"
    BOOKINGS_WRITE = "bookings:write"
    PASS_READ = "pass:read"  # noqa: S105  (a scope name)
    OCCUPANCY_READ = "occupancy:read"
    ACCESS_READ = "access:read"  # access events and check-ins (staff of the hub)


#: What a service token may hold: it acts for no member, so it cannot book or hold a pass.
SERVICE_SCOPES = frozenset({Scope.HUBS_READ, Scope.OCCUPANCY_READ, Scope.ACCESS_READ})
MAX_LIFETIME = timedelta(days=366)
PREFIX = {TokenKind.PERSONAL: "rpat", TokenKind.SERVICE: "rsvc"}
#: How often a token's last use is written: not on every request (a write per read).
LAST_USE_RESOLUTION = timedelta(minutes=1)


class InvalidApiToken(DomainError):
    code = "invalid_token"
    http_status = 401


@dataclass(frozen=True)
class IssuedApiToken:
    token: ApiToken
    text: str  # shown to its owner once


@dataclass(frozen=True)
class Caller:
    """Who an API request acts as, detached from the session."""

    token_id: int
    kind: TokenKind
    scopes: frozenset[str]
    member_id: int | None  # personal tokens: the member
    hub_ids: frozenset[int] | None  # hubs whose staff data it reads (None: every hub)

    def may_read_hub(self, hub_id: int) -> bool:
        return self.hub_ids is None or hub_id in self.hub_ids


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _parse_scopes(scopes: list[str], allowed: frozenset[Scope] | None = None) -> list[str]:
    known = {s.value for s in (allowed or frozenset(Scope))}
    unknown = sorted(set(scopes) - known)
    if unknown or not scopes:
        raise InvalidInput(
            f"choose scopes among {sorted(known)}", field="scopes", unknown=", ".join(unknown)
        )
    return sorted(set(scopes))


def _lifetime(days: int) -> timedelta:
    if not 1 <= days <= MAX_LIFETIME.days:
        raise InvalidInput(f"a token lasts 1 to {MAX_LIFETIME.days} days", field="expires_in_days")
    return timedelta(days=days)


def _issue(token: ApiToken) -> IssuedApiToken:
    secret = secrets.token_urlsafe(32)
    token.secret_hash = _digest(secret)
    db.session.add(token)
    db.session.flush()
    return IssuedApiToken(token, f"{PREFIX[token.kind]}_{token.id}_{secret}")


def create_personal_token(
    member_id: int, name: str, scopes: list[str], expires_in_days: int
) -> IssuedApiToken:
    """A token that acts as the member; staff-only scopes work only while they are staff."""
    with transaction():
        issued = _issue(
            ApiToken(
                kind=TokenKind.PERSONAL,
                name=name.strip()[:100] or "token",
                scopes=_parse_scopes(scopes),
                user_id=member_id,
                expires_at=utcnow() + _lifetime(expires_in_days),
            )
        )
    return issued


def create_service_token(
    actor: User, name: str, scopes: list[str], hub_ids: list[int] | None, expires_in_days: int
) -> IssuedApiToken:
    """An integration's token, reading `hub_ids` (None: all, programme admins only). Audited."""
    if hub_ids is None and not actor.is_programme_admin:
        raise Forbidden("only programme admins make tokens for every hub")
    if hub_ids is not None and (not hub_ids or not all(actor.can_administer(h) for h in hub_ids)):
        raise Forbidden("you can make tokens only for hubs you administer")
    with transaction():
        issued = _issue(
            ApiToken(
                kind=TokenKind.SERVICE,
                name=name.strip()[:100] or "integration",
                scopes=_parse_scopes(scopes, SERVICE_SCOPES),
                user_id=actor.id,
                hub_ids=sorted(set(hub_ids)) if hub_ids is not None else None,
                expires_at=utcnow() + _lifetime(expires_in_days),
            )
        )
        record(
            "api_token.create",
            issued.token,
            actor_id=actor.id,
            hub_id=hub_ids[0] if hub_ids else None,
            after={"name": issued.token.name, "scopes": issued.token.scopes, "hubs": hub_ids},
        )
    return issued


def personal_tokens(member_id: int) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.kind == TokenKind.PERSONAL, ApiToken.user_id == member_id)
            .order_by(ApiToken.id.desc())
        )
    )


def service_tokens(actor: User) -> list[ApiToken]:
    """Service tokens the admin may see: all for programme admins, else those of their hubs."""
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.kind == TokenKind.SERVICE).order_by(ApiToken.id.desc())
    )
    return [t for t in tokens if _may_manage(actor, t)]


def _may_manage(actor: User, token: ApiToken) -> bool:
    if actor.is_programme_admin:
        return True
    return token.hub_ids is not None and all(actor.can_administer(h) for h in token.hub_ids)


def revoke_personal_token(member_id: int, token_id: int) -> None:
    with transaction():
        token = db.session.get(ApiToken, token_id)
        if token is None or token.kind is not TokenKind.PERSONAL or token.user_id != member_id:
            raise NotFound(f"no token {token_id}")
        token.revoked_at = token.revoked_at or utcnow()


def revoke_service_token(actor: User, token_id: int) -> None:
    with transaction():
        token = db.session.get(ApiToken, token_id)
        if token is None or token.kind is not TokenKind.SERVICE or not _may_manage(actor, token):
            raise NotFound(f"no token {token_id}")
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            record(
                "api_token.revoke",
                token,
                actor_id=actor.id,
                hub_id=token.hub_ids[0] if token.hub_ids else None,
                after={"name": token.name},
            )


def authenticate(text: str, now: datetime | None = None) -> Caller:
    """The caller a bearer token stands for, or InvalidApiToken (unknown, expired, revoked)."""
    now = now or utcnow()
    prefix, _, rest = text.partition("_")
    ident, _, secret = rest.partition("_")
    if prefix not in PREFIX.values() or not ident.isdigit() or len(ident) > 12 or not secret:
        raise InvalidApiToken("not an API token")
    # The token with its member and their roles in one statement: this runs on every request.
    token = (
        db.session.scalars(
            select(ApiToken)
            .options(joinedload(ApiToken.user).joinedload(User.roles))
            .where(ApiToken.id == int(ident))
        )
        .unique()
        .first()
    )
    if token is None or not hmac.compare_digest(token.secret_hash, _digest(secret)):
        raise InvalidApiToken("unknown token")
    if not token.usable_at(now):
        raise InvalidApiToken("this token is expired or revoked")
    if token.kind is TokenKind.PERSONAL:
        member = token.user
        if member is None or member.is_suspended:
            raise InvalidApiToken("this token's account is suspended")
        staff = member.staff_hub_ids()
        hub_ids = frozenset(staff) if staff is not None else None
        member_id: int | None = member.id
    else:
        hub_ids = frozenset(token.hub_ids) if token.hub_ids is not None else None
        member_id = None
    caller = Caller(token.id, token.kind, frozenset(token.scopes), member_id, hub_ids)
    _note_use(token, now)
    return caller


def _note_use(token: ApiToken, now: datetime) -> None:
    if token.last_used_at is not None and now - token.last_used_at < LAST_USE_RESOLUTION:
        return
    with transaction():
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
