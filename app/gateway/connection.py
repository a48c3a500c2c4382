"""The gateway's broker connection: the MQTT URL, TLS, credentials, TCP_NODELAY, backoff."""

from __future__ import annotations

import contextlib
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

#: Reconnect backoff: paho doubles the wait after each failed attempt, from MIN up to MAX.
RECONNECT_MIN_SECONDS = 1
RECONNECT_MAX_SECONDS = 30
KEEPALIVE_SECONDS = 30
#: QoS 1 decisions in flight at once (the broker's max_inflight_messages is 100 too).
MAX_INFLIGHT = 100


class BadBrokerUrl(ValueError):
    """MQTT_URL is not mqtt://user:pass@host:port or mqtts://..."""


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool
    ca_file: str | None = None  # mqtts:// with ?ca=/path/ca.pem; else the system's CAs
    # ?protocol=3.1.1 for brokers without MQTT 5 (the embedded Python broker): no shared
    # subscriptions then, so run a single gateway.
    mqtt311: bool = False

    def __str__(self) -> str:  # for logs: never the password
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.username or ''}@{self.host}:{self.port}"


def parse_mqtt_url(url: str) -> BrokerAddress:
    """`mqtt://user:pass@host:port` (1883 by default) or `mqtts://...` (TLS, 8883 by default)."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise BadBrokerUrl("MQTT_URL must look like mqtt://user:password@host:1883 (or mqtts://)")
    tls = parts.scheme == "mqtts"
    try:
        port = parts.port or (8883 if tls else 1883)
    except ValueError as exc:
        raise BadBrokerUrl(f"MQTT_URL port: {exc}") from None
    query = parse_qs(parts.query)
    ca = query.get("ca")
    version = query.get("protocol", ["5"])[0]
    if version not in ("5", "3.1.1"):
        raise BadBrokerUrl("MQTT_URL ?protocol= is 5 (the default) or 3.1.1")
    return BrokerAddress(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=tls,
        ca_file=ca[0] if ca else None,
        mqtt311=version == "3.1.1",
    )


def _no_delay(_client: mqtt.Client, _userdata: Any, sock: Any) -> None:
    """Small QoS 1 messages must not wait on Nagle's algorithm (~40 ms round trips)."""
    # Not a TCP socket (a websocket wrapper): nothing to set.
    with contextlib.suppress(AttributeError, OSError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def new_client(address: BrokerAddress, client_id: str) -> mqtt.Client:
    """An MQTT 5 client for the gateway (3.1.1 with a persistent session where the broker has no
    MQTT 5); connect it with `connect_async(address, ...)`."""
    if address.mqtt311:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv311,
            clean_session=False,
        )
    else:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    if address.username is not None:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set(ca_certs=address.ca_file)
    client.reconnect_delay_set(RECONNECT_MIN_SECONDS, RECONNECT_MAX_SECONDS)
    client.max_inflight_messages_set(MAX_INFLIGHT)
    client.on_socket_open = _no_delay
    return client


def connect_async(client: mqtt.Client, address: BrokerAddress, session_expiry: int) -> None:
    """Connect in the client's loop thread, resuming the session (clean_start False): what the
    broker queued for this client id while it was away is delivered when it is back."""
    if address.mqtt311:  # the persistent session was asked for in new_client
        client.connect_async(address.host, address.port, keepalive=KEEPALIVE_SECONDS)
        return
    properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    properties.SessionExpiryInterval = session_expiry
    client.connect_async(
        address.host,
        address.port,
        keepalive=KEEPALIVE_SECONDS,
        clean_start=False,
        properties=properties,
    )
