"""Members' data rights (UU PDP 27/2022): consent with its version, the export of everything
held, erasure carried out by staff (audited) after which no personal value of the member is
left in any column of any table (walked from the metadata), and retention by age."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import JSON, String, Text, func, select

from app.extensions import db
from app.models import (
    AccessEvent,
    AuditEntry,
    Base,
    Booking,
    ConsentRecord,
    DataRequestStatus,
    Direction,
    Membership,
    MembershipStatus,
    OutboxMessage,
    OutboxStatus,
    ProcessedMessage,
    Role,
    User,
    utcnow,
)
from app.services.booking import bookings
from app.services.calendars import feeds
from app.services.errors import InvalidInput, NotFound
from app.services.notifications import preferences
from app.services.people import consent, erasure, export, members, retention
from app.services.people.registration import Registration, register_member
from app.services.people.tokens import TokenSigner
from tests.conftest import MONDAY

SIGNER = TokenSigner("test-secret")
PERSONAL = {
    "email": "siti.zulaikha.unik@example.id",
    "name": "Siti Zulaikha Unik",
    "phone": "+62 812 9999 7777",
    "business_name": "Warung Kopi Zulaikha",
}


@pytest.fixture
def siti(app, session, clock, a_desk, a_plan, make_plan) -> User:
    """A member who has left traces everywhere: bookings, mail, access events, an audited
    application decision, preferences, a calendar feed."""
    user = register_member(
        Registration(
            password="correct horse battery",
            consent=True,
            sector="Kuliner",
            kecamatan="Tebet",
            **PERSONAL,
        ),
        mailer=_mailer(),
        signer=SIGNER,
        link=lambda token: f"https://ruang.test/{token}",
    )
    user.memberships.append(Membership(plan=a_plan, starts_on=MONDAY - timedelta(days=30)))
    pending = Membership(
        plan=make_plan(subsidised=True), starts_on=MONDAY, status=MembershipStatus.PENDING
    )
    user.memberships.append(pending)
    session.commit()
    bookings.book_whole_day(user.id, a_desk.id, MONDAY)
    session.add(
        AccessEvent(
            event_id="ev-1",
            hub_id=a_desk.hub.id,
            member_id=user.id,
            direction=Direction.IN,
            granted=True,
            reason="ok",
        )
    )
    session.commit()
    members.decide_application(
        _admin(session, a_desk),
        pending.id,
        approve=True,
        reason="",
        hub_id=a_desk.hub.id,
        mailer=_mailer(),
    )
    preferences.set_preferences(user.id, {"booking_confirmed"})
    feeds.rotate_feed("test-secret", user.id)
    return user


def _mailer() -> Any:
    from app.services.notifications.outbox import OutboxMailer

    return OutboxMailer()


def _admin(session, desk) -> User:
    admin = User(email="admin.hub@example.id", name="Admin Hub")
    from app.models import RoleGrant

    admin.roles.append(RoleGrant(role=Role.HUB_ADMIN, hub=desk.hub))
    session.add(admin)
    session.commit()
    return admin


def cells_holding(values: set[str]) -> list[str]:
    """Every (table.column) cell in the whole database holding one of `values`."""
    found = []
    for table in Base.metadata.sorted_tables:
        texts = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if not texts:
            continue
        for row in db.session.execute(select(*texts)).all():
            for column, cell in zip(texts, row, strict=True):
                text = json.dumps(cell) if isinstance(column.type, JSON) else str(cell or "")
                if any(value.lower() in text.lower() for value in values):
                    found.append(f"{table.name}.{column.name}")
    return found


def test_sign_up_records_the_consent_and_a_new_notice_is_asked_again(siti, monkeypatch) -> None:
    history = consent.consent_history(siti.id)
    assert [(c.version, c.source) for c in history] == [(consent.PRIVACY_NOTICE_VERSION, "web")]
    assert not consent.needs_consent(siti)
    monkeypatch.setattr(consent, "PRIVACY_NOTICE_VERSION", "2027-01")
    assert consent.needs_consent(siti)
    consent.give_consent(siti.id)
    assert [c.version for c in consent.consent_history(siti.id)] == ["2026-11", "2027-01"]
    assert not consent.needs_consent(db.session.get(User, siti.id))


def test_the_export_holds_every_table_that_refers_to_the_member(siti) -> None:
    data = export.export_member_data(siti.id)
    tables = data["tables"]
    assert tables["users"][0]["email"] == PERSONAL["email"]
    assert "password_hash" not in tables["users"][0]
    for name in (
        "bookings",
        "memberships",
        "access_events",
        "consent_records",
        "notification_opt_outs",
        "outbox_messages",
        "calendar_feeds",
        "role_grants",
    ):
        assert tables.get(name), name
    json.dumps(data)  # all of it is JSON
    referring = {table.name for table, _ in export.user_references()}
    assert set(tables) - {"users"} <= referring


def test_after_erasure_no_personal_value_is_left_anywhere(siti, session, a_desk) -> None:
    assert cells_holding(set(PERSONAL.values()))  # the walk finds them before
    counts_before = (
        session.scalar(select(func.count()).select_from(Booking)),
        session.scalar(select(func.count()).select_from(AccessEvent)),
    )
    request = erasure.request_erasure(siti.id)
    assert erasure.request_erasure(siti.id).id == request.id  # asking twice is one request
    admin = session.scalar(select(User).where(User.email == "admin.hub@example.id"))
    with pytest.raises(InvalidInput):
        erasure.handle_request(admin, request.id, erase=False)  # a refusal needs a reason
    erasure.handle_request(admin, request.id, erase=True)

    assert cells_holding(set(PERSONAL.values())) == []
    counts_after = (
        session.scalar(select(func.count()).select_from(Booking)),
        session.scalar(select(func.count()).select_from(AccessEvent)),
    )
    assert counts_after == counts_before  # kept, anonymised, for the statistics
    tombstone = session.get(User, siti.id)
    assert tombstone.is_suspended
    assert tombstone.password_hash is None
    assert tombstone.kecamatan == "Tebet"
    assert session.get(type(request), request.id).status is DataRequestStatus.DONE
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "member.erase")).one()
    assert entry.actor_id == admin.id
    with pytest.raises(NotFound):
        feeds.feed_owner("test-secret", feeds.feed_token("test-secret", siti.id))


def test_only_admins_of_the_members_hub_handle_the_request(siti, session, make_hub) -> None:
    request = erasure.request_erasure(siti.id)
    stranger = User(email="admin.lain@example.id", name="Admin Lain")
    from app.models import RoleGrant

    stranger.roles.append(RoleGrant(role=Role.HUB_ADMIN, hub=make_hub(slug="lain")))
    session.add(stranger)
    session.commit()
    assert erasure.open_requests(stranger) == []
    with pytest.raises(NotFound):
        erasure.handle_request(stranger, request.id, erase=True)
    assert session.get(User, siti.id).email == PERSONAL["email"]


def test_retention_purges_by_age(app, session, a_hub) -> None:
    old, new = utcnow() - timedelta(days=400), utcnow() - timedelta(days=10)
    for n, at in enumerate((old, new)):
        session.add(
            AccessEvent(
                event_id=f"r-{n}",
                hub_id=a_hub.id,
                direction=Direction.IN,
                granted=True,
                reason="ok",
                decided_at=at,
            )
        )
        session.add(
            OutboxMessage(
                recipient="x@example.id",
                status=OutboxStatus.SENT,
                created_at=at - timedelta(days=0),
            )
        )
        session.add(ProcessedMessage(key=f"dev:{n}", processed_at=at))
    session.add(OutboxMessage(recipient="pending@example.id", created_at=old))
    session.commit()
    deleted = retention.purge_expired(retention.Retention())
    assert deleted == {
        "access_events": 1,
        "outbox_messages": 1,
        "webhook_deliveries": 0,
        "processed_messages": 1,
        "idempotent_requests": 0,
    }
    assert session.scalars(select(AccessEvent.event_id)).all() == ["r-1"]
    left = set(session.scalars(select(OutboxMessage.recipient)))
    assert left == {"x@example.id", "pending@example.id"}  # never an unsent message
    assert retention.purge_expired(retention.Retention(0, 0, 0, 0)) == {}


def test_consent_records_carry_the_version(siti, session) -> None:
    record = session.scalars(select(ConsentRecord).where(ConsentRecord.user_id == siti.id)).one()
    assert record.version == consent.PRIVACY_NOTICE_VERSION
    assert record.given_at is not None
