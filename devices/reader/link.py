"""An MQTT client set up the way every Ruang device needs it: TCP_NODELAY, TLS, backoff."""

from __future__ import annotations

import socket
import ssl
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from devices.reader.config import BrokerAddress

RECONNECT_MIN = 1  # seconds; doubles up to RECONNECT_MAX while the broker stays away
RECONNECT_MAX = 30
KEEPALIVE = 15  # seconds: a dead link is noticed within about 1.5x this


def make_client(
    address: BrokerAddress,
    client_id: str,
    will: tuple[str, bytes] | None = None,
) -> mqtt.Client:
    """A paho client (not yet connected) for `address`; `will` is (topic, payload), retained."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv311,
        clean_session=True,
    )
    if address.username is not None:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set(ca_certs=address.ca_file, tls_version=ssl.PROTOCOL_TLS_CLIENT)
    if will is not None:
        client.will_set(will[0], will[1], qos=1, retain=True)
    client.reconnect_delay_set(RECONNECT_MIN, RECONNECT_MAX)
    client.on_socket_open = _no_delay
    return client


def _no_delay(client: mqtt.Client, userdata: Any, sock: Any) -> None:
    # Small QoS 1 packets would otherwise wait on Nagle's algorithm (~40 ms per round trip).
    if isinstance(sock, socket.socket):  # TLS sockets included
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def start(client: mqtt.Client, address: BrokerAddress) -> None:
    """Connect in the background: paho's thread keeps retrying with backoff until it works."""
    client.connect_async(address.host, address.port, keepalive=KEEPALIVE)
    client.loop_start()
