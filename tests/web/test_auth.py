"""Accounts through the web: sign up, verify, log in, reset the password, rate limits."""

from __future__ import annotations

from urllib.parse import urlparse

from sqlalchemy import select

from app.extensions import db
from app.models import User

SIGNUP = {
    "name": "Ani Wijaya",
    "email": "ani@example.com",
    "phone": "+62 812 3456 7890",
    "business_name": "Ani Cake",
    "sector": "kuliner",
    "kecamatan": "Tebet",
    "plan_id": "0",
    "password": "longenough1",
    "confirm": "longenough1",
    "consent": "y",
}


def path_of(link: str) -> str:
    return urlparse(link).path


def test_signup_verify_login(client, outbox) -> None:
    response = client.post("/signup", data=SIGNUP)
    assert response.status_code == 200
    assert "ani@example.com" in response.text
    user = db.session.scalar(select(User).where(User.email == "ani@example.com"))
    assert user.consent_version
    assert user.consent_at is not None
    assert user.password_hash.startswith("$argon2id$")

    # Not verified yet: login refused with a clear message.
    response = client.post("/login", data={"email": SIGNUP["email"], "password": "longenough1"})
    assert response.status_code == 200
    assert "confirm your email" in response.text.lower()

    response = client.get(path_of(outbox.last_link("ani@example.com")))
    assert response.status_code == 302
    response = client.post("/login", data={"email": SIGNUP["email"], "password": "longenough1"})
    assert response.status_code == 302


def test_signup_without_consent_is_refused_and_keeps_input(client) -> None:
    data = {**SIGNUP, "consent": ""}
    data.pop("consent")
    response = client.post("/signup", data=data)
    assert response.status_code == 200
    assert "personal-data notice" in response.text
    assert 'value="Ani Cake"' in response.text
    assert db.session.scalar(select(User).where(User.email == "ani@example.com")) is None


def test_password_reset_link_works_once(client, outbox, a_member, login) -> None:
    login(a_member)
    client.post("/logout")
    client.post("/password/forgot", data={"email": a_member.email})
    link = path_of(outbox.last_link(a_member.email))
    form = {"password": "brand-new-pass", "confirm": "brand-new-pass"}
    assert client.post(link, data=form).status_code == 302
    again = client.post(link, data={"password": "another-pass1", "confirm": "another-pass1"})
    assert again.status_code == 200
    assert "not valid" in again.text
    response = client.post("/login", data={"email": a_member.email, "password": "brand-new-pass"})
    assert response.status_code == 302


def test_forgot_password_does_not_reveal_accounts(client, outbox) -> None:
    response = client.post("/password/forgot", data={"email": "nobody@example.com"})
    assert response.status_code == 302
    assert outbox.messages == []


def test_wrong_password(client, a_member, login) -> None:
    login(a_member)
    client.post("/logout")
    response = client.post("/login", data={"email": a_member.email, "password": "wrong-password"})
    assert "Wrong email or password" in response.text


def test_walk_in_without_password_can_set_one_by_mail(client, outbox, make_member) -> None:
    walk_in = make_member(email="walkin@example.com")
    assert walk_in.password_hash is None
    client.post("/password/forgot", data={"email": walk_in.email})
    link = path_of(outbox.last_link(walk_in.email))
    assert (
        client.post(link, data={"password": "first-pass-1", "confirm": "first-pass-1"}).status_code
        == 302
    )
    response = client.post("/login", data={"email": walk_in.email, "password": "first-pass-1"})
    assert response.status_code == 302


def test_placeholder_walk_in_address_gets_no_mail(app, outbox, make_member) -> None:
    from app.services.people.registration import request_password_reset
    from app.web.context import external_link, mailer, signer

    walk_in = make_member(email="walk-in-abc@walk-in.invalid")
    with app.test_request_context():
        request_password_reset(
            walk_in.email, mailer(), signer(), external_link("auth.reset_password")
        )
    assert outbox.messages == []
