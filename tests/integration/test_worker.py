"""The worker runs due jobs, keeps going when one fails, and releases no-shows."""

from __future__ import annotations

from datetime import timedelta

from app.models import BookingStatus
from app.services.booking import bookings
from app.worker import JOBS, Job, run_due_jobs
from tests.conftest import MONDAY


def test_due_jobs_run_once_per_interval_and_failures_do_not_stop_others(app, session) -> None:
    ran: list[str] = []

    def broken() -> None:
        ran.append("broken")
        raise RuntimeError("boom")

    jobs = [Job("broken", 60, broken), Job("fine", 60, lambda: ran.append("fine"))]
    last: dict[str, float] = {}
    run_due_jobs(app, jobs, last, now=1000.0)
    run_due_jobs(app, jobs, last, now=1030.0)  # not due yet
    run_due_jobs(app, jobs, last, now=1061.0)
    assert ran == ["broken", "fine", "broken", "fine"]


def test_no_show_job_releases_late_bookings(app, session, clock, a_hub, a_desk, a_member) -> None:
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    clock(booking.start_at + timedelta(minutes=a_hub.no_show_minutes + 1))
    run_due_jobs(app, [j for j in JOBS if j.name == "release-no-shows"], {}, now=0.0)
    session.refresh(booking)  # the job ran in its own app context and session
    assert booking.status is BookingStatus.NO_SHOW
