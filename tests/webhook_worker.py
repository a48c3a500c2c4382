"""One webhook worker process for tests/api/test_webhook_workers.py: waits for the go file,
then sends the due deliveries until nothing is due, and prints the ids it delivered."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from app import create_app
from app.services.integrations.webhooks import deliver_due


def main(database_url: str, instance: str, go: str) -> None:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url},
        environ={"RUANG_INSTANCE_DIR": instance, "SECRET_KEY": "test"},
    )
    while not Path(go).exists():
        time.sleep(0.01)
    sent: list[int] = []
    with app.app_context():
        while True:
            report = deliver_due(limit=5)
            sent += report.sent
            if not (report.sent or report.retrying):
                break
    print(" ".join(map(str, sent)), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
