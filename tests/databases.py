"""Test databases: a fresh SQLite file, or a fresh PostgreSQL database (TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config.settings import normalise_database_url

BACKENDS = ["sqlite", "postgresql"]
NO_POSTGRES = "TEST_DATABASE_URL is not set, so the PostgreSQL cases are skipped"


def postgres_server_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    return normalise_database_url(url) if url else None


@contextmanager
def fresh_database(backend: str, tmp_dir: Path) -> Iterator[str]:
    """Yield the URL of a new, empty database of `backend`; drop it afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_dir / f'ruang-{uuid.uuid4().hex[:8]}.db'}"
        return
    server = postgres_server_url()
    if server is None:
        pytest.skip(NO_POSTGRES)
    name = f"ruang_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
