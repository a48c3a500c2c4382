"""Admin use cases without the web: permissions, audit in the same transaction, all-or-nothing."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, BookingMode, Closure, Floor, Hub, ResourceKind, Role
from app.services.errors import Forbidden, InvalidInput
from app.services.hubs import admin as hub_admin
from app.services.people import members as member_admin
from app.services.people import plans as plan_admin


def audit_entries() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


@pytest.fixture
def admin_of(make_member):
    def make(hub: Hub):
        return make_member(roles=[(Role.HUB_ADMIN, hub)])

    return make


@pytest.fixture
def programme_admin(make_member):
    return make_member(roles=[(Role.PROGRAMME_ADMIN, None)])


def test_hub_admin_of_a_is_refused_at_b(admin_of, a_hub, make_hub) -> None:
    other = make_hub(slug="other")
    actor = admin_of(a_hub)
    with pytest.raises(Forbidden):
        hub_admin.add_closure(actor, other, date(2026, 12, 25), "Natal")
    with pytest.raises(Forbidden):
        hub_admin.set_hours(actor, other, {0: None})
    with pytest.raises(Forbidden):
        hub_admin.add_floor(actor, other, hub_admin.FloorDetails(name="F"))
    db.session.refresh(other)
    assert other.closures == []
    assert other.hours_on_weekday(0) is not None
    assert audit_entries() == 0


def test_a_refused_change_leaves_no_audit_entry(admin_of, a_hub) -> None:
    actor = admin_of(a_hub)
    floor = hub_admin.add_floor(actor, a_hub, hub_admin.FloorDetails(name="F", plan_width=200))
    before = audit_entries()
    details = hub_admin.ResourceDetails(
        name="D1", kind=ResourceKind.DESK, booking_mode=BookingMode.WHOLE_DAY, x=190
    )
    with pytest.raises(InvalidInput):
        hub_admin.add_resource(actor, floor, details)
    assert audit_entries() == before
    assert db.session.get(Floor, floor.id).resources == []


def test_csv_import_is_all_or_nothing(admin_of, a_hub) -> None:
    actor = admin_of(a_hub)
    with pytest.raises(InvalidInput) as refused:
        hub_admin.import_hub_closures(actor, a_hub, "2026-12-25,Natal\nbad,row\n")
    assert refused.value.details["errors"] == ["line 2: 'bad' is not a date (YYYY-MM-DD)"]
    assert db.session.scalar(select(func.count()).select_from(Closure)) == 0
    assert hub_admin.import_hub_closures(actor, a_hub, "2026-12-25,Natal\n") == 1
    assert hub_admin.import_hub_closures(actor, a_hub, "2026-12-25,Natal\n") == 0


def test_hours_change_is_audited_with_before_and_after(admin_of, a_hub) -> None:
    actor = admin_of(a_hub)
    hub_admin.set_hours(actor, a_hub, {0: (time(9), time(21)), 6: (time(10), time(14))})
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "hub.hours"))
    assert entry.before["0"] == "08:00-17:00"
    assert entry.after["0"] == "09:00-21:00"
    assert entry.after["6"] == "10:00-14:00"
    assert entry.hub_id == a_hub.id


def test_only_programme_admins_create_hubs_and_plans(admin_of, a_hub, programme_admin) -> None:
    actor = admin_of(a_hub)
    details = hub_admin.HubDetails(name="Jayapura", slug="jayapura", timezone="Asia/Jayapura")
    terms = plan_admin.PlanTerms(code="gratis", name="Gratis")
    with pytest.raises(Forbidden):
        hub_admin.create_hub(actor, details)
    with pytest.raises(Forbidden):
        plan_admin.create_plan(actor, terms)
    hub = hub_admin.create_hub(programme_admin, details)
    assert hub.zone_label == "WIT"
    plan = plan_admin.create_plan(programme_admin, terms)
    assert plan.price_idr == 0


def test_unknown_time_zone_is_invalid_input(programme_admin) -> None:
    details = hub_admin.HubDetails(name="X", slug="x", timezone="Asia/Atlantis")
    with pytest.raises(InvalidInput) as refused:
        hub_admin.create_hub(programme_admin, details)
    assert refused.value.details["field"] == "timezone"


def test_role_rules(admin_of, a_hub, make_hub, make_member, programme_admin) -> None:
    actor = admin_of(a_hub)
    other = make_hub(slug="other")
    someone = make_member()
    member_admin.grant_role(actor, someone.email, Role.FRONTDESK, a_hub.id)
    with pytest.raises(Forbidden):
        member_admin.grant_role(actor, someone.email, Role.FRONTDESK, other.id)
    with pytest.raises(Forbidden):
        member_admin.grant_role(actor, someone.email, Role.HUB_ADMIN, a_hub.id)
    with pytest.raises(Forbidden):
        member_admin.grant_role(programme_admin, programme_admin.email, Role.HUB_ADMIN, a_hub.id)
    member_admin.grant_role(programme_admin, someone.email, Role.PROGRAMME_ADMIN, a_hub.id)
    db.session.refresh(someone)
    assert someone.is_programme_admin
    assert next(g for g in someone.roles if g.role is Role.PROGRAMME_ADMIN).hub_id is None
    assert [e.action for e in db.session.scalars(select(AuditEntry))] == ["role.grant"] * 2
