"""Counters of what the gateway did with each message, by outcome or by reason for dropping it.

A log line every minute says them all; `stats()` hands them to tests and the benchmark.
"""

from __future__ import annotations

import threading
from collections import Counter

#: Every message that arrived, whatever became of it.
RECEIVED = "received"


class Metrics:
    """Thread-safe named counters."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n

    def stats(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def summary(self) -> str:
        """`name=count` pairs, by name, for the periodic log line."""
        return " ".join(f"{name}={count}" for name, count in sorted(self.stats().items()))
