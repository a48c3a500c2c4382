"""Benchmark: the impact and utilisation reports for a year, whole programme and one hub.

Runs against the database the app is configured with (DATABASE_URL, else the instance's SQLite),
which should hold the demo and bulk data:

    flask ruang seed-demo && flask ruang seed-bulk --hubs=30 --members=10000 --bookings=100000
    .venv/bin/python scripts/bench/programme_reports.py [--runs 5]

Each report is built `runs` times by a programme admin, in its own session, like a request;
the best and worst wall-clock times are printed.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import Hub, Role, RoleGrant, User, utcnow
from app.services.reports.impact import impact_report
from app.services.reports.scope import Level, Scope
from app.services.reports.utilisation import utilisation_report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    app = create_app()
    with app.app_context():
        admin_id = db.session.scalar(
            select(User.id).join(RoleGrant).where(RoleGrant.role == Role.PROGRAMME_ADMIN)
        )
        hub_slug = db.session.scalar(select(Hub.slug).order_by(Hub.id.desc()))
        db.session.remove()
        today = utcnow().date()
        year = (today - timedelta(days=365), today + timedelta(days=30))
        for label, scope in [
            ("programme, a year", Scope(Level.PROGRAMME, "", *year)),
            ("one hub, a year", Scope(Level.HUB, hub_slug or "", *year)),
        ]:
            for name, build in (("impact", impact_report), ("utilisation", utilisation_report)):
                times = []
                for _ in range(runs):
                    started = time.perf_counter()
                    build(scope, db.session.get(User, admin_id))
                    times.append((time.perf_counter() - started) * 1000)
                    db.session.remove()
                print(f"{name:12} {label:18} best {min(times):6.0f} ms  worst {max(times):6.0f} ms")


if __name__ == "__main__":
    main()
