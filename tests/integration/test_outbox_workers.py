"""Two worker processes sending one outbox at once send every message exactly once, on each
backend: FOR UPDATE SKIP LOCKED on PostgreSQL, the write lock on SQLite. The real SMTP server
counts what arrives, by the Message-ID each outbox row carries."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import OutboxMessage, OutboxStatus
from app.services.notifications.mail import Mail
from app.services.notifications.outbox import enqueue
from tests.conftest import make_test_app
from tests.databases import BACKENDS, fresh_database
from tests.mail import MailCatcher

MESSAGES = 60
WORKERS = 2
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_workers_send_each_message_exactly_once(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url, MailCatcher.running() as server:
        app = make_test_app(url, tmp_path)
        with app.app_context():
            for n in range(MESSAGES):
                enqueue(Mail(to=f"member{n}@example.id", subject=f"Pesan {n}", body="Halo"))
            db.session.remove()
            db.engine.dispose()
        go = tmp_path / "go"
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.outbox_worker",
                    url,
                    str(server.port),
                    str(tmp_path),
                    str(go),
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(WORKERS)
        ]
        go.touch()
        outputs = [worker.communicate(timeout=300) for worker in workers]
        assert all(worker.returncode == 0 for worker in workers), outputs
        sent_by = [out.split() for out, _err in outputs]
        ids = Counter(message["Message-ID"] for message in server.received)
        assert len(ids) == MESSAGES
        assert set(ids.values()) == {1}  # nothing twice
        assert sum(len(sent) for sent in sent_by) == MESSAGES
        assert all(sent_by), "both workers took part"  # else this proved nothing
        with app.app_context():
            statuses = db.session.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            ).all()
            db.session.remove()
            db.engine.dispose()
        assert dict(statuses) == {OutboxStatus.SENT: MESSAGES}
