"""Managing plans: what memberships cost and entitle to. Programme admins only; hub admins read.

Deleting a plan is a soft delete (`deleted_at`): memberships on it keep working until they end,
but nobody can choose it any more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import BillingInterval, Hub, Plan, User, utcnow
from app.services.audit import record, snapshot
from app.services.errors import Forbidden, InvalidInput, NotFound
from app.services.transactions import transaction

PLAN_FIELDS = (
    "code",
    "name",
    "price_idr",
    "currency",
    "billing_interval",
    "all_hubs",
    "desk_days_per_month",
    "room_hours_per_month",
    "advance_days",
    "guests_per_month",
    "subsidised",
    "deleted_at",
)


@dataclass(frozen=True)
class PlanTerms:
    code: str
    name: str
    price_rupiah: Decimal | int = 0
    billing_interval: BillingInterval = BillingInterval.MONTH
    all_hubs: bool = True
    hub_ids: frozenset[int] = field(default_factory=frozenset)
    desk_days_per_month: int | None = None  # None: unlimited
    room_hours_per_month: int | None = None
    advance_days: int = 14
    guests_per_month: int = 0
    subsidised: bool = False


def list_plans(include_deleted: bool = False) -> list[Plan]:
    stmt = select(Plan).order_by(Plan.deleted_at.is_not(None), Plan.name)
    if not include_deleted:
        stmt = stmt.where(Plan.deleted_at.is_(None))
    return list(db.session.scalars(stmt))


def get_plan(plan_id: int) -> Plan:
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"no plan {plan_id}")
    return plan


def create_plan(actor: User, terms: PlanTerms) -> Plan:
    _require_programme_admin(actor)
    with transaction():
        _check(terms, None)
        plan = Plan(currency="IDR")
        _apply(plan, terms)
        db.session.add(plan)
        db.session.flush()
        record("plan.create", plan, actor_id=actor.id, after=_snapshot(plan))
    return plan


def update_plan(actor: User, plan: Plan, terms: PlanTerms) -> Plan:
    _require_programme_admin(actor)
    with transaction():
        _check(terms, plan)
        before = _snapshot(plan)
        _apply(plan, terms)
        db.session.flush()
        after = _snapshot(plan)
        if before != after:
            record("plan.update", plan, actor_id=actor.id, before=before, after=after)
    return plan


def delete_plan(actor: User, plan: Plan) -> Plan:
    """Withdraw a plan (soft delete); doing it twice changes nothing."""
    _require_programme_admin(actor)
    with transaction():
        if plan.deleted_at is None:
            before = _snapshot(plan)
            plan.deleted_at = utcnow()
            record("plan.delete", plan, actor_id=actor.id, before=before, after=_snapshot(plan))
    return plan


def _require_programme_admin(actor: User) -> None:
    if not actor.is_programme_admin:
        raise Forbidden("only programme admins manage plans")


def _snapshot(plan: Plan) -> dict[str, Any]:
    values = snapshot(plan, PLAN_FIELDS)
    values["hubs"] = sorted(hub.slug for hub in plan.hubs)
    return values


def _check(terms: PlanTerms, plan: Plan | None) -> None:
    code = terms.code.strip().lower()
    if not code or not all(c.isascii() and (c.isalnum() or c in "-_") for c in code):
        raise InvalidInput("code: letters, digits, - and _", field="code", reason="slug")
    taken = db.session.scalar(select(Plan.id).where(Plan.code == code))
    if taken is not None and (plan is None or taken != plan.id):
        raise InvalidInput(f"plan code {code!r} is taken", field="code", reason="taken")
    if not terms.name.strip():
        raise InvalidInput("a plan needs a name", field="name", reason="required")
    if terms.price_rupiah < 0:
        raise InvalidInput("price below zero", field="price_rupiah", reason="range")
    for name in ("desk_days_per_month", "room_hours_per_month", "guests_per_month"):
        value = getattr(terms, name)
        if value is not None and value < 0:
            raise InvalidInput(f"{name} below zero", field=name, reason="range")
    if not 0 <= terms.advance_days <= 366:
        raise InvalidInput("advance days out of range", field="advance_days", reason="range")
    if not terms.all_hubs and not terms.hub_ids:
        raise InvalidInput("choose at least one hub", field="hub_ids", reason="no_hubs")


def _apply(plan: Plan, terms: PlanTerms) -> None:
    plan.code = terms.code.strip().lower()
    plan.name = terms.name.strip()
    plan.price_idr = int(terms.price_rupiah)
    plan.billing_interval = terms.billing_interval
    plan.all_hubs = terms.all_hubs
    plan.hubs = (
        []
        if terms.all_hubs
        else list(db.session.scalars(select(Hub).where(Hub.id.in_(terms.hub_ids))))
    )
    if not terms.all_hubs and len(plan.hubs) != len(terms.hub_ids):
        raise NotFound("one of the chosen hubs does not exist")
    plan.desk_days_per_month = terms.desk_days_per_month
    plan.room_hours_per_month = terms.room_hours_per_month
    plan.advance_days = terms.advance_days
    plan.guests_per_month = terms.guests_per_month
    plan.subsidised = terms.subsidised
