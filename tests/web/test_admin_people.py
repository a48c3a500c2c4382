"""Admin pages for plans, members (applications, suspension), staff roles and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEntry,
    Membership,
    MembershipStatus,
    Plan,
    Role,
    RoleGrant,
    UserStatus,
)
from app.services.audit import record


@pytest.fixture
def other_hub(make_hub):
    return make_hub(name="Makassar Hub", slug="makassar", timezone="Asia/Makassar")


@pytest.fixture
def hub_admin(make_member, a_hub):
    return make_member(name="Hana Admin", roles=[(Role.HUB_ADMIN, a_hub)])


@pytest.fixture
def programme_admin(make_member):
    return make_member(name="Prita Programme", roles=[(Role.PROGRAMME_ADMIN, None)])


def audit_count(action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    )


# -- plans --------------------------------------------------------------------------------------

PLAN = {
    "plan-code": "umkm-gratis",
    "plan-name": "UMKM Gratis",
    "plan-price_rupiah": "50000",
    "plan-billing_interval": "month",
    "plan-all_hubs": "all",
    "plan-desk_days_per_month": "8",
    "plan-room_hours_per_month": "",
    "plan-advance_days": "7",
    "plan-guests_per_month": "2",
    "plan-subsidised": "y",
}


def test_programme_admin_creates_plan_in_rupiah(client, login, programme_admin) -> None:
    login(programme_admin)
    assert client.get("/admin/plans/new").status_code == 200
    assert client.post("/admin/plans/new", data=PLAN).status_code == 302
    plan = db.session.scalar(select(Plan).where(Plan.code == "umkm-gratis"))
    assert plan.price_idr == 50_000
    assert (plan.desk_days_per_month, plan.room_hours_per_month) == (8, None)
    assert plan.subsidised
    page = client.get("/admin/plans")
    assert "Rp 50" in page.text
    assert audit_count("plan.create") == 1


def test_plan_for_chosen_hubs_needs_a_hub(client, login, programme_admin, a_hub) -> None:
    login(programme_admin)
    response = client.post("/admin/plans/new", data={**PLAN, "plan-all_hubs": "chosen"})
    assert response.status_code == 422
    assert "Choose at least one hub" in response.text
    assert 'value="UMKM Gratis"' in response.text
    data = {**PLAN, "plan-all_hubs": "chosen", "plan-hub_ids": str(a_hub.id)}
    assert client.post("/admin/plans/new", data=data).status_code == 302
    plan = db.session.scalar(select(Plan).where(Plan.code == "umkm-gratis"))
    assert [hub.id for hub in plan.hubs] == [a_hub.id]


def test_edit_and_withdraw_plan(client, login, programme_admin, a_plan) -> None:
    login(programme_admin)
    url = f"/admin/plans/{a_plan.id}"
    page = client.get(url)
    assert page.status_code == 200
    data = {**PLAN, "plan-code": a_plan.code, "plan-name": "Renamed"}
    assert client.post(url, data=data).status_code == 302
    db.session.refresh(a_plan)
    assert a_plan.name == "Renamed"
    assert client.post(f"{url}/delete").status_code == 302
    db.session.refresh(a_plan)
    assert a_plan.deleted_at is not None
    assert audit_count("plan.update") == 1
    assert audit_count("plan.delete") == 1


def test_duplicate_plan_code_is_a_field_message(client, login, programme_admin, make_plan) -> None:
    make_plan(code="umkm-gratis")
    login(programme_admin)
    response = client.post("/admin/plans/new", data=PLAN)
    assert response.status_code == 422
    assert "already in use" in response.text


def test_hub_admin_reads_plans_but_cannot_change_them(client, login, hub_admin, a_plan) -> None:
    login(hub_admin)
    assert client.get("/admin/plans").status_code == 200
    page = client.get(f"/admin/plans/{a_plan.id}")
    assert page.status_code == 200
    assert "disabled" in page.text
    assert client.get("/admin/plans/new").status_code == 403
    data = {**PLAN, "plan-code": a_plan.code, "plan-name": "Hacked"}
    assert client.post(f"/admin/plans/{a_plan.id}", data=data).status_code == 403
    assert client.post(f"/admin/plans/{a_plan.id}/delete").status_code == 403
    db.session.refresh(a_plan)
    assert (a_plan.name, a_plan.deleted_at) != ("Hacked", None)
    assert a_plan.deleted_at is None


def test_unknown_plan_is_404(client, login, programme_admin) -> None:
    login(programme_admin)
    assert client.get("/admin/plans/999999").status_code == 404


# -- members and applications -------------------------------------------------------------------


@pytest.fixture
def subsidised(make_plan, a_hub):
    plan = make_plan(name="Subsidi UMKM", subsidised=True, all_hubs=False)
    plan.hubs = [a_hub]
    db.session.commit()
    return plan


@pytest.fixture
def applicant(make_member, subsidised):
    user = make_member(name="Ani Wijaya", plan=None, locale="en", business_name="Ani Cake")
    user.memberships.append(
        Membership(
            plan=subsidised,
            starts_on=datetime(2026, 11, 23, tzinfo=UTC).date(),
            status=MembershipStatus.PENDING,
        )
    )
    db.session.commit()
    return user


def test_members_page_lists_and_searches(client, login, hub_admin, a_member, applicant) -> None:
    login(hub_admin)
    page = client.get("/admin/members")
    assert page.status_code == 200
    assert "Siti" in page.text
    assert "Ani Wijaya" in page.text
    found = client.get("/admin/members?q=cake")
    assert "Ani Wijaya" in found.text
    assert "Siti" not in found.text.split('id="member-list"')[1]


def test_approve_application_mails_member(client, login, hub_admin, applicant, outbox) -> None:
    login(hub_admin)
    membership = applicant.memberships[0]
    response = client.post(
        f"/admin/members/applications/{membership.id}",
        data={"decision": "approve", "reason": ""},
    )
    assert response.status_code == 302
    db.session.refresh(membership)
    assert membership.status is MembershipStatus.ACTIVE
    (mail,) = outbox.to(applicant.email)
    assert "approved" in mail["Subject"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "membership.approve"))
    assert entry.after["status"] == "active"


def test_reject_needs_a_reason_and_mails_it(client, login, hub_admin, applicant, outbox) -> None:
    login(hub_admin)
    membership = applicant.memberships[0]
    url = f"/admin/members/applications/{membership.id}"
    response = client.post(url, data={"decision": "reject", "reason": ""})
    assert response.status_code == 422
    assert "This is required" in response.text
    db.session.refresh(membership)
    assert membership.status is MembershipStatus.PENDING
    assert outbox.to(applicant.email) == []

    reason = "Usaha Anda di luar wilayah program."
    assert client.post(url, data={"decision": "reject", "reason": reason}).status_code == 302
    db.session.refresh(membership)
    assert (membership.status, membership.decision_reason) == (MembershipStatus.REJECTED, reason)
    (mail,) = outbox.to(applicant.email)
    assert reason in outbox.body(mail)
    # Deciding twice is refused.
    again = client.post(url, data={"decision": "approve"})
    assert again.status_code == 422
    assert "already been decided" in again.text


def test_hub_admin_cannot_decide_for_another_hub(
    client, login, make_member, other_hub, applicant
) -> None:
    login(make_member(roles=[(Role.HUB_ADMIN, other_hub)]))
    membership = applicant.memberships[0]
    assert "Ani Wijaya" not in client.get("/admin/members").text
    url = f"/admin/members/applications/{membership.id}"
    assert client.post(url, data={"decision": "approve"}).status_code == 404
    assert client.post(f"{url}?hub=hub-1", data={"decision": "approve"}).status_code in (403, 404)
    db.session.refresh(membership)
    assert membership.status is MembershipStatus.PENDING


def test_suspend_and_reactivate_member(client, login, hub_admin, a_member) -> None:
    login(hub_admin)
    assert client.post(f"/admin/members/{a_member.id}/suspend").status_code == 302
    db.session.refresh(a_member)
    assert a_member.status is UserStatus.SUSPENDED
    assert client.post(f"/admin/members/{a_member.id}/reactivate").status_code == 302
    db.session.refresh(a_member)
    assert a_member.status is UserStatus.ACTIVE
    assert audit_count("member.suspend") == 1
    assert audit_count("member.reactivate") == 1


def test_hub_admin_cannot_suspend_staff_or_strangers(
    client, login, hub_admin, make_member, a_hub, other_hub, make_plan
) -> None:
    colleague = make_member(roles=[(Role.FRONTDESK, a_hub)])
    elsewhere = make_plan(all_hubs=False)
    elsewhere.hubs = [other_hub]
    stranger = make_member(plan=elsewhere)
    login(hub_admin)
    assert client.post(f"/admin/members/{colleague.id}/suspend").status_code == 403
    assert client.post(f"/admin/members/{stranger.id}/suspend").status_code == 404
    assert client.post("/admin/members/999999/suspend").status_code == 404
    for user in (colleague, stranger):
        db.session.refresh(user)
        assert user.status is UserStatus.ACTIVE


# -- staff --------------------------------------------------------------------------------------


def test_hub_admin_grants_and_revokes_frontdesk(client, login, hub_admin, a_hub, a_member) -> None:
    login(hub_admin)
    assert client.get("/admin/staff").status_code == 200
    data = {"email": a_member.email, "role": "frontdesk", "hub": a_hub.slug}
    assert client.post("/admin/staff/grant", data=data).status_code == 302
    db.session.refresh(a_member)
    assert a_member.can_staff(a_hub.id)
    grant = next(g for g in a_member.roles if g.role is Role.FRONTDESK)
    assert client.post(f"/admin/staff/grants/{grant.id}/revoke").status_code == 302
    db.session.refresh(a_member)
    assert not a_member.can_staff(a_hub.id)
    assert audit_count("role.grant") == 1
    assert audit_count("role.revoke") == 1


def test_hub_admin_cannot_make_admins_or_staff_elsewhere(
    client, login, hub_admin, a_hub, other_hub, a_member, make_member
) -> None:
    login(hub_admin)
    for data in (
        {"email": a_member.email, "role": "hub_admin", "hub": a_hub.slug},
        {"email": a_member.email, "role": "programme_admin", "hub": ""},
        {"email": a_member.email, "role": "frontdesk", "hub": other_hub.slug},
    ):
        response = client.post("/admin/staff/grant", data=data)
        assert response.status_code == 422
        assert "Not a valid choice" in response.text
    other_admin = make_member(roles=[(Role.HUB_ADMIN, a_hub)])
    grant = other_admin.roles[0]
    assert client.post(f"/admin/staff/grants/{grant.id}/revoke").status_code == 403
    own = hub_admin.roles[0]
    assert client.post(f"/admin/staff/grants/{own.id}/revoke").status_code == 403
    assert db.session.get(RoleGrant, grant.id) is not None
    assert db.session.get(RoleGrant, own.id) is not None
    db.session.refresh(a_member)
    assert not a_member.is_staff


def test_programme_admin_grants_hub_admin(client, login, programme_admin, a_hub, a_member) -> None:
    login(programme_admin)
    data = {"email": a_member.email, "role": "hub_admin", "hub": a_hub.slug}
    assert client.post("/admin/staff/grant", data=data).status_code == 302
    db.session.refresh(a_member)
    assert a_member.can_administer(a_hub.id)
    again = client.post("/admin/staff/grant", data=data)
    assert again.status_code == 422
    assert "already have this role" in again.text
    unknown = client.post("/admin/staff/grant", data={**data, "email": "nobody@example.com"})
    assert "No account uses this email" in unknown.text


# -- audit log ----------------------------------------------------------------------------------


def test_audit_log_shows_readable_diff_in_hub_time(
    client, login, hub_admin, a_hub, other_hub
) -> None:
    record(
        "hub.update",
        a_hub,
        actor_id=hub_admin.id,
        hub_id=a_hub.id,
        before={"no_show_minutes": 30, "name": "Same"},
        after={"no_show_minutes": 45, "name": "Same"},
    ).at = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    record("hub.update", other_hub, actor_id=None, hub_id=other_hub.id, after={"name": "Secret"})
    db.session.commit()
    login(hub_admin)
    page = client.get("/admin/audit")
    assert page.status_code == 200
    assert "09:00 WIB" in page.text
    assert "no_show_minutes" in page.text
    assert "<del>30</del>" in page.text
    assert "<ins>45</ins>" in page.text
    assert "Secret" not in page.text  # another hub's entry
    theirs = client.get(f"/admin/audit?hub={other_hub.slug}")
    assert "Not a valid choice" in theirs.text
    assert "Secret" not in theirs.text


def test_audit_log_filters(client, login, programme_admin, hub_admin, a_hub) -> None:
    record("closure.add", a_hub, actor_id=hub_admin.id, hub_id=a_hub.id, after={"name": "Natal"})
    record("plan.create", None, actor_id=programme_admin.id, after={"name": "Gratis"})
    db.session.commit()
    login(programme_admin)
    everything = client.get("/admin/audit")
    assert "Natal" in everything.text
    assert "Gratis" in everything.text
    assert "UTC" in everything.text
    by_action = client.get("/admin/audit?action=plan.create")
    assert "Gratis" in by_action.text
    assert "Natal" not in by_action.text
    by_actor = client.get(f"/admin/audit?actor={hub_admin.email}")
    assert "Natal" in by_actor.text
    assert "Gratis" not in by_actor.text
    future = client.get("/admin/audit?since=2030-01-01")
    assert "Natal" not in future.text
    bad_date = client.get("/admin/audit?since=not-a-date")
    assert bad_date.status_code == 200
    assert "Not a valid date" in bad_date.text
