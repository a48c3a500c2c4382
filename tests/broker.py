"""A real MQTT broker for tests: Mosquitto started from config/mosquitto on a free port.

Users and passwords are written with mosquitto_passwd; the ACL is the project's own file. Where
no mosquitto binary exists, `Broker.running` says so (tests then use the embedded broker, or
skip with the reason).
"""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

CONFIG = Path(__file__).resolve().parents[1] / "config" / "mosquitto"
GATEWAY_USER = "ruang-gateway"
GATEWAY_PASSWORD = "gateway-test-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def mosquitto_binary() -> str | None:
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

    @property
    def url(self) -> str:
        return f"mqtt://{GATEWAY_USER}:{GATEWAY_PASSWORD}@{self.host}:{self.port}"

    def reload(self) -> None:
        """Make the running broker read its password file and ACL again (SIGHUP)."""
        if self.process is not None:
            self.process.send_signal(1)
            time.sleep(0.2)

    def add_user(self, username: str, password: str) -> None:
        """Add a user and make the running broker reload its password file (SIGHUP)."""
        subprocess.run(
            ["mosquitto_passwd", "-b", str(self.workdir / "passwd"), username, password],
            check=True,
            capture_output=True,
        )
        self.users[username] = password
        if self.process is not None:
            self.process.send_signal(1)  # SIGHUP: reload passwords and ACL
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def start(self) -> None:
        binary = mosquitto_binary()
        assert binary is not None
        self.process = subprocess.Popen(
            [binary, "-c", str(self.workdir / "mosquitto.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

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
        if mosquitto_binary() is None or shutil.which("mosquitto_passwd") is None:
            raise RuntimeError("no mosquitto binary on this machine")
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
