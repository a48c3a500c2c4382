"""The reader's logic: scan -> ask the server -> open, or decide alone and remember it.

Threads: the caller presents tokens (`present`, blocking up to the decision timeout); paho's
network thread runs the callbacks; a housekeeping thread sends the heartbeat and uploads the
outbox whenever the link is up. An outbox entry leaves when the server's EventAck for it arrives
(not on the broker's PUBACK); one unacknowledged for a while, or at a reconnect, goes again.
"""

from __future__ import annotations

import collections
import itertools
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt

from devices import protocol
from devices.reader import FIRMWARE, link
from devices.reader.cache import TrustCache
from devices.reader.config import ReaderConfig
from devices.reader.outbox import Outbox
from devices.reader.outputs import Relay

log = logging.getLogger(__name__)

UPLOAD_WINDOW = 50  # offline events sent and awaiting their EventAck at once
GOODBYE_TIMEOUT = 2.0  # seconds to wait for the broker to take the last status


@dataclass(frozen=True)
class Outcome:
    """What happened at the door."""

    event_id: str
    grant: bool
    reason: str
    open_seconds: int
    offline: bool  # decided by the reader alone (and queued in the outbox)
    text: str = ""


@dataclass
class _Waiter:
    done: threading.Event = field(default_factory=threading.Event)
    decision: protocol.Decision | None = None


