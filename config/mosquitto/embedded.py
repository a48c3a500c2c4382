"""An embedded MQTT broker (amqtt, from PyPI) for machines without Mosquitto.

    python -m config.mosquitto.embedded instance/mosquitto/mosquitto.conf

It reads the same generated mosquitto.conf (listener, password_file, acl_file), checks logins
against the same Mosquitto password file (`$7$` hashes, config/mosquitto/passwords.py) and applies
the same ACL file (`user`/`topic`/`pattern` lines with %u and %c), re-reading both when they
change. It is for a laptop demo and for tests where Mosquitto is missing: it does not support
MQTT shared subscriptions (`$share/...`), TLS from the config, or Mosquitto's other options.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amqtt.broker import Broker
from amqtt.contexts import Action
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin

from config.mosquitto.passwords import read_password_file, verify_password


@dataclass(frozen=True)
class Rule:
    access: str  # read | write | readwrite
    topic: str
    pattern: bool  # a `pattern` line: %u / %c are substituted per client


@dataclass
class Acl:
    """A Mosquitto ACL file: rules per user, and patterns for every user."""

    users: dict[str, list[Rule]] = field(default_factory=dict)
    patterns: list[Rule] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> Acl:
        acl, user = cls(), None
        for raw in text.splitlines():
            words = raw.strip().split(None, 1)
            if not words or words[0].startswith("#"):
                continue
            keyword, rest = words[0], words[1] if len(words) > 1 else ""
            if keyword == "user":
                user = rest.strip()
                acl.users.setdefault(user, [])
            elif keyword in ("topic", "pattern"):
                parts = rest.split(None, 1)
                access, topic = ("readwrite", parts[0]) if len(parts) == 1 else parts
                if access not in ("read", "write", "readwrite"):
                    continue  # `deny` and unknown kinds grant nothing
                rule = Rule(access, topic.strip(), keyword == "pattern")
                if keyword == "pattern":
                    acl.patterns.append(rule)
                elif user is not None:
                    acl.users[user].append(rule)
        return acl

    def allows(self, username: str, client_id: str, topic: str, access: str) -> bool:
        """Whether the user may `access` ('read', 'write' or 'subscribe') the topic (filter)."""
        needed = "read" if access == "subscribe" else access
        for rule in [*self.users.get(username, []), *self.patterns]:
            if needed not in rule.access:
                continue
            allowed = rule.topic
            if rule.pattern:
                if any(c in username + client_id for c in "+#/"):
                    continue  # Mosquitto ignores patterns for such names, so do we
                allowed = allowed.replace("%u", username).replace("%c", client_id)
            if covers(allowed, topic):
                return True
        return False


def covers(allowed: str, topic: str) -> bool:
    """Whether the ACL filter `allowed` covers `topic` (a topic, or a subscription filter whose
    wildcards must stay inside the allowed ones)."""
    wanted, given = topic.split("/"), allowed.split("/")
    for index, part in enumerate(given):
        if part == "#":
            return True
        if index >= len(wanted):
            return False
        if wanted[index] == "#" or (wanted[index] == "+" and part != "+"):
            return False
        if part not in ("+", wanted[index]):
            return False
    return len(wanted) == len(given)


class _Watched:
    """A file parsed again whenever it changes on disk."""

    def __init__(self, path: Path, parse: Any) -> None:
        self.path, self.parse, self.value = path, parse, parse("")
        self.stamp: tuple[int, int] | None = None

    def get(self) -> Any:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return self.parse("")
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self.stamp:
            self.value, self.stamp = self.parse(self.path.read_text()), stamp
        return self.value


def _parse_passwords(path: Path) -> Any:
    return lambda _text: read_password_file(path) if path.exists() else {}


class PasswordFileAuth(BaseAuthPlugin):
    """Logins from a Mosquitto password file; anonymous clients are refused."""

    @dataclass
    class Config:
        password_file: str = ""

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        path = Path(self._get_config_option("password_file", ""))
        self.users = _Watched(path, _parse_passwords(path))

    async def authenticate(self, *, session: Any) -> bool:
        if session is None or not session.username:
            return False
        known = self.users.get().get(session.username)
        return known is not None and verify_password(session.password or "", known)


class AclTopics(BaseTopicPlugin):
    """Publish, subscribe and delivery checked against a Mosquitto ACL file."""

    @dataclass
    class Config:
        acl_file: str = ""

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.acl = _Watched(Path(self._get_config_option("acl_file", "")), Acl.parse)

    async def topic_filtering(
        self, *, session: Any = None, topic: str | None = None, action: Any = None
    ) -> bool:
        if session is None or not topic or not session.username:
            return False
        access = {Action.PUBLISH: "write", Action.SUBSCRIBE: "subscribe"}.get(action, "read")
        allowed: bool = self.acl.get().allows(
            session.username, session.client_id or "", topic, access
        )
        return allowed


def settings_from_conf(path: Path) -> dict[str, str]:
    """listener (port, bind), password_file and acl_file from a mosquitto.conf."""
    found = {"port": "1883", "bind": "127.0.0.1", "password_file": "", "acl_file": ""}
    for raw in path.read_text().splitlines():
        words = raw.split()
        if len(words) >= 2 and words[0] == "listener":
            found["port"] = words[1]
            found["bind"] = words[2] if len(words) > 2 else "0.0.0.0"  # noqa: S104 (as Mosquitto)
        elif len(words) >= 2 and words[0] in ("password_file", "acl_file"):
            found[words[0]] = raw.split(None, 1)[1].strip()
    return found


def broker_config(settings: dict[str, str]) -> dict[str, Any]:
    return {
        "listeners": {
            "default": {"type": "tcp", "bind": f"{settings['bind']}:{settings['port']}"},
        },
        "plugins": {
            f"{__name__}.PasswordFileAuth": {"password_file": settings["password_file"]},
            f"{__name__}.AclTopics": {"acl_file": settings["acl_file"]},
        },
    }


async def serve(conf: Path) -> None:
    settings = settings_from_conf(conf)
    broker = Broker(broker_config(settings))
    await broker.start()
    print(f"embedded broker (amqtt) on {settings['bind']}:{settings['port']}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    loop.add_signal_handler(signal.SIGHUP, lambda: None)  # files are re-read when they change
    await stop.wait()
    await broker.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("conf", type=Path, help="a mosquitto.conf written from the template")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    # amqtt logs every probe of the port (a bare TCP connect) as an error.
    logging.getLogger("amqtt").setLevel(logging.CRITICAL)
    asyncio.run(serve(args.conf))


if __name__ == "__main__":
    main()
