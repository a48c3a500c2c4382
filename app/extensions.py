"""Extension objects, created unbound; `create_app()` binds them with `init_app`."""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import Any

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from app.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Limits are declared on the views; storage comes from RATELIMIT_STORAGE_URI (memory by default,
# Redis in production so every web process shares the counts).
limiter = Limiter(key_func=get_remote_address)


def configure_sqlite(engine: Engine) -> None:
    """Make SQLite safe for concurrent writers.

    Python's sqlite3 module begins transactions lazily (DEFERRED), so two writers can both read
    "free" and then both insert. We take over transaction control and begin every transaction
    that may write with BEGIN IMMEDIATE, which takes the write lock up front; the busy timeout
    makes writers queue instead of failing. Only a context that declared it only reads
    (`reads_only()`: a web request until it opens a `transaction()`) begins a plain deferred
    BEGIN, so page views read a WAL snapshot side by side instead of queueing for the lock.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = SQLITE_READ if _reading_only.get() else SQLITE_WRITE
        connection.info[SQLITE_BEGIN] = mode
        connection.info[SQLITE_CHANGES] = connection.connection.driver_connection.total_changes
        connection.exec_driver_sql(mode)


#: How this context's next SQLite transaction begins: False (the default, and always inside a
#: `transaction()`) takes the write lock at BEGIN; True reads a snapshot without it.
_reading_only: ContextVar[bool] = ContextVar("ruang_sqlite_reading_only", default=False)
SQLITE_BEGIN = "ruang.sqlite_begin"  # connection.info key: how its transaction began
SQLITE_CHANGES = "ruang.sqlite_changes"  # and sqlite3's total_changes when it began
SQLITE_READ, SQLITE_WRITE = "BEGIN", "BEGIN IMMEDIATE"


def take_sqlite_write_lock(connection: Connection) -> None:
    """Turn the read snapshot `connection` is in into a write transaction, under the lock.

    A write inside a deferred transaction would fail at once (SQLITE_BUSY_SNAPSHOT, no waiting)
    if another connection committed since the snapshot began, so the snapshot is ended and a
    BEGIN IMMEDIATE waits its turn. SQLAlchemy's own transaction goes on: objects loaded before
    are as a READ COMMITTED transaction on PostgreSQL would hold them, and the booking rules
    read what they check afresh under the lock. Nothing to do once the connection has written
    (it holds the lock since).
    """
    if connection.info.get(SQLITE_BEGIN) != SQLITE_READ:
        return
    driver: Any = connection.connection.driver_connection
    if driver.total_changes == connection.info[SQLITE_CHANGES]:
        driver.execute("COMMIT")  # a snapshot that wrote nothing: ending it loses nothing
        driver.execute(SQLITE_WRITE)
    connection.info[SQLITE_BEGIN] = SQLITE_WRITE


def reads_only(value: bool) -> Token[bool]:
    """Declare whether this context's SQLite transactions only read until told otherwise;
    pass the token to `reset_reads_only`."""
    return _reading_only.set(value)


def reset_reads_only(token: Token[bool]) -> None:
    _reading_only.reset(token)


def defer_sqlite_checkpoints(engine: Engine) -> bool:
    """SQLite in WAL mode copies the log back into the database (a checkpoint, with an fsync)
    inside whichever commit crosses 1,000 pages: every second or so under a stream of door
    scans, tens of milliseconds each. A latency-sensitive process calls this to keep its
    commits free of that and runs `checkpoint_sqlite` from a background thread instead.
    Other processes keep checkpointing as usual. False (nothing to do) for other databases."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return False
    if not event.contains(engine, "connect", _no_autocheckpoint):
        event.listen(engine, "connect", _no_autocheckpoint)
        engine.dispose()  # connections opened before keep checkpointing: open new ones
    return True


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint = 0")
    cursor.close()


def checkpoint_sqlite(engine: Engine) -> tuple[int, int]:
    """Copy what the write-ahead log holds into the database, without waiting for readers or
    blocking writers (PASSIVE). Returns the log's pages and how many of them are copied."""
    connection = engine.raw_connection()  # outside any transaction: no BEGIN IMMEDIATE
    try:
        cursor = connection.cursor()
        _busy, log_pages, copied = cursor.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        cursor.close()
    finally:
        connection.close()
    return log_pages, copied
