"""Exactly once across web processes: three `flask run` servers on one database (as several
gunicorn workers would be) each receive the same event at the same moment, twice over."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask

from app.extensions import db
from tests.conftest import make_test_app
from tests.databases import fresh_database
from tests.stripe import (
    LocalStripe,
    effects,
    free_port,
    payment_intent_event,
    signed_headers,
)

SERVERS = 3
COPIES_PER_SERVER = 2
EVENTS = 5


@contextmanager
def servers(environ: dict[str, str], logs: Path) -> Iterator[list[str]]:
    ports = [free_port() for _ in range(SERVERS)]
    command = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "tests.stripe:create_recording_app()",
        "run",
        "--no-reload",
        "--with-threads",
    ]
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
            for _ in range(600):
                if process.poll() is not None:
                    pytest.fail((logs / f"server-{port}.log").read_text()[-2000:])
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)


def post(base: str, body: str) -> int:
    request = urllib.request.Request(
        base + "/stripe/webhook", data=body.encode(), headers=signed_headers(body), method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.mark.slow
def test_one_event_at_several_processes_at_once_is_processed_once(
    backend: str, tmp_path: Path, localstripe: LocalStripe
) -> None:
    with fresh_database(backend, tmp_path) as url:
        app: Flask = make_test_app(url, tmp_path)  # migrated once, before any server starts
        config = localstripe.app_config()
        environ = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret",
            "RUANG_INSTANCE_DIR": str(tmp_path),
            "RATELIMIT_STORAGE_URI": "memory://",
            **{key: str(value) for key, value in config.items() if key != "STRIPE_SAVE_CARDS"},
            "STRIPE_SAVE_CARDS": "0",
        }
        with servers(environ, tmp_path) as bases:
            targets = [base for base in bases for _ in range(COPIES_PER_SERVER)]
            references = []
            for _ in range(EVENTS):
                ref = f"order-{uuid.uuid4().hex[:10]}"
                references.append(ref)
                body = payment_intent_event(
                    "payment_intent.succeeded", f"pi_{uuid.uuid4().hex[:14]}", ref
                )
                barrier = threading.Barrier(len(targets), timeout=60)

                def deliver(
                    base: str, body: str = body, barrier: threading.Barrier = barrier
                ) -> int:
                    barrier.wait()
                    return post(base, body)

                with ThreadPoolExecutor(len(targets)) as pool:
                    statuses = list(pool.map(deliver, targets))
                assert statuses == [200] * len(targets)
        with app.app_context():
            counts = [effects(ref) for ref in references]
            db.session.remove()
            db.engine.dispose()
    assert counts == [1] * EVENTS
