"""Looking after members and staff: subsidised-plan applications, suspension, staff roles.

Admins act *for a hub* (`hub_id`): a hub admin only for hubs they administer, a programme admin
for any hub or for none (programme-wide). The audit entry carries that hub, so each hub's log
shows what was done for it.

Who may change staff roles:
- nobody changes their own roles (no self-promotion, no locking oneself out);
- a hub admin grants and revokes FRONTDESK at the hubs they administer;
- only a programme admin grants or revokes HUB_ADMIN (at any hub) and PROGRAMME_ADMIN.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale, gettext
from sqlalchemy import or_, select

from app.extensions import db
from app.models import (
    Booking,
    Floor,
    Hub,
    Invoice,
    Membership,
    MembershipStatus,
    Plan,
    Resource,
    Role,
    RoleGrant,
    User,
    UserStatus,
)
from app.models.plans import plan_hubs
from app.services.access import passes
from app.services.audit import record, snapshot
from app.services.errors import Forbidden, InvalidInput, NotFound
from app.services.notifications.mail import Mail, Mailer
from app.services.people.accounts import find_user_by_email
from app.services.transactions import transaction

#: Roles an admin page can grant (MEMBER is every account's and is not managed here).
GRANTABLE_ROLES = (Role.FRONTDESK, Role.HUB_ADMIN, Role.PROGRAMME_ADMIN, Role.MENTOR)
#: Roles held everywhere, at no hub.
UNSCOPED_ROLES = (Role.PROGRAMME_ADMIN, Role.MENTOR)
MEMBER_LIST_LIMIT = 200


# -- reading ------------------------------------------------------------------------------------


def list_members(actor: User, hub_id: int | None = None, query: str = "") -> list[User]:
    """Members of the hub (or of every hub the actor administers), matching `query` on name,
    email, phone or business. A member of a hub holds a plan valid there or has booked there."""
    stmt = select(User).where(User.id.in_(_member_ids(_scope(actor, hub_id))))
    words = query.strip().lower()
    if words:
        pattern = f"%{words}%"
        stmt = stmt.where(
            or_(
                User.name.ilike(pattern),
                User.email.ilike(pattern),
                User.phone.ilike(pattern),
                User.business_name.ilike(pattern),
            )
        )
    return list(db.session.scalars(stmt.order_by(User.name).limit(MEMBER_LIST_LIMIT)))


def pending_applications(actor: User, hub_id: int | None = None) -> list[Membership]:
    """Applications (PENDING memberships) for plans valid at the hub(s), oldest first."""
    stmt = (
        select(Membership)
        .join(Plan, Membership.plan_id == Plan.id)
        .where(
            Membership.status == MembershipStatus.PENDING,
            # A billed membership waits for its first payment, not for an approval.
            ~select(Invoice.id).where(Invoice.membership_id == Membership.id).exists(),
        )
        .order_by(Membership.created_at, Membership.id)
    )
    hub_ids = _scope(actor, hub_id)
    if hub_ids is not None:
        stmt = stmt.where(_plan_allows(hub_ids))
    return list(db.session.scalars(stmt))


def list_staff(actor: User) -> list[RoleGrant]:
    """Staff role grants the actor may see: at their hubs, or all of them (programme admin)."""
    stmt = (
        select(RoleGrant)
        .join(User, RoleGrant.user_id == User.id)
        .where(RoleGrant.role.in_(GRANTABLE_ROLES))
        .order_by(User.name, RoleGrant.role, RoleGrant.hub_id)
    )
    hub_ids = actor.staff_hub_ids()
    if hub_ids is not None:
        stmt = stmt.where(RoleGrant.hub_id.in_(_administered(actor, hub_ids)))
    return list(db.session.scalars(stmt))


# -- applications -------------------------------------------------------------------------------


def decide_application(
    actor: User,
    membership_id: int,
    *,
    approve: bool,
    reason: str,
    hub_id: int | None,
    mailer: Mailer,
) -> Membership:
    """Approve (ACTIVE) or reject (REJECTED, reason required) an application, then mail the
    member the decision in their language."""
    reason = reason.strip()
    if not approve and not reason:
        raise InvalidInput("a rejection needs a reason", field="reason", reason="required")
    _require_acting(actor, hub_id)
    with transaction():
        membership = db.session.get(Membership, membership_id, with_for_update=True)
        if membership is None or not _membership_at(membership, hub_id):
            raise NotFound(f"no application {membership_id} here")
        if membership.status is not MembershipStatus.PENDING:
            raise InvalidInput("already decided", reason="not_pending")
        # Who and which plan go on both sides, so the log shows them unchanged, not removed.
        context = {"member": membership.user.email, "plan": membership.plan.code}
        before = snapshot(membership, ("status", "decision_reason"))
        membership.status = MembershipStatus.ACTIVE if approve else MembershipStatus.REJECTED
        membership.decision_reason = reason[:500]
        record(
            "membership.approve" if approve else "membership.reject",
            membership,
            actor_id=actor.id,
            hub_id=hub_id,
            before={**before, **context},
            after={**snapshot(membership, ("status", "decision_reason")), **context},
        )
        _mail_decision(membership, mailer)  # queued in the outbox with the decision
    return membership


def _mail_decision(membership: Membership, mailer: Mailer) -> None:
    user = membership.user
    with force_locale(user.locale or "id"):
        if membership.status is MembershipStatus.ACTIVE:
            subject = gettext("Your Ruang membership is approved")
            body = gettext(
                "Hello %(name)s,\n\nYour application for the %(plan)s plan is approved. "
                "You can book desks and rooms now.\n\n%(reason)sRuang",
                name=user.name,
                plan=membership.plan.name,
                reason=f"{membership.decision_reason}\n\n" if membership.decision_reason else "",
            )
        else:
            subject = gettext("Your Ruang membership application")
            body = gettext(
                "Hello %(name)s,\n\nWe could not approve your application for the %(plan)s "
                "plan.\n\nReason: %(reason)s\n\nYou are welcome to apply again or to ask the "
                "hub team.\n\nRuang",
                name=user.name,
                plan=membership.plan.name,
                reason=membership.decision_reason,
            )
        mailer.send(Mail(to=user.email, subject=subject, body=body))


# -- suspension ---------------------------------------------------------------------------------


def set_suspended(actor: User, user_id: int, *, suspended: bool, hub_id: int | None) -> User:
    """Suspend or reactivate a member's account; suspending revokes their passes. A hub admin
    may do it only to plain members of their hub; staff accounts are left to programme admins;
    nobody suspends themselves."""
    _require_acting(actor, hub_id)
    with transaction():
        user = db.session.get(User, user_id)
        if user is None or not _is_member_at(user, hub_id):
            raise NotFound(f"no member {user_id} here")
        if user.id == actor.id:
            raise Forbidden("you cannot suspend yourself")
        if user.is_programme_admin or (user.is_staff and not actor.is_programme_admin):
            raise Forbidden("only programme admins suspend staff")
        status = UserStatus.SUSPENDED if suspended else UserStatus.ACTIVE
        if user.status is not status:
            before = snapshot(user, ("email", "status"))
            user.status = status
            if suspended:  # their passes stop opening doors, offline readers included
                passes.revoke_passes_of(member_id=user.id, reason="member suspended")
            record(
                "member.suspend" if suspended else "member.reactivate",
                user,
                actor_id=actor.id,
                hub_id=hub_id,
                before=before,
                after=snapshot(user, ("email", "status")),
            )
    return user


# -- staff roles --------------------------------------------------------------------------------


def grant_role(actor: User, email: str, role: Role, hub_id: int | None) -> RoleGrant:
    """Give an existing account a staff role (at a hub; PROGRAMME_ADMIN and MENTOR have none)."""
    if role not in GRANTABLE_ROLES:
        raise InvalidInput(f"{role} is not a staff role", field="role", reason="role")
    if role in UNSCOPED_ROLES:
        hub_id = None
    elif hub_id is None:
        raise InvalidInput("choose a hub", field="hub", reason="required")
    with transaction():
        user = find_user_by_email(email)
        if user is None:
            raise InvalidInput(f"no account for {email}", field="email", reason="no_account")
        _require_may_manage(actor, user, role, hub_id)
        if any(g.role is role and g.hub_id == hub_id for g in user.roles):
            raise InvalidInput("already has that role", field="role", reason="already")
        grant = RoleGrant(role=role, hub_id=hub_id)
        user.roles.append(grant)
        db.session.flush()
        record(
            "role.grant",
            user,
            actor_id=actor.id,
            hub_id=hub_id,
            after=_grant_snapshot(grant, user),
        )
    return grant


def revoke_role(actor: User, grant_id: int) -> None:
    with transaction():
        grant = db.session.get(RoleGrant, grant_id)
        if grant is None or grant.role not in GRANTABLE_ROLES:
            raise NotFound(f"no staff role {grant_id}")
        user = grant.user
        _require_may_manage(actor, user, grant.role, grant.hub_id)
        record(
            "role.revoke",
            user,
            actor_id=actor.id,
            hub_id=grant.hub_id,
            before=_grant_snapshot(grant, user),
        )
        user.roles.remove(grant)


def _require_may_manage(actor: User, user: User, role: Role, hub_id: int | None) -> None:
    if user.id == actor.id:
        raise Forbidden("you cannot change your own roles")
    if role is Role.FRONTDESK and hub_id is not None and actor.can_administer(hub_id):
        return
    if not actor.is_programme_admin:
        raise Forbidden("only programme admins manage this role")


def _grant_snapshot(grant: RoleGrant, user: User) -> dict[str, Any]:
    hub = db.session.get(Hub, grant.hub_id) if grant.hub_id is not None else None
    return {"user": user.email, "role": grant.role.value, "hub": hub.slug if hub else None}


# -- scope helpers ------------------------------------------------------------------------------


def _administered(actor: User, hub_ids: set[int]) -> list[int]:
    return [hub_id for hub_id in hub_ids if actor.can_administer(hub_id)]


def _scope(actor: User, hub_id: int | None) -> set[int] | None:
    """The hub ids to look at: the one asked for, or all the actor administers (None: all)."""
    if hub_id is not None:
        if not actor.can_administer(hub_id):
            raise Forbidden(f"{actor.email} does not administer hub {hub_id}")
        return {hub_id}
    hub_ids = actor.staff_hub_ids()
    if hub_ids is None:
        return None
    administered = set(_administered(actor, hub_ids))
    if not administered:
        raise Forbidden(f"{actor.email} administers no hub")
    return administered


def _require_acting(actor: User, hub_id: int | None) -> None:
    """Changes are made for one hub, or programme-wide by a programme admin."""
    if hub_id is None:
        if not actor.is_programme_admin:
            raise Forbidden("choose the hub you act for")
    elif not actor.can_administer(hub_id):
        raise Forbidden(f"{actor.email} does not administer hub {hub_id}")


def _plan_allows(hub_ids: set[int]) -> Any:
    return or_(
        Plan.all_hubs,
        Plan.id.in_(select(plan_hubs.c.plan_id).where(plan_hubs.c.hub_id.in_(hub_ids))),
    )


def _member_ids(hub_ids: set[int] | None) -> Any:
    """Ids of users with a membership (any status) valid at the hubs, or a booking there."""
    on_plan = select(Membership.user_id).join(Plan, Membership.plan_id == Plan.id)
    if hub_ids is None:
        return on_plan.union(select(Booking.member_id))
    booked = (
        select(Booking.member_id)
        .join(Resource, Booking.resource_id == Resource.id)
        .join(Floor, Resource.floor_id == Floor.id)
        .where(Floor.hub_id.in_(hub_ids))
    )
    return on_plan.where(_plan_allows(hub_ids)).union(booked)


def _is_member_at(user: User, hub_id: int | None) -> bool:
    members = _member_ids(None if hub_id is None else {hub_id})
    return (
        db.session.scalar(select(User.id).where(User.id == user.id, User.id.in_(members)))
        is not None
    )


def _membership_at(membership: Membership, hub_id: int | None) -> bool:
    return hub_id is None or membership.plan.allows_hub(hub_id)
