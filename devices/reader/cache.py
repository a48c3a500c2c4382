"""What a reader needs to decide alone: the hub's public keys and revocation list, kept on disk.

Both arrive as retained messages (KeySet, RevocationSet). A malformed one is logged and ignored:
the reader keeps its previous cache rather than lose the ability to decide.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from devices import passcode, protocol

log = logging.getLogger(__name__)

GRANTED = "granted"
REVOKED = "revoked"
WRONG_HUB = "wrong_hub"


@dataclass(frozen=True)
class Verdict:
    """An offline decision, in the same reason words as the server's
    (app.services.access.decision.Reason)."""

    grant: bool
    reason: str
    pass_id: int | None = None


def decide_offline(
    token: str,
    keys: Mapping[int, Ed25519PublicKey],
    revoked: frozenset[int],
    hub_id: int,
    now: float,
) -> Verdict:
    """Signature, validity window, revocation and hub scope: all a reader can know alone.

    Memberships, bookings, opening hours and anti-passback live on the server, so an offline
    reader trusts any genuine, unrevoked token that is valid now for its hub.
    """
    try:
        claims = passcode.verify(token, keys, now)
    except passcode.TokenRejected as rejected:
        return Verdict(False, rejected.reason.value)
    if claims.pass_id in revoked:
        return Verdict(False, REVOKED, claims.pass_id)
    if not claims.allows_hub(hub_id):
        return Verdict(False, WRONG_HUB, claims.pass_id)
    return Verdict(True, GRANTED, claims.pass_id)


class TrustCache:
    """Keys and revocations of one hub, saved as JSON after every accepted update."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._encoded_keys: dict[str, str] = {}
        self._keys: dict[int, Ed25519PublicKey] = {}
        self._revocation_version = -1
        self._revoked: frozenset[int] = frozenset()
        self._load()

    @property
    def keys(self) -> dict[int, Ed25519PublicKey]:
        with self._lock:
            return dict(self._keys)

    @property
    def revoked(self) -> frozenset[int]:
        return self._revoked

    @property
    def revocation_version(self) -> int:
        return self._revocation_version

    def decide(self, token: str, hub_id: int, now: float) -> Verdict:
        return decide_offline(token, self.keys, self._revoked, hub_id, now)

    def accept_keys(self, payload: bytes) -> bool:
        """Replace the keys with a retained KeySet; False (cache unchanged) if it is malformed."""
        try:
            encoded = protocol.KeySet.from_json(payload).keys
            keys = _public_keys(encoded)
        except (protocol.ProtocolError, ValueError) as exc:
            log.warning(
                "ignored a malformed key set, keeping %d cached keys: %s", len(self._keys), exc
            )
            return False
        with self._lock:
            self._encoded_keys, self._keys = dict(encoded), keys
            self._save()
        log.info("key set updated: key ids %s", sorted(keys))
        return True

    def accept_revocations(self, payload: bytes) -> bool:
        """Replace the revocation list; False (cache unchanged) if the message is malformed."""
        try:
            update = protocol.RevocationSet.from_json(payload)
        except protocol.ProtocolError as exc:
            log.warning(
                "ignored a malformed revocation list, keeping version %d: %s",
                self._revocation_version,
                exc,
            )
            return False
        with self._lock:
            self._revocation_version, self._revoked = update.version, frozenset(update.ids)
            self._save()
        log.info("revocation list version %d: %d passes", update.version, len(update.ids))
        return True

    def _save(self) -> None:
        body = {
            "keys": self._encoded_keys,
            "revocations": {"version": self._revocation_version, "ids": sorted(self._revoked)},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".tmp")
        with open(partial, "w") as handle:
            json.dump(body, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, self.path)  # a crash leaves the old file or the new one, never half

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            body = json.loads(self.path.read_text())
            encoded = body["keys"]
            keys = _public_keys(encoded)
            revocations = body["revocations"]
            version, ids = (
                int(revocations["version"]),
                frozenset(int(i) for i in revocations["ids"]),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("unreadable cache %s, starting empty: %s", self.path, exc)
            return
        self._encoded_keys, self._keys = dict(encoded), keys
        self._revocation_version, self._revoked = version, ids


def _public_keys(encoded: Mapping[str, str]) -> dict[int, Ed25519PublicKey]:
    """Decode base64 raw Ed25519 keys; ValueError if any of them is not one."""
    keys = {}
    for key_id, text in encoded.items():
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, TypeError) as exc:
            raise ValueError(f"key {key_id}: not base64") from exc
        if len(raw) != 32:
            raise ValueError(f"key {key_id}: {len(raw)} bytes, an Ed25519 key has 32")
        keys[int(key_id)] = Ed25519PublicKey.from_public_bytes(raw)
    return keys
