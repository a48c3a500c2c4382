"""QR pass tokens: a compact signed payload, verifiable offline with public keys only.

Layout (16 bytes, big-endian), then a 64-byte Ed25519 signature over it, all in base45:

    version:4 kind:4 | key id:8 | pass id:32 | hub:16 | valid from:32 | valid until:32

80 bytes encode to 120 base45 characters: a version-5 QR code at error correction M (its
alphanumeric capacity is 122), small enough for cheap scanner modules. No personal data: the
pass id is looked up on the server; readers check signature, time and revocation only.
Hub 0 means "any hub". Times are Unix seconds (UTC).
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from devices.base45 import Base45Error, b45decode, b45encode

FORMAT_VERSION = 1
PAYLOAD = struct.Struct(">BBIHII")
SIGNATURE_LENGTH = 64
TOKEN_BYTES = PAYLOAD.size + SIGNATURE_LENGTH
TOKEN_LENGTH = 120  # base45 characters
MAX_TOKEN_LENGTH = 122  # what a version-5-M QR code holds; longer input is rejected unread
DEFAULT_CLOCK_SKEW = 30  # seconds a reader's clock may differ from the server's
ANY_HUB = 0


class PassKind(enum.IntEnum):
    MEMBER = 1  # rotating code on the member's phone
    DAY = 2  # a day pass or a booking: valid on the booked day in hub time
    GUEST = 3
    STAFF = 4


class Rejection(enum.StrEnum):
    BAD_FORMAT = "bad_format"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"


class TokenRejected(Exception):
    """The token is not a valid pass now; `reason` says why (the first check that failed)."""

    def __init__(self, reason: Rejection, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason


@dataclass(frozen=True)
class PassClaims:
    key_id: int
    pass_id: int
    kind: PassKind
    hub_id: int  # ANY_HUB (0) for every hub
    valid_from: int
    valid_until: int

    def allows_hub(self, hub_id: int) -> bool:
        return self.hub_id in (ANY_HUB, hub_id)


def encode(claims: PassClaims, private_key: Ed25519PrivateKey) -> str:
    """Sign `claims` and return the token text (always TOKEN_LENGTH characters)."""
    if not 0 <= claims.key_id <= 0xFF or not 0 <= claims.hub_id <= 0xFFFF:
        raise ValueError("key id must fit in 8 bits and hub id in 16")
    if claims.valid_until <= claims.valid_from:
        raise ValueError("a pass must end after it starts")
    payload = PAYLOAD.pack(
        (FORMAT_VERSION << 4) | int(claims.kind),
        claims.key_id,
        claims.pass_id,
        claims.hub_id,
        claims.valid_from,
        claims.valid_until,
    )
    return b45encode(payload + private_key.sign(payload))


def decode_unverified(token: str) -> tuple[PassClaims, bytes, bytes]:
    """(claims, payload, signature) without checking the signature; BAD_FORMAT if not a pass."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise TokenRejected(Rejection.BAD_FORMAT, "not a pass code")
    try:
        raw = b45decode(token.strip("\r\n"))  # a space is a base45 character: keep it
    except Base45Error as exc:
        raise TokenRejected(Rejection.BAD_FORMAT, str(exc)) from None
    if len(raw) != TOKEN_BYTES:
        raise TokenRejected(Rejection.BAD_FORMAT, f"{len(raw)} bytes, expected {TOKEN_BYTES}")
    payload, signature = raw[: PAYLOAD.size], raw[PAYLOAD.size :]
    head, key_id, pass_id, hub_id, valid_from, valid_until = PAYLOAD.unpack(payload)
    version, kind = head >> 4, head & 0x0F
    if version != FORMAT_VERSION:
        raise TokenRejected(Rejection.BAD_FORMAT, f"format version {version}")
    if kind not in PassKind._value2member_map_:
        raise TokenRejected(Rejection.BAD_FORMAT, f"pass kind {kind}")
    if valid_until <= valid_from:
        raise TokenRejected(Rejection.BAD_FORMAT, "ends before it starts")
    claims = PassClaims(key_id, pass_id, PassKind(kind), hub_id, valid_from, valid_until)
    return claims, payload, signature


def verify(
    token: str,
    public_keys: Mapping[int, Ed25519PublicKey],
    now: float,
    skew: int = DEFAULT_CLOCK_SKEW,
) -> PassClaims:
    """The claims of a genuine token valid at `now`; otherwise TokenRejected and nothing else.

    Checks run in order and the first failure is the reason: format, key, signature, time.
    """
    claims, payload, signature = decode_unverified(token)
    key = public_keys.get(claims.key_id)
    if key is None:
        raise TokenRejected(Rejection.UNKNOWN_KEY, f"key {claims.key_id}")
    try:
        key.verify(signature, payload)
    except InvalidSignature:
        raise TokenRejected(Rejection.BAD_SIGNATURE) from None
    if now + skew < claims.valid_from:
        raise TokenRejected(Rejection.NOT_YET_VALID)
    if now - skew >= claims.valid_until:
        raise TokenRejected(Rejection.EXPIRED)
    return claims
