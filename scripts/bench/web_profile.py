"""Where a web request's time goes, in-process: SQL statements, time in templates, total.

    .venv/bin/python scripts/bench/web_profile.py [--backend sqlite|postgresql] [--runs 200]

Runs the real app (no server) on a fresh database with scripts/bench/webdata.py's data, logged
in as a member: the floor page of the busy day, the room timeline, and booking a desk through
the form (each run a different member and desk). Prints per request: mean and p95 time, time in
Jinja (between before_render_template and template_rendered), and SQL statements.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
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
from flask import Flask, before_render_template, template_rendered
from flask.testing import FlaskClient
from sqlalchemy import event
from webdata import PASSWORD, WebData, prepare

from app.extensions import db


class Probe:
    """Counts statements and template time of the requests made while it is on."""

    def __init__(self, app: Flask) -> None:
        self.statements = 0
        self.template_s = 0.0
        self._started: list[float] = []
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._statement)
        before_render_template.connect(self._before, app)
        template_rendered.connect(self._after, app)

    def _statement(self, *_args: Any) -> None:
        self.statements += 1

    def _before(self, *_args: Any, **_kwargs: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, *_args: Any, **_kwargs: Any) -> None:
        # Flask sends template_rendered once the whole template (with its includes) is done.
        self.template_s += time.perf_counter() - self._started.pop()

    def reset(self) -> None:
        self.statements = 0
        self.template_s = 0.0


def login(client: FlaskClient, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, (email, response.status_code)


def measure(
    probe: Probe, runs: int, request: Callable[[int], Any], check: Callable[[Any], bool]
) -> dict[str, float]:
    for index in range(min(10, runs)):  # warm-up: template compilation, caches
        request(runs + index)
    times, statements, template = [], [], []
    for index in range(runs):
        probe.reset()
        started = time.perf_counter()
        response = request(index)
        times.append(time.perf_counter() - started)
        assert check(response), response.status_code
        statements.append(probe.statements)
        template.append(probe.template_s)
    summary = summarise_ms(times)
    return {
        "mean_ms": summary["mean"],
        "p95_ms": summary["p95"],
        "template_ms": sum(template) / len(template) * 1000,
        "statements": sum(statements) / len(statements),
    }


def run(backend: str, runs: int, pg_url: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp), pg_url) as url:
        app = make_app(
            url,
            Path(tmp),
            WTF_CSRF_ENABLED=False,
            RATELIMIT_ENABLED=False,
            RUANG_ARGON2_TIME_COST=1,
            RUANG_ARGON2_MEMORY_KIB=1024,
        )
        data: WebData = prepare(app, members=runs * 2 + 100)
        probe = Probe(app)
        results: dict[str, Any] = {}
        viewer = app.test_client()
        login(viewer, data.member_emails[0])
        floor_url = f"/m/{data.hub_slug}/?day={data.busy_day.isoformat()}"
        results["floor page"] = measure(
            probe, runs, lambda _i: viewer.get(floor_url), lambda r: r.status_code == 200
        )
        with app.app_context():
            from app.models import Resource, ResourceKind

            room_id = db.session.scalar(
                db.select(Resource.id).where(Resource.kind == ResourceKind.ROOM).limit(1)
            )
        room_url = f"/m/{data.hub_slug}/room/{room_id}?day={data.busy_day.isoformat()}"
        results["room timeline"] = measure(
            probe, runs, lambda _i: viewer.get(room_url), lambda r: r.status_code == 200
        )
        clients = []
        for email in data.member_emails[1 : 1 + runs + 10]:
            client = app.test_client()
            login(client, email)
            clients.append(client)

        def book(index: int) -> Any:
            desk = data.desk_ids[index % len(data.desk_ids)]
            day = data.free_day if index < len(data.desk_ids) else data.busy_day
            return clients[index].post(
                f"/m/{data.hub_slug}/book", data={"resource_id": desk, "day": day.isoformat()}
            )

        # Only the first 40 bookings find a free desk; the rest are refused with a message.
        results["book a desk"] = measure(
            probe, min(runs, len(data.desk_ids)), book, lambda r: r.status_code == 302
        )
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--pg-url")
    args = parser.parse_args()
    pg_url = pg_server_url(args.pg_url)
    results = run(args.backend, args.runs, pg_url)
    rows = [
        [name, r["mean_ms"], r["p95_ms"], r["template_ms"], r["statements"]]
        for name, r in results.items()
    ]
    print(f"backend: {args.backend}")
    print_table(["request", "mean ms", "p95 ms", "template ms", "SQL statements"], rows)
    write_json(
        f"web-profile-{args.backend}",
        {"environment": environment(pg_url if args.backend == "postgresql" else None)}
        | {"results": results},
    )


if __name__ == "__main__":
    main()
