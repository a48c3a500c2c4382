"""Benchmark: pass tokens and access decisions.

- sign and verify per second on one core (devices.passcode, Ed25519), target verify >= 5,000/s;
- QR render time for SVG and PNG (app.services.access.qr), target SVG <= 5 ms;
- access decisions per second including the database (app.services.access.decision.decide_access:
  signature, pass row, membership, opening hours, event insert and commit), on SQLite and
  PostgreSQL, one decision at a time from one thread.

Usage: .venv/bin/python scripts/bench/passes.py [--backends sqlite,postgresql] [--seconds 3]
       [--decisions 2000] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from benchlib import (
    environment,
    fresh_database,
    make_app,
    pg_server_url,
    print_table,
    summarise_ms,
    write_json,
)
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.extensions import db
from app.models import Hub, Membership, Plan, Role, RoleGrant, User
from app.services.access.decision import AccessRequest, decide_access
from app.services.access.keys import Keyring, generate_key, published_keys
from app.services.access.passes import rotating_token
from app.services.access.qr import qr_png, qr_svg
from app.services.hubs.calendar import set_opening_hours
from devices import passcode


def rate(operation: Any, seconds: float) -> tuple[float, int]:
    """Operations per second of `operation()` over about `seconds`."""
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for _ in range(100):
            operation()
        count += 100
    return count / (time.perf_counter() - start), count


def token_speed(seconds: float) -> dict[str, Any]:
    key = Ed25519PrivateKey.generate()
    keys = {1: key.public_key()}
    now = int(time.time())
    claims = passcode.PassClaims(1, 42, passcode.PassKind.MEMBER, 7, now, now + 90)
    token = passcode.encode(claims, key)
    sign_rate, signs = rate(lambda: passcode.encode(claims, key), seconds)
    verify_rate, verifies = rate(lambda: passcode.verify(token, keys, now), seconds)
    svg_samples, png_samples = [], []
    for _ in range(300):
        started = time.perf_counter()
        qr_svg(token)
        svg_samples.append(time.perf_counter() - started)
        started = time.perf_counter()
        qr_png(token)
        png_samples.append(time.perf_counter() - started)
    return {
        "sign_per_s": sign_rate,
        "signs": signs,
        "verify_per_s": verify_rate,
        "verifies": verifies,
        "qr_svg_ms": summarise_ms(svg_samples),
        "qr_png_ms": summarise_ms(png_samples),
    }


def decision_speed(backend: str, decisions: int, pg_url: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp), pg_url) as url:
        pool = {"pool_size": 5} if backend != "sqlite" else {}
        app = make_app(url, Path(tmp), **({"SQLALCHEMY_ENGINE_OPTIONS": pool} if pool else {}))
        with app.app_context():
            keyring = Keyring(Path(tmp) / "keys")
            generate_key(keyring)
            hub = Hub(slug="bench", name="Bench Hub", timezone="Asia/Jakarta")
            set_opening_hours(
                hub,
                {
                    day: (datetime.min.time(), datetime.max.time().replace(microsecond=0))
                    for day in range(7)
                },
            )
            plan = Plan(code="bench", name="Bench")
            db.session.add_all([hub, plan])
            members = []
            for n in range(decisions):
                member = User(email=f"m{n}@bench.example", name=f"Member {n}")
                member.roles.append(RoleGrant(role=Role.MEMBER))
                member.memberships.append(Membership(plan=plan, starts_on=date(2020, 1, 1)))
                members.append(member)
            db.session.add_all(members)
            db.session.commit()
            tokens = [rotating_token(keyring, member.id).token for member in members]
            hub_id = hub.id
            db.session.remove()
            keys = published_keys()
            samples = []
            granted = 0
            started_all = time.perf_counter()
            for token in tokens:
                started = time.perf_counter()
                decision = decide_access(AccessRequest(token=token, hub_id=hub_id), keys)
                samples.append(time.perf_counter() - started)
                db.session.remove()  # a fresh session per decision, as the gateway has
                granted += decision.granted
            elapsed = time.perf_counter() - started_all
            db.session.remove()
            db.engine.dispose()
    return {
        "backend": backend,
        "decisions": decisions,
        "granted": granted,
        "per_s": decisions / elapsed,
        "latency_ms": summarise_ms(samples),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seconds", default=3.0, type=float)
    parser.add_argument("--decisions", default=2000, type=int)
    parser.add_argument("--pg-url", default=None)
    args = parser.parse_args()
    pg_url = pg_server_url(args.pg_url)

    tokens = token_speed(args.seconds)
    print("Tokens (one core):")
    print_table(
        ["sign/s", "verify/s", "QR SVG p50 ms", "QR SVG p99 ms", "QR PNG p50 ms", "QR PNG p99 ms"],
        [
            [
                round(tokens["sign_per_s"]),
                round(tokens["verify_per_s"]),
                tokens["qr_svg_ms"]["p50"],
                tokens["qr_svg_ms"]["p99"],
                tokens["qr_png_ms"]["p50"],
                tokens["qr_png_ms"]["p99"],
            ]
        ],
    )
    results = []
    for backend in args.backends.split(","):
        results.append(decision_speed(backend, args.decisions, pg_url))
    print("\nAccess decisions including the database (one thread):")
    print_table(
        ["backend", "decisions", "granted", "decisions/s", "p50 ms", "p99 ms", "max ms"],
        [
            [
                r["backend"],
                r["decisions"],
                r["granted"],
                round(r["per_s"]),
                r["latency_ms"]["p50"],
                r["latency_ms"]["p99"],
                r["latency_ms"]["max"],
            ]
            for r in results
        ],
    )
    path = write_json(
        "passes",
        {
            "environment": environment(pg_url),
            "tokens": tokens,
            "decisions": results,
            "run_at": datetime.now(UTC).isoformat(),
            "note": "single thread, noisy shared machine",
        },
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
