"""The outbox: messages are queued in the transaction of the change that caused them, and the
worker sends them through their channel, retried with exponential backoff and never twice.

Sending, per message: claim (status SENDING, a fresh claim token, a lease), commit, send outside
any transaction, then record the outcome only if the claim token is still ours. Claims take rows
with FOR UPDATE SKIP LOCKED on PostgreSQL, so two workers never claim the same row; on SQLite
the write lock (BEGIN IMMEDIATE) serialises the claims. A worker killed mid-send leaves its row
SENDING; once the lease is over another worker claims it again. The lease is far longer than a
send may take (the SMTP timeout), so a live worker's row is never taken from it. What remains is
a worker dying after the server accepted a mail and before it recorded so: that one mail goes
again, with the same Message-ID so mail clients can fold the copy.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import OutboxMessage, OutboxStatus, User, utcnow
from app.services.audit import record
from app.services.errors import InvalidInput, NotFound
from app.services.notifications.channels import (
    MAIL,
    Channel,
    Envelope,
    decode_attachment,
    encode_attachment,
)
from app.services.notifications.mail import Attachment, Mail
from app.services.transactions import in_transaction, savepoint, transaction

log = logging.getLogger(__name__)

#: Makes an attachment at send time from {"make": name, "id": ...} (a booking's pass).
AttachmentMaker = Callable[[int], Attachment | None]


@dataclass(frozen=True)
class OutboxPolicy:
    max_attempts: int = 8
    first_delay: timedelta = timedelta(minutes=1)
    max_delay: timedelta = timedelta(hours=6)
    lease: timedelta = timedelta(minutes=5)

    def delay_after(self, attempts: int) -> timedelta:
        """1, 2, 4, ... minutes after the attempts so far, at most max_delay."""
        return min(self.first_delay * (1 << max(attempts - 1, 0)), self.max_delay)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> OutboxPolicy:
        return cls(
            max_attempts=int(config.get("RUANG_OUTBOX_MAX_ATTEMPTS", 8)),
            first_delay=timedelta(seconds=float(config.get("RUANG_OUTBOX_FIRST_DELAY", 60))),
            lease=timedelta(seconds=float(config.get("RUANG_OUTBOX_LEASE", 300))),
        )


DEFAULT_POLICY = OutboxPolicy()


@dataclass(frozen=True)
class Lifecycle:
    """The states a queued row (a mail, a webhook delivery) moves through, and the column that
    records when it went: what `claim_due` and `settle` need to know of its table."""

    pending: Any
    sending: Any
    done: Any
    failed: Any
    done_at: str


def claim_due(model: Any, states: Lifecycle, policy: OutboxPolicy, now: datetime) -> Any:
    """In the caller's transaction: the oldest row of `model` due for an attempt (pending and
    due, or sending with its lease over), claimed with a fresh token and a lease; or None.
    SKIP LOCKED on PostgreSQL lets several workers claim side by side; SQLite's write lock
    serialises them."""
    row = db.session.scalars(
        select(model)
        .where(
            or_(
                and_(model.status == states.pending, model.next_attempt_at <= now),
                and_(model.status == states.sending, model.claimed_until <= now),
            )
        )
        .order_by(model.next_attempt_at, model.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if row is None:
        return None
    row.status = states.sending
    row.claim_token = uuid.uuid4().hex
    row.claimed_until = now + policy.lease
    row.attempts += 1
    return row


def settle(
    row: Any,
    token: str,
    error: str | None,
    policy: OutboxPolicy,
    now: datetime,
    states: Lifecycle,
    **facts: Any,
) -> str:
    """In the caller's transaction, holding `row`'s lock: how the attempt went, if the claim is
    still ours ("sent", "retrying" or "failed"); `facts` are set on the row with it. A claim
    another worker took after our lease changes nothing."""
    if row is None or row.claim_token != token:
        return "retrying" if error else "sent"
    row.claim_token = None
    row.claimed_until = None
    for name, value in facts.items():
        setattr(row, name, value)
    if error is None:
        row.status = states.done
        setattr(row, states.done_at, now)
        row.last_error = ""
        return "sent"
    row.last_error = error
    if row.attempts >= policy.max_attempts:
        row.status = states.failed
        return "failed"
    row.status = states.pending
    row.next_attempt_at = now + policy.delay_after(row.attempts)
    return "retrying"


MESSAGE_STATES = Lifecycle(
    OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT, OutboxStatus.FAILED, "sent_at"
)


def enqueue(
    mail: Mail,
    *,
    kind: str = "mail",
    user_id: int | None = None,
    hub_id: int | None = None,
    channel: str = MAIL,
    made_attachments: tuple[tuple[str, int], ...] = (),
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Queue `mail` in the caller's transaction (or in one of its own when there is none).

    With a `dedupe_key` already queued, nothing is added and None is returned."""
    message = OutboxMessage(
        channel=channel,
        kind=kind,
        user_id=user_id,
        hub_id=hub_id,
        recipient=mail.to,
        subject=mail.subject[:300],
        body=mail.body,
        attachments=[encode_attachment(a) for a in mail.attachments]
        + [{"make": name, "id": ident} for name, ident in made_attachments],
        dedupe_key=dedupe_key,
        next_attempt_at=utcnow(),
    )
    if not in_transaction():
        with transaction():
            return _add(message)
    return _add(message)


