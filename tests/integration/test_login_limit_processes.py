"""The login limit holds across web processes: several servers share one count.

Real servers (`flask run`, one process each) on one database, with the limiter storage that
production uses by default; logins are spread over them and the limit is reached at the
configured number of tries in total, not per process.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from config.settings import load_settings
from tests.conftest import make_test_app
from tests.databases import fresh_database

SERVERS = 3
TRIES_PER_SERVER = 3
LIMIT = 6  # fewer than SERVERS * TRIES_PER_SERVER, more than TRIES_PER_SERVER


def production_storage(tmp_path: Path) -> str:
    settings = load_settings({"RUANG_ENV": "production", "RUANG_INSTANCE_DIR": str(tmp_path)})
    return str(settings.flask_config().get("RATELIMIT_STORAGE_URI", "memory://"))


def reachable(storage: str) -> bool:
    url = make_url(storage)
    try:
        socket.create_connection((url.host or "localhost", url.port or 6379), timeout=1).close()
    except OSError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def web_servers(count: int, environ: dict[str, str], logs: Path) -> Iterator[list[str]]:
    """`count` processes of `flask run`, started together; yields their base URLs once each
    answers."""
    ports = [free_port() for _ in range(count)]
    command = [sys.executable, "-m", "flask", "--app", "app:create_app()", "run", "--no-reload"]
    processes = []
    for port in ports:
        with (logs / f"server-{port}.log").open("w") as output:
            processes.append(
                subprocess.Popen(
                    [*command, "--port", str(port)], env=environ, stdout=output, stderr=output
                )
            )
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, process, port in zip(bases, processes, ports, strict=True):
            wait_until_up(base, process, logs / f"server-{port}.log")
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)


def wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(600):
        if process.poll() is not None:
            pytest.fail(f"the server stopped: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"the server never answered: {log.read_text()[-2000:]}")


def failed_login(base: str, attempt: int) -> int:
    """A wrong password through the real form (with its CSRF token); the response status."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with opener.open(f"{base}/login") as page:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode())
    assert token is not None
    form = {"csrf_token": token.group(1), "email": f"x{attempt}@example.com", "password": "no"}
    try:
        with opener.open(f"{base}/login", urllib.parse.urlencode(form).encode()) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.close()
        return int(error.code)


def test_the_login_limit_is_one_count_over_several_processes(tmp_path: Path) -> None:
    storage = production_storage(tmp_path)
    if storage.startswith("redis") and not reachable(storage):
        pytest.skip(f"no Redis at {storage}: the production limiter storage cannot be tested")
    prefix = f"ruang-test-{uuid.uuid4().hex[:8]}"
    with ExitStack() as stack:
        database = stack.enter_context(fresh_database("sqlite", tmp_path))
        make_test_app(database, tmp_path)  # migrated once, before any server starts
        environ = {
            **os.environ,
            "DATABASE_URL": database,
            "SECRET_KEY": "test-secret",
            "RUANG_INSTANCE_DIR": str(tmp_path),
            "RATELIMIT_STORAGE_URI": storage,
            "RATELIMIT_KEY_PREFIX": prefix,
            "RUANG_LOGIN_LIMIT": f"{LIMIT} per hour",
        }
        servers = stack.enter_context(web_servers(SERVERS, environ, tmp_path))
        statuses = [
            failed_login(servers[attempt % SERVERS], attempt)
            for attempt in range(SERVERS * TRIES_PER_SERVER)
        ]
        forget_counts(storage, prefix)
    assert statuses == [200] * LIMIT + [429] * (SERVERS * TRIES_PER_SERVER - LIMIT)


def forget_counts(storage: str, prefix: str) -> None:
    if storage.startswith("redis"):
        import redis

        client = redis.Redis.from_url(storage)
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)
        client.close()
