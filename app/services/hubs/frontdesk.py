"""Front-desk use cases: the day at one hub, finding its members, checking people in and out,
registering walk-ins and releasing no-shows at that hub.

Staff act only on their hub's bookings: a booking of another hub is NotFound, so a crafted id
reveals nothing. Every change records its audit entry in the same transaction as the change.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import (
    Booking,
    BookingMode,
    BookingSource,
    BookingStatus,
    Floor,
    Hub,
    Membership,
    MembershipStatus,
    Payment,
    PaymentMethod,
    Plan,
    Resource,
    ResourceKind,
    Role,
    RoleGrant,
    User,
    utcnow,
)
from app.models.bookings import MAX_BOOKING_LENGTH
from app.models.members import WALK_IN_EMAIL_DOMAIN
from app.models.plans import plan_hubs
from app.services import audit
from app.services.billing.orders import (
    DAY_PASS_PLAN_CODE,
    DeskPayment,
    day_pass_order,
    day_pass_plan,
    fulfil,
    take_desk_payment,
)
from app.services.booking import rules
from app.services.booking.availability import SeatState, floor_day
from app.services.booking.bookings import (
    CHECK_IN_EARLY,
    mark_checked_in,
    mark_completed,
    release_late_bookings,
)
from app.services.booking.placement import get_or_404, place_booking
from app.services.errors import Forbidden, InvalidInput, NoDayPassPlan, NotFound
from app.services.people.accounts import find_user_by_email
from app.services.people.consent import PRIVACY_NOTICE_VERSION, record_consent
from app.services.transactions import transaction

#: The plan sold to walk-ins; hub admins create it (the demo seed does).
WALK_IN_PLAN_CODE = DAY_PASS_PLAN_CODE
#: Walk-ins who give no email get a unique address here: `.invalid` never delivers (RFC 2606).
MIN_SEARCH_LENGTH = 2
SEARCH_LIMIT = 20

BOOKING_FIELDS = ("status", "checked_in_at", "completed_at")
NEW_BOOKING_FIELDS = ("member_id", "resource_id", "start_at", "end_at", "status", "source")
MEMBER_FIELDS = ("name", "email", "phone", "business_name", "sector", "kecamatan")
MEMBERSHIP_FIELDS = ("plan_id", "status", "starts_on", "ends_on")


# -- reading the day ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskDay:
    """What the front desk sees: today's arrivals at the hub and who is in now."""

    hub: Hub
    day: date
    now: datetime
    arrivals: list[Booking]
    people_in: int

    @property
    def no_shows(self) -> list[Booking]:
        return [b for b in self.arrivals if b.status is BookingStatus.NO_SHOW]

    @property
    def expected(self) -> int:
        """Booked for today and not arrived yet."""
        return sum(1 for b in self.arrivals if b.status is BookingStatus.CONFIRMED)


@dataclass(frozen=True)
class MemberMatch:
    """A member found by a search, with their bookings at the hub today."""

    member: User
    bookings: list[Booking] = field(default_factory=list)


def staffed_hubs(hub_ids: set[int] | None) -> list[Hub]:
    """The active hubs among `hub_ids` (None: every active hub), by name."""
    stmt = select(Hub).where(Hub.active).order_by(Hub.name)
    if hub_ids is not None:
        stmt = stmt.where(Hub.id.in_(hub_ids))
    return list(db.session.scalars(stmt))


def desk_day(hub_id: int, now: datetime | None = None) -> DeskDay:
    """The hub's front-desk day: today in the hub's zone, its arrivals and people in now."""
    now = now or utcnow()
    hub = get_or_404(Hub, hub_id)
    day = hub.today(now)
    return DeskDay(hub, day, now, arrivals(hub, day), people_in_now(hub, now))


def arrivals(hub: Hub, day: date) -> list[Booking]:
    """Every booking at the hub starting on local `day`, any status, by start time (events'
    room holds are not arrivals: the day's events are listed with their attendance)."""
    start, end = hub.local_day_bounds(day)
    return list(
        db.session.scalars(
            _at_hub(select(Booking), hub.id)
            .where(
                Booking.start_at >= start,
                Booking.start_at < end,
                Booking.source != BookingSource.EVENT,
            )
            .options(joinedload(Booking.member), joinedload(Booking.resource))
            .order_by(Booking.start_at, Resource.name, Booking.id)
        )
    )


