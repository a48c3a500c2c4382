"""Bearer-token authentication, scopes and per-token rate limits for every API view.

No session cookie is read here (so no CSRF either): a request is who its token says. The limit
counts per token id in the limiter's storage (Redis in production), so every web process shares
one count per token.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import current_app, g, request
from limits import parse

from app.api.v1.errors import error_response
from app.extensions import limiter
from app.services.errors import DomainError, Forbidden
from app.services.integrations.tokens import Caller, Scope, authenticate

F = TypeVar("F", bound=Callable[..., Any])

SECURITY_SCHEME = "bearerAuth"
DEFAULT_RATE_LIMIT = "600 per minute"


class ApiAuthError(Exception):
    """Ends the request with a structured 401, 403 or 429 (app.api.v1's handler)."""

    def __init__(self, status: int, code: str, message: str, **headers: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers

    def response(self) -> Any:
        headers = dict(self.headers)
        if self.status == 401:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="ruang"')
        return error_response(self.status, self.code, self.message, headers=headers)


def caller() -> Caller:
    """The caller of the running API request (set by `requires`)."""
    return cast(Caller, g.api_caller)


def member_id() -> int:
    """The member a personal token acts as; a service token acts for no member (403)."""
    current = caller()
    if current.member_id is None:
        raise Forbidden("this needs a member's personal token")
    return current.member_id


def check_hub(hub_id: int) -> None:
    """Staff data of `hub_id`: only for staff of that hub, or service tokens naming it."""
    if not caller().may_read_hub(hub_id):
        raise ApiAuthError(403, "forbidden_hub", "this token does not read that hub's data")


def requires(blueprint: Any, scope: Scope) -> Callable[[F], F]:
    """Authenticate, check `scope`, count the request against the token's rate limit; and
    document the security requirement (the tests walk the document's x-required-scope)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            g.api_caller = _authenticated()
            if scope.value not in g.api_caller.scopes:
                raise ApiAuthError(
                    403, "insufficient_scope", f"this token lacks the {scope.value} scope"
                )
            _count(g.api_caller)
            return view(*args, **kwargs)

        documented = blueprint.doc(
            security=[{SECURITY_SCHEME: [scope.value]}], **{"x-required-scope": scope.value}
        )
        return cast(F, documented(guarded))

    return decorate


def _authenticated() -> Caller:
    header = request.headers.get("Authorization", "")
    kind, _, text = header.partition(" ")
    if kind.lower() != "bearer" or not text.strip():
        raise ApiAuthError(401, "unauthorized", "send a token: Authorization: Bearer <token>")
    try:
        return authenticate(text.strip())
    except DomainError as error:
        raise ApiAuthError(401, error.code, error.message) from error


def _count(current: Caller) -> None:
    if not limiter.enabled:  # RATELIMIT_ENABLED=False: no limits anywhere
        return
    item = parse(str(current_app.config.get("RUANG_API_RATE_LIMIT", DEFAULT_RATE_LIMIT)))
    # The limiter's own key prefix too, as its decorated limits use: apps sharing one Redis
    # (staging beside production, test runs) keep apart counts.
    key = (
        str(current_app.config.get("RATELIMIT_KEY_PREFIX", "")),
        "api-token",
        str(current.token_id),
    )
    if limiter.limiter.hit(item, *key):
        return
    reset = limiter.limiter.get_window_stats(item, *key).reset_time
    raise ApiAuthError(
        429,
        "rate_limited",
        f"this token may make {item} requests",
        **{"Retry-After": str(max(1, int(reset - time.time())))},
    )
