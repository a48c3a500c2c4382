"""Signing keys: generated with 0600 files, rotated with a grace period, taken from the env."""

from __future__ import annotations

import base64
import stat
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from app.models import PassKey, utcnow
from app.services.access.keys import (
    RETIRED_KEY_GRACE,
    Keyring,
    KeyUnavailable,
    generate_key,
    published_keys,
    raw_public,
    rotate_key,
    signing_key,
)


def test_generated_key_file_is_private(tmp_path, session) -> None:
    ring = Keyring(tmp_path / "keys")
    key = generate_key(ring)
    path = tmp_path / "keys" / f"{key.id}.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert signing_key(ring).key_id == key.id


def test_a_key_file_others_can_read_is_refused(tmp_path, session) -> None:
    ring = Keyring(tmp_path / "keys")
    key = generate_key(ring)
    (tmp_path / "keys" / f"{key.id}.key").chmod(0o644)
    with pytest.raises(KeyUnavailable, match="chmod 600"):
        signing_key(ring)


def test_no_key_at_all(tmp_path, session) -> None:
    with pytest.raises(KeyUnavailable, match="keys generate"):
        signing_key(Keyring(tmp_path / "keys"))


def test_private_key_from_the_environment(tmp_path, session) -> None:
    private = Ed25519PrivateKey.generate()
    session.add(PassKey(id=9, public_key=raw_public(private.public_key())))
    session.commit()
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    ring = Keyring(tmp_path / "empty", env_key=f"9:{base64.b64encode(raw).decode()}")
    assert signing_key(ring).key_id == 9


def test_rotation_keeps_old_keys_published_for_the_grace_period(tmp_path, session, clock) -> None:
    ring = Keyring(tmp_path / "keys")
    old = generate_key(ring)
    new = rotate_key(ring)
    assert signing_key(ring).key_id == new.id
    assert set(published_keys()) == {old.id, new.id}
    assert set(published_keys(utcnow() + RETIRED_KEY_GRACE + timedelta(days=1))) == {new.id}
