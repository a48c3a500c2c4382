"""Signed, expiring tokens for links sent by mail (email verification, password reset)."""

from __future__ import annotations

import enum
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.services.errors import DomainError


class Purpose(enum.StrEnum):
    VERIFY_EMAIL = "verify-email"
    RESET_PASSWORD = "reset-password"  # noqa: S105  (a salt name, not a password)


MAX_AGE = {Purpose.VERIFY_EMAIL: 3 * 24 * 3600, Purpose.RESET_PASSWORD: 3600}


class InvalidToken(DomainError):
    code = "invalid_token"
    http_status = 400


class TokenSigner:
    def __init__(self, secret: str) -> None:
        self._secret = secret

    def sign(self, purpose: Purpose, payload: dict[str, Any]) -> str:
        return str(URLSafeTimedSerializer(self._secret, salt=purpose.value).dumps(payload))

    def read(self, purpose: Purpose, token: str) -> dict[str, Any]:
        serializer = URLSafeTimedSerializer(self._secret, salt=purpose.value)
        try:
            payload = serializer.loads(token, max_age=MAX_AGE[purpose])
        except SignatureExpired as exc:
            raise InvalidToken("this link has expired; ask for a new one") from exc
        except BadSignature as exc:
            raise InvalidToken("this link is not valid") from exc
        if not isinstance(payload, dict):
            raise InvalidToken("this link is not valid")
        return payload
