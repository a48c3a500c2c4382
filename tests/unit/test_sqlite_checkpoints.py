"""A latency-sensitive process (the gateway) leaves SQLite's WAL checkpoints out of its commits
and runs them itself, from its housekeeping thread."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from app.extensions import checkpoint_sqlite, configure_sqlite, defer_sqlite_checkpoints


def test_deferred_checkpoints_leave_the_log_to_checkpoint_sqlite(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'ruang.db'}")
    configure_sqlite(engine)
    assert defer_sqlite_checkpoints(engine)
    assert defer_sqlite_checkpoints(engine)  # twice is harmless
    with engine.begin() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        connection.execute(text("CREATE TABLE scans (id INTEGER PRIMARY KEY, token TEXT)"))
    for batch in range(60):  # ~1,500 pages of log: past the default threshold of 1,000
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO scans (token) VALUES (:token)"),
                [{"token": f"{batch:03}-{n:03}-" * 125} for n in range(100)],
            )
    log_pages, copied = checkpoint_sqlite(engine)
    assert log_pages > 1_000  # nobody checkpointed during the commits
    assert copied == log_pages
    engine.dispose()


def test_other_databases_are_left_alone() -> None:
    assert not defer_sqlite_checkpoints(create_engine("sqlite://"))  # in memory: no log
    assert not defer_sqlite_checkpoints(create_engine("postgresql+psycopg://localhost/x"))
