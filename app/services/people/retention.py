"""Retention: what is kept only for a while is purged by age, by the worker (apply-retention).

RUANG_RETENTION_ACCESS_EVENTS_DAYS (default 365), RUANG_RETENTION_OUTBOX_DAYS for sent and failed
messages (default 90) and RUANG_RETENTION_DEVICE_LOG_DAYS for the device message log (default
30). Sent webhook deliveries follow the outbox's setting; API idempotency keys are kept
RUANG_RETENTION_IDEMPOTENCY_HOURS (default 24, as Stripe keeps them). 0 keeps forever. The
audit log is a legal record and is not purged here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete

from app.extensions import db
from app.models import (
    AccessEvent,
    DeliveryStatus,
    IdempotentRequest,
    OutboxMessage,
    OutboxStatus,
    ProcessedMessage,
    WebhookDelivery,
    utcnow,
)
from app.services.transactions import transaction


@dataclass(frozen=True)
class Retention:
    access_events_days: int = 365
    outbox_days: int = 90
    device_log_days: int = 30
    idempotency_hours: int = 24

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Retention:
        return cls(
            access_events_days=int(config.get("RUANG_RETENTION_ACCESS_EVENTS_DAYS", 365)),
            outbox_days=int(config.get("RUANG_RETENTION_OUTBOX_DAYS", 90)),
            device_log_days=int(config.get("RUANG_RETENTION_DEVICE_LOG_DAYS", 30)),
            idempotency_hours=int(config.get("RUANG_RETENTION_IDEMPOTENCY_HOURS", 24)),
        )


def purge_expired(retention: Retention, now: datetime | None = None) -> dict[str, int]:
    """Delete what is older than its retention; the count deleted per kind."""
    now = now or utcnow()
    deleted: dict[str, int] = {}
    with transaction():
        if retention.access_events_days:
            cutoff = now - timedelta(days=retention.access_events_days)
            deleted["access_events"] = _delete(
                delete(AccessEvent).where(AccessEvent.decided_at < cutoff)
            )
        if retention.outbox_days:
            cutoff = now - timedelta(days=retention.outbox_days)
            deleted["outbox_messages"] = _delete(
                delete(OutboxMessage).where(
                    OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.FAILED)),
                    OutboxMessage.created_at < cutoff,
                )
            )
            deleted["webhook_deliveries"] = _delete(
                delete(WebhookDelivery).where(
                    WebhookDelivery.status.in_((DeliveryStatus.DELIVERED, DeliveryStatus.FAILED)),
                    WebhookDelivery.created_at < cutoff,
                )
            )
        if retention.idempotency_hours:
            cutoff = now - timedelta(hours=retention.idempotency_hours)
            deleted["idempotent_requests"] = _delete(
                delete(IdempotentRequest).where(IdempotentRequest.created_at < cutoff)
            )
        if retention.device_log_days:
            cutoff = now - timedelta(days=retention.device_log_days)
            deleted["processed_messages"] = _delete(
                delete(ProcessedMessage).where(ProcessedMessage.processed_at < cutoff)
            )
    return deleted


def _delete(statement: Any) -> int:
    return int(cast(CursorResult[Any], db.session.execute(statement)).rowcount or 0)
