"""Reader settings from a TOML file (see docs/reader.md for an example)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from devices import protocol


class ConfigError(ValueError):
    """The reader's configuration cannot be used; the message says which setting."""


@dataclass(frozen=True)
class BrokerAddress:
    """Where the broker is: `mqtt://[user[:password]@]host[:port]`, or `mqtts://` for TLS."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: str | None = None

    @classmethod
    def parse(cls, url: str, ca_file: str | None = None) -> BrokerAddress:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ConfigError(f"broker url {url!r}: expected mqtt://host:port or mqtts://host:port")
        tls = parts.scheme == "mqtts"
        return cls(
            host=parts.hostname,
            port=parts.port or (8883 if tls else 1883),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls,
            ca_file=ca_file,
        )

    def with_login(self, username: str, password: str | None) -> BrokerAddress:
        return BrokerAddress(self.host, self.port, username, password, self.tls, self.ca_file)


@dataclass(frozen=True)
class OutputConfig:
    kind: str = "log"  # log | gpio
    pin: int | None = None
    active_high: bool = True


@dataclass(frozen=True)
class ReaderConfig:
    broker: BrokerAddress  # logged in as the device (username = device id)
    device: str
    hub: str  # the hub's slug, as in the topics
    hub_id: int  # the hub's number, for the hub scope of offline decisions
    outbox: Path  # SQLite file; the key and revocation cache sits next to it
    direction: str = "in"
    decision_timeout: float = 0.3  # seconds to wait for the server before deciding alone
    heartbeat: float = 30.0  # seconds between status messages
    open_seconds: int = 5  # how long an offline grant holds the door open
    ack_timeout: float = 10.0  # seconds before an unacknowledged upload goes again (doubling)
    input: str = "stdin"  # stdin, or a path read line by line (a keyboard-wedge scanner's tty)
    output: OutputConfig = OutputConfig()

    @property
    def cache_path(self) -> Path:
        return self.outbox.with_name(self.outbox.stem + ".cache.json")


def load(path: Path) -> ReaderConfig:
    """Read and check a reader.toml; ConfigError names the first bad setting."""
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return from_mapping(data, base=path.parent)


def from_mapping(data: dict[str, Any], base: Path = Path()) -> ReaderConfig:
    broker = _table(data, "broker")
    reader = _table(data, "reader")
    output = _table(data, "output")
    device = _get(reader, "device", str)
    hub = _get(reader, "hub", str)
    try:
        protocol.status_topic(hub, device)  # both must be valid topic segments
    except protocol.ProtocolError as exc:
        raise ConfigError(str(exc)) from None
    password = broker.get("password")
    if password is None and "password_file" in broker:
        password = (base / _get(broker, "password_file", str)).read_text().strip()
    password = os.environ.get("RUANG_READER_PASSWORD", password)
    address = BrokerAddress.parse(_get(broker, "url", str), broker.get("ca_file"))
    direction = reader.get("direction", "in")
    if direction not in protocol.DIRECTIONS:
        raise ConfigError("reader.direction must be 'in' or 'out'")
    kind = output.get("kind", "log")
    if kind not in ("log", "gpio") or (kind == "gpio" and not isinstance(output.get("pin"), int)):
        raise ConfigError("output.kind is 'log' or 'gpio' (gpio needs an integer pin)")
    config = ReaderConfig(
        broker=address.with_login(broker.get("username", device), password),
        device=device,
        hub=hub,
        hub_id=_get(reader, "hub_id", int),
        outbox=base / _get(reader, "outbox", str),
        direction=direction,
        decision_timeout=float(reader.get("decision_timeout", 0.3)),
        heartbeat=float(reader.get("heartbeat", 30)),
        open_seconds=int(reader.get("open_seconds", 5)),
        ack_timeout=float(reader.get("ack_timeout", 10)),
        input=str(data.get("input", {}).get("source", "stdin")),
        output=OutputConfig(kind, output.get("pin"), bool(output.get("active_high", True))),
    )
    if not 0 < config.decision_timeout <= 10 or not 1 <= config.heartbeat <= 3600:
        raise ConfigError("decision_timeout is 0-10 s and heartbeat 1-3600 s")
    if not 1 <= config.open_seconds <= 60:
        raise ConfigError("open_seconds is 1-60")
    if not 1 <= config.ack_timeout <= 60:
        raise ConfigError("ack_timeout is 1-60 s")
    return config


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"[{name}] must be a table")
    return table


def _get(table: dict[str, Any], name: str, kind: type[Any]) -> Any:
    value = table.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ConfigError(f"{name}: expected a {kind.__name__}")
    return value
