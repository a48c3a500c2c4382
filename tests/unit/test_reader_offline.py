"""The reader's offline decision and its key / revocation cache (no broker, no database)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from devices import passcode, protocol
from devices.reader.cache import TrustCache, decide_offline

NOW = 1_800_000_000
HUB = 7


def _raw(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


@pytest.fixture
def signer() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def token(
    signer: Ed25519PrivateKey,
    pass_id: int = 11,
    hub: int = HUB,
    key_id: int = 3,
    start: int = NOW - 10,
    end: int = NOW + 80,
) -> str:
    claims = passcode.PassClaims(key_id, pass_id, passcode.PassKind.MEMBER, hub, start, end)
    return passcode.encode(claims, signer)


def keyset(**keys: Ed25519PrivateKey) -> bytes:
    return protocol.KeySet({k.removeprefix("k"): _raw(v) for k, v in keys.items()}).to_json()


@pytest.fixture
def cache(tmp_path: Path, signer: Ed25519PrivateKey) -> TrustCache:
    trust = TrustCache(tmp_path / "reader.cache.json")
    assert trust.accept_keys(keyset(k3=signer))
    assert trust.accept_revocations(protocol.RevocationSet(4, [99]).to_json())
    return trust


def test_a_genuine_token_valid_now_for_this_hub_is_granted(cache, signer):
    verdict = cache.decide(token(signer), HUB, NOW)
    assert (verdict.grant, verdict.reason, verdict.pass_id) == (True, "granted", 11)


def test_a_pass_for_every_hub_is_granted(cache, signer):
    assert cache.decide(token(signer, hub=passcode.ANY_HUB), HUB, NOW).grant


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda s: token(s, pass_id=99), "revoked"),
        (lambda s: token(s, hub=HUB + 1), "wrong_hub"),
        (lambda s: token(s, start=NOW - 200, end=NOW - 60), "expired"),
        (lambda s: token(s, start=NOW + 120, end=NOW + 200), "not_yet_valid"),
        (lambda s: token(s, key_id=9), "unknown_key"),
        (lambda s: token(Ed25519PrivateKey.generate()), "bad_signature"),
        (lambda s: "NOT-A-PASS", "bad_format"),
    ],
)
def test_refusals_carry_the_servers_reason_words(cache, signer, make, reason):
    verdict = cache.decide(make(signer), HUB, NOW)
    assert (verdict.grant, verdict.reason) == (False, reason)


def test_with_no_keys_at_all_everything_is_refused(signer):
    verdict = decide_offline(token(signer), {}, frozenset(), HUB, NOW)
    assert (verdict.grant, verdict.reason) == (False, "unknown_key")


def test_the_cache_survives_a_restart(cache, signer, tmp_path):
    again = TrustCache(tmp_path / "reader.cache.json")
    assert set(again.keys) == {3}
    assert again.revoked == frozenset({99})
    assert again.revocation_version == 4
    assert again.decide(token(signer), HUB, NOW).grant
    assert again.decide(token(signer, pass_id=99), HUB, NOW).reason == "revoked"


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"\xff\xfe not utf-8",
        b"[1, 2]",
        b'{"v": 2, "keys": {}}',
        b'{"v": 1, "keys": {"x": "abc"}}',
        b'{"v": 1, "keys": {"3": "not base64!"}}',
        b'{"v": 1, "keys": {"3": "AAAA"}}',  # base64, but not 32 bytes
        b'{"v": 1, "keys": []}',
        b"x" * 70_000,
    ],
)
def test_a_malformed_key_set_keeps_the_old_keys(cache, signer, tmp_path, payload):
    assert not cache.accept_keys(payload)
    assert set(cache.keys) == {3}
    assert cache.decide(token(signer), HUB, NOW).grant
    assert set(TrustCache(tmp_path / "reader.cache.json").keys) == {3}


@pytest.mark.parametrize(
    "payload",
    [b"{}", b'{"v": 1, "version": "4", "ids": []}', b'{"v": 1, "version": 5, "ids": ["7"]}'],
)
def test_a_malformed_revocation_list_keeps_the_old_one(cache, payload):
    assert not cache.accept_revocations(payload)
    assert cache.revoked == frozenset({99})


def test_a_new_key_set_replaces_the_old_one(cache, signer):
    newer = Ed25519PrivateKey.generate()
    assert cache.accept_keys(keyset(k5=newer))
    assert cache.decide(token(signer), HUB, NOW).reason == "unknown_key"
    assert cache.decide(token(newer, key_id=5), HUB, NOW).grant


def test_an_unreadable_cache_file_starts_empty(tmp_path, signer):
    path = tmp_path / "reader.cache.json"
    path.write_text(json.dumps({"keys": {"3": "garbage"}, "revocations": {}}))
    trust = TrustCache(path)
    assert trust.keys == {}
    assert trust.revoked == frozenset()
    assert trust.decide(token(signer), HUB, NOW).reason == "unknown_key"