def _add(message: OutboxMessage) -> OutboxMessage | None:
    if message.dedupe_key is None:
        db.session.add(message)
        db.session.flush()
        return message
    try:
        with savepoint():
            db.session.add(message)
            db.session.flush()
    except IntegrityError:
        return None  # queued already (by another worker, too)
    return message


class OutboxMailer:
    """The app's Mailer: `send` queues the mail in the outbox instead of sending it, linked to
    the account it goes to (if any), so the member's export and erasure find it."""

    def send(self, mail: Mail) -> None:
        if not in_transaction():
            with transaction():
                self.send(mail)
            return
        user_id = db.session.scalar(select(User.id).where(User.email == mail.to.strip().lower()))
        enqueue(mail, user_id=user_id)


# -- sending ------------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return f"sent {len(self.sent)}, retrying {len(self.retrying)}, failed {len(self.failed)}"


def deliver_due(
    channels: Mapping[str, Channel],
    *,
    makers: Mapping[str, AttachmentMaker] | None = None,
    policy: OutboxPolicy = DEFAULT_POLICY,
    limit: int = 100,
) -> DeliveryReport:
    """Send up to `limit` due messages, one claim at a time. Safe to run from several workers."""
    report = DeliveryReport()
    for _ in range(limit):
        claim = claim_next(policy)
        if claim is None:
            break
        error = _send(claim, channels, makers or {})
        outcome = finish(claim.envelope, error, policy)
        getattr(report, outcome).append(claim.envelope.id)
    return report


@dataclass(frozen=True)
class Claim:
    envelope: Envelope
    stored_attachments: list[dict[str, Any]]


def claim_next(policy: OutboxPolicy = DEFAULT_POLICY) -> Claim | None:
    """Claim the oldest due message (pending and due, or sending with its lease over)."""
    now = utcnow()
    with transaction():
        message = claim_due(OutboxMessage, MESSAGE_STATES, policy, now)
        if message is None:
            return None
        token = message.claim_token
        envelope = Envelope(
            id=message.id,
            claim_token=token,
            channel=message.channel,
            recipient=message.recipient,
            subject=message.subject,
            body=message.body,
            attempts=message.attempts,
        )
        return Claim(envelope, list(message.attachments or []))


def _send(
    claim: Claim, channels: Mapping[str, Channel], makers: Mapping[str, AttachmentMaker]
) -> str | None:
    """Send a claimed message outside any transaction; the error's text, or None when it went."""
    envelope = claim.envelope
    try:
        channel = channels.get(envelope.channel)
        if channel is None:
            raise LookupError(f"no channel {envelope.channel!r} is configured")
        attachments = _attachments(claim.stored_attachments, makers)
        channel.deliver(replace(envelope, attachments=attachments))
    except Exception as exc:  # a channel may fail in any way; the outbox retries
        log.warning("outbox message %s failed: %s", envelope.id, exc)
        return f"{type(exc).__name__}: {exc}"[:500]
    return None


def _attachments(
    stored: list[dict[str, Any]], makers: Mapping[str, AttachmentMaker]
) -> tuple[Attachment, ...]:
    made: list[Attachment] = []
    for item in stored:
        if "make" not in item:
            made.append(decode_attachment(item))
            continue
        maker = makers.get(str(item["make"]))
        attachment = maker(int(item["id"])) if maker is not None else None
        if attachment is not None:  # e.g. no pass for a booking cancelled meanwhile
            made.append(attachment)
    return tuple(made)


def finish(envelope: Envelope, error: str | None, policy: OutboxPolicy = DEFAULT_POLICY) -> str:
    """Record how the send went, if the claim is still ours: "sent", "retrying" or "failed"."""
    now = utcnow()
    with transaction():
        message = db.session.get(OutboxMessage, envelope.id, with_for_update=True)
        return settle(message, envelope.claim_token, error, policy, now, MESSAGE_STATES)


# -- for admins ---------------------------------------------------------------------------------


def failed_messages(hub_ids: set[int] | None, limit: int = 200) -> list[OutboxMessage]:
    """Messages given up on, newest first: at these hubs (None: all, and those of no hub)."""
    stmt = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
    if hub_ids is not None:
        stmt = stmt.where(OutboxMessage.hub_id.in_(hub_ids))
    return list(db.session.scalars(stmt.order_by(OutboxMessage.id.desc()).limit(limit)))


def may_handle(actor: User, message: OutboxMessage) -> bool:
    """Programme admins handle every message; a hub admin those of their hubs."""
    if actor.is_programme_admin:
        return True
    return message.hub_id is not None and actor.can_administer(message.hub_id)


def pending_count() -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)))
        )
        or 0
    )


def retry_failed(actor: User, message_id: int) -> OutboxMessage:
    """Send a failed message again from the first attempt (staff of its hub; audited)."""
    with transaction():
        message = db.session.get(OutboxMessage, message_id, with_for_update=True)
        if message is None or not may_handle(actor, message):
            raise NotFound(f"no failed message {message_id} here")
        if message.status is not OutboxStatus.FAILED:
            raise InvalidInput("only a failed message can be retried", reason="not_failed")
        message.status = OutboxStatus.PENDING
        message.attempts = 0
        message.next_attempt_at = utcnow()
        record(
            "outbox.retry",
            message,
            actor_id=actor.id,
            hub_id=message.hub_id,
            before={"status": "failed", "last_error": message.last_error},
            after={"status": "pending"},
        )
    return message
