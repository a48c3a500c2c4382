"""A real SMTP server for tests (aiosmtpd), collecting what the app sends.

The app queues mail in its outbox; `before_read` (set by the `outbox` fixture) sends what is
queued, as the worker would, before a test reads what arrived."""

from __future__ import annotations

import email
import re
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


class MailCatcher:
    def __init__(self) -> None:
        self.received: list[Message] = []
        self.port = 0
        self.before_read: Callable[[], object] | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    @property
    def messages(self) -> list[Message]:
        if self.before_read is not None:
            self.before_read()
        return self.received

    def clear(self) -> None:
        self.received.clear()

    def app_config(self) -> dict[str, Any]:
        return {
            "RUANG_SMTP_HOST": "127.0.0.1",
            "RUANG_SMTP_PORT": self.port,
            "RUANG_SMTP_STARTTLS": False,
        }

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def body(message: Message) -> str:
        part = next((p for p in message.walk() if p.get_content_type() == "text/plain"), message)
        payload = part.get_payload(decode=True)
        return payload.decode() if isinstance(payload, bytes) else str(message.get_payload())

    def last_link(self, address: str) -> str:
        """The first http(s) link in the newest mail to `address`."""
        messages = self.to(address)
        assert messages, f"no mail was sent to {address}"
        match = re.search(r"https?://\S+", self.body(messages[-1]))
        assert match, "the mail has no link"
        return match.group(0)

    @classmethod
    @contextmanager
    def running(cls) -> Iterator[MailCatcher]:
        catcher = cls()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            catcher.port = probe.getsockname()[1]
        controller = Controller(catcher, hostname="127.0.0.1", port=catcher.port)
        controller.start()
        try:
            yield catcher
        finally:
            controller.stop()
