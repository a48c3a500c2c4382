"""A hub's calendar: weekly opening hours and dated closures (holidays, cuti bersama)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import select

from app.extensions import db
from app.models import Closure, Hub, OpeningHours
from app.models.hubs import Calendar
from app.services.errors import InvalidInput, NotFound
from app.services.transactions import transaction


@dataclass(frozen=True)
class ClosureRow:
    on: date
    name: str
    hub_slug: str | None  # None: every hub


def calendar_of(hub: Hub) -> Calendar:
    """The hub's calendar read as plain rows, for pages that draw a day and need nothing else
    of its hours and closures (cheaper than loading both collections as ORM objects)."""
    hours = db.session.execute(
        select(OpeningHours.weekday, OpeningHours.opens, OpeningHours.closes).where(
            OpeningHours.hub_id == hub.id
        )
    )
    closed = db.session.scalars(select(Closure.on).where(Closure.hub_id == hub.id))
    return Calendar(
        hub.zone, {weekday: (opens, closes) for weekday, opens, closes in hours}, frozenset(closed)
    )


def set_opening_hours(hub: Hub, weekly: dict[int, tuple[time, time] | None]) -> None:
    """Replace the hours of the given weekdays (0 = Monday); None closes that weekday.

    Runs inside the caller's transaction.
    """
    for weekday, hours in weekly.items():
        if not 0 <= weekday <= 6:
            raise InvalidInput(f"weekday must be 0 (Monday) to 6 (Sunday), not {weekday}")
        existing = hub.hours_on_weekday(weekday)
        if hours is None:
            if existing is not None:
                hub.opening_hours.remove(existing)
            continue
        opens, closes = hours
        if opens == closes:
            raise InvalidInput("opening and closing times must differ")
        if existing is None:
            hub.opening_hours.append(OpeningHours(weekday=weekday, opens=opens, closes=closes))
        else:
            existing.opens, existing.closes = opens, closes


def parse_closures_csv(text: str) -> list[ClosureRow]:
    """Parse `date,name[,hub]` rows (ISO dates; a header row is allowed). All or nothing."""
    rows: list[ClosureRow] = []
    errors: list[str] = []
    for number, fields in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not fields or not "".join(fields).strip() or fields[0].strip().startswith("#"):
            continue
        if number == 1 and fields[0].strip().lower() == "date":
            continue
        if len(fields) < 2 or not fields[1].strip():
            errors.append(f"line {number}: expected date,name[,hub]")
            continue
        try:
            on = date.fromisoformat(fields[0].strip())
        except ValueError:
            errors.append(f"line {number}: {fields[0].strip()!r} is not a date (YYYY-MM-DD)")
            continue
        hub_slug = fields[2].strip() or None if len(fields) > 2 else None
        rows.append(ClosureRow(on, fields[1].strip(), hub_slug))
    if errors:
        raise InvalidInput("; ".join(errors), errors=errors)
    return rows


def import_closures(text: str, hub_slug: str | None = None) -> int:
    """Import closures from CSV into one hub (or each row's hub, or every hub). Returns how many
    were added; dates a hub already has are left as they are, so importing twice is harmless."""
    rows = parse_closures_csv(text)
    added = 0
    with transaction():
        hubs = {hub.slug: hub for hub in db.session.scalars(select(Hub)).all()}
        for row in rows:
            slug = hub_slug or row.hub_slug
            if slug is not None and slug not in hubs:
                raise NotFound(f"no hub with slug {slug!r}")
            for hub in [hubs[slug]] if slug else hubs.values():
                if hub.closure_on(row.on) is None:
                    hub.closures.append(Closure(on=row.on, name=row.name))
                    added += 1
    return added
