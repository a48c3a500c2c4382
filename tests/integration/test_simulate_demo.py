"""`flask ruang simulate` on the demo: its readers go on the demo hub's doors (entrance, exit,
the Aula's room door, the door into Ruang Fokus) and the gateway decides at those doors, through
a real broker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.gateway.bridge import Gateway, GatewayOptions
from app.models import AccessEvent, Device, Door
from tests.broker import Broker
from tests.conftest import make_test_app
from tests.databases import fresh_database


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Flask]:
    with fresh_database("sqlite", tmp_path) as url:
        app = make_test_app(url, tmp_path)
        result = app.test_cli_runner().invoke(args=["ruang", "seed-demo"])
        assert result.exit_code == 0, result.output
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_simulator_drives_readers_on_the_demo_doors(demo: Flask, tmp_path: Path) -> None:
    with Broker.running(tmp_path / "broker") as broker:
        gateway = Gateway(
            demo, GatewayOptions(url=broker.url, client_id="sim-gw", poll_seconds=0.2)
        )
        gateway.start()
        try:
            assert gateway.ready.wait(15)
            demo.config["RUANG_MQTT_URL"] = broker.url
            args = ["ruang", "simulate", "--count", "12", "--rate", "50", "--seed", "1"]
            result = demo.test_cli_runner().invoke(args=args)
        finally:
            demo.config["RUANG_MQTT_URL"] = None
            gateway.stop()
    assert result.exit_code == 0, result.output
    assert "2 inner door reader(s)" in result.output
    with demo.app_context():
        doors = {
            device_id: door
            for device_id, door in db.session.execute(
                select(Device.device_id, Door.name)
                .join(Door, Device.door_id == Door.id)
                .where(Device.device_id.like("sim-%"))
            )
        }
        assert doors["sim-jfc-hub-in"] == "Pintu Masuk Utama"
        assert doors["sim-jfc-hub-out"] == "Pintu Keluar Utama"
        assert sorted(v for k, v in doors.items() if "-door" in k) == [
            "Pintu Aula Acara",
            "Pintu Ruang Fokus",
        ]
        at_doors = db.session.scalars(
            select(Door.name).join(AccessEvent, AccessEvent.door_id == Door.id)
        ).all()
        db.session.remove()
    assert "Pintu Masuk Utama" in at_doors, result.output
