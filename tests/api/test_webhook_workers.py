"""Two worker processes sending the webhook outbox at once deliver every event exactly once, on
each backend (FOR UPDATE SKIP LOCKED on PostgreSQL, the write lock on SQLite); the receiver, a
real local HTTP server, counts the event ids it is sent."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from app.services.integrations import webhooks
from app.services.transactions import transaction
from tests.api.conftest import Receiver
from tests.conftest import make_test_app
from tests.databases import BACKENDS, fresh_database

EVENTS = 40
WORKERS = 2
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_workers_deliver_each_event_exactly_once(
    backend: str, tmp_path: Path, receiver: Receiver
) -> None:
    receiver.delay_seconds = 0.02  # long enough that the second worker always joins in
    with fresh_database(backend, tmp_path) as url:
        app = make_test_app(url, tmp_path)
        with app.app_context():
            with transaction():
                db.session.add(
                    WebhookEndpoint(
                        url=receiver.url, secret="whsec_t", event_types=["booking.created"]
                    )
                )
            for n in range(EVENTS):
                webhooks.emit("booking.created", None, {"booking_id": n})
            db.session.remove()
            db.engine.dispose()
        go = tmp_path / "go"
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.webhook_worker", url, str(tmp_path), str(go)],
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
        ids = Counter(json.loads(body)["id"] for _headers, body in receiver.received)
        assert len(ids) == EVENTS
        assert set(ids.values()) == {1}  # nothing twice
        assert all(sent_by), "both workers took part"  # else this proved nothing
        with app.app_context():
            statuses = db.session.execute(
                select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)
            ).all()
            db.session.remove()
            db.engine.dispose()
        assert dict(statuses) == {DeliveryStatus.DELIVERED: EVENTS}
