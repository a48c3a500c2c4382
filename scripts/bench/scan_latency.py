"""Benchmark: scan-to-decision latency through a real Mosquitto, with a raw MQTT echo baseline.

Starts Mosquitto from config/mosquitto (TCP_NODELAY on), a fresh database, and two helper
processes: `flask ruang gateway` (the real command) and a raw echo client (subscribe, publish
the same bytes back, QoS 1, no database). A reader client then sends scans at a fixed rate
(open loop: sends are scheduled, not paced by replies) and times each scan -> decision round
trip; the echo baseline is timed the same way at the same rate in the same run.

Every scan is a distinct member's current rotating code, so each decision is a full grant:
signature, replay check, pass, member, membership, today's booking, opening hours, door, the
access event insert and commit. Targets: p99 <= 10 ms at 200 scans/s; decision p99 within 5x
of the echo p99.

Usage: .venv/bin/python scripts/bench/scan_latency.py [--rates 50,200,500] [--seconds 4]
       [--repeat N] [--gateways N] [--backend sqlite|postgresql] [--pg-url URL]

The machine is shared and noisy: --repeat runs each rate N times (echo then decisions each
time) and the summary gives the median and the worst p99 over the runs.
"""

from __future__ import annotations

import argparse
import gc
import os
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from benchlib import (
    ROOT,
    environment,
    fresh_database,
    make_app,
    pg_server_url,
    print_table,
    summarise_ms,
    write_json,
)

sys.path.insert(0, str(ROOT))  # tests.broker: Mosquitto from the project's config

from app.extensions import db
from app.models import (
    Device,
    DeviceKind,
    Door,
    DoorKind,
    Hub,
    Membership,
    Plan,
    Role,
    RoleGrant,
    User,
)
from app.services.access.keys import Keyring, generate_key
from app.services.access.passes import rotating_token
from app.services.hubs.calendar import set_opening_hours
from devices import protocol
from tests.broker import GATEWAY_PASSWORD, GATEWAY_USER, Broker

HUB, READER, READER_PASSWORD = "bench-hub", "bench-reader", "bench-reader-secret"
ECHO_IN, ECHO_OUT = "ruang/bench/echo/in", "ruang/bench/echo/out"
WARM_UP = 30
DRAIN_SECONDS = 10.0


# -- helper processes ----------------------------------------------------------------------------


def no_delay(_client: mqtt.Client, _userdata: Any, sock: socket.socket) -> None:
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def client(
    host: str, port: int, user: str, password: str, on_message: Callable[..., None]
) -> mqtt.Client:
    mqtt_client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"{user}-{uuid.uuid4().hex[:6]}",
        protocol=mqtt.MQTTv311,
    )
    mqtt_client.username_pw_set(user, password)
    mqtt_client.on_socket_open = no_delay
    mqtt_client.on_message = on_message
    mqtt_client.max_inflight_messages_set(100)
    mqtt_client.connect(host, port)
    return mqtt_client


