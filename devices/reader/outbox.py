"""The persistent outbox: decisions a reader made alone, kept until the server has stored them.

SQLite with synchronous=FULL, so an event written before a power cut is still there after it.
An entry leaves only when the server's EventAck for its id arrives: a broker's PUBACK is not
enough (Mosquitto forgets shared subscriptions when it restarts, so an upload it acknowledged may
reach no gateway). An entry sent but not acknowledged goes again after `resend_after` seconds,
doubling up to `resend_max`, and again after every reconnect (`resend_all`); the server stores
each event id once, so sending an entry twice is harmless.

The send schedule lives in memory only: after a restart every entry is due at once, which is
what a fresh connection needs anyway, and the file keeps the schema of earlier readers.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from devices import protocol

RESEND_AFTER = 10.0  # seconds without an EventAck before an upload goes again
RESEND_MAX = 60.0  # the longest wait between two sends of one entry (a minute)


@dataclass
class _Sent:
    attempts: int
    retry_at: float  # monotonic seconds


class Outbox:
    def __init__(
        self, path: Path, resend_after: float = RESEND_AFTER, resend_max: float = RESEND_MAX
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.resend_after = resend_after
        self.resend_max = max(resend_max, resend_after)
        self._lock = threading.Lock()
        self._sent: dict[str, _Sent] = {}  # uploads awaiting their EventAck
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
        """Keep `event` until the server acknowledges it (adding the same id again changes
        nothing, except that it is due to be sent)."""
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO events (id, payload, queued_at) VALUES (?, ?, ?)",
                (event.id, event.to_json(), time.time()),
            )
            self._sent.pop(event.id, None)

    def pending(self, limit: int = 100) -> list[protocol.OfflineEvent]:
        """The oldest events not yet acknowledged, sent or not; unreadable rows are dropped."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, payload FROM events ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        return self._readable(rows)

    def due(self, now: float, window: int = 50) -> list[protocol.OfflineEvent]:
        """The events to send now, oldest first: never sent (since the last `resend_all`), or
        sent and unacknowledged for their retry interval. At most `window` uploads are awaiting
        an acknowledgement at once; `now` is monotonic seconds."""
        found: list[tuple[str, bytes]] = []
        with self._lock:
            waiting = sum(1 for sent in self._sent.values() if sent.retry_at > now)
            room = window - waiting
            if room <= 0:
                return []
            rows = self._db.execute("SELECT id, payload FROM events ORDER BY seq")
            try:
                for event_id, payload in rows:
                    sent = self._sent.get(event_id)
                    if sent is None or sent.retry_at <= now:
                        found.append((event_id, payload))
                        if len(found) >= room:
                            break
            finally:
                rows.close()  # ends the read transaction now, not when garbage collected
        return self._readable(found)

    def sending(self, event_id: str, now: float) -> bool:
        """`event_id` is about to be published: wait that long for its EventAck, then send it
        again. False (send nothing) when it has left the outbox meanwhile."""
        with self._lock:
            query = "SELECT 1 FROM events WHERE id = ?"
            if self._db.execute(query, (event_id,)).fetchone() is None:
                return False
            attempts = self._sent[event_id].attempts + 1 if event_id in self._sent else 1
            wait = min(self.resend_after * 2 ** (attempts - 1), self.resend_max)
            self._sent[event_id] = _Sent(attempts, now + wait)
            return True

    def resend_all(self) -> None:
        """Make every entry due (a new connection: acknowledgements sent meanwhile are lost)."""
        with self._lock:
            self._sent.clear()

    def next_resend(self) -> float | None:
        """When (monotonic seconds) the earliest unacknowledged upload is due again, if any."""
        with self._lock:
            return min((sent.retry_at for sent in self._sent.values()), default=None)

    def attempts(self, event_id: str) -> int:
        """How often `event_id` was sent since the last `resend_all` (0: due now)."""
        with self._lock:
            sent = self._sent.get(event_id)
            return 0 if sent is None else sent.attempts

    def remove(self, event_id: str) -> bool:
        """Forget the event (its EventAck arrived). False when it was not (or no longer) here."""
        with self._lock:
            self._sent.pop(event_id, None)
            return self._db.execute("DELETE FROM events WHERE id = ?", (event_id,)).rowcount > 0

    def _readable(self, rows: list[tuple[str, bytes]]) -> list[protocol.OfflineEvent]:
        events = []
        for event_id, payload in rows:
            try:
                events.append(protocol.OfflineEvent.from_json(payload))
            except protocol.ProtocolError:
                self.remove(event_id)  # never readable: retrying would not help
        return events

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM events").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