def people_in_now(hub: Hub, now: datetime) -> int:
    """How many people are checked in at the hub now (early arrivals included: check-in opens
    before a booking starts)."""
    count = db.session.scalar(
        _at_hub(select(func.count(func.distinct(Booking.member_id))), hub.id).where(
            Booking.status == BookingStatus.CHECKED_IN,
            Booking.start_at >= now - MAX_BOOKING_LENGTH,  # bounds the index scan
            Booking.start_at <= now + CHECK_IN_EARLY,
            Booking.end_at > now,
        )
    )
    return int(count or 0)


def search_members(hub: Hub, text: str, now: datetime | None = None) -> list[MemberMatch]:
    """Members of the hub (booked there, or holding a membership valid there) whose name,
    email or phone matches `text`, case-insensitively, with their bookings there today.

    An address (with @) matches emails by prefix, digits match phone numbers however they
    were typed (0812..., +62 812...), anything else matches names and email prefixes.
    """
    text = text.strip()
    if len(text) < MIN_SEARCH_LENGTH:
        return []
    members = list(
        db.session.scalars(
            select(User)
            .where(_matches(text), or_(_booked_at(hub.id), _member_at(hub.id)))
            .order_by(User.name, User.id)
            .limit(SEARCH_LIMIT)
        )
    )
    if not members:
        return []
    start, end = hub.local_day_bounds(hub.today(now or utcnow()))
    todays = db.session.scalars(
        _at_hub(select(Booking), hub.id)
        .where(
            Booking.member_id.in_([m.id for m in members]),
            Booking.start_at >= start,
            Booking.start_at < end,
        )
        .options(joinedload(Booking.resource))
        .order_by(Booking.start_at)
    ).all()
    by_member: dict[int, list[Booking]] = {m.id: [] for m in members}
    for booking in todays:
        by_member[booking.member_id].append(booking)
    return [MemberMatch(m, by_member[m.id]) for m in members]


# -- check-in and check-out --------------------------------------------------------------------


def check_in_by_staff(booking_id: int, hub_id: int, staff_id: int) -> Booking:
    """Check a member in by hand. The booking must belong to the staff member's hub."""
    return _staff_transition("check_in", mark_checked_in, booking_id, hub_id, staff_id)


def check_out_by_staff(booking_id: int, hub_id: int, staff_id: int) -> Booking:
    """Check a member out by hand: their checked-in booking is completed."""
    return _staff_transition("check_out", mark_completed, booking_id, hub_id, staff_id)


def _staff_transition(
    action: str,
    transition: Callable[[Booking, datetime], None],
    booking_id: int,
    hub_id: int,
    staff_id: int,
) -> Booking:
    """Apply a booking transition for staff, audited in the same transaction."""
    with transaction():
        _require_staff(staff_id, hub_id)
        booking = _hub_booking(booking_id, hub_id)
        before = audit.snapshot(booking, BOOKING_FIELDS)
        transition(booking, utcnow())
        audit.record(
            action,
            booking,
            actor_id=staff_id,
            hub_id=hub_id,
            before=before,
            after=audit.snapshot(booking, BOOKING_FIELDS),
        )
    return booking


def release_no_shows_at(hub_id: int, staff_id: int, now: datetime | None = None) -> list[int]:
    """Release the hub's bookings not checked in within its no-show window, now, instead of
    waiting for the worker's sweep; freed seats go to the waitlist. Returns the ids released."""
    now = now or utcnow()
    released: list[int] = []
    with transaction():
        _require_staff(staff_id, hub_id)
        hub = get_or_404(Hub, hub_id)
        for booking in release_late_bookings(hub, now):
            after = audit.snapshot(booking, BOOKING_FIELDS)
            audit.record(
                "no_show_released",
                booking,
                actor_id=staff_id,
                hub_id=hub.id,
                before={**after, "status": BookingStatus.CONFIRMED.value},
                after=after,
            )
            released.append(booking.id)
    return released


# -- walk-ins ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FreeSeat:
    """A desk, or a pool with free seats, that a walk-in can have today."""

    resource_id: int
    floor_name: str
    name: str
    seats_free: int
    is_pool: bool


@dataclass(frozen=True)
class WalkInOptions:
    day: date
    is_open: bool
    day_pass: Plan | None
    seats: list[FreeSeat]


@dataclass(frozen=True)
class WalkIn:
    """What the front desk asks a walk-in. `email` may be empty."""

    name: str
    phone: str
    business_name: str
    sector: str
    kecamatan: str
    resource_id: int
    payment_method: PaymentMethod
    consent: bool
    email: str = ""
    reference: str = ""  # the QRIS or transfer reference


