"""The API's per-token limit holds across web processes: several servers share one count per
token (the production limiter storage, Redis), as the login limit does."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest

from app.extensions import db
from app.models import User
from app.services.integrations.tokens import create_personal_token
from app.services.transactions import transaction
from tests.conftest import make_test_app
from tests.databases import fresh_database
from tests.integration.test_login_limit_processes import (
    forget_counts,
    production_storage,
    reachable,
    web_servers,
)

SERVERS, TRIES_PER_SERVER, LIMIT = 3, 3, 6


def get_hubs(base: str, token: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/hubs", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.close()
        return int(error.code)


def test_a_tokens_limit_is_one_count_over_several_processes(tmp_path: Path) -> None:
    storage = production_storage(tmp_path)
    if storage.startswith("redis") and not reachable(storage):
        pytest.skip(f"no Redis at {storage}: the production limiter storage cannot be tested")
    prefix = f"ruang-test-{uuid.uuid4().hex[:8]}"
    with ExitStack() as stack:
        database = stack.enter_context(fresh_database("sqlite", tmp_path))
        app = make_test_app(database, tmp_path)
        with app.app_context():
            with transaction():
                user = User(email="api@example.com", name="Api")
                db.session.add(user)
            token = create_personal_token(user.id, "t", ["hubs:read"], 1).text
            other = create_personal_token(user.id, "u", ["hubs:read"], 1).text
            db.engine.dispose()
        environ = {
            **os.environ,
            "DATABASE_URL": database,
            "SECRET_KEY": "test-secret",
            "RUANG_INSTANCE_DIR": str(tmp_path),
            "RATELIMIT_STORAGE_URI": storage,
            "RATELIMIT_KEY_PREFIX": prefix,
            "RUANG_API_RATE_LIMIT": f"{LIMIT} per hour",
        }
        servers = stack.enter_context(web_servers(SERVERS, environ, tmp_path))
        statuses = [
            get_hubs(servers[attempt % SERVERS], token)
            for attempt in range(SERVERS * TRIES_PER_SERVER)
        ]
        other_status = get_hubs(servers[0], other)
        forget_counts(storage, prefix)
    assert statuses == [200] * LIMIT + [429] * (SERVERS * TRIES_PER_SERVER - LIMIT)
    assert other_status == 200  # counted per token
