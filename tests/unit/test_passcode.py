"""Pass tokens: size bound, round trip, every rejection, and nothing but rejections on junk."""

from __future__ import annotations

import pytest
import qrcode
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.base45 import ALPHABET, b45decode, b45encode
from devices.passcode import (
    MAX_TOKEN_LENGTH,
    TOKEN_LENGTH,
    PassClaims,
    PassKind,
    Rejection,
    TokenRejected,
    decode_unverified,
    encode,
    verify,
)

KEY = Ed25519PrivateKey.generate()
OTHER_KEY = Ed25519PrivateKey.generate()
KEYS = {7: KEY.public_key()}
NOW = 1_795_000_000
CLAIMS = PassClaims(7, 123_456, PassKind.MEMBER, 42, NOW - 10, NOW + 80)


def rejection(token: str, keys=KEYS, now: float = NOW) -> Rejection:
    with pytest.raises(TokenRejected) as caught:
        verify(token, keys, now)
    return caught.value.reason


def test_round_trip() -> None:
    token = encode(CLAIMS, KEY)
    assert verify(token, KEYS, NOW) == CLAIMS


def test_token_fits_a_version_5_m_qr_code_in_alphanumeric_mode() -> None:
    token = encode(PassClaims(255, 2**32 - 1, PassKind.STAFF, 65535, 2**32 - 2, 2**32 - 1), KEY)
    assert len(token) == TOKEN_LENGTH <= MAX_TOKEN_LENGTH
    assert set(token) <= set(ALPHABET)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(token)
    code.make(fit=True)
    assert code.version <= 5
    assert code.data_list[0].mode == qrcode.util.MODE_ALPHA_NUM


def test_no_personal_data_only_ids() -> None:
    claims, _, _ = decode_unverified(encode(CLAIMS, KEY))
    assert set(vars(claims)) == {"key_id", "pass_id", "kind", "hub_id", "valid_from", "valid_until"}


def test_tampered_token_is_a_bad_signature() -> None:
    raw = bytearray(b45decode(encode(CLAIMS, KEY)))
    raw[3] ^= 0x01  # change the pass id
    assert rejection(b45encode(bytes(raw))) is Rejection.BAD_SIGNATURE


def test_forged_with_another_key() -> None:
    assert rejection(encode(CLAIMS, OTHER_KEY)) is Rejection.BAD_SIGNATURE


def test_unknown_key_id() -> None:
    forged = encode(PassClaims(9, 1, PassKind.MEMBER, 0, NOW, NOW + 60), KEY)
    assert rejection(forged) is Rejection.UNKNOWN_KEY


def test_truncated_and_garbage() -> None:
    token = encode(CLAIMS, KEY)
    assert rejection(token[:-3]) is Rejection.BAD_FORMAT
    assert rejection(token[:-1]) is Rejection.BAD_FORMAT
    assert rejection("") is Rejection.BAD_FORMAT
    assert rejection("hello world") is Rejection.BAD_FORMAT
    assert rejection(token + "00") is Rejection.BAD_FORMAT


def test_time_window_with_clock_skew() -> None:
    token = encode(CLAIMS, KEY)
    assert verify(token, KEYS, CLAIMS.valid_from - 30) == CLAIMS  # reader clock 30 s behind
    assert rejection(token, now=CLAIMS.valid_from - 31) is Rejection.NOT_YET_VALID
    assert verify(token, KEYS, CLAIMS.valid_until + 29) == CLAIMS
    assert rejection(token, now=CLAIMS.valid_until + 30) is Rejection.EXPIRED


def test_hub_scope() -> None:
    assert CLAIMS.allows_hub(42)
    assert not CLAIMS.allows_hub(43)
    assert PassClaims(7, 1, PassKind.STAFF, 0, NOW, NOW + 1).allows_hub(43)


def test_encode_refuses_impossible_claims() -> None:
    with pytest.raises(ValueError, match="end after"):
        encode(PassClaims(7, 1, PassKind.DAY, 1, NOW, NOW), KEY)
    with pytest.raises(ValueError, match="8 bits"):
        encode(PassClaims(256, 1, PassKind.DAY, 1, NOW, NOW + 1), KEY)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_is_only_ever_rejected(text: str) -> None:
    with pytest.raises(TokenRejected):
        verify(text, KEYS, NOW)


@settings(max_examples=500, deadline=None)
@given(st.binary(min_size=0, max_size=100))
def test_arbitrary_bytes_as_base45_are_only_ever_rejected(data: bytes) -> None:
    with pytest.raises(TokenRejected):
        verify(b45encode(data), KEYS, NOW)


@given(st.binary(max_size=64))
def test_base45_round_trip(data: bytes) -> None:
    assert b45decode(b45encode(data)) == data


def test_base45_rfc_9285_examples() -> None:
    assert b45encode(b"AB") == "BB8"
    assert b45encode(b"Hello!!") == "%69 VD92EX0"
    assert b45encode(b"base-45") == "UJCLQE7W581"
    assert b45decode("QED8WEX0") == b"ietf!"


def test_tokens_starting_or_ending_with_a_space_verify() -> None:
    """A space is a base45 character: key id 4 puts one first in a member pass."""
    claims = PassClaims(4, 1, PassKind.MEMBER, 0, NOW - 10, NOW + 80)
    token = encode(claims, KEY)
    assert token.startswith(" ")
    assert verify(token, {4: KEY.public_key()}, NOW) == claims
    assert verify(token + "\r\n", {4: KEY.public_key()}, NOW) == claims  # a scanner's Enter
