"""The same Idempotency-Key sent by several clients at once books once, on every backend.

Real commits in threads (not the rolled-back `session` fixture), as tests/integration/
test_concurrency.py does: a fresh database per backend, each request its own thread, app
context, session and connection, released together by a barrier.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Booking,
    BookingMode,
    Floor,
    Hub,
    Membership,
    Plan,
    Resource,
    ResourceKind,
    Role,
    RoleGrant,
    User,
)
from app.services.hubs.calendar import set_opening_hours
from app.services.integrations.tokens import create_personal_token
from config.settings import engine_options
from tests.conftest import make_test_app
from tests.databases import BACKENDS, fresh_database

CLIENTS = 12
ZONE = ZoneInfo("Asia/Jakarta")


def a_weekday_ahead() -> date:
    day = datetime.now(ZONE).date() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@pytest.fixture(scope="module", params=BACKENDS)
def race_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Flask, int, str]]:
    backend = str(request.param)
    tmp = tmp_path_factory.mktemp(f"idem-{backend}")
    with fresh_database(backend, tmp) as url:
        options = {**engine_options(url), "pool_size": CLIENTS, "max_overflow": 5}
        app = make_test_app(url, tmp, SQLALCHEMY_ENGINE_OPTIONS=options)
        with app.app_context():
            hub = Hub(slug="idem-hub", name="Idem Hub", timezone="Asia/Jakarta")
            set_opening_hours(hub, {weekday: (time(8), time(17)) for weekday in range(5)})
            floor = Floor(name="Floor 1", hub=hub)
            desk = Resource(
                floor=floor, name="A01", kind=ResourceKind.DESK, booking_mode=BookingMode.WHOLE_DAY
            )
            plan = Plan(code="unlimited", name="Unlimited", advance_days=60)
            member = User(email="idem@example.test", name="Idem")
            member.roles = [RoleGrant(role=Role.MEMBER)]
            member.memberships = [Membership(plan=plan, starts_on=date(2026, 1, 1))]
            db.session.add_all([hub, desk, member])
            db.session.commit()
            token = create_personal_token(member.id, "race", ["bookings:write"], 1).text
            desk_id = desk.id
        try:
            yield app, desk_id, token
        finally:
            with app.app_context():
                db.engine.dispose()


def test_one_key_sent_at_once_books_once(race_app: tuple[Flask, int, str]) -> None:
    app, desk_id, token = race_app
    body = {"resource_id": desk_id, "day": str(a_weekday_ahead())}
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "same-for-all"}
    barrier = threading.Barrier(CLIENTS)

    def post(_: int) -> tuple[int, str]:
        client = app.test_client()
        barrier.wait(timeout=60)
        response = client.post("/api/v1/bookings", json=body, headers=headers)
        return response.status_code, str(response.json.get("id") or response.json.get("code"))

    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = Counter(pool.map(post, range(CLIENTS)))
    with app.app_context():
        booked = db.session.scalar(select(func.count()).select_from(Booking))
    assert booked == 1
    statuses = {status for status, _ in answers}
    assert statuses <= {201, 409}, answers
    ids = {answer for status, answer in answers if status == 201}
    assert len(ids) == 1, answers  # every 201 is the same booking
    refusals = {answer for status, answer in answers if status == 409}
    assert refusals <= {"idempotency_in_progress"}, answers
