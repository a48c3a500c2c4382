"""The worker: timed jobs (no-show release, release of booked rooms that sensors find empty,
booking reminders, event reminders, sending the outbox and webhooks, retention, release of rooms
held for a payment that did not come, renewals), each run in its own app context.

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
from app.services.integrations import webhooks
from app.services.notifications.attachments import standard_makers
from app.services.notifications.booking_mail import send_booking_reminders
from app.services.notifications.mail import Mailer
from app.services.notifications.outbox import (
    DeliveryReport,
    OutboxMailer,
    OutboxPolicy,
    deliver_due,
)
from app.services.people.retention import Retention, purge_expired
from app.services.programmes.events import send_event_reminders

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: float
    run: Callable[[], object]


def send_outbox() -> DeliveryReport:
    """Send the outbox's due messages through the app's channels."""
    app = current_app
    return deliver_due(
        app.extensions["ruang.channels"],
        makers=standard_makers(app.extensions["ruang.keyring"]),
        policy=OutboxPolicy.from_config(app.config),
    )


def send_webhooks() -> DeliveryReport:
    """POST the due webhook deliveries, signed, with the outbox's backoff policy."""
    return webhooks.deliver_due(policy=OutboxPolicy.from_config(current_app.config))


def apply_retention() -> dict[str, int]:
    """Purge what the retention settings keep only for a while."""
    return purge_expired(Retention.from_config(current_app.config))


def remind_event_registrants() -> int:
    """Mail tomorrow's event registrants (programmes), through the app's mailer (the outbox)."""
    return send_event_reminders(OutboxMailer())


def charge_renewals() -> object:
    """Charge due renewals to saved cards, where Stripe is configured."""
    from app.services.billing.stripe.client import stripe_provider
    from app.services.billing.stripe.renewals import charge_due_renewals

    provider = stripe_provider()
    return charge_due_renewals(provider) if provider is not None else "no card provider"


JOBS = [
    Job("release-no-shows", 60, release_no_shows),
    Job("release-empty-rooms", 60, release_empty_rooms),
    Job("send-booking-reminders", 60, send_booking_reminders),
    Job("send-outbox", 5, send_outbox),
    Job("send-webhooks", 5, send_webhooks),
    Job("apply-retention", 3600, apply_retention),
    Job("remind-event-registrants", 300, remind_event_registrants),
    Job("release-unpaid-holds", 60, release_unpaid_holds),
    Job("renew", 3600, lambda: renew(mailer=app_mailer())),
    Job("void-lapsed-renewals", 3600, void_lapsed),
    Job("charge-renewals", 600, charge_renewals),
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
