"""Outgoing mail through one small interface. Services take a Mailer; the app's is the
OutboxMailer (app.services.notifications.outbox), which queues each mail in the caller's
transaction. The worker then hands it to a channel (channels.py) that sends it with one of the
mailers here: printed to the console in development, SMTP when configured (RUANG_SMTP_HOST and
friends). Tests use a real SMTP server."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/octet-stream"


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = field(default=())
    #: Stable per outbox message, so a receiver can recognise a copy resent after a crash.
    message_id: str | None = None


class Mailer(Protocol):
    def send(self, mail: Mail) -> None: ...


class ConsoleMailer:
    """Development mailer: writes each mail to the log (and keeps the last ones for the demo)."""

    def __init__(self) -> None:
        self.sent: list[Mail] = []

    def send(self, mail: Mail) -> None:
        self.sent = [*self.sent[-49:], mail]
        log.warning("mail to %s: %s\n%s", mail.to, mail.subject, mail.body)
        print(f"\n--- mail to {mail.to}: {mail.subject}\n{mail.body}\n---", flush=True)


@dataclass
class SmtpMailer:
    host: str
    port: int = 587
    sender: str = "Ruang <no-reply@ruang.id>"
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout: float = 10.0

    def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        if mail.message_id:
            message["Message-ID"] = mail.message_id
        message.set_content(mail.body)
        for attachment in mail.attachments:
            maintype, _, subtype = attachment.mimetype.partition("/")
            message.add_attachment(
                attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
            )
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username and self.password:
                smtp.login(self.username, self.password)
            smtp.send_message(message)


def mailer_from_config(config: Mapping[str, Any]) -> Mailer:
    host = config.get("RUANG_SMTP_HOST")
    if not host:
        return ConsoleMailer()
    return SmtpMailer(
        host=str(host),
        port=int(config.get("RUANG_SMTP_PORT", 587)),
        sender=str(config.get("RUANG_MAIL_SENDER", "Ruang <no-reply@ruang.id>")),
        username=config.get("RUANG_SMTP_USERNAME"),
        password=config.get("RUANG_SMTP_PASSWORD"),
        starttls=bool(config.get("RUANG_SMTP_STARTTLS", True)),
    )