def run_echo(host: str, port: int) -> None:
    """The baseline's other end: every message on ECHO_IN back on ECHO_OUT, QoS 1."""

    def echo(c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        c.publish(ECHO_OUT, message.payload, qos=1)

    echo_client = client(host, port, GATEWAY_USER, GATEWAY_PASSWORD, echo)
    echo_client.subscribe(ECHO_IN, qos=1)
    echo_client.loop_forever()


# -- data ----------------------------------------------------------------------------------------


def seed(app: Any, keyring: Keyring, members: int) -> tuple[list[int], int]:
    """A hub open around the clock with a door and a reader, and `members` members."""
    with app.app_context():
        hub = Hub(slug=HUB, name="Bench Hub", timezone="Asia/Jakarta")
        set_opening_hours(hub, {d: (clock_time(0), clock_time(23, 59, 59)) for d in range(7)})
        door = Door(hub=hub, name="Entrance", kind=DoorKind.ENTRANCE)
        reader = Device(device_id=READER, hub=hub, name="Reader", kind=DeviceKind.READER, door=door)
        plan = Plan(code="bench", name="Bench", advance_days=14)
        people = []
        for n in range(members):
            person = User(email=f"bench{n}@example.com", name=f"Anggota {n}")
            person.roles = [RoleGrant(role=Role.MEMBER, hub=None)]
            person.memberships.append(Membership(plan=plan, starts_on=date(2020, 1, 1)))
            people.append(person)
        db.session.add_all([hub, door, reader, plan, *people])
        db.session.commit()
        generate_key(keyring)
        return [p.id for p in people], hub.id


def tokens_for(app: Any, keyring: Keyring, member_ids: list[int]) -> list[str]:
    with app.app_context():
        return [rotating_token(keyring, member_id).token for member_id in member_ids]


# -- measuring -----------------------------------------------------------------------------------


class RoundTrips:
    """Sends at a fixed rate and times each reply by id."""

    def __init__(self) -> None:
        self.sent: dict[str, float] = {}
        self.latencies: list[float] = []
        self.replies: queue.Queue[tuple[str, float]] = queue.Queue()

    def on_reply(self, message_id: str) -> None:
        self.replies.put((message_id, time.perf_counter()))

    def collect(self) -> None:
        while not self.replies.empty():
            message_id, at = self.replies.get_nowait()
            sent = self.sent.pop(message_id, None)
            if sent is not None:
                self.latencies.append(at - sent)

    def run(self, send: Callable[[str, int], None], rate: float, count: int) -> dict[str, Any]:
        start = time.perf_counter()
        for n in range(count):
            due = start + n / rate
            while (wait := due - time.perf_counter()) > 0:
                time.sleep(min(wait, 0.002))
            message_id = uuid.uuid4().hex[:16]
            self.sent[message_id] = time.perf_counter()
            send(message_id, n)
        achieved = count / (time.perf_counter() - start)
        deadline = time.perf_counter() + DRAIN_SECONDS
        while self.sent and time.perf_counter() < deadline:
            self.collect()
            time.sleep(0.01)
        self.collect()
        return {**summarise_ms(self.latencies), "sent": count, "lost": len(self.sent),
                "rate": round(achieved, 1)}  # fmt: skip


def measure(args: argparse.Namespace) -> dict[str, Any]:
    rates = [int(r) for r in args.rates.split(",")]
    counts = [int(rate * args.seconds) for rate in rates]
    rounds = [(rate, count) for rate, count in zip(rates, counts, strict=True)] * args.repeat
    pg_url = pg_server_url(args.pg_url) if args.backend == "postgresql" else None
    results: dict[str, Any] = {
        "environment": {**environment(pg_url), "load_average": os.getloadavg()},
        "gateways": args.gateways,
        "rates": {},
    }
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        with (
            Broker.running(tmp / "broker") as broker,
            fresh_database(args.backend, tmp, pg_url or "") as url,
        ):
            broker.add_user(READER, READER_PASSWORD)
            app = make_app(url, tmp)
            keyring = Keyring(tmp / "keys")
            member_ids, _ = seed(app, keyring, WARM_UP + sum(count for _, count in rounds))
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "MQTT_URL": broker.url,
                "RUANG_INSTANCE_DIR": str(tmp),
                "SECRET_KEY": "bench-secret",
                "FLASK_APP": "app",
            }
            gateways = [
                subprocess.Popen(
                    [
                        str(Path(sys.executable).parent / "flask"),
                        "ruang",
                        "gateway",
                        "--client-id",
                        f"bench-gateway-{n}",
                    ],
                    env=env,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for n in range(args.gateways)
            ]
            echo = subprocess.Popen(
                [sys.executable, __file__, "--echo", f"{broker.host}:{broker.port}"], cwd=ROOT
            )
            try:
                results["rates"] = run_levels(app, keyring, broker, member_ids, rounds)
            finally:
                for process in (*gateways, echo):
                    process.terminate()
                    process.wait(timeout=30)
    return results


def run_levels(
    app: Any,
    keyring: Keyring,
    broker: Broker,
    member_ids: list[int],
    rounds: list[tuple[int, int]],
) -> dict[str, list[dict[str, Any]]]:
    current = {"trips": RoundTrips()}  # the replies go to whichever run is on

    def on_message(_c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        if message.topic == ECHO_OUT:
            current["trips"].on_reply(message.payload.decode())
        else:
            current["trips"].on_reply(protocol.Decision.from_json(message.payload).id)

    reader = client(broker.host, broker.port, READER, READER_PASSWORD, on_message)
    reader.subscribe(protocol.decision_topic(HUB, READER), qos=1)
    echo = client(broker.host, broker.port, GATEWAY_USER, GATEWAY_PASSWORD, on_message)
    echo.subscribe(ECHO_OUT, qos=1)
    reader.loop_start()
    echo.loop_start()
    scan_topic = protocol.scan_topic(HUB, READER)

    def send_scans(tokens: list[str]) -> Callable[[str, int], None]:
        return lambda scan_id, n: reader.publish(scan_topic, scan(scan_id, tokens[n]), 1)

    results: dict[str, list[dict[str, Any]]] = {}
    try:
        # Warm up (and wait for the gateway process to be up): until scans are answered.
        warm_tokens = tokens_for(app, keyring, member_ids[:WARM_UP])
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline:
            current["trips"] = RoundTrips()
            if current["trips"].run(send_scans(warm_tokens), 20, WARM_UP)["n"] == WARM_UP:
                break
        offset = WARM_UP
        for rate, count in rounds:
            tokens = tokens_for(app, keyring, member_ids[offset : offset + count])
            offset += count
            # The load generator's own garbage collection is not what is measured.
            gc.collect()
            gc.freeze()
            current["trips"] = RoundTrips()
            echo_result = current["trips"].run(
                lambda message_id, _n: echo.publish(ECHO_IN, message_id.encode(), 1), rate, count
            )
            current["trips"] = RoundTrips()
            decision_result = current["trips"].run(send_scans(tokens), rate, count)
            results.setdefault(str(rate), []).append(
                {"echo": echo_result, "decision": decision_result}
            )
            print(f"  {rate}/s: echo p99 {echo_result['p99']:.2f} ms, "
                  f"decision p99 {decision_result['p99']:.2f} ms", flush=True)  # fmt: skip
    finally:
        reader.loop_stop()
        echo.loop_stop()
    return results


def scan(scan_id: str, token: str) -> bytes:
    return protocol.Scan(id=scan_id, token=token, at=time.time()).to_json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default="50,200,500")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--pg-url", default=None)
    parser.add_argument(
        "--gateways", type=int, default=1, help="gateway processes (one shared subscription)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per rate (the machine is shared: report medians)",
    )
    parser.add_argument("--echo", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.echo:
        host, port = args.echo.rsplit(":", 1)
        run_echo(host, int(port))
        return
    print(
        f"scan -> decision over MQTT ({args.backend}, {args.gateways} gateway process(es)), "
        f"{args.seconds:g} s per rate, load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    results = measure(args)
    rows = []
    for rate, runs in results["rates"].items():
        for number, run in enumerate(runs, 1):
            for kind in ("echo", "decision"):
                r = run[kind]
                rows.append([f"{rate}/s", number, kind, r["rate"], r["n"], r["lost"],
                             r["p50"], r["p99"], r["max"]])  # fmt: skip
            run["decision_over_echo_p99"] = run["decision"]["p99"] / max(run["echo"]["p99"], 1e-9)
    print_table(
        ["rate", "run", "round trip", "achieved/s", "n", "lost", "p50 ms", "p99 ms", "max ms"],
        rows,
    )
    for rate, runs in results["rates"].items():
        p99s = sorted(run["decision"]["p99"] for run in runs)
        ratios = sorted(run["decision_over_echo_p99"] for run in runs)
        print(
            f"  {rate}/s over {len(runs)} run(s): decision p99 median "
            f"{statistics.median(p99s):.2f} ms (worst {p99s[-1]:.2f}); "
            f"decision p99 / echo p99 median {statistics.median(ratios):.1f}x "
            f"(worst {ratios[-1]:.1f}x)"
        )
    path = write_json(f"scan-latency-{args.backend}", results)
    print(f"results: {path}")


if __name__ == "__main__":
    main()
