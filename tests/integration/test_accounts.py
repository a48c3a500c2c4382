"""Accounts: argon2id password hashes, password checks, unique emails, roles."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import Role, User
from app.services.errors import InvalidInput, NotFound
from app.services.people import accounts


@pytest.fixture
def user_count(session):
    def count() -> int:
        return int(session.scalar(select(func.count()).select_from(User)) or 0)

    return count


def test_password_is_hashed_with_argon2id(session) -> None:
    user = accounts.create_user("siti@example.test", "Siti", "rahasia-siti-123")
    assert user.password_hash is not None
    assert user.password_hash.startswith("$argon2id$")
    assert "rahasia-siti-123" not in user.password_hash
    assert accounts.password_matches(user, "rahasia-siti-123")


def test_wrong_password(session) -> None:
    user = accounts.create_user("budi@example.test", "Budi", "kata-sandi-budi")
    assert not accounts.password_matches(user, "kata-sandi-salah")
    assert not accounts.password_matches(user, "")


def test_user_without_password_never_matches(session) -> None:
    user = accounts.create_user("walkin@example.test", "Walk-in", None)
    assert user.password_hash is None
    assert not accounts.password_matches(user, "anything-at-all")


def test_broken_hash_does_not_match(session) -> None:
    user = accounts.create_user("rusak@example.test", "Rusak", "kata-sandi-rusak")
    user.password_hash = "not-a-hash"
    assert not accounts.password_matches(user, "kata-sandi-rusak")


@pytest.mark.parametrize(
    "again", ["dewi@example.test", "Dewi@Example.TEST", "  dewi@example.test "]
)
def test_duplicate_email_refused(session, user_count, again: str) -> None:
    accounts.create_user("dewi@example.test", "Dewi", "kata-sandi-dewi")
    before = user_count()
    with pytest.raises(InvalidInput):
        accounts.create_user(again, "Dewi Lain", "kata-sandi-lain")
    assert user_count() == before


def test_email_is_normalised(session) -> None:
    user = accounts.create_user("  Rina@Example.TEST ", "Rina", None)
    assert user.email == "rina@example.test"
    assert accounts.find_user_by_email("RINA@example.test") == user


@pytest.mark.parametrize(
    ("email", "password"),
    [("no-at-sign", "kata-sandi-ok"), ("short@example.test", "pendek")],
    ids=["bad-email", "short-password"],
)
def test_bad_account_input(session, user_count, email, password) -> None:
    with pytest.raises(InvalidInput):
        accounts.create_user(email, "Someone", password)
    assert user_count() == 0


def test_roles_scoped_to_a_hub(session, make_hub) -> None:
    hub = make_hub(slug="jfch")
    user = accounts.create_user(
        "staff@example.test", "Staff", "kata-sandi-staff", roles=[(Role.FRONTDESK, "jfch")]
    )
    assert user.can_staff(hub.id)
    assert not user.can_staff(hub.id + 1)
    assert not user.can_administer(hub.id)


def test_default_role_is_member(session) -> None:
    user = accounts.create_user("anggota@example.test", "Anggota", None)
    assert [grant.role for grant in user.roles] == [Role.MEMBER]


def test_role_at_unknown_hub_creates_nobody(session, user_count) -> None:
    with pytest.raises(NotFound):
        accounts.create_user(
            "ghost@example.test", "Ghost", "kata-sandi-ghost", roles=[(Role.HUB_ADMIN, "nowhere")]
        )
    assert user_count() == 0
