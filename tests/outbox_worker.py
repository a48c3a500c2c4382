"""One outbox worker process for tests/integration/test_outbox_workers.py: waits for the go
file, then sends the outbox until nothing is due, and prints the ids it sent."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from app import create_app
from app.services.notifications.channels import channels_from_config
from app.services.notifications.outbox import deliver_due


def main(database_url: str, smtp_port: str, instance: str, go: str) -> None:
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RUANG_SMTP_HOST": "127.0.0.1",
        "RUANG_SMTP_PORT": int(smtp_port),
        "RUANG_SMTP_STARTTLS": False,
    }
    app = create_app(config, environ={"RUANG_INSTANCE_DIR": instance, "SECRET_KEY": "test"})
    channels = channels_from_config(app.config)
    while not Path(go).exists():
        time.sleep(0.01)
    sent: list[int] = []
    with app.app_context():
        while True:
            report = deliver_due(channels, limit=5)
            sent += report.sent
            if not (report.sent or report.retrying):
                break
    print(" ".join(map(str, sent)), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:5])
