"""Channels come from configuration: mail always, others (WhatsApp, SMS) named by an import
path in RUANG_CHANNELS, as a dict or as JSON from the environment."""

from __future__ import annotations

from typing import Any

from app.services.notifications.channels import (
    Envelope,
    MailChannel,
    channels_from_config,
    decode_attachment,
    encode_attachment,
)
from app.services.notifications.mail import Attachment, ConsoleMailer


class RecordingChannel:
    """A stand-in provider, as a WhatsApp channel would be configured."""

    def __init__(self, config: Any) -> None:
        self.sent: list[Envelope] = []

    def deliver(self, envelope: Envelope) -> None:
        self.sent.append(envelope)


def test_mail_is_always_there_and_others_come_from_config() -> None:
    channels = channels_from_config({})
    assert set(channels) == {"mail"}
    assert isinstance(channels["mail"], MailChannel)
    assert isinstance(channels["mail"].mailer, ConsoleMailer)
    configured = channels_from_config(
        {"RUANG_CHANNELS": '{"whatsapp": "tests.unit.test_channels:RecordingChannel"}'}
    )
    assert isinstance(configured["whatsapp"], RecordingChannel)


def test_attachments_survive_the_outbox_encoding() -> None:
    attachment = Attachment("pass.png", b"\x89PNG\x00\xff", "image/png")
    assert decode_attachment(encode_attachment(attachment)) == attachment
