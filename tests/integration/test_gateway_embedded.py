"""The gateway on the embedded Python broker (MQTT 3.1.1, no shared subscriptions): the path
`make run` takes on a machine without Mosquitto."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.gateway.bridge import Gateway, GatewayOptions
from app.gateway.connection import parse_mqtt_url
from app.services.access.keys import Keyring
from devices import protocol
from tests.broker import Broker
from tests.conftest import make_test_app
from tests.databases import fresh_database
from tests.integration.test_gateway import (
    DECISION_TOPIC,
    DEVICE_PASSWORD,
    READER,
    SCAN_TOPIC,
    TEST_ACL,
    WAIT,
    DeviceClient,
    World,
    decision_for,
    scan,
    seed_world,
)


@pytest.fixture(scope="module")
def embedded_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    previous = os.environ.get("RUANG_TEST_BROKER")
    os.environ["RUANG_TEST_BROKER"] = "embedded"
    try:
        with Broker.running(tmp_path_factory.mktemp("embedded")) as broker:
            assert broker.embedded
            with (broker.workdir / "acl").open("a") as acl:
                acl.write(TEST_ACL)
            broker.add_user(READER, DEVICE_PASSWORD)
            yield broker
    finally:
        if previous is None:
            os.environ.pop("RUANG_TEST_BROKER", None)
        else:
            os.environ["RUANG_TEST_BROKER"] = previous


@pytest.fixture(scope="module")
def sqlite_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("embedded-world")
    with fresh_database("sqlite", Path(tmp)) as url:
        yield seed_world(make_test_app(url, tmp), Keyring(tmp / "keys"))


def test_mqtt311_urls_subscribe_without_shared_prefix() -> None:
    options = GatewayOptions(url="mqtt://gw:pw@127.0.0.1:1883?protocol=3.1.1", client_id="g")
    assert parse_mqtt_url(options.url).mqtt311
    assert not any(topic.startswith("$share/") for topic in options.subscriptions)
    default = GatewayOptions(url="mqtt://gw:pw@127.0.0.1:1883", client_id="g")
    assert all(topic.startswith("$share/") for topic in default.subscriptions)


def test_scan_answered_through_the_embedded_broker(
    embedded_broker: Broker, sqlite_world: World
) -> None:
    gateway = Gateway(
        sqlite_world.app,
        GatewayOptions(url=embedded_broker.url + "?protocol=3.1.1", client_id="gw-embedded"),
    )
    gateway.start()
    try:
        assert gateway.ready.wait(WAIT), "the gateway did not connect to the embedded broker"
        reader = DeviceClient(
            embedded_broker, READER, subscribe=(f"{protocol.ROOT}/+/reader/{READER}/decision",)
        )
        try:
            scan_id, payload = scan(sqlite_world.token(0))
            reader.publish(SCAN_TOPIC, payload)
            message = reader.expect(DECISION_TOPIC, decision_for(scan_id))
            assert protocol.Decision.from_json(message.payload).grant
        finally:
            reader.close()
    finally:
        gateway.stop()
