"""Accounts: creating users, granting roles, hashing and checking passwords (argon2id)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from app.extensions import db
from app.models import Hub, Role, RoleGrant, User
from app.services.errors import InvalidInput, NotFound
from app.services.transactions import transaction

# argon2-cffi's defaults are argon2id with RFC 9106's low-memory profile (64 MiB, 3 passes).
_hasher = PasswordHasher()


def configure_password_hashing(time_cost: int, memory_kib: int) -> None:
    """Set argon2id's cost (tests use a cheap one; production keeps the defaults)."""
    global _hasher
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def password_matches(user: User, password: str) -> bool:
    """Check a password; constant work whether or not the user has one."""
    if user.password_hash is None:
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def create_user(
    email: str,
    name: str,
    password: str | None,
    roles: list[tuple[Role, str | None]] | None = None,
    **profile: str,
) -> User:
    """Create a user with roles given as (role, hub slug or None)."""
    email = email.strip().lower()
    if "@" not in email:
        raise InvalidInput("that email address is not valid")
    with transaction():
        if find_user_by_email(email) is not None:
            raise InvalidInput(f"{email} already has an account")
        user = User(
            email=email,
            name=name.strip(),
            password_hash=hash_password(password) if password else None,
            **profile,
        )
        db.session.add(user)
        for role, hub_slug in roles or [(Role.MEMBER, None)]:
            user.roles.append(RoleGrant(role=role, hub_id=_hub_id(hub_slug)))
    return user


def _hub_id(slug: str | None) -> int | None:
    if slug is None:
        return None
    hub_id = db.session.scalar(select(Hub.id).where(Hub.slug == slug))
    if hub_id is None:
        raise NotFound(f"no hub with slug {slug!r}")
    return hub_id