class Reader:
    """One door reader: its MQTT link, caches, outbox and relay."""

    def __init__(
        self, config: ReaderConfig, relay: Relay, clock: Callable[[], float] = time.time
    ) -> None:
        self.config, self.relay, self.clock = config, relay, clock
        self.cache = TrustCache(config.cache_path)
        self.outbox = Outbox(config.outbox, resend_after=config.ack_timeout)
        self.malformed = 0  # messages ignored because they broke the protocol
        self.uploaded = 0  # offline events the server acknowledged (EventAck)
        self.upload_sends = 0  # OfflineEvent publishes, re-sends included
        hub, device = config.hub, config.device
        self._topics = {
            protocol.decision_topic(hub, device): self._on_decision,
            protocol.ack_topic(hub, device): self._on_ack,
            protocol.command_topic(hub, device): self._on_command,
            protocol.keys_topic(hub): self._on_keys,
            protocol.revocations_topic(hub): self._on_revocations,
        }
        self._status_topic = protocol.status_topic(hub, device)
        self._scan_topic = protocol.scan_topic(hub, device)
        self._events_topic = protocol.events_topic(hub, device)
        # Event ids: "<device>-<boot>-<n>", unique across restarts without any stored counter.
        self._id_prefix = f"{device[:44]}-{uuid.uuid4().hex[:10]}"
        self._counter = itertools.count(1)
        self._waiting: dict[str, _Waiter] = {}
        self._recent_commands: collections.deque[str] = collections.deque(maxlen=64)
        self._connected = threading.Event()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._housekeeping = threading.Thread(
            target=self._keep_house, name=f"reader-{device}", daemon=True
        )
        offline = protocol.Status("offline", FIRMWARE).to_json()
        self.client = link.make_client(config.broker, device, will=(self._status_topic, offline))
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    # -- life cycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background (the reader works offline until the broker answers)."""
        link.start(self.client, self.config.broker)
        self._housekeeping.start()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def stop(self) -> None:
        """Say goodbye (status offline, retained), disconnect, lock the door."""
        self._stopping.set()
        self._wake.set()
        if self._housekeeping.is_alive():
            self._housekeeping.join(timeout=5)
        if self.connected:
            goodbye = protocol.Status("offline", FIRMWARE, self.clock()).to_json()
            info = self.client.publish(self._status_topic, goodbye, qos=1, retain=True)
            _acknowledged(info, GOODBYE_TIMEOUT)
        self.client.disconnect()
        self.client.loop_stop()
        self.relay.shutdown()
        self.outbox.close()

    # -- scans ---------------------------------------------------------------------------------

    def present(self, token: str) -> Outcome:
        """A pass was scanned: ask the server or decide alone, drive the relay, report."""
        token = token.rstrip("\r\n")[:256]
        event_id = f"{self._id_prefix}-{next(self._counter)}"
        now = self.clock()
        decision = self._ask_server(event_id, token, now) if self.connected else None
        if decision is not None:
            opens = (decision.open or self.config.open_seconds) if decision.grant else 0
            outcome = Outcome(
                event_id, decision.grant, decision.reason, opens, False, decision.text
            )
        else:
            verdict = self.cache.decide(token, self.config.hub_id, now)
            self.outbox.add(
                protocol.OfflineEvent(
                    event_id, token, now, self.config.direction, verdict.grant, verdict.reason
                )
            )
            self._wake.set()  # upload now if only the server (not the broker) was slow
            opens = self.config.open_seconds if verdict.grant else 0
            outcome = Outcome(event_id, verdict.grant, verdict.reason, opens, True)
        if outcome.grant:
            self.relay.open(outcome.open_seconds)
        log.info(
            "%s: %s (%s)%s",
            event_id,
            "GRANT" if outcome.grant else "DENY",
            outcome.reason,
            " decided offline" if outcome.offline else "",
        )
        return outcome

    def _ask_server(self, event_id: str, token: str, now: float) -> protocol.Decision | None:
        waiter = self._waiting[event_id] = _Waiter()
        try:
            scan = protocol.Scan(event_id, token, now, self.config.direction)
            info = self.client.publish(self._scan_topic, scan.to_json(), qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                return None
            waiter.done.wait(self.config.decision_timeout)
            return waiter.decision
        finally:
            del self._waiting[event_id]

    # -- MQTT callbacks (paho's thread: never let an exception out) -----------------------------

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if reason.is_failure:
            log.warning("broker refused the connection: %s", reason)
            return
        client.subscribe([(topic, 1) for topic in self._topics])
        self._publish_status()
        # EventAcks sent while we were away are lost (clean session): send everything again.
        self.outbox.resend_all()
        self._connected.set()  # after SUBSCRIBE: a decision or ack cannot arrive unheard
        self._wake.set()
        log.info("connected to %s:%d", self.config.broker.host, self.config.broker.port)

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if self._connected.is_set() and not self._stopping.is_set():
            log.warning("lost the broker (%s): deciding offline until it is back", reason)
        self._connected.clear()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        handler = self._topics.get(message.topic)
        if handler is None:
            return
        try:
            handler(bytes(message.payload))
        except protocol.ProtocolError as exc:
            self.malformed += 1
            log.warning("ignored a malformed message on %s: %s", message.topic, exc)
        except Exception:  # a bug here must not kill the network thread
            self.malformed += 1
            log.exception("failed to handle a message on %s", message.topic)

    def _on_decision(self, payload: bytes) -> None:
        decision = protocol.Decision.from_json(payload)
        waiter = self._waiting.get(decision.id)
        if waiter is None:
            log.info("%s: late decision ignored (the reader decided alone)", decision.id)
            return
        waiter.decision = decision
        waiter.done.set()

    def _on_ack(self, payload: bytes) -> None:
        ack = protocol.EventAck.from_json(payload)
        if self.outbox.remove(ack.id):  # else a duplicate ack: already gone
            self.uploaded += 1
            self._wake.set()  # room in the upload window
            log.debug("%s: %s by the server", ack.id, "stored" if ack.stored else "already known")

    def _on_command(self, payload: bytes) -> None:
        command = protocol.Command.from_json(payload)
        if command.id in self._recent_commands:
            return  # a QoS 1 duplicate: the door is already open
        if command.expired(self.clock()):
            log.warning(
                "%s: remote unlock ignored, it expired %.0f s ago",
                command.id,
                self.clock() - command.exp,
            )
            return
        self._recent_commands.append(command.id)
        log.info("%s: remote unlock for %d s", command.id, command.open)
        self.relay.open(command.open)

    def _on_keys(self, payload: bytes) -> None:
        if not self.cache.accept_keys(payload):
            self.malformed += 1

    def _on_revocations(self, payload: bytes) -> None:
        if not self.cache.accept_revocations(payload):
            self.malformed += 1

    # -- heartbeat and uploads -----------------------------------------------------------------

    def _publish_status(self) -> None:
        status = protocol.Status("online", FIRMWARE, self.clock())
        self.client.publish(self._status_topic, status.to_json(), qos=1, retain=True)

    def _keep_house(self) -> None:
        next_beat = time.monotonic() + self.config.heartbeat
        while not self._stopping.is_set():
            timeout = self.config.heartbeat  # offline: _on_connect wakes us
            if self.connected:
                wake_at = next_beat
                resend_at = self.outbox.next_resend()
                if resend_at is not None:
                    wake_at = min(wake_at, max(resend_at, time.monotonic() + 0.1))
                timeout = max(wake_at - time.monotonic(), 0)
            self._wake.wait(timeout)
            self._wake.clear()
            if not self.connected or self._stopping.is_set():
                continue
            if time.monotonic() >= next_beat:
                self._publish_status()
                next_beat = time.monotonic() + self.config.heartbeat
            try:
                self.upload()
            except Exception:  # keep the heartbeat going whatever happens
                log.exception("outbox upload failed")

    def upload(self) -> int:
        """Send the outbox entries that are due (never sent on this connection, or sent and not
        acknowledged in time); they leave the outbox when their EventAck arrives (`_on_ack`)."""
        sent = 0
        now = time.monotonic()
        for event in self.outbox.due(now, UPLOAD_WINDOW):
            if not self.connected or self._stopping.is_set():
                break
            if not self.outbox.sending(event.id, now):
                continue  # acknowledged meanwhile
            info = self.client.publish(self._events_topic, event.to_json(), qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                break  # the link dropped: everything goes again after the next connection
            sent += 1
            self.upload_sends += 1
        if sent:
            log.info("sent %d offline events, %d in the outbox", sent, len(self.outbox))
        return sent


def _acknowledged(info: mqtt.MQTTMessageInfo, timeout: float) -> bool:
    if info.rc != mqtt.MQTT_ERR_SUCCESS:
        return False
    try:
        info.wait_for_publish(timeout)
    except (RuntimeError, ValueError):
        return False
    return info.is_published()
