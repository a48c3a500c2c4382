"""Fixtures for the JSON API: tokens for members, staff and integrations."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.models import Hub, Role, User
from app.services.integrations import tokens
from app.services.integrations.tokens import Scope

ALL_SCOPES = [s.value for s in Scope]
Headers = dict[str, str]


def bearer(text: str) -> Headers:
    return {"Authorization": f"Bearer {text}"}


@pytest.fixture
def member_token() -> Callable[..., Headers]:
    """Headers with a personal token of `user` holding `scopes` (all by default)."""

    def make(user: User, scopes: list[str] | None = None, days: int = 30) -> Headers:
        issued = tokens.create_personal_token(user.id, "test", scopes or ALL_SCOPES, days)
        return bearer(issued.text)

    return make


@pytest.fixture
def a_staff(make_member: Callable[..., User], a_hub: Hub) -> User:
    """Front-desk staff of a_hub."""
    return make_member(name="Staff", roles=[(Role.FRONTDESK, a_hub), (Role.MEMBER, None)])


@dataclass
class Receiver:
    """An HTTP server that records what it is sent and answers with the next queued status."""

    url: str = ""
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    delay_seconds: float = 0.0  # per answer, so that concurrent senders overlap


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((dict(self.headers), body))
            time.sleep(state.delay_seconds)
            self.send_response(state.statuses.pop(0) if state.statuses else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    yield state
    server.shutdown()
    server.server_close()
