"""The localstripe harness itself: loopback only, no shared on-disk state, the pinned SDK."""

from __future__ import annotations

from pathlib import Path

import stripe

from config.settings import STRIPE_API_VERSION
from tests.stripe import LocalStripe

SHARED_PICKLE = Path("/tmp/localstripe.pickle")  # where localstripe as shipped keeps its state


def listening_addresses(port: int) -> list[str]:
    """Local addresses (hex, as the kernel lists them) of the sockets listening on `port`."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.append(address)
    return found


def test_localstripe_listens_on_loopback_only(localstripe: LocalStripe) -> None:
    assert listening_addresses(localstripe.port) == ["0100007F"]  # 127.0.0.1, no IPv6 `::`


def test_localstripe_keeps_no_state_on_disk(localstripe: LocalStripe) -> None:
    before = SHARED_PICKLE.stat().st_mtime_ns if SHARED_PICKLE.exists() else None
    localstripe.client().v1.customers.create(params={"email": "disk@example.com"})
    after = SHARED_PICKLE.stat().st_mtime_ns if SHARED_PICKLE.exists() else None
    assert after == before


def test_the_pinned_sdk_talks_to_localstripe(localstripe: LocalStripe) -> None:
    client = stripe.StripeClient(
        "sk_test_pinned",
        stripe_version=STRIPE_API_VERSION,
        base_addresses={"api": localstripe.url},
        max_network_retries=0,
    )
    intent = client.v1.payment_intents.create(params={"amount": 1_000_000, "currency": "idr"})
    assert intent.status == "requires_payment_method"
    assert intent.amount == 1_000_000
