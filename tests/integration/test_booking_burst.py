"""The booking window opens: 500 members in four processes try to book 50 desks for the same day
at once, through the web form. Exactly 50 are booked, nobody gets a 5xx, and every other member
is told in words why not; on every backend.

Each process builds its own app (its own engine and pool, as a gunicorn worker would), logs its
members in, and waits at a barrier shared by all processes; then every member posts at once.
Member n tries desk n % 50: ten members race for each desk.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    ACTIVE_STATUSES,
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
from app.services.people.accounts import hash_password
from config.settings import engine_options
from tests.conftest import make_test_app
from tests.databases import BACKENDS, fresh_database

MEMBERS = 500
DESKS = 50
PROCESSES = 4
PASSWORD = "burst-password-2026"
ZONE = ZoneInfo("Asia/Jakarta")
LANGUAGES = ("en", "id")  # half the members read English, half Bahasa Indonesia
#: What a member is shown, per language: booked, and refused because the desk was taken.
BOOKED = {"en": "Booked:", "id": "Berhasil dipesan:"}
TAKEN = {
    "en": "Not booked: Someone else has already booked this at that time.",
    "id": "Gagal memesan: Orang lain sudah memesan ini pada waktu tersebut.",
}
#: A process stuck at the barrier means its members never got ready; fail instead of hanging.
BARRIER_TIMEOUT = 120


def seed(url: str, tmp: Path) -> date:
    """A hub open every day, 50 desks, 500 members on a plan without desk-day quotas."""
    app = make_test_app(url, tmp)
    day = datetime.now(ZONE).date() + timedelta(days=2)
    with app.app_context():
        hub = Hub(slug="burst-hub", name="Burst Hub", timezone="Asia/Jakarta")
        set_opening_hours(hub, {weekday: (time(8), time(17)) for weekday in range(7)})
        floor = Floor(name="Floor 1", hub=hub)
        for n in range(DESKS):
            floor.resources.append(
                Resource(
                    name=f"D{n:02d}", kind=ResourceKind.DESK, booking_mode=BookingMode.WHOLE_DAY
                )
            )
        plan = Plan(code="open", name="Open", advance_days=30)
        password_hash = hash_password(PASSWORD)
        now = datetime.now(ZONE)
        members = []
        for n in range(MEMBERS):
            member = User(
                email=f"m{n:03d}@burst.ruang.id",
                name=f"Member {n}",
                password_hash=password_hash,
                email_verified_at=now,
                consent_at=now,
            )
            member.roles = [RoleGrant(role=Role.MEMBER)]
            member.memberships = [Membership(plan=plan, starts_on=day - timedelta(days=30))]
            members.append(member)
        db.session.add_all([hub, *members])
        db.session.commit()
        release(app)
    return day


def desk_ids(url: str, tmp: Path) -> list[int]:
    app = make_test_app(url, tmp)
    with app.app_context():
        ids = list(db.session.scalars(select(Resource.id).order_by(Resource.id)))
        release(app)
    return ids


def release(app: Flask) -> None:
    """Give back the session's connection, then close the pool: a connection still checked out
    when the pool is disposed stays open until garbage collection (a ResourceWarning later)."""
    db.session.close()
    db.engine.dispose()


def run_members(
    url: str, tmp: str, indices: list[int], desks: list[int], day: date, barrier: Any
) -> list[tuple[int, int, str]]:
    """One process's members: log in, wait for every process, post the booking form at once.
    Returns (member, status of the post, the message the member is shown) per member."""
    options = {**engine_options(url), "pool_size": 20, "max_overflow": 0, "pool_timeout": 60}
    # One address logs in 125 members: the per-address login limit is not what is tested here.
    app = make_test_app(url, Path(tmp), SQLALCHEMY_ENGINE_OPTIONS=options, RATELIMIT_ENABLED=False)
    clients = {}
    for n in indices:
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = LANGUAGES[n % 2]
        response = client.post(
            "/login", data={"email": f"m{n:03d}@burst.ruang.id", "password": PASSWORD}
        )
        assert response.status_code == 302, response.status_code
        clients[n] = client
    results: list[tuple[int, int, str]] = []
    start = threading.Barrier(len(indices))

    def attempt(n: int) -> None:
        client = clients[n]
        start.wait(timeout=BARRIER_TIMEOUT)
        form = {"resource_id": desks[n % DESKS], "day": day.isoformat()}
        try:
            response = client.post("/m/burst-hub/book", data=form)
        except Exception as exc:  # the app raised instead of answering: a 500 in production
            results.append((n, 500, f"{exc!r}"))
            return
        with client.session_transaction() as session:  # what the next page will show
            shown = " ".join(message for _category, message in session.get("_flashes", []))
        results.append((n, response.status_code, shown))

    threads = [threading.Thread(target=attempt, args=(n,)) for n in indices]
    barrier.wait(timeout=BARRIER_TIMEOUT)  # every process has logged its members in
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        release(app)
    return results


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_fifty_desks_for_five_hundred_members(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        day = seed(url, tmp_path)
        desks = desk_ids(url, tmp_path)
        context = multiprocessing.get_context("spawn")
        barrier = context.Manager().Barrier(PROCESSES)
        shares = [list(range(p, MEMBERS, PROCESSES)) for p in range(PROCESSES)]
        with context.Pool(PROCESSES) as pool:
            outcomes = pool.starmap(
                run_members, [(url, str(tmp_path), share, desks, day, barrier) for share in shares]
            )
        results = [result for share in outcomes for result in share]
        app = make_test_app(url, tmp_path)
        with app.app_context():
            booked = db.session.execute(
                select(Booking.resource_id, func.count())
                .where(Booking.status.in_(ACTIVE_STATUSES))
                .group_by(Booking.resource_id)
            ).all()
            release(app)

    assert len(results) == MEMBERS
    statuses = Counter(status for _n, status, _shown in results)
    # Every post answered with a page, no 5xx.
    assert statuses == {302: MEMBERS}, [r for r in results if r[1] != 302][:5]
    assert sorted(desk for desk, _count in booked) == sorted(desks)
    assert all(count == 1 for _desk, count in booked)
    told = Counter()
    for n, _status, text in results:
        language = LANGUAGES[n % 2]
        if text.startswith(BOOKED[language]):
            told["booked"] += 1
        elif text == TAKEN[language]:  # every loser is told why, in their language
            told["taken"] += 1
        else:
            told[f"{language}: {text!r}"] += 1
    assert told == {"booked": DESKS, "taken": MEMBERS - DESKS}, told
