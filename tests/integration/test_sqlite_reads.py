"""On SQLite, page views read a WAL snapshot without the write lock: while another process holds
the lock (a booking being written, the gateway's check-in), logging in and reading the floor
page go on; what writes still takes the lock at BEGIN, so bookings stay serialised.

Before reads began deferred, every request began with BEGIN IMMEDIATE, so these pages queued
behind the writer (here: for the 30 s busy timeout, then failed).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from flask import Flask

from app.extensions import SQLITE_BEGIN, SQLITE_READ, SQLITE_WRITE, db
from app.models import BookingMode, Floor, Hub, Membership, Plan, Resource, ResourceKind, User
from app.services.hubs.calendar import set_opening_hours
from app.services.people.accounts import hash_password
from app.services.transactions import transaction
from tests.conftest import make_test_app

PASSWORD = "reader-password-2026"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """A migrated SQLite file with a hub, a desk and a member, committed for other connections."""
    app = make_test_app(f"sqlite:///{tmp_path / 'reads.db'}", tmp_path)
    with app.app_context():
        hub = Hub(slug="read-hub", name="Read Hub", timezone="Asia/Jakarta")
        set_opening_hours(hub, {weekday: (time(8), time(17)) for weekday in range(7)})
        floor = Floor(name="Floor 1", hub=hub)
        floor.resources.append(
            Resource(name="A01", kind=ResourceKind.DESK, booking_mode=BookingMode.WHOLE_DAY)
        )
        now = datetime.now(UTC)
        member = User(
            email="reader@read.ruang.id",
            name="Reader",
            password_hash=hash_password(PASSWORD),
            email_verified_at=now,
            consent_at=now,
        )
        member.memberships = [Membership(plan=Plan(code="p", name="P"), starts_on=now.date())]
        db.session.add_all([hub, member])
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def write_lock_held(app: Flask) -> Iterator[None]:
    """Another connection (another process, as far as SQLite knows) holds the write lock."""
    with app.app_context():
        path = db.engine.url.database
    other = sqlite3.connect(str(path), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE hubs SET name = name")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_pages_are_read_while_another_connection_writes(app: Flask, write_lock_held) -> None:
    client = app.test_client()
    response = client.post("/login", data={"email": "reader@read.ruang.id", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/m/").status_code == 200
    floor = client.get("/m/read-hub/")
    assert floor.status_code == 200
    assert "A01" in floor.text


def test_a_request_reads_deferred_and_a_transaction_takes_the_lock(app: Flask) -> None:
    """Inside a request: reads begin a plain BEGIN; `transaction()` ends that snapshot and runs
    under BEGIN IMMEDIATE; after it, reads are deferred again."""
    seen: list[str] = []
    with app.test_request_context("/"):
        app.preprocess_request()  # the request's before_request hooks
        db.session.scalar(db.select(Hub.id))
        seen.append(db.session.connection().info[SQLITE_BEGIN])
        with transaction():
            db.session.scalar(db.select(Hub.id))
            seen.append(db.session.connection().info[SQLITE_BEGIN])
        db.session.scalar(db.select(Hub.id))
        seen.append(db.session.connection().info[SQLITE_BEGIN])
        db.session.rollback()
    # Outside a request (CLI, gateway, worker), everything begins IMMEDIATE as before.
    with app.app_context():
        db.session.scalar(db.select(Hub.id))
        seen.append(db.session.connection().info[SQLITE_BEGIN])
        db.session.rollback()
    assert seen == [SQLITE_READ, SQLITE_WRITE, SQLITE_READ, SQLITE_WRITE]
