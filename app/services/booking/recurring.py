"""Recurring room bookings: daily or weekly, until a date or for a count.

Every occurrence goes through the same rules as a single booking. `preview_series` shows which
dates would fail and why, changing nothing; `book_series` books the dates that pass.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from app.extensions import db
from app.models import BookingSource, Resource
from app.services.booking import rules
from app.services.booking.placement import get_or_404, place_booking
from app.services.errors import DomainError, InvalidInput
from app.services.transactions import savepoint, transaction

MAX_OCCURRENCES = 52


class Frequency(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


STEP = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(weeks=1)}


@dataclass(frozen=True)
class Occurrence:
    """One date of a series: booked (booking_id set) or refused (error set)."""

    day: date
    start: datetime
    end: datetime
    booking_id: int | None = None
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class SeriesRequest:
    member_id: int
    resource_id: int
    first_start: datetime
    first_end: datetime
    frequency: Frequency
    until: date | None = None
    count: int | None = None
    source: BookingSource = BookingSource.WEB


def preview_series(request: SeriesRequest) -> list[Occurrence]:
    """What booking the series would do, date by date; nothing is kept (so no booking ids)."""
    try:
        outcomes = _run_series(request, series_id=None)
    finally:
        db.session.rollback()
    return [replace(occurrence, booking_id=None) for occurrence in outcomes]


def book_series(request: SeriesRequest) -> tuple[str, list[Occurrence]]:
    """Book every date that passes the rules; returns the series id and each date's outcome."""
    series_id = uuid.uuid4().hex
    with transaction():
        occurrences = _run_series(request, series_id=series_id)
    return series_id, occurrences


def _run_series(request: SeriesRequest, series_id: str | None) -> list[Occurrence]:
    first_start, first_end = rules.check_interval(request.first_start, request.first_end)
    resource = get_or_404(Resource, request.resource_id)
    zone = resource.hub.zone
    local_start, local_end = first_start.astimezone(zone), first_end.astimezone(zone)
    outcomes = []
    for day in series_dates(local_start.date(), request.frequency, request.until, request.count):
        # Same wall-clock times on each date, in the hub's zone.
        offset = day - local_start.date()
        start = (local_start.replace(tzinfo=None) + offset).replace(tzinfo=zone)
        end = (local_end.replace(tzinfo=None) + offset).replace(tzinfo=zone)
        try:
            with savepoint():
                booking = place_booking(
                    request.member_id,
                    resource.id,
                    start,
                    end,
                    source=request.source,
                    series_id=series_id,
                )
        except DomainError as error:
            outcomes.append(Occurrence(day, start, end, error=error))
        else:
            outcomes.append(
                Occurrence(day, booking.start_at, booking.end_at, booking_id=booking.id)
            )
    return outcomes


def series_dates(
    first: date, frequency: Frequency, until: date | None, count: int | None
) -> list[date]:
    """The dates of a series: exactly one of `until` (inclusive) or `count` must be given."""
    if (until is None) == (count is None):
        raise InvalidInput("give either an end date or a number of occurrences")
    if count is not None and not 1 <= count <= MAX_OCCURRENCES:
        raise InvalidInput(f"a series has 1 to {MAX_OCCURRENCES} occurrences")
    if until is not None and until < first:
        raise InvalidInput("the series must end on or after its first date")
    step = STEP[frequency]
    dates: list[date] = []
    day = first
    while (count is not None and len(dates) < count) or (until is not None and day <= until):
        dates.append(day)
        if len(dates) > MAX_OCCURRENCES:
            raise InvalidInput(f"a series has at most {MAX_OCCURRENCES} occurrences")
        day += step
    return dates
