"""Idempotent API requests: a client that repeats a request with the same Idempotency-Key gets
the first answer again instead of a second booking (Stripe's rule: the same key with another
body is refused).

The key is reserved in a transaction of its own before the work runs, so of two concurrent
requests with one key only one does the work (the unique constraint decides); the other is told
the first is still in progress. The answer is stored when the work is done, errors included.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import IdempotentRequest
from app.services.errors import DomainError, InvalidInput
from app.services.transactions import transaction

IN_PROGRESS = 0  # status_code of a reserved key whose work has not finished


class IdempotencyKeyInUse(DomainError):
    """The same key is being answered by a request still running."""

    code = "idempotency_in_progress"
    http_status = 409


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


def request_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def answer_once(
    token_id: int,
    key: str,
    payload: Any,
    work: Callable[[], Answer],
    on_error: Callable[[DomainError], Answer],
) -> Answer:
    """Run `work` once per (token, key); a repeat gets the stored answer."""
    digest = request_hash(payload)
    stored = _stored(token_id, key)
    if stored is None:
        try:
            with transaction():
                db.session.add(
                    IdempotentRequest(
                        token_id=token_id,
                        key=key,
                        request_hash=digest,
                        status_code=IN_PROGRESS,
                        body={},
                    )
                )
        except IntegrityError:
            stored = _stored(token_id, key)
    if stored is not None:
        if stored.request_hash != digest:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used with another request body", field="Idempotency-Key"
            )
        if stored.status_code == IN_PROGRESS:
            raise IdempotencyKeyInUse("a request with this Idempotency-Key is still running")
        return Answer(stored.status_code, dict(stored.body), replayed=True)
    try:
        answer = work()
    except DomainError as error:
        answer = on_error(error)
    except BaseException:
        _forget(token_id, key)  # nothing was answered: the client may try the key again
        raise
    _store(token_id, key, answer)
    return answer


def _stored(token_id: int, key: str) -> IdempotentRequest | None:
    db.session.expire_all()
    return db.session.scalars(
        select(IdempotentRequest).where(
            IdempotentRequest.token_id == token_id, IdempotentRequest.key == key
        )
    ).first()


def _store(token_id: int, key: str, answer: Answer) -> None:
    with transaction():
        row = db.session.scalars(
            select(IdempotentRequest).where(
                IdempotentRequest.token_id == token_id, IdempotentRequest.key == key
            )
        ).one()
        row.status_code = answer.status_code
        row.body = answer.body


def _forget(token_id: int, key: str) -> None:
    with transaction():
        db.session.execute(
            delete(IdempotentRequest).where(
                IdempotentRequest.token_id == token_id, IdempotentRequest.key == key
            )
        )
