"""Every command in README.md's shell blocks works as written on the demo data.

The commands are read from the README itself (```sh blocks, backslash continuations joined,
comments dropped), so a command added there is tested here without touching this file. They run
in order on one freshly seeded demo database in a temporary instance folder, from a directory
that looks like the checkout (its top-level entries linked) so relative paths in the README
resolve as they would for a reader. A `flask ...` line runs Flask's own command line with those
words and FLASK_APP=app:create_app, as the README says, in this process (starting Python and
importing the app for each of twenty lines would take most of a minute); anything else runs in
a shell, with the project's .venv/bin first on PATH.

Long-running commands (`make run`, the worker, the simulator) are started, watched for a sign of
life, and stopped; `make run` stays up while the commands after it run, so the simulator has a
broker and a gateway to talk to, and uses free ports (RUANG_PORT, RUANG_MQTT_PORT). The
simulator line names the broker address `make run` printed (README: "with the broker address
`make run` printed"), so that address is put in its place. `make test` is left out: it is the
suite this test is part of.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import cli as flask_cli

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
VENV_BIN = Path(sys.executable).parent
#: Typed at create-user's password prompt (twice: it asks for a confirmation).
PASSWORD_INPUT = "ruang-demo-2026\nruang-demo-2026\n"
#: Left out, with the reason.
SKIPPED = {"make test": "the whole suite, this test included"}
#: Commands that run until stopped, and what they print once they work.
LONG_RUNNING = {
    "make run": re.compile(r"Ruang is running at http://"),
    "flask ruang worker": re.compile(r"Worker running"),
    "ruang simulate": re.compile(r"\b(GRANT|DENY)\b"),  # a door reader got an answer
}
#: How long a command may take before it counts as broken (not a timing assertion: a hang).
PATIENCE = 120
SHELL_BLOCK = re.compile(r"^```(?:sh|bash|shell)\s*$(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def readme_commands(text: str) -> list[str]:
    """The commands of the README's shell blocks, in order, comments stripped."""
    commands = []
    for block in SHELL_BLOCK.findall(text):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words:
                commands.append(shlex.join(words))
    return commands


def test_the_readme_is_parsed_into_its_commands() -> None:
    commands = readme_commands(README.read_text())
    assert "make run" in commands
    assert any(c.startswith("flask ruang door add ") for c in commands)
    joined = next(c for c in commands if "--adapter tasmota_gm861" in c)
    assert joined.startswith("flask ruang device add --hub jfc-hub --id scanner-1")
    assert not [c for c in commands if "…" in c or "[" in c or " | " in c], "placeholders"


@dataclass
class Running:
    """A long-running command: its process group and everything it printed so far."""

    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    def start_reading(self) -> None:
        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.output.append(line)

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()

    def text(self) -> str:
        return "".join(self.output)

    def wait_for(self, sign: re.Pattern[str]) -> re.Match[str]:
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            found = sign.search(self.text())
            if found:
                return found
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"no {sign.pattern!r} from it:\n{self.text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.reader is not None:
            self.reader.join(30)  # until every process that shared its output has gone
        assert self.process.stdout is not None
        self.process.stdout.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A directory that looks like the checkout, with its own (empty) instance folder."""
    view = tmp_path / "ruang"
    view.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in ("instance", ".git"):
            (view / entry.name).symlink_to(entry)
    (view / "instance").mkdir()
    return view


@pytest.fixture
def environment(checkout: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("RUANG_", "FLASK_", "MQTT_", "DATABASE_"))
    }
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        FLASK_APP="app:create_app",
        RUANG_INSTANCE_DIR=str(checkout / "instance"),
        RUANG_PORT=str(free_port()),
        RUANG_MQTT_PORT=str(free_port()),
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def started(checkout: Path, environment: dict[str, str]) -> Iterator[list[Running]]:
    running: list[Running] = []
    yield running
    for each in reversed(running):
        each.stop()


def run(command: str, cwd: Path, env: dict[str, str]) -> None:
    """Run a command that ends; a `flask` line in this process (see the module's docstring)."""
    words = shlex.split(command)
    if words[0] == "flask":
        previous = Path.cwd()
        os.chdir(cwd)
        try:
            result = CliRunner().invoke(flask_cli, words[1:], input=PASSWORD_INPUT, env=env)
        finally:
            os.chdir(previous)
        assert result.exit_code == 0, f"{command}\n{result.output}\n{result.exception!r}"
        return
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        input=PASSWORD_INPUT,
        capture_output=True,
        text=True,
        timeout=PATIENCE,
        start_new_session=True,  # no terminal: a password prompt reads what we type on stdin
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}{done.stderr}"


def start(command: str, cwd: Path, env: dict[str, str]) -> Running:
    process = subprocess.Popen(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    running = Running(process)
    running.start_reading()
    return running


def test_every_readme_command_works_as_written(
    checkout: Path, environment: dict[str, str], started: list[Running]
) -> None:
    run("flask db upgrade", checkout, environment)
    run("flask ruang seed-demo", checkout, environment)
    broker = ""
    ran = []
    for command in readme_commands(README.read_text()):
        if command in SKIPPED:
            continue
        if broker:
            command = command.replace("mqtt://127.0.0.1:1883", broker)
        sign = next((s for key, s in LONG_RUNNING.items() if key in command), None)
        if sign is None:
            run(command, checkout, environment)
        else:
            running = start(command, checkout, environment)
            started.append(running)
            running.wait_for(sign)
            if command == "make run":
                found = re.search(r"MQTT broker at (mqtt://[\d.]+:\d+)", running.text())
                assert found, running.text()
                broker = found.group(1)
            else:
                running.stop()
        ran.append(command)
    assert "make run" in ran
    assert any("ruang simulate" in c for c in ran)
