"""Signing keys for passes: generate, rotate, list; private keys stay outside the database.

A private key comes from the environment (RUANG_PASS_SIGNING_KEY = "<key id>:<base64 of the raw
32-byte key>") or from `<instance>/pass-keys/<key id>.key` (raw base64, mode 0600; a file anyone
else can read is refused). Public keys live in the database and are published to readers; a
rotated-out key stays published for RETIRED_KEY_GRACE so passes it signed keep working.
"""

from __future__ import annotations

import base64
import os
import stat
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from sqlalchemy import select

from app.extensions import db
from app.models import PassKey, utcnow
from app.services.errors import DomainError
from app.services.transactions import transaction

#: How long a retired key still verifies: longer than any pass it can have signed (a booking
#: pass is signed at most a plan's advance window ahead; plans allow at most 90 days).
RETIRED_KEY_GRACE = timedelta(days=120)
KEY_IDS = range(256)


class KeyUnavailable(DomainError):
    code = "key_unavailable"
    http_status = 503


@dataclass(frozen=True)
class SigningKey:
    key_id: int
    private_key: Ed25519PrivateKey


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


class Keyring:
    """Where this server finds its private keys."""

    def __init__(self, key_dir: Path, env_key: str | None = None) -> None:
        self.key_dir = key_dir
        self.env_key = env_key

    def private_key(self, key_id: int) -> Ed25519PrivateKey | None:
        if self.env_key:
            env_id, _, encoded = self.env_key.partition(":")
            if env_id.strip() == str(key_id):
                return _private_from_b64(encoded)
        path = self.key_dir / f"{key_id}.key"
        if not path.exists():
            return None
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            raise KeyUnavailable(f"{path} is readable by others: chmod 600 it")
        return _private_from_b64(path.read_text())

    def store(self, key_id: int, key: Ed25519PrivateKey) -> Path:
        self.key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        path = self.key_dir / f"{key_id}.key"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(base64.b64encode(raw).decode())
        return path


def _private_from_b64(encoded: str) -> Ed25519PrivateKey:
    try:
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(encoded.strip()))
    except ValueError as exc:
        raise KeyUnavailable("the pass signing key is not a base64 Ed25519 key") from exc


def signing_key(keyring: Keyring) -> SigningKey:
    """The newest active key whose private half this server holds."""
    for key in db.session.scalars(
        select(PassKey).where(PassKey.retired_at.is_(None)).order_by(PassKey.created_at.desc())
    ):
        private = keyring.private_key(key.id)
        if private is not None:
            return SigningKey(key.id, private)
    raise KeyUnavailable("no pass signing key: run `flask ruang keys generate`")


def published_keys(now: datetime | None = None) -> dict[int, Ed25519PublicKey]:
    """Every public key a reader should accept now: active ones and recently retired ones."""
    now = now or utcnow()
    keys = db.session.scalars(
        select(PassKey).where(
            (PassKey.retired_at.is_(None)) | (PassKey.retired_at > now - RETIRED_KEY_GRACE)
        )
    )
    return {key.id: Ed25519PublicKey.from_public_bytes(key.public_key) for key in keys}


#: How long a process trusts its copy of the published keys. A token naming a key the copy lacks
#: (or failing against it) refreshes it at once, so a new key works immediately.
KEY_CACHE_SECONDS = 60.0
_key_cache: dict[str, tuple[float, dict[int, Ed25519PublicKey]]] = {}


def cached_published_keys(
    now: datetime | None = None, *, refresh: bool = False
) -> dict[int, Ed25519PublicKey]:
    """published_keys(), kept per database for KEY_CACHE_SECONDS (one query a minute, not one
    per door scan)."""
    database = db.engine.url.render_as_string(hide_password=True)
    cached = _key_cache.get(database)
    clock = time.monotonic()
    if refresh or cached is None or clock - cached[0] > KEY_CACHE_SECONDS:
        cached = (clock, published_keys(now))
        _key_cache[database] = cached
    return cached[1]


def generate_key(keyring: Keyring) -> PassKey:
    """A new active signing key (the private half written to the key folder)."""
    with transaction():
        key = _add_key(keyring)
    return key


def rotate_key(keyring: Keyring) -> PassKey:
    """Start signing with a new key; the old ones retire but keep verifying for a while."""
    with transaction():
        for old in db.session.scalars(select(PassKey).where(PassKey.retired_at.is_(None))):
            old.retired_at = utcnow()
        key = _add_key(keyring)
    return key


def _add_key(keyring: Keyring) -> PassKey:
    used = set(db.session.scalars(select(PassKey.id)))
    free = [key_id for key_id in KEY_IDS if key_id not in used]
    if not free:
        raise KeyUnavailable("all 256 key ids are in use; purge old keys first")
    private = Ed25519PrivateKey.generate()
    key = PassKey(id=free[0], public_key=raw_public(private.public_key()))
    db.session.add(key)
    db.session.flush()
    keyring.store(key.id, private)
    return key


def list_keys() -> list[PassKey]:
    return list(db.session.scalars(select(PassKey).order_by(PassKey.created_at)))