@dataclass(frozen=True)
class WalkInResult:
    member: User
    booking: Booking
    day_pass: Membership | None  # None: the member already had a membership valid today
    reused_account: bool
    payment: Payment | None = None  # the day pass's ledger entry (None: free, or none sold)


def walk_in_options(hub_id: int, now: datetime | None = None) -> WalkInOptions:
    """Today's free desks and desk pools on the hub's floors, and the day-pass plan if offered."""
    now = now or utcnow()
    hub = get_or_404(Hub, hub_id)
    day = hub.today(now)
    seats: list[FreeSeat] = []
    is_open = False
    for floor in hub.floors:
        floor_state = floor_day(floor.id, day, now=now)
        is_open = is_open or floor_state.is_open
        seats.extend(
            FreeSeat(r.resource_id, floor.name, r.name, r.seats_free, r.capacity > 1)
            for r in floor_state.resources
            if r.kind is ResourceKind.DESK
            and r.booking_mode is BookingMode.WHOLE_DAY
            and r.state is SeatState.FREE
        )
    return WalkInOptions(day, is_open, day_pass_plan(hub), seats)


def register_walk_in(
    hub_id: int, staff_id: int, walk_in: WalkIn, now: datetime | None = None
) -> WalkInResult:
    """Create (or reuse, by email then phone) the member, sell them a day pass unless they hold
    a membership valid here today, and book them the chosen desk for today, all or nothing."""
    if not walk_in.consent:
        raise InvalidInput("the visitor must agree to the personal-data notice", field="consent")
    now = now or utcnow()
    with transaction():
        _require_staff(staff_id, hub_id)
        hub = get_or_404(Hub, hub_id)
        resource = db.session.get(Resource, walk_in.resource_id)
        if resource is None or resource.floor.hub_id != hub.id:
            raise NotFound("no such desk at this hub", field="resource_id")
        if resource.kind is not ResourceKind.DESK or not resource.is_whole_day:
            raise InvalidInput("walk-ins get a desk or a desk pool seat", field="resource_id")
        day = hub.today(now)
        opening = rules.opening_hours(hub, day)
        member, reused = _find_or_create_member(walk_in, now)
        day_pass, payment = None, None
        current = member.membership_on(day, hub.id)
        if current is None or current.plan.is_deleted:
            plan = day_pass_plan(hub)
            if plan is None:
                raise NoDayPassPlan(
                    f"no plan with code {WALK_IN_PLAN_CODE!r} is offered at {hub.name}"
                )
            # Paid first, then granted: the desk's payment, the pass and the desk, all or none.
            order = day_pass_order(
                hub, member, plan, day, resource_id=resource.id, created_by_id=staff_id, now=now
            )
            pay = DeskPayment(walk_in.payment_method, walk_in.reference)
            payment = take_desk_payment(order, staff_id, pay, now)
            fulfil(order, created_by_id=staff_id, now=now, strict=True)
            day_pass, booking = order.lines[0].membership, order.lines[0].booking
            assert booking is not None  # strict: placed, or the sale failed
        else:
            booking = place_booking(
                member.id,
                resource.id,
                *opening,
                source=BookingSource.FRONT_DESK,
                created_by_id=staff_id,
                now=now,
            )
        _record_walk_in(hub, staff_id, walk_in, member, reused, day_pass, booking)
    return WalkInResult(member, booking, day_pass, reused, payment)


def has_real_email(user: User) -> bool:
    """False for walk-ins registered without an email (their address is a placeholder)."""
    return user.has_real_email


