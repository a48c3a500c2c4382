"""Occupancy reports racing: the same QoS 1 message handled by two gateways at once counts once,
and different messages into the same new bucket all count. Real commits in a fresh database
(other threads cannot see the rolled-back `session` fixture), on every backend."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.models import Device, DeviceKind, Floor, Hub, OccupancySample, Zone, ZoneOccupancy
from app.services.devices.occupancy import record_occupancy
from config.settings import engine_options
from tests.conftest import make_test_app
from tests.databases import BACKENDS, fresh_database

THREADS = 8


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Flask, int]]:
    tmp: Path = tmp_path_factory.mktemp(f"occupancy-{request.param}")
    with fresh_database(request.param, tmp) as url:
        app = make_test_app(url, tmp, SQLALCHEMY_ENGINE_OPTIONS=engine_options(url))
        with app.app_context():
            hub = Hub(slug="race", name="Race", timezone="Asia/Jakarta")
            zone = Zone(floor=Floor(name="1", hub=hub), name="Lobby")
            db.session.add_all([hub, zone])
            db.session.flush()
            for n in range(THREADS):
                db.session.add(
                    Device(
                        device_id=f"s{n}",
                        hub_id=hub.id,
                        name=f"s{n}",
                        kind=DeviceKind.SENSOR,
                        zone_id=zone.id,
                    )
                )
            db.session.commit()
            zone_id = zone.id
        yield app, zone_id
        with app.app_context():
            db.engine.dispose()


def race(app: Flask, reports: list[tuple[str, str, int]]) -> list[bool]:
    barrier = threading.Barrier(len(reports), timeout=60)
    at = datetime.now(UTC)

    def one(report: tuple[str, str, int]) -> bool:
        device_id, message_id, count = report
        with app.app_context():
            device = db.session.scalar(select(Device).where(Device.device_id == device_id))
            assert device is not None
            db.session.rollback()  # SQLite: hold no lock while the others get ready
            barrier.wait()
            return record_occupancy(device, message_id, None, count, at)

    with ThreadPoolExecutor(len(reports)) as pool:
        return list(pool.map(one, reports))


def test_the_same_message_twice_at_once_counts_once(world) -> None:
    app, zone_id = world
    results = race(app, [("s0", "dup-1", 5)] * THREADS)
    assert sorted(results) == [False] * (THREADS - 1) + [True]
    with app.app_context():
        [sample] = db.session.scalars(
            select(OccupancySample).where(OccupancySample.zone_id == zone_id)
        ).all()
        assert sample.reports == 1


def test_different_messages_into_a_new_bucket_all_count(world) -> None:
    app, zone_id = world
    with app.app_context():
        before = sum(s.reports for s in db.session.scalars(select(OccupancySample)))
    results = race(app, [(f"s{n}", "m", n + 1) for n in range(THREADS)])
    assert results == [True] * THREADS
    with app.app_context():
        samples = db.session.scalars(
            select(OccupancySample).where(OccupancySample.zone_id == zone_id)
        ).all()
        assert sum(s.reports for s in samples) - before == THREADS
        assert max(s.max_people or 0 for s in samples) == THREADS
        assert db.session.get(ZoneOccupancy, zone_id) is not None


def test_states_committed_out_of_order_leave_the_latest(world) -> None:
    """Gateways of a shared subscription commit a sensor's states in any order; whatever the
    order, the zone ends on the state that happened last (the row lock and the time guard)."""
    app, _ = world
    with app.app_context():
        lobby = db.session.get(Zone, world[1])
        assert lobby is not None
        zone = Zone(floor_id=lobby.floor_id, name="Ordered")
        db.session.add(zone)
        db.session.flush()
        db.session.add(
            Device(
                device_id="ordered", hub_id=lobby.floor.hub_id, name="ordered",
                kind=DeviceKind.SENSOR, zone_id=zone.id,
            )
        )  # fmt: skip
        db.session.commit()
        zone_id = zone.id
    start = datetime.now(UTC) - timedelta(seconds=5)
    for round_, backwards in enumerate((False, True)):
        states = [
            (n, start + timedelta(seconds=round_, milliseconds=100 * n)) for n in range(THREADS)
        ]
        barrier = threading.Barrier(THREADS, timeout=60)

        def one(state: tuple[int, datetime], barrier: threading.Barrier = barrier) -> bool:
            count, at = state
            with app.app_context():
                device = db.session.scalar(select(Device).where(Device.device_id == "ordered"))
                assert device is not None
                db.session.rollback()
                barrier.wait()
                return record_occupancy(device, None, None, count, at)

        with ThreadPoolExecutor(THREADS) as pool:
            ordered = states[::-1] if backwards else states
            assert list(pool.map(one, ordered)) == [True] * THREADS
        with app.app_context():
            live = db.session.get(ZoneOccupancy, zone_id)
            assert live is not None
            assert (live.people, live.updated_at) == (THREADS - 1, states[-1][1])
