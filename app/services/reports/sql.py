"""Report arithmetic the database does, for either backend: hours between two instants and an
instant's local day, weekday and hour in a hub's zone, so reports group rows in SQL instead of
loading them. Indonesian zones keep one UTC offset all year (no daylight saving), which SQLite's
fixed-offset modifiers rely on."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, any_, bindparam, cast, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY

from app.extensions import db


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def hours_between(start: Any, end: Any) -> Any:
    if _postgres():
        return func.extract("epoch", end - start) / 3600.0
    seconds = cast(func.strftime("%s", end), Integer) - cast(func.strftime("%s", start), Integer)
    return seconds / 3600.0  # whole seconds: exact, where julianday's floats are not


def _sqlite_offset(zone: ZoneInfo) -> str:
    offset = datetime.now(UTC).astimezone(zone).utcoffset()
    assert offset is not None
    return f"{int(offset.total_seconds() // 60):+d} minutes"


def local_day(instant: Any, zone: ZoneInfo) -> Any:
    if _postgres():
        return func.date(func.timezone(zone.key, instant))
    return func.date(instant, _sqlite_offset(zone))


def local_weekday(instant: Any, zone: ZoneInfo) -> Any:
    """Monday 0 to Sunday 6, as date.weekday()."""
    if _postgres():
        return cast(func.extract("isodow", func.timezone(zone.key, instant)), Integer) - 1
    return (cast(func.strftime("%w", instant, _sqlite_offset(zone)), Integer) + 6) % 7


def local_hour(instant: Any, zone: ZoneInfo) -> Any:
    if _postgres():
        return cast(func.extract("hour", func.timezone(zone.key, instant)), Integer)
    return cast(func.strftime("%H", instant, _sqlite_offset(zone)), Integer)


def as_date(value: object) -> date:
    """A local day as the database returns it (a date, or ISO text on SQLite)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def among(column: Any, ids: Collection[int]) -> Any:
    """`column IN ids` for a large set, as one parameter: an array on PostgreSQL, a JSON list
    on SQLite. An IN list of 100,000 bound values takes longer to compile and parse than the
    query takes to run (and SQLite caps the number of parameters)."""
    values = sorted(ids)
    if _postgres():
        return column == any_(bindparam(None, values, type_=ARRAY(Integer)))
    listed = func.json_each(json.dumps(values)).table_valued("value")
    return column.in_(select(listed.c.value))


def roomy_sort() -> None:
    """PostgreSQL, for this transaction: memory enough to de-duplicate the members served in a
    hash (the default 4 MB spills millions of (hub, member) pairs to disk), and no JIT (it
    compiles for a third of a second on every report and gains nothing on these plans)."""
    if _postgres():
        db.session.execute(text("SET LOCAL work_mem = '128MB'"))
        db.session.execute(text("SET LOCAL jit = off"))
