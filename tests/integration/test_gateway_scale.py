"""Several gateways, and a gateway restarted under load: every scan answered, none decided twice.

Same set-up as test_gateway.py (a fresh committed database, a real Mosquitto), with gateways
started and stopped by the tests themselves. The scans reuse one member's code: after the first
grant the others are refused as replays, which is still a decision, stored and answered.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from app.gateway.bridge import Gateway
from devices import protocol
from tests.integration.test_gateway import (
    DECISION_TOPIC,
    READER,
    SCAN_TOPIC,
    DeviceClient,
    broker,
    counted,
    reader,
    running_gateway,
    scan,
    wait_for,
    world,
)

__all__ = ["broker", "reader", "world"]  # module-scoped fixtures, one set for this module


def decided_ids(reader: DeviceClient) -> Counter[str]:
    return Counter(
        protocol.Decision.from_json(message.payload).id
        for message in reader.drain()
        if message.topic == DECISION_TOPIC
    )


def handled(*gateways: Gateway) -> int:
    return sum(counted(g, "scan") + counted(g, "scan_duplicate") for g in gateways)


def test_two_gateways_answer_every_scan_exactly_once(world, broker, reader) -> None:
    reader.drain()
    token = world.token(0)
    scan_ids = [f"pair-{n}" for n in range(40)]
    with (
        running_gateway(world, broker, "gw-pair-a") as first,
        running_gateway(world, broker, "gw-pair-b") as second,
    ):
        for scan_id in scan_ids:
            reader.publish(SCAN_TOPIC, scan(token, scan_id)[1])
        wait_for(lambda: handled(first, second) >= len(scan_ids), "every scan handled")
        wait_for(lambda: len(world.events(source="gateway")) >= len(scan_ids), "every access event")
        # Both gateways did part of the work, and nobody handled a scan twice.
        assert counted(first, "scan") > 0
        assert counted(second, "scan") > 0
        assert counted(first, "scan_duplicate") + counted(second, "scan_duplicate") == 0
    answers: Counter[str] = Counter()
    deadline = time.monotonic() + 15
    while set(answers) != set(scan_ids) and time.monotonic() < deadline:
        answers += decided_ids(reader)
        time.sleep(0.02)
    assert set(answers) == set(scan_ids)
    assert set(answers.values()) == {1}
    stored = Counter(event.event_id for event in world.events(source="gateway"))
    assert {f"{READER}:{scan_id}" for scan_id in scan_ids} <= set(stored)
    assert set(stored.values()) == {1}


def test_a_gateway_restarted_mid_stream_loses_no_scan_and_decides_none_twice(
    world, broker, reader
) -> None:
    reader.drain()
    token = world.token(1)
    scan_ids = [f"restart-{n}" for n in range(60)]
    stopped = threading.Event()

    def publish_all() -> None:
        for n, scan_id in enumerate(scan_ids):
            if n == 20:
                stopped.wait(15)  # the rest go out while the gateway is away, then back
            reader.publish(SCAN_TOPIC, scan(token, scan_id)[1])
            time.sleep(0.005)

    publisher = threading.Thread(target=publish_all)
    with running_gateway(world, broker, "gw-restart") as first:
        publisher.start()
        wait_for(lambda: handled(first) >= 10, "the first scans")
        first.stop()  # a restart: the broker keeps the session and queues the rest
        stopped.set()
        publisher.join(30)
        with running_gateway(world, broker, "gw-restart") as second:
            wait_for(
                lambda: (
                    {f"{READER}:{i}" for i in scan_ids}
                    <= {e.event_id for e in world.events(source="gateway")}
                ),
                "every scan decided",
            )
            assert handled(second) > 0
    stored = Counter(event.event_id for event in world.events(source="gateway"))
    assert all(stored[f"{READER}:{scan_id}"] == 1 for scan_id in scan_ids)
    answers: Counter[str] = Counter()
    deadline = time.monotonic() + 15
    while not set(scan_ids) <= set(answers) and time.monotonic() < deadline:
        answers += decided_ids(reader)
        time.sleep(0.02)
    assert set(scan_ids) <= set(answers)  # each answered (a redelivered one perhaps twice)
