"""The outbox against a real SMTP server: mail is queued with the change that caused it, sent by
the worker, retried with backoff while the server fails, given up on after the last attempt
(and shown to admins), and a claim whose worker died is taken again after its lease."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, OutboxMessage, OutboxStatus, Role, utcnow
from app.services.errors import InvalidInput, NotFound
from app.services.notifications import outbox
from app.services.notifications.channels import MailChannel
from app.services.notifications.mail import Mail, SmtpMailer
from app.services.transactions import transaction
from tests.mail import MailCatcher

POLICY = outbox.OutboxPolicy(max_attempts=3, first_delay=timedelta(minutes=1))


class FlakyCatcher(MailCatcher):
    """An SMTP server that refuses (451) the first `failures` mails, then accepts."""

    failures = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.failures > 0:
            self.failures -= 1
            return "451 4.3.0 try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture(scope="module")
def flaky_server() -> Iterator[FlakyCatcher]:
    with FlakyCatcher.running() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def flaky(flaky_server: FlakyCatcher) -> FlakyCatcher:
    flaky_server.clear()
    flaky_server.failures = 0
    return flaky_server


def channels(server: MailCatcher) -> dict[str, MailChannel]:
    return {"mail": MailChannel(SmtpMailer("127.0.0.1", server.port, starttls=False))}


def queue(to: str = "siti@example.id", **fields: Any) -> OutboxMessage:
    message = outbox.enqueue(Mail(to=to, subject="Halo", body="Isi pesan"), **fields)
    assert message is not None
    return message


def test_mail_is_queued_in_the_callers_transaction_and_rolls_back_with_it(app, session) -> None:
    def failing_change() -> None:
        with transaction():
            queue("gone@example.id")
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        failing_change()
    with transaction():
        queue("kept@example.id")
    recipients = session.scalars(select(OutboxMessage.recipient)).all()
    assert recipients == ["kept@example.id"]


def test_a_server_that_fails_then_recovers_gets_the_mail_once(app, session, clock, flaky) -> None:
    message = queue()
    flaky.failures = 2
    first = outbox.deliver_due(channels(flaky), policy=POLICY)
    assert first.retrying == [message.id]
    session.refresh(message)
    assert message.status is OutboxStatus.PENDING
    assert "451" in message.last_error
    assert message.next_attempt_at == utcnow() + timedelta(minutes=1)

    assert str(outbox.deliver_due(channels(flaky), policy=POLICY)) == "sent 0, retrying 0, failed 0"

    clock(utcnow() + timedelta(minutes=1))
    outbox.deliver_due(channels(flaky), policy=POLICY)
    session.refresh(message)
    assert message.next_attempt_at == utcnow() + timedelta(minutes=2)  # backoff doubles

    clock(utcnow() + timedelta(minutes=2))
    assert outbox.deliver_due(channels(flaky), policy=POLICY).sent == [message.id]
    session.refresh(message)
    assert message.status is OutboxStatus.SENT
    assert message.attempts == 3
    assert len(flaky.received) == 1
    assert flaky.received[0]["Message-ID"] == f"<outbox-{message.id}@ruang.id>"
    outbox.deliver_due(channels(flaky), policy=POLICY)
    assert len(flaky.received) == 1  # never again


def test_after_the_last_attempt_it_is_failed_and_an_admin_can_retry_it(
    app, session, clock, flaky, a_hub, make_hub, make_member
) -> None:
    message = queue(hub_id=a_hub.id)
    flaky.failures = 99
    for _ in range(POLICY.max_attempts):
        outbox.deliver_due(channels(flaky), policy=POLICY)
        clock(utcnow() + POLICY.max_delay)
    session.refresh(message)
    assert message.status is OutboxStatus.FAILED
    assert outbox.failed_messages({a_hub.id}) == [message]
    assert outbox.failed_messages({a_hub.id + 1}) == []

    other_admin = make_member(roles=[(Role.HUB_ADMIN, make_hub(slug="lain", name="Lain"))])
    admin = make_member(roles=[(Role.HUB_ADMIN, a_hub)])
    with pytest.raises(NotFound):
        outbox.retry_failed(other_admin, message.id)
    outbox.retry_failed(admin, message.id)
    with pytest.raises(InvalidInput):
        outbox.retry_failed(admin, message.id)  # pending again, not failed
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "outbox.retry")).one()
    assert entry.actor_id == admin.id

    flaky.failures = 0
    assert outbox.deliver_due(channels(flaky), policy=POLICY).sent == [message.id]
    assert len(flaky.received) == 1


def test_a_claim_whose_worker_died_is_taken_again_after_its_lease(
    app, session, clock, flaky
) -> None:
    message = queue()
    dead = outbox.claim_next(POLICY)  # the worker holding this claim is killed before sending
    assert dead is not None
    assert outbox.deliver_due(channels(flaky), policy=POLICY).sent == []  # its lease holds

    clock(utcnow() + POLICY.lease)
    assert outbox.deliver_due(channels(flaky), policy=POLICY).sent == [message.id]
    # Were the first worker only slow, its late report changes nothing.
    outbox.finish(dead.envelope, "SMTPServerDisconnected: late", POLICY)
    session.refresh(message)
    assert message.status is OutboxStatus.SENT
    assert len(flaky.received) == 1


def test_the_app_mailer_links_mail_to_the_account_it_goes_to(app, session, a_member) -> None:
    mailer = outbox.OutboxMailer()
    mailer.send(Mail(to=a_member.email.upper(), subject="Halo", body="Isi"))
    mailer.send(Mail(to="guest@example.id", subject="Undangan", body="Isi"))
    rows = session.execute(select(OutboxMessage.recipient, OutboxMessage.user_id)).all()
    assert sorted(rows, key=str) == sorted(
        [(a_member.email.upper(), a_member.id), ("guest@example.id", None)], key=str
    )


def test_a_message_with_a_dedupe_key_is_queued_once(app, session) -> None:
    assert outbox.enqueue(Mail("a@example.id", "s", "b"), dedupe_key="reminder:1") is not None
    assert outbox.enqueue(Mail("a@example.id", "s", "b"), dedupe_key="reminder:1") is None
    assert len(session.scalars(select(OutboxMessage)).all()) == 1


def test_an_unknown_channel_is_retried_not_lost(app, session, flaky) -> None:
    message = queue(channel="whatsapp")
    assert outbox.deliver_due(channels(flaky), policy=POLICY).retrying == [message.id]
    session.refresh(message)
    assert "no channel 'whatsapp'" in message.last_error
    assert db.session.get(OutboxMessage, message.id) is not None
