"""The unit of work: services open one, do their work, and it commits or rolls back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from sqlalchemy.exc import IntegrityError

from app.extensions import db, reads_only, reset_reads_only, take_sqlite_write_lock

#: PostgreSQL's SQLSTATE for exclusion_violation.
EXCLUSION_VIOLATION = "23P01"

#: True inside a `transaction()` block (the outbox joins it rather than committing alone).
_inside: ContextVar[bool] = ContextVar("ruang_inside_transaction", default=False)


@contextmanager
def transaction() -> Iterator[None]:
    """Commit when the block succeeds; roll back on any exception, which propagates.

    On SQLite the block runs under the write lock (BEGIN IMMEDIATE) from its first statement,
    also when the caller had only been reading: a read snapshot ends here and the block reads
    under the lock (app.extensions.take_sqlite_write_lock).
    """
    token = _take_write_lock()
    inside = _inside.set(True)
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _inside.reset(inside)
        if token is not None:
            reset_reads_only(token)


def in_transaction() -> bool:
    """Whether the caller runs inside a `transaction()` block."""
    return _inside.get()


def _take_write_lock() -> Token[bool] | None:
    session = db.session()
    if session.get_bind().dialect.name != "sqlite":
        return None
    token = reads_only(False)
    # Begins with BEGIN IMMEDIATE now if nothing began yet; else the read snapshot is upgraded.
    take_sqlite_write_lock(session.connection())
    return token


@contextmanager
def savepoint() -> Iterator[None]:
    """A nested transaction: an exception inside undoes only the block's work."""
    nested = db.session.begin_nested()
    try:
        yield
    except BaseException:
        nested.rollback()
        raise
    else:
        nested.commit()


def is_exclusion_violation(error: IntegrityError) -> bool:
    return getattr(error.orig, "sqlstate", None) == EXCLUSION_VIOLATION
