"""Benchmark: the impact page for a year at programme scale, whole programme and one hub.

Either seeds fresh databases itself (demo + `seed-bulk --scale S`, timed) or measures databases
already loaded that way (`--url`, repeatable):

    .venv/bin/python scripts/bench/impact_scale.py --backends sqlite,postgresql --scales 0.1,0.5
    .venv/bin/python scripts/bench/impact_scale.py --url sqlite:////tmp/scale-1.0.db

Each page is fetched `--runs` times (after one warm-up) by the demo's programme admin through
the Flask test client, in process: the view, the report's queries and the template. Printed:
median, p95, min and max (the spread) in ms, and the service's share (the report alone).
Targets (issue 12): programme p95 <= 2 s on PostgreSQL, <= 5 s on SQLite; one hub <= 300 ms.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchlib import (
    environment,
    fresh_database,
    make_app,
    percentile,
    pg_server_url,
    print_table,
    write_json,
)
from flask import Flask
from sqlalchemy import func, select
from web import _csrf

from app.extensions import db
from app.models import AccessEvent, Booking, Hub, User, utcnow
from app.seed.demo import DEMO_PASSWORD
from app.services.reports.impact import impact_report
from app.services.reports.scope import Level, Scope

ADMIN = "program@demo.ruang.id"


def measure(app: Flask, label: str, runs: int) -> list[dict[str, Any]]:
    today = utcnow().date()
    first, last = today - timedelta(days=364), today
    with app.app_context():
        hub = db.session.scalar(select(Hub).where(Hub.slug.like("bulk-%")).order_by(Hub.id))
        assert hub is not None, "no bulk data in this database"
        sizes = {
            "hubs": db.session.scalar(select(func.count()).select_from(Hub)),
            "bookings": db.session.scalar(select(func.count()).select_from(Booking)),
            "access events": db.session.scalar(select(func.count()).select_from(AccessEvent)),
        }
        admin_id = db.session.scalar(select(User.id).where(User.email == ADMIN))
        slug = hub.slug
        db.session.remove()
    client = app.test_client()
    token = _csrf(client.get("/login").text)
    client.post("/login", data={"email": ADMIN, "password": DEMO_PASSWORD, "csrf_token": token})
    period = f"from={first}&to={last}"
    results = []
    for scope_label, query, scope in (
        ("programme", f"level=programme&{period}", Scope(Level.PROGRAMME, "", first, last)),
        ("one hub", f"level=hub&name={slug}&{period}", Scope(Level.HUB, slug, first, last)),
    ):
        page, service = [], []
        for n in range(runs + 1):
            started = time.perf_counter()
            response = client.get(f"/reports/impact?{query}")
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.status_code
            with app.app_context():
                started = time.perf_counter()
                impact_report(scope, db.session.get(User, admin_id))  # type: ignore[arg-type]
                service_s = time.perf_counter() - started
                db.session.remove()
            if n:  # the first is a warm-up
                page.append(elapsed * 1000)
                service.append(service_s * 1000)
        page.sort()
        results.append(
            dict(
                data=label,
                scope=scope_label,
                **sizes,
                median=statistics.median(page),
                p95=percentile(page, 95),
                min=page[0],
                max=page[-1],
                service_median=statistics.median(service),
            )
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--scales", default="", help="e.g. 0.1,0.5,1.0: seed fresh databases")
    parser.add_argument("--url", action="append", default=[], help="an already loaded database")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--pg-url", default=None)
    args = parser.parse_args()
    pg_url = pg_server_url(args.pg_url)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for url in args.url:
            rows += measure(make_app(url, Path(tmp)), url.split(":")[0], args.runs)
        for scale in [float(s) for s in args.scales.split(",") if s]:
            for backend in args.backends.split(","):
                with fresh_database(backend, Path(tmp), pg_url) as url:
                    app = make_app(url, Path(tmp))
                    runner = app.test_cli_runner()
                    runner.invoke(args=["ruang", "seed-demo"], catch_exceptions=False)
                    started = time.perf_counter()
                    result = runner.invoke(
                        args=["ruang", "seed-bulk", f"--scale={scale}"], catch_exceptions=False
                    )
                    seeded = time.perf_counter() - started
                    assert result.exit_code == 0, result.output
                    print(f"{backend} {scale:.0%}: seeded in {seeded:.0f} s", flush=True)
                    found = measure(app, f"{backend} {scale:.0%}", args.runs)
                    for row in found:
                        row["seed_s"] = round(seeded)
                    rows += found
                    with app.app_context():
                        db.engine.dispose()
    headers = list(rows[0]) if rows else []
    print_table(headers, [list(row.values()) for row in rows])
    write_json("impact-scale", {"environment": environment(pg_url), "results": rows})


if __name__ == "__main__":
    main()
