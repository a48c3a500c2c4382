"""Writing bulk rows fast: PostgreSQL's COPY, else SQLAlchemy Core executemany; in batches,
one commit per batch, so memory stays flat and a long load shows progress."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import JSON, Table, func, select, text

from app.extensions import db
from app.models import Base


def table_of(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


def next_id(table: Table) -> int:
    return int(db.session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1


def write_rows(table: Table, rows: Iterable[dict[str, Any]], batch_size: int = 10_000) -> int:
    """Write `rows` (dicts with the same keys) to `table`, committing every `batch_size`."""
    written = 0
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            written += _flush(table, batch)
    if batch:
        written += _flush(table, batch)
    return written


def _flush(table: Table, batch: list[dict[str, Any]]) -> int:
    count = len(batch)
    if db.session.get_bind().dialect.name == "postgresql" and _copyable(table):
        _copy(table, batch)
    else:
        db.session.execute(table.insert(), batch)
    db.session.commit()
    batch.clear()
    return count


def _copyable(table: Table) -> bool:
    """COPY skips SQLAlchemy's type processing: only for tables of plain columns (no JSON)."""
    return not any(isinstance(column.type, JSON) for column in table.c)


def _copy(table: Table, batch: list[dict[str, Any]]) -> None:
    names = list(batch[0])
    # Python-side scalar defaults (COPY does not apply them; the database has none).
    defaults = {
        column.name: column.default.arg  # type: ignore[attr-defined]
        for column in table.c
        if column.name not in names and column.default is not None and column.default.is_scalar
    }
    columns = names + list(defaults)
    raw = db.session.connection().connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor:
        sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        with cursor.copy(sql) as copy:
            extra = list(defaults.values())
            for row in batch:
                copy.write_row([_plain(row[name]) for name in names] + extra)


def _plain(value: Any) -> Any:
    # psycopg dumps a Python enum by name; the schema stores values.
    return value.value if isinstance(value, enum.Enum) else value


def advance_sequences(tables: Iterable[str]) -> None:
    """Explicit ids do not move PostgreSQL's sequences; move them past the rows written."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for name in tables:
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                f"(SELECT coalesce(max(id), 0) + 1 FROM {name}), false)"
            )
        )
    db.session.commit()


def analyse() -> None:
    """Statistics for the planner after a bulk load (PostgreSQL: and the visibility map, so
    index-only scans need no heap visits)."""
    db.session.commit()
    postgres = db.session.get_bind().dialect.name == "postgresql"
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE" if postgres else "ANALYZE"))
