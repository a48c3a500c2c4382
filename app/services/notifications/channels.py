"""Channels: how a queued outbox message reaches its recipient. Mail is built in; another
channel (WhatsApp, SMS) is named in RUANG_CHANNELS as {"name": "package.module:factory"}, where
`factory(config)` returns an object with `deliver(envelope)`. A message names its channel."""

from __future__ import annotations

import base64
import importlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from app.services.notifications.mail import Attachment, Mail, Mailer, mailer_from_config

MAIL = "mail"


@dataclass(frozen=True)
class Envelope:
    """One claimed outbox message, detached from the database while it is being sent."""

    id: int
    claim_token: str
    channel: str
    recipient: str
    subject: str
    body: str
    attempts: int
    attachments: tuple[Attachment, ...] = field(default=())

    @property
    def message_id(self) -> str:
        return f"<outbox-{self.id}@ruang.id>"


class Channel(Protocol):
    def deliver(self, envelope: Envelope) -> None:
        """Send it, or raise: the outbox retries later."""


@dataclass
class MailChannel:
    mailer: Mailer

    def deliver(self, envelope: Envelope) -> None:
        self.mailer.send(
            Mail(
                to=envelope.recipient,
                subject=envelope.subject,
                body=envelope.body,
                attachments=envelope.attachments,
                message_id=envelope.message_id,
            )
        )


def channels_from_config(config: Mapping[str, Any]) -> dict[str, Channel]:
    """The mail channel plus every channel RUANG_CHANNELS names."""
    channels: dict[str, Channel] = {MAIL: MailChannel(mailer_from_config(config))}
    named = config.get("RUANG_CHANNELS") or {}
    if isinstance(named, str):  # from the environment
        named = json.loads(named)
    for name, target in dict(named).items():
        module_name, _, attribute = str(target).partition(":")
        factory = getattr(importlib.import_module(module_name), attribute)
        channels[str(name)] = cast(Channel, factory(config))
    return channels


def encode_attachment(attachment: Attachment) -> dict[str, str]:
    """An attachment as the outbox stores it (JSON)."""
    return {
        "filename": attachment.filename,
        "mimetype": attachment.mimetype,
        "content": base64.b64encode(attachment.content).decode("ascii"),
    }


def decode_attachment(stored: Mapping[str, str]) -> Attachment:
    return Attachment(
        filename=stored["filename"],
        content=base64.b64decode(stored["content"]),
        mimetype=stored.get("mimetype", "application/octet-stream"),
    )
