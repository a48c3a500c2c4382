"""The gateway process: one MQTT connection, shared subscriptions, a handler per message, and a
housekeeping thread (retained keys and revocations, last-seen times, silent devices, counters).

Messages are handled in paho's network thread, one at a time, each in its own app context (so
its own database session). QoS 1 messages are acknowledged after their handler returns: if the
process dies mid-message the broker delivers it again, and the handlers are idempotent.

Several gateways may run at once: each subscribes with the shared-subscription prefix
`$share/<group>/...`, so the broker hands each message to one of them. Zigbee2MQTT states are
the exception: they carry neither an id nor a time, so their order is the order the broker
sends them, which only one connection sees whole. Every gateway subscribes to them unshared
and applies each one; a state applied twice changes nothing, and the zone keeps the state with
the latest arrival time, which is every gateway's last message: the right final state.
Each gateway needs its own client id; its session outlives a restart (clean_start False, a
session expiry), so messages that arrive while it restarts wait in the broker, not lost.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import paho.mqtt.client as mqtt
from flask import Flask
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from app.extensions import checkpoint_sqlite, db, defer_sqlite_checkpoints
from app.gateway import handlers
from app.gateway.connection import connect_async, new_client, parse_mqtt_url
from app.gateway.metrics import RECEIVED, Metrics
from app.gateway.retained import RetainedState
from app.models import Adapter, utcnow
from app.services.access.directory import adapter_devices
from app.services.devices import bridges
from app.services.devices.reports import mark_silent_offline, record_seen
from devices import protocol
from devices.adapters import zigbee2mqtt

log = logging.getLogger(__name__)


def default_client_id() -> str:
    return f"ruang-gateway-{socket.gethostname()}"[:64]


@dataclass(frozen=True)
class GatewayOptions:
    url: str
    client_id: str
    share_group: str = protocol.GATEWAY_SHARE
    poll_seconds: float = 5.0  # keys and revocation lists
    silent_after: float = protocol.SILENT_AFTER  # seconds without a word: offline
    stats_seconds: float = 60.0
    # How long the broker keeps this client id's session (and queues its share of messages)
    # while the process is away. A gateway retired for good should be stopped with end_session.
    session_expiry: int = 3600

    @property
    def subscriptions(self) -> list[str]:
        return self.filters((*protocol.GATEWAY_SUBSCRIPTIONS, *protocol.ADAPTER_SUBSCRIPTIONS))

    def filters(self, topics: Iterable[str]) -> list[str]:
        if parse_mqtt_url(self.url).mqtt311:  # no shared subscriptions before MQTT 5
            return list(topics)
        return [protocol.shared(topic, self.share_group) for topic in topics]


class Gateway:
    """`start()` it, `stop()` it; `stats()` says what it did."""

    def __init__(self, app: Flask, options: GatewayOptions) -> None:
        self.app = app
        self.options = options
        self.metrics = Metrics()
        self.address = parse_mqtt_url(options.url)
        self.client = new_client(self.address, options.client_id)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self.ready = threading.Event()  # connected and subscribed
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._republish = threading.Event()
        self._seen: dict[str, Any] = {}
        self._seen_lock = threading.Lock()
        self._retained = RetainedState()
        self._housekeeper: threading.Thread | None = None
        self._unacked: list[mqtt.MQTTMessageInfo] = []  # our QoS 1 publishes not yet acked
        self._unacked_lock = threading.Lock()
        self._checkpoints = False  # SQLite: this process's commits leave checkpoints to us
        self._bridge_filters: set[str] = set()  # Zigbee2MQTT base topics of their own

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Connect (retrying with backoff in the background) and start housekeeping."""
        log.info("gateway %s connecting to %s", self.options.client_id, self.address)
        with self.app.app_context():
            self._checkpoints = defer_sqlite_checkpoints(db.engine)
        connect_async(self.client, self.address, self.options.session_expiry)
        self.client.loop_start()
        self._housekeeper = threading.Thread(
            target=self._housekeeping, name=f"{self.options.client_id}-housekeeping", daemon=True
        )
        self._housekeeper.start()

    def stop(self, end_session: bool = False) -> None:
        """Disconnect. The broker keeps the session (and queues this gateway's share of messages)
        unless `end_session`: then they go to the other gateways of the group."""
        self._stopping.set()
        self._wake.set()
        self._drain()
        properties = None
        if end_session and not self.address.mqtt311:
            properties = Properties(PacketTypes.DISCONNECT)  # type: ignore[no-untyped-call]
            properties.SessionExpiryInterval = 0
        self.client.disconnect(properties=properties)
        self.client.loop_stop()
        if self._housekeeper is not None:
            self._housekeeper.join(timeout=30)
        self.ready.clear()

    def stats(self) -> dict[str, int]:
        return self.metrics.stats()

    def _publish(self, topic: str, payload: bytes, retain: bool = False) -> bool:
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        with self._unacked_lock:
            self._unacked = [i for i in self._unacked if not i.is_published()]
            self._unacked.append(info)
        return info.rc == mqtt.MQTT_ERR_SUCCESS

    def _drain(self, timeout: float = 5.0) -> None:
        """Wait (a little) until the broker has every decision and command we published."""
        deadline = time.monotonic() + timeout
        while self.client.is_connected() and time.monotonic() < deadline:
            with self._unacked_lock:
                self._unacked = [i for i in self._unacked if not i.is_published()]
                if not self._unacked:
                    return
            time.sleep(0.01)

    # -- MQTT callbacks (paho's network thread) -------------------------------------------------

    def _on_connect(
        self,
        client: mqtt.Client,
        _userdata: Any,
        flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        _properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            self.metrics.count("connect_refused")
            log.error("broker %s refused the gateway: %s", self.address, reason)
            return
        self.metrics.count("connected")
        log.info("gateway connected (session present: %s)", flags.session_present)
        self._bridge_filters = set(zigbee2mqtt.subscriptions(bridges.DEFAULT_BASE_TOPIC))
        self._guarded("bridge_subscriptions", self._add_bridge_filters)
        self._subscribe([*self.options.subscriptions, *sorted(self._bridge_filters)])
        self._republish.set()
        self._wake.set()

    def _subscribe(self, topics: list[str]) -> None:
        if self.address.mqtt311:
            self.client.subscribe([(topic, 1) for topic in topics])
        else:
            options = SubscribeOptions(qos=1)
            self.client.subscribe([(topic, options) for topic in topics])

    def _on_subscribe(
        self,
        _client: mqtt.Client,
        _userdata: Any,
        _mid: int,
        reasons: list[ReasonCode],
        _properties: Properties | None,
    ) -> None:
        refused = [str(reason) for reason in reasons if reason.is_failure]
        if refused:
            self.metrics.count("subscribe_refused")
            log.error("broker refused subscriptions: %s (check the ACL)", refused)
        self.ready.set()

    def _on_disconnect(
        self,
        _client: mqtt.Client,
        _userdata: Any,
        _flags: mqtt.DisconnectFlags,
        reason: ReasonCode,
        _properties: Properties | None,
    ) -> None:
        self.ready.clear()
        if not self._stopping.is_set():
            self.metrics.count("disconnected")
            log.warning("gateway lost the broker (%s); reconnecting with backoff", reason)

    def _on_message(self, _client: mqtt.Client, _userdata: Any, msg: mqtt.MQTTMessage) -> None:
        self.metrics.count(RECEIVED)
        try:
            topic = msg.topic
        except UnicodeDecodeError:
            self.metrics.count("malformed")
            return
        payload = bytes(msg.payload)
        if len(payload) > protocol.MAX_PAYLOAD:  # bounded before anything parses it
            self.metrics.count("oversized")
            log.warning(
                "dropped %d bytes on %s: over %d", len(payload), topic[:120], protocol.MAX_PAYLOAD
            )
            return
        incoming = handlers.Incoming(topic, payload, bool(msg.retain), utcnow())
        with self.app.app_context():
            try:
                handled = handlers.handle(incoming)
            except protocol.ProtocolError as exc:
                self.metrics.count("malformed")
                log.warning("malformed message on %s: %s", topic[:120], exc)
                return
            except handlers.Dropped as dropped:
                self.metrics.count(dropped.reason)
                log.log(logging.DEBUG if dropped.quiet else logging.WARNING, "dropped %s", dropped)
                return
            except Exception:
                db.session.rollback()
                self.metrics.count("error")
                log.exception("handling a message on %s failed", topic[:120])
                return
        self.metrics.count(handled.outcome)
        if handled.device_id is not None:
            with self._seen_lock:
                self._seen[handled.device_id] = incoming.received_at
        for reply in handled.replies:
            self._publish(reply.topic, reply.payload)

    # -- housekeeping (its own thread) ----------------------------------------------------------

    def _housekeeping(self) -> None:
        tick = min(self.options.poll_seconds, 1.0)
        last_poll = last_seen = last_silent = last_stats = float("-inf")
        while not self._stopping.is_set():
            now = time.monotonic()
            if self.client.is_connected() and (
                self._republish.is_set() or now - last_poll >= self.options.poll_seconds
            ):
                last_poll = now
                self._guarded("retained", self._publish_retained)
                self._guarded("bridge_subscriptions", self._subscribe_bridges)
            if now - last_seen >= self.options.poll_seconds:
                last_seen = now  # one write a poll, not one a message: the door waits on writes
                self._guarded("last_seen", self._flush_seen)
            if self._checkpoints:
                self._guarded("checkpoint", lambda: checkpoint_sqlite(db.engine))
            if now - last_silent >= min(self.options.silent_after / 3, 30):
                last_silent = now
                self._guarded("silent_devices", self._mark_silent)
            if now - last_stats >= self.options.stats_seconds:
                last_stats = now
                log.info("gateway %s: %s", self.options.client_id, self.metrics.summary())
            self._wake.wait(tick)
            self._wake.clear()
        self._guarded("last_seen", self._flush_seen)

    def _guarded(self, what: str, task: Any) -> None:
        with self.app.app_context():
            try:
                task()
            except Exception:
                db.session.rollback()
                self.metrics.count(f"{what}_error")
                log.exception("gateway housekeeping (%s) failed", what)

    def _publish_retained(self) -> None:
        if self._republish.is_set():
            self._republish.clear()
            self._retained.forget()
        for message in self._retained.changes():
            if self._publish(message.topic, message.payload, retain=True):
                self._retained.published(message)
                self.metrics.count("retained_published")

    def _wanted_bridge_filters(self) -> set[str]:
        """Unshared filters for every Zigbee2MQTT base topic, the default one included."""
        bases = {bridges.base_topic(d.adapter_config) for d in adapter_devices(Adapter.ZIGBEE2MQTT)}
        bases.add(bridges.DEFAULT_BASE_TOPIC)
        return {f for base in bases for f in zigbee2mqtt.subscriptions(base)}

    def _add_bridge_filters(self) -> None:
        self._bridge_filters |= self._wanted_bridge_filters()

    def _subscribe_bridges(self) -> None:
        """Subscribe to the base topics of Zigbee2MQTT installations registered since."""
        new = sorted(self._wanted_bridge_filters() - self._bridge_filters)
        if new:
            self._subscribe(new)
            self._bridge_filters |= set(new)

    def _flush_seen(self) -> None:
        with self._seen_lock:
            seen, self._seen = self._seen, {}
        record_seen(seen)

    def _mark_silent(self) -> None:
        silent = mark_silent_offline(utcnow() - timedelta(seconds=self.options.silent_after))
        if silent:
            self.metrics.count("went_silent", len(silent))
            log.warning(
                "no word from %s for %ss: marked offline", silent, self.options.silent_after
            )
