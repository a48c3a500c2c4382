"""Fixtures for the JSON API: tokens for members, staff and integrations."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.models import Hub, Role, User
from app.services.integrations import tokens
from app.services.integrations.tokens import Scope

ALL_SCOPES = [s.value for s in Scope]
Headers = dict[str, str]


def bearer(text: str) -> Headers:
    return {"Authorization": f"Bearer {text}"}


@pytest.fixture
def member_token() -> Callable[..., Headers]:
    """Headers with a personal token of `user` holding `scopes` (all by default)."""

    def make(user: User, scopes: list[str] | None = None, days: int = 30) -> Headers:
        issued = tokens.create_personal_token(user.id, "test", scopes or ALL_SCOPES, days)
        return bearer(issued.text)

    return make


@pytest.fixture
def a_staff(make_member: Callable[..., User], a_hub: Hub) -> User:
    """Front-desk staff of a_hub."""
    return make_member(name="Staff", roles=[(Role.FRONTDESK, a_hub), (Role.MEMBER, None)])
