"""What a member has used of their plan this month: desk days, room hours, guests.

Counted exactly as the booking rules count them (app.services.booking.rules.check_quota): the
statuses in QUOTA_STATUSES, across every hub, the month taken in a hub's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Booking,
    Floor,
    Hub,
    Membership,
    Plan,
    Resource,
    ResourceKind,
    User,
    utcnow,
)
from app.models.bookings import QUOTA_STATUSES
from app.models.hubs import local_date_in
from app.services.booking.placement import get_or_404

#: The zone "this month" is taken in when the member has never booked anywhere.
DEFAULT_ZONE = "Asia/Jakarta"


@dataclass(frozen=True)
class Allowance:
    """Used so far against a monthly quota; `quota` None means unlimited."""

    used: float
    quota: int | None

    @property
    def unlimited(self) -> bool:
        return self.quota is None

    @property
    def left(self) -> float | None:
        return None if self.quota is None else max(self.quota - self.used, 0)

    @property
    def percent_used(self) -> int:
        if not self.quota:
            return 0 if self.quota is None else 100
        return min(round(100 * self.used / self.quota), 100)


@dataclass(frozen=True)
class MonthUsage:
    month: date  # the first day of the month
    desk_days: Allowance
    room_hours: Allowance
    guests_per_month: int


@dataclass(frozen=True)
class MembershipSummary:
    """Every membership of the member (newest first), the current one and this month's usage."""

    memberships: list[Membership]
    current: Membership | None
    usage: MonthUsage | None
    zone_label: str


def month_usage(member_id: int, membership: Membership, zone: ZoneInfo, today: date) -> MonthUsage:
    """Desk days and room hours used in the local month containing `today`."""
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    month_start = datetime.combine(first, time.min, tzinfo=zone)
    month_end = datetime.combine(following, time.min, tzinfo=zone)
    rows = db.session.execute(
        select(Resource.kind, Booking.start_at, Booking.end_at)
        .join(Resource, Booking.resource_id == Resource.id)
        .where(
            Booking.member_id == member_id,
            Booking.status.in_(QUOTA_STATUSES),
            Booking.start_at >= month_start,
            Booking.start_at < month_end,
        )
    ).all()
    desk_days = sum(1 for kind, _, _ in rows if kind is ResourceKind.DESK)
    room_time = sum(
        ((end - start) for kind, start, end in rows if kind is not ResourceKind.DESK),
        timedelta(0),
    )
    plan = membership.plan
    return MonthUsage(
        month=first,
        desk_days=Allowance(desk_days, plan.desk_days_per_month),
        room_hours=Allowance(room_time / timedelta(hours=1), plan.room_hours_per_month),
        guests_per_month=plan.guests_per_month,
    )


def reference_hub(member_id: int) -> Hub | None:
    """The hub of the member's latest booking: its zone decides where "this month" begins."""
    return db.session.scalar(
        select(Hub)
        .join(Floor, Floor.hub_id == Hub.id)
        .join(Resource, Resource.floor_id == Floor.id)
        .join(Booking, Booking.resource_id == Resource.id)
        .where(Booking.member_id == member_id)
        .order_by(Booking.start_at.desc())
        .limit(1)
    )


def home_hub(member_id: int) -> Hub | None:
    """The hub whose clock the member's pages use: where they booked last, else a hub one of
    their plans is limited to, else the first hub."""
    plan_hubs = select(Hub).join(Plan.hubs).join(Membership, Membership.plan_id == Plan.id)
    return (
        reference_hub(member_id)
        or db.session.scalar(
            plan_hubs.where(Membership.user_id == member_id, Hub.active, ~Plan.all_hubs)
            .order_by(Membership.starts_on.desc(), Hub.id)
            .limit(1)
        )
        or db.session.scalar(select(Hub).where(Hub.active).order_by(Hub.id).limit(1))
    )


def today_at(hub: Hub | None, now: datetime) -> date:
    """Today at the hub; at a place with no hub yet, today in DEFAULT_ZONE."""
    return hub.today(now) if hub is not None else local_date_in(ZoneInfo(DEFAULT_ZONE), now)


def membership_summary(member_id: int, now: datetime | None = None) -> MembershipSummary:
    """The member's memberships and, for the one in force today at their home hub, what is used
    this month there."""
    now = now or utcnow()
    member = get_or_404(User, member_id)
    hub = home_hub(member_id)
    zone = hub.zone if hub is not None else ZoneInfo(DEFAULT_ZONE)
    label = hub.zone_label if hub is not None else "WIB"
    today = today_at(hub, now)
    current = member.membership_on(today)
    usage = month_usage(member_id, current, zone, today) if current is not None else None
    memberships = sorted(member.memberships, key=lambda m: (m.starts_on, m.id), reverse=True)
    return MembershipSummary(memberships, current, usage, label)