def national_number(phone: str) -> str:
    """An Indonesian phone number's digits without the country code or trunk 0."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("62"):
        return digits[2:]
    return digits.removeprefix("0")


# -- helpers -----------------------------------------------------------------------------------


def _at_hub(stmt: Select[Any], hub_id: int) -> Select[Any]:
    return (
        stmt.join(Resource, Booking.resource_id == Resource.id)
        .join(Floor, Resource.floor_id == Floor.id)
        .where(Floor.hub_id == hub_id)
    )


def _require_staff(staff_id: int, hub_id: int) -> User:
    staff = get_or_404(User, staff_id)
    if not staff.can_staff(hub_id):
        raise Forbidden("only this hub's staff may do that")
    return staff


def _hub_booking(booking_id: int, hub_id: int) -> Booking:
    """The booking, locked, if it is at `hub_id`; NotFound otherwise (never reveal others')."""
    booking = get_or_404(Booking, booking_id, lock=True)
    if booking.resource.floor.hub_id != hub_id:
        raise NotFound("no such booking at this hub", id=booking_id)
    return booking


def _matches(text: str) -> ColumnElement[bool]:
    lowered = text.lower()
    if "@" in text:
        return User.email.startswith(lowered, autoescape=True)
    digits = national_number(text)
    if re.fullmatch(r"[\d\s+\-().]+", text) and len(digits) >= 3:
        return _phone_digits().contains(digits)
    return or_(
        func.lower(User.name).contains(lowered, autoescape=True),
        User.email.startswith(lowered, autoescape=True),
    )


def _phone_digits() -> ColumnElement[str]:
    """The stored phone without the separators people type."""
    expr: ColumnElement[str] = func.replace(User.phone, " ", "")
    for separator in ("-", ".", "(", ")"):
        expr = func.replace(expr, separator, "")
    return expr


def _booked_at(hub_id: int) -> ColumnElement[bool]:
    return _at_hub(select(Booking.id), hub_id).where(Booking.member_id == User.id).exists()


def _member_at(hub_id: int) -> ColumnElement[bool]:
    plans_here = select(Plan.id).where(
        or_(
            Plan.all_hubs,
            Plan.id.in_(select(plan_hubs.c.plan_id).where(plan_hubs.c.hub_id == hub_id)),
        )
    )
    return (
        select(Membership.id)
        .where(
            Membership.user_id == User.id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.plan_id.in_(plans_here),
        )
        .exists()
    )


def _find_by_phone(phone: str) -> User | None:
    wanted = national_number(phone)
    if len(wanted) < 6:
        return None
    candidates = db.session.scalars(
        select(User).where(_phone_digits().endswith(wanted)).order_by(User.id).limit(10)
    )
    return next((u for u in candidates if national_number(u.phone) == wanted), None)


def _find_or_create_member(walk_in: WalkIn, now: datetime) -> tuple[User, bool]:
    """The account with this email, else this phone, else a new passwordless member."""
    email = walk_in.email.strip().lower()
    user = find_user_by_email(email) if email else None
    if user is None:
        user = _find_by_phone(walk_in.phone)
    if user is not None:
        return user, True
    user = User(
        email=email or f"walk-in-{secrets.token_hex(8)}@{WALK_IN_EMAIL_DOMAIN}",
        name=walk_in.name.strip(),
        phone=walk_in.phone.strip(),
        business_name=walk_in.business_name.strip(),
        sector=walk_in.sector.strip(),
        kecamatan=walk_in.kecamatan.strip(),
        password_hash=None,  # they set one through "forgot password", if they gave an email
        consent_at=now,
        consent_version=PRIVACY_NOTICE_VERSION,
    )
    user.roles.append(RoleGrant(role=Role.MEMBER))
    db.session.add(user)
    db.session.flush()
    record_consent(user.id, source="frontdesk")
    return user, False


def _record_walk_in(
    hub: Hub,
    staff_id: int,
    walk_in: WalkIn,
    member: User,
    reused: bool,
    day_pass: Membership | None,
    booking: Booking,
) -> None:
    if not reused:
        audit.record(
            "member_created",
            member,
            actor_id=staff_id,
            hub_id=hub.id,
            after=audit.snapshot(member, MEMBER_FIELDS),
        )
    if day_pass is not None:
        audit.record(
            "membership_created",
            day_pass,
            actor_id=staff_id,
            hub_id=hub.id,
            after={
                **audit.snapshot(day_pass, MEMBERSHIP_FIELDS),
                "plan_code": day_pass.plan.code,
                "price_idr": day_pass.plan.price_idr,
                "currency": day_pass.plan.currency,
                "payment_method": walk_in.payment_method.value,
            },
        )
    audit.record(
        "booking_created",
        booking,
        actor_id=staff_id,
        hub_id=hub.id,
        after=audit.snapshot(booking, NEW_BOOKING_FIELDS),
    )
    audit.record(
        "walk_in_registered",
        member,
        actor_id=staff_id,
        hub_id=hub.id,
        after={
            "reused_account": reused,
            "booking_id": booking.id,
            "day_pass_membership_id": day_pass.id if day_pass is not None else None,
            "payment_method": walk_in.payment_method.value if day_pass is not None else None,
        },
    )
