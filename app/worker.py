"""The worker: timed jobs (no-show release, release of booked rooms that sensors find empty,
release of rooms held for a payment that did not come),
each run in its own app context.

One process is enough for a hub network: every job is safe to run from several workers at once
(rows are locked and re-checked), so production may run two for availability.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from flask import Flask, current_app

from app.services.billing.holds import release_unpaid_holds
from app.services.billing.invoices import renew, void_lapsed
from app.services.booking.bookings import release_no_shows
from app.services.devices.occupancy import release_empty_rooms
from app.services.notifications.mail import Mailer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: float
    run: Callable[[], object]


JOBS = [
    Job("release-no-shows", 60, release_no_shows),
    Job("release-empty-rooms", 60, release_empty_rooms),
    Job("release-unpaid-holds", 60, release_unpaid_holds),
    Job("renew", 3600, lambda: renew(mailer=app_mailer())),
    Job("void-lapsed-renewals", 3600, void_lapsed),
]


def app_mailer() -> Mailer:
    """The current app's mailer (jobs run in an app context)."""
    return cast(Mailer, current_app.extensions["ruang.mailer"])


def run_due_jobs(app: Flask, jobs: list[Job], last_run: dict[str, float], now: float) -> None:
    """Run every job whose interval has passed; a failing job is logged, the others still run."""
    for job in jobs:
        if now - last_run.get(job.name, float("-inf")) < job.every_seconds:
            continue
        last_run[job.name] = now
        with app.app_context():
            try:
                result = job.run()
            except Exception:
                log.exception("job %s failed", job.name)
            else:
                log.info("job %s: %s", job.name, result)


def run_worker(app: Flask, stop: threading.Event, tick_seconds: float = 5.0) -> None:
    """Run JOBS until `stop` is set."""
    last_run: dict[str, float] = {}
    while not stop.is_set():
        run_due_jobs(app, JOBS, last_run, time.monotonic())
        stop.wait(tick_seconds)
