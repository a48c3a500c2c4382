"""The persistent outbox: decisions a reader made alone, kept until the broker acknowledges them.

SQLite with synchronous=FULL, so an event written before a power cut is still there after it.
An entry leaves only when its OfflineEvent upload got a PUBACK; the server stores each event id
once, so uploading an entry twice (a PUBACK lost with the link) is harmless.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from devices import protocol


class Outbox:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS events ("
            " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
            " id TEXT NOT NULL UNIQUE,"
            " payload BLOB NOT NULL,"
            " queued_at REAL NOT NULL)"
        )

    def add(self, event: protocol.OfflineEvent) -> None:
        """Keep `event` until it is uploaded (adding the same id again changes nothing)."""
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO events (id, payload, queued_at) VALUES (?, ?, ?)",
                (event.id, event.to_json(), time.time()),
            )

    def pending(self, limit: int = 100) -> list[protocol.OfflineEvent]:
        """The oldest events not yet acknowledged; unreadable rows are dropped, not retried."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, payload FROM events ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        events = []
        for event_id, payload in rows:
            try:
                events.append(protocol.OfflineEvent.from_json(payload))
            except protocol.ProtocolError:
                self.remove(event_id)
        return events

    def remove(self, event_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM events WHERE id = ?", (event_id,))

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM events").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
