"""Commands to devices (remote unlock from the front desk), sent through an injected publisher.

The web app holds a CommandPublisher in `app.extensions["ruang.commands"]`: MqttCommandPublisher
when RUANG_MQTT_URL is set (connects with the gateway's credentials, publishes at QoS 1, waits
for the PUBACK, disconnects), NoBroker otherwise, which says so instead of pretending.
Commands are never retained: an unlock must not replay when a device reconnects. A device the
gateway knows to be offline is not sent one; a native reader's command carries an expiry
(UNLOCK_EXPIRES_SECONDS) after which the reader ignores it, should it arrive late.
"""

from __future__ import annotations

import importlib
import secrets
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from app.models import Adapter, Device, DeviceKind, User
from app.services.audit import record
from app.services.errors import DomainError, Forbidden
from app.services.transactions import transaction
from devices import protocol

#: How long to wait for the broker (connect, then each PUBACK) before giving up.
TIMEOUT_SECONDS = 5.0
#: An unlock a reader gets later than this after it was sent opens nothing.
UNLOCK_EXPIRES_SECONDS = 10

Messages = Sequence[tuple[str, bytes]]


class CommandNotSent(DomainError):
    """The command did not reach the broker; the door did not open."""

    code = "command_not_sent"
    http_status = 503


class NoBrokerConfigured(CommandNotSent):
    code = "no_broker"


class DeviceCannotUnlock(DomainError):
    code = "device_cannot_unlock"
    http_status = 422


class DeviceOffline(DomainError):
    """The reader is offline (its last will, or silence): an unlock would open nothing now."""

    code = "device_offline"
    http_status = 409


class CommandPublisher(Protocol):
    def publish(self, messages: Messages) -> None:
        """Deliver each (topic, payload) to the broker at QoS 1, not retained, or raise
        CommandNotSent."""


class NoBroker:
    """The publisher of a deployment without MQTT: every command is refused, with the reason."""

    def publish(self, messages: Messages) -> None:
        raise NoBrokerConfigured("no MQTT broker is configured (set MQTT_URL)")


class MqttCommandPublisher:
    """Publishes through the broker at `url` (mqtt:// or mqtts://user:password@host:port)."""

    def __init__(self, url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError("MQTT_URL must look like mqtt://user:password@host:1883")
        self.host = parts.hostname
        self.tls = parts.scheme == "mqtts"
        self.port = parts.port or (8883 if self.tls else 1883)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout

    def publish(self, messages: Messages) -> None:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"ruang-web-{secrets.token_hex(6)}",
            clean_session=True,
        )
        if self.username is not None:
            client.username_pw_set(self.username, self.password)
        if self.tls:
            client.tls_set_context(ssl.create_default_context())
        connected = threading.Event()
        refused: list[str] = []

        def on_connect(c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
            if reason.is_failure:
                refused.append(str(reason))
            else:
                c.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # type: ignore[union-attr]
            connected.set()

        client.on_connect = on_connect
        try:
            client.connect(self.host, self.port, keepalive=30)
        except OSError as error:
            raise CommandNotSent(f"the MQTT broker is unreachable: {error}") from None
        client.loop_start()
        try:
            if not connected.wait(self.timeout) or refused:
                raise CommandNotSent(
                    "the MQTT broker refused the connection: " + (", ".join(refused) or "timeout")
                )
            for topic, payload in messages:
                info = client.publish(topic, payload, qos=1, retain=False)
                info.wait_for_publish(self.timeout)  # returns once the PUBACK is in
                if not info.is_published():
                    raise CommandNotSent("the MQTT broker did not acknowledge the command")
        finally:
            client.disconnect()
            client.loop_stop()


def publisher_from_config(config: dict[str, Any] | Any) -> CommandPublisher:
    url = config.get("RUANG_MQTT_URL")
    return MqttCommandPublisher(url) if url else NoBroker()


@dataclass(frozen=True)
class Unlock:
    command_id: str
    open_seconds: int
    messages: list[tuple[str, bytes]]
    expires_in: int = UNLOCK_EXPIRES_SECONDS


def unlock_messages(device: Device, open_seconds: int) -> Unlock:
    """What opens this device's door: a protocol Command, or the adapter's own messages."""
    command_id = f"unlock-{secrets.token_hex(8)}"
    if device.adapter is Adapter.TASMOTA_GM861:
        config = device.adapter_config
        return Unlock(
            command_id,
            open_seconds,
            _tasmota_open_door()(str(config["topic"]), int(config.get("relay", 1)), open_seconds),
        )
    if device.adapter is not Adapter.NATIVE:
        raise DeviceCannotUnlock(f"{device.name} has no door to open")
    expires = time.time() + UNLOCK_EXPIRES_SECONDS
    command = protocol.Command(id=command_id, action="unlock", exp=expires, open=open_seconds)
    topic = protocol.command_topic(device.hub.slug, device.device_id)
    return Unlock(command_id, open_seconds, [(topic, command.to_json())])


def remote_unlock(device: Device, actor: User, publisher: CommandPublisher) -> Unlock:
    """Open the reader's door from the front desk (staff of its hub), audited as remote_unlock."""
    if not actor.can_staff(device.hub_id):
        raise Forbidden("only the hub's staff open its doors")
    if not device.active or device.kind is not DeviceKind.READER:
        raise DeviceCannotUnlock(f"{device.name} is not an active door reader")
    if not device.online:
        raise DeviceOffline(f"{device.name} is offline")
    open_seconds = device.door.open_seconds if device.door is not None else 5
    unlock = unlock_messages(device, max(1, min(open_seconds, 60)))
    publisher.publish(unlock.messages)
    with transaction():
        record(
            "remote_unlock",
            device,
            actor_id=actor.id,
            hub_id=device.hub_id,
            after={
                "device_id": device.device_id,
                "command_id": unlock.command_id,
                "open": unlock.open_seconds,
            },
        )
    return unlock


def _tasmota_open_door() -> Callable[[str, int, int], list[tuple[str, bytes]]]:
    # Looked up when needed: devices.adapters is its own package, shipped with the readers.
    module = importlib.import_module("devices.adapters.tasmota")
    return cast(Callable[[str, int, int], list[tuple[str, bytes]]], module.open_door)
