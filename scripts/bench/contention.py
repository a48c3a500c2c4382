"""Benchmark: 50 members try to book the same desk for the same day at the same moment.

Each attempt runs in its own thread with its own app context, so its own session and
database connection (the pool is sized so that no thread waits for one, and the connections
are opened before the first round). A barrier releases
them together. Each repetition books a different day of the same desk, so every round starts
from a free desk. Expected per round: 1 success, 49 conflicts, 0 errors, and exactly one
active booking of the desk that day in the database afterwards.

Usage: .venv/bin/python scripts/bench/contention.py [--backends sqlite,postgresql]
       [--threads 50] [--rounds 20] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time as clock
from collections import Counter
from dataclasses import dataclass
from datetime import date, time, timedelta
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
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingMode,
    Floor,
    Hub,
    Membership,
    Plan,
    Resource,
    ResourceKind,
    Role,
    RoleGrant,
    User,
)
from app.services.booking.bookings import book_whole_day
from app.services.errors import BookingConflict
from app.services.hubs.calendar import set_opening_hours
from app.services.transactions import transaction


@dataclass(frozen=True)
class Setup:
    desk_id: int
    member_ids: list[int]
    first_day: date


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    pg_url = pg_server_url(args.pg_url) if "postgresql" in args.backends else None
    env = environment(pg_url)
    print(f"# contention benchmark — {env['date']} — {env['cpu']}, {env['cores']} cores")
    results = [_run_backend(backend, args, pg_url or "") for backend in args.backends]
    print("\n## Totals")
    print_table(
        ["backend", "rounds", "attempts", "successes", "conflicts", "errors", "double-booked"],
        [
            [
                r["backend"],
                len(r["rounds"]),
                r["totals"]["attempts"],
                r["totals"]["successes"],
                r["totals"]["conflicts"],
                r["totals"]["errors"],
                r["totals"]["rounds_with_other_than_one_holder"],
            ]
            for r in results
        ],
    )
    path = write_json(
        "contention", {"environment": env, "arguments": vars(args), "results": results}
    )
    print(f"\nJSON: {path}")
    failed = any(
        r["totals"]["errors"] or r["totals"]["rounds_with_other_than_one_holder"] for r in results
    )
    return 1 if failed else 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql", type=lambda v: v.split(","))
    parser.add_argument("--threads", default=50, type=int)
    parser.add_argument("--rounds", default=20, type=int)
    parser.add_argument("--pg-url", default=None, help="server for CREATE DATABASE")
    return parser.parse_args(argv)


def _run_backend(backend: str, args: argparse.Namespace, pg_url: str) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="ruang-bench-") as tmp,
        fresh_database(backend, Path(tmp), pg_url) as url,
    ):
        options: dict[str, Any] = {"pool_size": args.threads + 5, "max_overflow": 0}
        if backend == "sqlite":
            options["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            options["pool_pre_ping"] = True
        app = make_app(url, Path(tmp), SQLALCHEMY_ENGINE_OPTIONS=options)
        try:
            with app.app_context():
                setup = _setup(args.threads)
                _open_connections(args.threads)
            print(f"\n## {backend}: {args.threads} threads x {args.rounds} rounds on one desk")
            rounds = [
                _round(app, setup, setup.first_day + timedelta(days=n), n + 1)
                for n in range(args.rounds)
            ]
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    print_table(
        ["round", "day", "successes", "conflicts", "errors", "holders", "wall ms"],
        [
            [
                r["round"],
                r["day"],
                r["successes"],
                r["conflicts"],
                r["errors"],
                r["holders"],
                r["wall_ms"],
            ]
            for r in rounds
        ],
    )
    totals = {
        "attempts": sum(r["attempts"] for r in rounds),
        "successes": sum(r["successes"] for r in rounds),
        "conflicts": sum(r["conflicts"] for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
        "rounds_with_other_than_one_holder": sum(1 for r in rounds if r["holders"] != 1),
        "wall_ms": summarise_ms([r["wall_ms"] / 1000 for r in rounds]),
    }
    wall = totals["wall_ms"]
    print(
        f"wall time per round: p50 {wall['p50']:.1f} ms, max {wall['max']:.1f} ms, "
        f"mean {wall['mean']:.1f} ms"
    )
    return {"backend": backend, "rounds": rounds, "totals": totals}


def _setup(members: int) -> Setup:
    """A hub open every day, one desk, and `members` members on a plan booking 60 days ahead."""
    with transaction():
        hub = Hub(slug="contention", name="Contention Hub", timezone="Asia/Jakarta")
        set_opening_hours(hub, {d: (time(8), time(17)) for d in range(7)})
        floor = Floor(name="Lantai 1", hub=hub)
        desk = Resource(
            floor=floor,
            name="A01",
            kind=ResourceKind.DESK,
            booking_mode=BookingMode.WHOLE_DAY,
            capacity=1,
        )
        plan = Plan(code="contention", name="Contention", advance_days=60)
        users = []
        for n in range(members):
            user = User(email=f"racer{n:03d}@bench.ruang.test", name=f"Racer {n}")
            user.roles = [RoleGrant(role=Role.MEMBER)]
            user.memberships.append(Membership(plan=plan, starts_on=date(2020, 1, 1)))
            users.append(user)
        db.session.add_all([hub, floor, desk, plan, *users])
        db.session.flush()
        setup = Setup(desk.id, [u.id for u in users], hub.today() + timedelta(days=1))
    return setup


def _open_connections(count: int) -> None:
    """Open every thread's connection before the first round and keep them in the pool.

    The PostgreSQL server is shared (max_connections 100) with other test runs; connecting
    up front, retrying while it is full, keeps "too many clients" out of the rounds, and the
    rounds then time booking rather than connecting.
    """
    connections = []
    deadline = clock.monotonic() + 120
    try:
        while len(connections) < count:
            try:
                connections.append(db.engine.connect())
            except OperationalError:
                if clock.monotonic() > deadline:
                    raise
                clock.sleep(0.5)
    finally:
        for connection in connections:
            connection.close()


def _round(app: Flask, setup: Setup, day: date, number: int) -> dict[str, Any]:
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(setup.member_ids) + 1)

    def attempt(member_id: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                book_whole_day(member_id, setup.desk_id, day)
                outcome = "success"
            except BookingConflict:
                outcome = "conflict"
            except Exception as exc:
                outcome = f"error: {exc.__class__.__name__}: {exc}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(m,)) for m in setup.member_ids]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = clock.perf_counter()
    for thread in threads:
        thread.join()
    wall_ms = (clock.perf_counter() - started) * 1000
    with app.app_context():
        hub_day = db.session.get(Resource, setup.desk_id).hub.local_day_bounds(day)  # type: ignore[union-attr]
        holders = db.session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(
                Booking.resource_id == setup.desk_id,
                Booking.status.in_(ACTIVE_STATUSES),
                Booking.start_at >= hub_day[0],
                Booking.start_at < hub_day[1],
            )
        )
        db.session.remove()
    counts = Counter(o if not o.startswith("error") else "error" for o in outcomes)
    errors = sorted({o for o in outcomes if o.startswith("error")})
    for error in errors:
        print(f"  round {number}: {error}")
    return {
        "round": number,
        "day": day.isoformat(),
        "attempts": len(outcomes),
        "successes": counts["success"],
        "conflicts": counts["conflict"],
        "errors": counts["error"],
        "error_kinds": errors,
        "holders": holders,
        "wall_ms": round(wall_ms, 1),
    }


if __name__ == "__main__":
    sys.exit(main())
