"""The front-desk service: hub scoping, audit entries committed with the change, walk-ins."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEntry,
    BillingInterval,
    Booking,
    BookingSource,
    BookingStatus,
    Membership,
    MembershipStatus,
    PaymentMethod,
    Role,
    User,
)
from app.services.booking import bookings
from app.services.errors import (
    BookingConflict,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from app.services.hubs import frontdesk as desk
from tests.conftest import MONDAY, hub_time


@pytest.fixture
def staff(make_member, a_hub):
    return make_member(plan=None, name="Dewi Staff", roles=[(Role.FRONTDESK, a_hub)])


@pytest.fixture
def day_pass(make_plan):
    return make_plan(
        code="day-pass",
        name="Day Pass",
        price_idr=50_000,
        billing_interval=BillingInterval.DAY,
    )


def walk_in(resource_id: int, **fields) -> desk.WalkIn:
    values = {
        "name": "Budi Santoso",
        "phone": "0812-1111-2222",
        "business_name": "Kopi Budi",
        "sector": "kuliner",
        "kecamatan": "Tebet",
        "resource_id": resource_id,
        "payment_method": PaymentMethod.QRIS,
        "reference": "QRIS-RRN-000123",
        "consent": True,
        "email": "",
    }
    values.update(fields)
    return desk.WalkIn(**values)


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_check_in_records_audit_with_the_change(clock, a_member, a_desk, staff) -> None:
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    desk.check_in_by_staff(booking.id, a_desk.hub.id, staff.id)
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status is BookingStatus.CHECKED_IN
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "check_in"))
    assert entry.actor_id == staff.id
    assert entry.hub_id == a_desk.hub.id
    assert entry.target_id == booking.id
    assert entry.before["status"] == "confirmed"
    assert entry.after["status"] == "checked_in"


def test_refused_check_in_leaves_no_audit_entry(clock, a_member, a_desk, staff) -> None:
    clock(MONDAY - timedelta(days=3), time(9), a_desk.hub)  # Friday: Monday is too far off
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    with pytest.raises(InvalidTransition):
        desk.check_in_by_staff(booking.id, a_desk.hub.id, staff.id)
    assert audit_actions() == []
    assert db.session.get(Booking, booking.id).status is BookingStatus.CONFIRMED


def test_booking_of_another_hub_is_not_found(
    clock, make_hub, make_resource, make_member, a_member, staff, a_hub
) -> None:
    elsewhere = make_resource(make_hub(name="Elsewhere"), name="Z01")
    booking = bookings.book_whole_day(a_member.id, elsewhere.id, MONDAY)
    with pytest.raises(NotFound):
        desk.check_in_by_staff(booking.id, a_hub.id, staff.id)
    # Even staff of both hubs cannot reach it through the wrong hub.
    with pytest.raises(NotFound):
        desk.check_out_by_staff(booking.id, a_hub.id, staff.id)
    assert db.session.get(Booking, booking.id).status is BookingStatus.CONFIRMED
    assert audit_actions() == []


def test_only_staff_of_the_hub_may_act(clock, a_member, a_desk, make_member, make_hub) -> None:
    stranger = make_member(plan=None, roles=[(Role.FRONTDESK, make_hub())])
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    with pytest.raises(Forbidden):
        desk.check_in_by_staff(booking.id, a_desk.hub.id, stranger.id)
    with pytest.raises(Forbidden):
        desk.check_in_by_staff(booking.id, a_desk.hub.id, a_member.id)


def test_check_out_completes_and_audits(clock, a_member, a_desk, staff) -> None:
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    with pytest.raises(InvalidTransition):
        desk.check_out_by_staff(booking.id, a_desk.hub.id, staff.id)
    desk.check_in_by_staff(booking.id, a_desk.hub.id, staff.id)
    desk.check_out_by_staff(booking.id, a_desk.hub.id, staff.id)
    assert db.session.get(Booking, booking.id).status is BookingStatus.COMPLETED
    assert audit_actions() == ["check_in", "check_out"]


def test_arrivals_are_todays_bookings_at_the_hub_by_start(
    clock, make_member, make_resource, make_hub, a_hub, a_room, a_desk
) -> None:
    early, late, away = make_member(name="Early"), make_member(name="Late"), make_member()
    room = bookings.book(
        late.id, a_room.id, hub_time(a_hub, MONDAY, 14), hub_time(a_hub, MONDAY, 15)
    )
    day = bookings.book_whole_day(early.id, a_desk.id, MONDAY)
    bookings.book_whole_day(early.id, a_desk.id, MONDAY + timedelta(days=1))
    bookings.book_whole_day(away.id, make_resource(make_hub()).id, MONDAY)
    cancelled = bookings.book(
        late.id, a_room.id, hub_time(a_hub, MONDAY, 10), hub_time(a_hub, MONDAY, 11)
    )
    bookings.cancel_booking(cancelled.id, override_cutoff=True)

    listed = desk.arrivals(a_hub, MONDAY)
    assert [b.id for b in listed] == [day.id, cancelled.id, room.id]
    assert listed[1].status is BookingStatus.CANCELLED


def test_people_in_now_counts_checked_in_people_covering_now(
    clock, make_member, make_resource, a_hub, a_desk, a_room, staff
) -> None:
    first, second = make_member(), make_member()
    desk_booking = bookings.book_whole_day(first.id, a_desk.id, MONDAY)
    room_booking = bookings.book(
        first.id, a_room.id, hub_time(a_hub, MONDAY, 8), hub_time(a_hub, MONDAY, 9)
    )
    other = bookings.book_whole_day(second.id, make_resource(a_hub).id, MONDAY)
    assert desk.people_in_now(a_hub, hub_time(a_hub, MONDAY, 8, 30)) == 0
    for booking in (desk_booking, room_booking, other):
        desk.check_in_by_staff(booking.id, a_hub.id, staff.id)
    # One person with a desk and a room counts once.
    assert desk.people_in_now(a_hub, hub_time(a_hub, MONDAY, 8, 30)) == 2
    desk.check_out_by_staff(other.id, a_hub.id, staff.id)
    assert desk.people_in_now(a_hub, hub_time(a_hub, MONDAY, 8, 30)) == 1
    assert desk.people_in_now(a_hub, hub_time(a_hub, MONDAY, 17, 30)) == 0


def test_search_by_name_email_and_phone(clock, make_member, a_hub) -> None:
    make_member(name="Siti Rahma", email="siti.rahma@example.com", phone="+62 812 3456 7890")
    make_member(name="Agus", email="agus@example.com", phone="0813-9999-0000")

    def names(text: str) -> list[str]:
        return [m.member.name for m in desk.search_members(a_hub, text)]

    assert names("RAHMA") == ["Siti Rahma"]
    assert names("siti.r") == ["Siti Rahma"]
    assert names("SITI.RAHMA@EXAMPLE.COM") == ["Siti Rahma"]
    assert names("0812 3456") == ["Siti Rahma"]
    assert names("+6281234567890") == ["Siti Rahma"]
    assert names("813-9999") == ["Agus"]
    assert names("%") == []  # LIKE wildcards are escaped
    assert names("s") == []  # too short


def test_search_covers_only_the_hubs_members(
    clock, make_member, make_plan, make_hub, a_hub, a_desk
) -> None:
    other_hub = make_hub()
    there_plan, here_plan = make_plan(all_hubs=False), make_plan(all_hubs=False)
    there_plan.hubs.append(other_hub)
    here_plan.hubs.append(a_hub)
    db.session.commit()
    make_member(plan=there_plan, name="Nadia Elsewhere")
    make_member(plan=None, name="Nadia Nobody")
    booked = make_member(plan=here_plan, name="Nadia Here")
    booking = bookings.book_whole_day(booked.id, a_desk.id, MONDAY)
    booked.memberships[0].status = MembershipStatus.CANCELLED  # found through the booking now
    db.session.commit()

    matches = desk.search_members(a_hub, "nadia")
    assert [m.member.name for m in matches] == ["Nadia Here"]
    assert [b.id for b in matches[0].bookings] == [booking.id]
    assert [m.member.name for m in desk.search_members(other_hub, "nadia")] == ["Nadia Elsewhere"]


def test_walk_in_creates_member_day_pass_and_booking(clock, a_hub, a_desk, staff, day_pass) -> None:
    result = desk.register_walk_in(a_hub.id, staff.id, walk_in(a_desk.id))
    db.session.expire_all()
    member = db.session.get(User, result.member.id)
    assert member.password_hash is None
    assert member.consent_at is not None
    assert not desk.has_real_email(member)
    assert member.business_name == "Kopi Budi"
    [membership] = member.memberships
    assert membership.plan_id == day_pass.id
    assert (membership.starts_on, membership.ends_on) == (MONDAY, MONDAY + timedelta(days=1))
    booking = db.session.get(Booking, result.booking.id)
    assert booking.source is BookingSource.FRONT_DESK
    assert booking.created_by_id == staff.id
    assert booking.resource_id == a_desk.id
    assert booking.start_at == hub_time(a_hub, MONDAY, 8)
    assert audit_actions() == [
        "payment_recorded",
        "member_created",
        "membership_created",
        "booking_created",
        "walk_in_registered",
    ]
    # The day pass is paid in the ledger, with its reference and the hub's first receipt.
    assert result.payment is not None
    assert (result.payment.amount_idr, result.payment.method) == (50_000, PaymentMethod.QRIS)
    assert result.payment.reference == "QRIS-RRN-000123"
    assert result.payment.receipt_number == f"2026-{a_hub.id:03d}-000001"
    assert result.payment.recorded_by_id == staff.id
    sold = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "membership_created"))
    assert sold.after["payment_method"] == "qris"
    assert sold.after["price_idr"] == 50_000
    assert {e.actor_id for e in db.session.scalars(select(AuditEntry))} == {staff.id}


def test_walk_in_reuses_account_by_phone_or_email(
    clock, a_hub, make_resource, staff, day_pass, make_member
) -> None:
    known = make_member(plan=None, name="Budi", email="budi@example.com", phone="+62 812 1111 2222")
    first = desk.register_walk_in(
        a_hub.id, staff.id, walk_in(make_resource(a_hub).id, email="", phone="081211112222")
    )
    assert first.member.id == known.id
    assert first.reused_account
    assert first.day_pass is not None
    bookings.cancel_booking(first.booking.id, override_cutoff=True)
    again = desk.register_walk_in(
        a_hub.id, staff.id, walk_in(make_resource(a_hub).id, email="BUDI@example.com", phone="0")
    )
    assert again.member.id == known.id
    assert again.day_pass is None  # the day pass sold this morning still covers them
    assert db.session.scalar(select(func.count()).select_from(User)) == 2
    assert audit_actions().count("member_created") == 0


def test_walk_in_with_a_membership_gets_no_day_pass(clock, a_hub, a_desk, staff, a_member) -> None:
    result = desk.register_walk_in(a_hub.id, staff.id, walk_in(a_desk.id, email=a_member.email))
    assert result.day_pass is None  # no day-pass plan needed either
    assert result.booking.member_id == a_member.id
    assert "membership_created" not in audit_actions()


def test_walk_in_without_day_pass_plan_changes_nothing(clock, a_hub, a_desk, staff) -> None:
    with pytest.raises(desk.NoDayPassPlan):
        desk.register_walk_in(a_hub.id, staff.id, walk_in(a_desk.id, email="new@example.com"))
    assert db.session.scalar(select(User).where(User.email == "new@example.com")) is None
    assert audit_actions() == []


def test_walk_in_on_a_taken_desk_changes_nothing(
    clock, a_hub, a_desk, staff, day_pass, a_member
) -> None:
    bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    with pytest.raises(BookingConflict):
        desk.register_walk_in(a_hub.id, staff.id, walk_in(a_desk.id, email="new@example.com"))
    assert db.session.scalar(select(User).where(User.email == "new@example.com")) is None
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 1  # a_member's
    assert audit_actions() == []


def test_walk_in_desk_must_be_a_desk_of_the_hub(
    clock, a_hub, a_room, staff, day_pass, make_hub, make_resource
) -> None:
    elsewhere = make_resource(make_hub())
    with pytest.raises(NotFound):
        desk.register_walk_in(a_hub.id, staff.id, walk_in(elsewhere.id))
    with pytest.raises(InvalidInput):
        desk.register_walk_in(a_hub.id, staff.id, walk_in(a_room.id))
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 0


def test_walk_in_options_list_free_desks_and_pools(
    clock, a_hub, a_desk, a_room, make_resource, a_member, day_pass
) -> None:
    pool = make_resource(a_hub, name="Hot desks", capacity=5)
    taken = make_resource(a_hub, name="B01")
    bookings.book_whole_day(a_member.id, taken.id, MONDAY)
    options = desk.walk_in_options(a_hub.id)
    assert options.is_open
    assert options.day == MONDAY
    assert options.day_pass.id == day_pass.id
    seats = {seat.name: seat for seat in options.seats}
    assert set(seats) == {a_desk.name, pool.name}
    assert seats["Hot desks"].is_pool
    assert seats["Hot desks"].seats_free == 5


def test_release_no_shows_at_one_hub_only(
    clock, a_hub, a_desk, staff, make_member, make_hub, make_resource
) -> None:
    other = make_resource(make_hub())
    late_here = bookings.book_whole_day(make_member().id, a_desk.id, MONDAY)
    late_there = bookings.book_whole_day(make_member().id, other.id, MONDAY)
    assert desk.release_no_shows_at(a_hub.id, staff.id) == []  # 08:00: nobody is late yet
    clock(MONDAY, time(9), a_hub)
    assert desk.release_no_shows_at(a_hub.id, staff.id) == [late_here.id]
    db.session.expire_all()
    assert db.session.get(Booking, late_here.id).status is BookingStatus.NO_SHOW
    assert db.session.get(Booking, late_there.id).status is BookingStatus.CONFIRMED
    assert audit_actions() == ["no_show_released"]
    assert desk.desk_day(a_hub.id).no_shows[0].id == late_here.id


def test_desk_day_summary(clock, a_hub, a_desk, a_member, staff) -> None:
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    day = desk.desk_day(a_hub.id)
    assert (day.day, day.people_in, day.expected) == (MONDAY, 0, 1)
    desk.check_in_by_staff(booking.id, a_hub.id, staff.id)
    day = desk.desk_day(a_hub.id)
    assert (day.people_in, day.expected) == (1, 0)


def test_staffed_hubs(make_hub, a_hub) -> None:
    closed = make_hub(active=False)
    other = make_hub(name="Another")
    assert [h.id for h in desk.staffed_hubs({a_hub.id, closed.id})] == [a_hub.id]
    assert {h.id for h in desk.staffed_hubs(None)} == {a_hub.id, other.id}


def test_national_number() -> None:
    assert desk.national_number("+62 812-3456") == "8123456"
    assert desk.national_number("0812 3456") == "8123456"
    assert desk.national_number("812 3456") == "8123456"
