"""A real MQTT broker for tests: Mosquitto started from config/mosquitto on a free port.

Users and passwords are written in Mosquitto's password-file format; the ACL is the project's
own file. Where no mosquitto binary exists, the same generated config runs the embedded Python
broker (config/mosquitto/embedded.py, amqtt) instead, so tests always have a real broker;
`broker.embedded` says which one runs.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

from config.mosquitto.passwords import hash_password

CONFIG = Path(__file__).resolve().parents[1] / "config" / "mosquitto"
GATEWAY_USER = "ruang-gateway"
GATEWAY_PASSWORD = "gateway-test-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def mosquitto_binary() -> str | None:
    """Mosquitto's path, or None (also when RUANG_TEST_BROKER=embedded asks for the stand-in)."""
    if os.environ.get("RUANG_TEST_BROKER") == "embedded":
        return None
    return shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if Path(p).exists()), None
    )


@dataclass
class Broker:
    host: str
    port: int
    workdir: Path
    users: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    embedded: bool = False  # True: the amqtt stand-in, not mosquitto

    @property
    def url(self) -> str:
        return f"mqtt://{GATEWAY_USER}:{GATEWAY_PASSWORD}@{self.host}:{self.port}"

    def reload(self) -> None:
        """Make the running broker read its password file and ACL again (SIGHUP)."""
        if self.process is not None:
            self.process.send_signal(1)
            time.sleep(0.2)

    def add_user(self, username: str, password: str) -> None:
        """Add a user and make the running broker reload its password file (SIGHUP). A device
        also reads every hub's keys and revocations, as the registry's ACL lets it read its
        own hub's (`flask ruang device passwords --acl-out`)."""
        with (self.workdir / "passwd").open("a") as handle:
            handle.write(f"{username}:{hash_password(password)}\n")
        if username != GATEWAY_USER:
            with (self.workdir / "acl").open("a") as handle:
                handle.write(
                    f"\nuser {username}\ntopic read ruang/v1/+/keys\n"
                    "topic read ruang/v1/+/revocations\n"
                )
        self.users[username] = password
        self.reload()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def start(self) -> None:
        conf = str(self.workdir / "mosquitto.conf")
        binary = mosquitto_binary()
        self.embedded = binary is None
        command = (
            [sys.executable, "-m", "config.mosquitto.embedded", conf]
            if binary is None
            else [binary, "-c", conf]
        )
        self.process = subprocess.Popen(
            command,
            cwd=CONFIG.parents[1],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"the broker did not start: {' '.join(command)}")

    @classmethod
    @contextmanager
    def running(
        cls,
        workdir: Path,
        port: int | None = None,
        password_file: Path | None = None,
        acl_file: Path | None = None,
    ) -> Iterator[Broker]:
        """Mosquitto with the project's config and ACL, the gateway user, on a free port.

        With `password_file` (as `flask ruang device passwords` writes it, gateway user
        included) and/or `acl_file`, the broker uses those instead."""
        workdir.mkdir(parents=True, exist_ok=True)
        broker = cls("127.0.0.1", port or free_port(), workdir)
        if password_file is not None:
            shutil.copy(password_file, workdir / "passwd")
        (workdir / "passwd").touch(mode=0o600)
        shutil.copy(acl_file or CONFIG / "acl", workdir / "acl")
        (workdir / "data").mkdir(exist_ok=True)
        (workdir / "mosquitto.conf").write_text(
            Template((CONFIG / "mosquitto.conf.template").read_text()).substitute(
                PASSWORD_FILE=workdir / "passwd",
                ACL_FILE=workdir / "acl",
                PORT=broker.port,
                BIND=broker.host,
                PERSISTENCE="false",
                DATA_DIR=workdir / "data",
            )
            # Started as root, mosquitto would switch to the 'mosquitto' user, which cannot read
            # the test's 0600 password file: stay the user running the tests.
            + f"\nuser {getpass.getuser()}\n"
        )
        if password_file is None:
            broker.add_user(GATEWAY_USER, GATEWAY_PASSWORD)
        broker.start()
        try:
            yield broker
        finally:
            broker.stop()
