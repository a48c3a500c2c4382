"""Front-desk pages: hub list, today's arrivals, search, check-in/out, walk-ins, permissions."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEntry,
    BillingInterval,
    Booking,
    BookingSource,
    BookingStatus,
    Payment,
    Role,
    User,
)
from app.services.booking import bookings
from tests.conftest import MONDAY, hub_time


@pytest.fixture
def staff(make_member, a_hub):
    return make_member(plan=None, name="Dewi Staff", roles=[(Role.FRONTDESK, a_hub)])


@pytest.fixture
def desk_client(client, login, staff):
    """The test client, logged in as front-desk staff of a_hub."""
    return login(staff)


@pytest.fixture
def day_pass(make_plan):
    return make_plan(
        code="day-pass",
        name="Day Pass",
        price_idr=50_000,
        billing_interval=BillingInterval.DAY,
    )


@pytest.fixture
def elsewhere(make_hub, make_resource):
    """A desk at another hub."""
    return make_resource(make_hub(name="Elsewhere Hub", slug="elsewhere"), name="Z01")


WALK_IN = {
    "name": "Budi Santoso",
    "phone": "0812 1111 2222",
    "email": "",
    "business_name": "Kopi Budi",
    "sector": "kuliner",
    "kecamatan": "Tebet",
    "payment_method": "cash",
    "consent": "y",
}


def hub_url(hub, rest: str = "") -> str:
    return f"/frontdesk/{hub.slug}/{rest}"


def status_of(booking: Booking) -> BookingStatus:
    db.session.expire_all()
    return db.session.get(Booking, booking.id).status


def audit_count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


# -- who may see the front desk ----------------------------------------------------------------


def test_anonymous_goes_to_login(client, a_hub) -> None:
    response = client.get("/frontdesk/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert client.get(hub_url(a_hub)).status_code == 302


def test_members_are_not_staff(client, login, a_member, a_hub) -> None:
    login(a_member)
    assert client.get("/frontdesk/").status_code == 403
    assert client.get(hub_url(a_hub)).status_code == 403
    assert client.get(hub_url(a_hub, "walk-in")).status_code == 403


def test_staff_of_one_hub_go_straight_to_it(desk_client, a_hub) -> None:
    response = desk_client.get("/frontdesk/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(hub_url(a_hub))


def test_staff_of_several_hubs_choose(client, login, make_member, make_hub, a_hub) -> None:
    second, unrelated = make_hub(name="Second Hub"), make_hub(name="Unrelated Hub")
    login(make_member(plan=None, roles=[(Role.FRONTDESK, a_hub), (Role.HUB_ADMIN, second)]))
    response = client.get("/frontdesk/")
    assert response.status_code == 200
    assert a_hub.name in response.text
    assert second.name in response.text
    assert unrelated.name not in response.text


def test_programme_admins_see_every_hub(client, login, make_member, make_hub, a_hub) -> None:
    other = make_hub(name="Far Hub")
    login(make_member(plan=None, roles=[(Role.PROGRAMME_ADMIN, None)]))
    response = client.get("/frontdesk/")
    assert a_hub.name in response.text
    assert other.name in response.text
    assert client.get(hub_url(other)).status_code == 200


def test_staff_cannot_open_another_hub(desk_client, elsewhere) -> None:
    hub = elsewhere.hub
    assert desk_client.get(hub_url(hub)).status_code == 403
    assert desk_client.get(hub_url(hub, "walk-in")).status_code == 403
    assert desk_client.post(hub_url(hub, "no-shows/release")).status_code == 403


def test_unknown_hub_is_404(desk_client) -> None:
    assert desk_client.get("/frontdesk/no-such-hub/").status_code == 404


# -- the hub page ------------------------------------------------------------------------------


def test_hub_page_shows_today_and_arrivals_in_order(
    clock, desk_client, make_member, a_hub, a_desk, a_room
) -> None:
    ani = make_member(name="Ani Wijaya", business_name="Ani Cake")
    bayu = make_member(name="Bayu")
    bookings.book(bayu.id, a_room.id, hub_time(a_hub, MONDAY, 10), hub_time(a_hub, MONDAY, 11))
    bookings.book_whole_day(ani.id, a_desk.id, MONDAY)
    response = desk_client.get(hub_url(a_hub))
    assert response.status_code == 200
    text = response.text
    assert "Monday, 23 Nov 2026" in text  # the test client reads English (see test_language.py)
    assert "Ani Cake" in text
    assert ">08:00</time>" in text
    assert "17:00 WIB" in text
    assert text.index("Ani Wijaya") < text.index("Bayu")  # sorted by start time
    assert text.count(">Booked</span>") == 2
    assert "SCAN BOX" not in text  # the placeholder is a template comment


def test_people_in_now_and_statuses(clock, desk_client, make_member, a_hub, a_desk) -> None:
    booking = bookings.book_whole_day(make_member(name="Citra").id, a_desk.id, MONDAY)
    assert '<p class="stat" id="people-in">0</p>' in desk_client.get(hub_url(a_hub)).text
    desk_client.post(hub_url(a_hub, f"bookings/{booking.id}/check-in"))
    page = desk_client.get(hub_url(a_hub)).text
    assert '<p class="stat" id="people-in">1</p>' in page
    assert ">Checked in</span>" in page


def test_check_in_and_out_by_hand(clock, desk_client, staff, a_member, a_hub, a_desk) -> None:
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    response = desk_client.post(hub_url(a_hub, f"bookings/{booking.id}/check-in"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(hub_url(a_hub))
    assert status_of(booking) is BookingStatus.CHECKED_IN
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "check_in"))
    assert entry.actor_id == staff.id
    assert "Siti is checked in." in desk_client.get(hub_url(a_hub)).text

    desk_client.post(hub_url(a_hub, f"bookings/{booking.id}/check-out"), data={"q": "siti"})
    assert status_of(booking) is BookingStatus.COMPLETED
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "check_out"))


def test_check_in_button_only_while_the_booking_rule_allows_it(
    clock, desk_client, a_member, a_hub, a_room
) -> None:
    booking = bookings.book(
        a_member.id, a_room.id, hub_time(a_hub, MONDAY, 15), hub_time(a_hub, MONDAY, 16)
    )
    check_in_url = hub_url(a_hub, f"bookings/{booking.id}/check-in")
    clock(hub_time(a_hub, MONDAY, 13, 59))  # a minute before check-in opens
    page = desk_client.get(hub_url(a_hub)).text
    assert check_in_url not in page
    assert "Check-in opens at 14:00 WIB" in page
    assert "Check-in opens" in desk_client.get(hub_url(a_hub) + "?q=siti").text  # search too
    clock(hub_time(a_hub, MONDAY, 14))  # bookings.CHECK_IN_EARLY before the start
    page = desk_client.get(hub_url(a_hub)).text
    assert f'action="{check_in_url}"' in page
    assert "Check-in opens" not in page
    clock(hub_time(a_hub, MONDAY, 16))  # over: nothing to check in any more
    page = desk_client.get(hub_url(a_hub)).text
    assert check_in_url not in page
    assert "Check-in opens" not in page


def test_check_out_keeps_the_search(clock, desk_client, a_member, a_hub, a_desk) -> None:
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    response = desk_client.post(
        hub_url(a_hub, f"bookings/{booking.id}/check-in"), data={"q": "siti"}
    )
    assert response.headers["Location"].endswith(hub_url(a_hub) + "?q=siti")


def test_refused_check_in_explains_and_changes_nothing(
    clock, desk_client, a_member, a_hub, a_desk
) -> None:
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    bookings.cancel_booking(booking.id, override_cutoff=True)
    response = desk_client.post(
        hub_url(a_hub, f"bookings/{booking.id}/check-in"), follow_redirects=True
    )
    assert response.status_code == 200
    assert "cannot be changed that way now" in response.text
    assert status_of(booking) is BookingStatus.CANCELLED
    assert audit_count() == 0


def test_booking_of_another_hub_is_404_and_unchanged(
    clock, desk_client, make_member, a_hub, elsewhere
) -> None:
    booking = bookings.book_whole_day(make_member().id, elsewhere.id, MONDAY)
    for action in ("check-in", "check-out"):
        response = desk_client.post(hub_url(a_hub, f"bookings/{booking.id}/{action}"))
        assert response.status_code == 404
    # ...and through the other hub's own URL the staff member is not allowed at all.
    response = desk_client.post(hub_url(elsewhere.hub, f"bookings/{booking.id}/check-in"))
    assert response.status_code == 403
    assert status_of(booking) is BookingStatus.CONFIRMED
    assert audit_count() == 0


def test_unknown_booking_is_404(desk_client, a_hub) -> None:
    assert desk_client.post(hub_url(a_hub, "bookings/999999/check-in")).status_code == 404


def test_check_in_needs_post(desk_client, a_hub) -> None:
    assert desk_client.get(hub_url(a_hub, "bookings/1/check-in")).status_code == 405


# -- search ------------------------------------------------------------------------------------


def test_search_by_name_email_and_phone(clock, desk_client, make_member, a_hub, a_desk) -> None:
    rina = make_member(name="Rina Kusuma", email="rina@example.com", phone="+62 811 2233 4455")
    make_member(name="Tono", email="tono@example.com", phone="0819 0000 1111")
    bookings.book_whole_day(rina.id, a_desk.id, MONDAY)
    for query in ("kusuma", "RINA@", "0811 2233"):
        page = desk_client.get(hub_url(a_hub), query_string={"q": query}).text
        assert "Rina Kusuma" in page, query
        assert "Tono" not in page, query
        assert f'value="{query}"' in page  # the box keeps what was typed
    page = desk_client.get(hub_url(a_hub), query_string={"q": "tono"}).text
    assert "No booking here today" in page
    assert "Give a desk for today" in page


def test_search_finds_nobody_outside_the_hub(
    clock, desk_client, make_member, a_hub, elsewhere
) -> None:
    make_member(plan=None, name="Orang Asing")
    page = desk_client.get(hub_url(a_hub), query_string={"q": "asing"}).text
    assert "Nobody at this hub matches" in page
    assert "Orang Asing</strong>" not in page


def test_search_too_short_or_too_long(desk_client, a_hub) -> None:
    page = desk_client.get(hub_url(a_hub), query_string={"q": "a"}).text
    assert "Type at least 2 characters." in page
    response = desk_client.get(hub_url(a_hub), query_string={"q": "x" * 500})
    assert response.status_code == 200
    assert "Field cannot be longer than 100 characters." in response.text


# -- no-shows ----------------------------------------------------------------------------------


def test_no_show_list_and_release(
    clock, desk_client, make_member, a_hub, a_desk, elsewhere
) -> None:
    late = bookings.book_whole_day(make_member(name="Lambat").id, a_desk.id, MONDAY)
    away = bookings.book_whole_day(make_member().id, elsewhere.id, MONDAY)
    assert "No no-shows today." in desk_client.get(hub_url(a_hub)).text
    clock(MONDAY, time(9), a_hub)
    response = desk_client.post(hub_url(a_hub, "no-shows/release"), follow_redirects=True)
    assert "Released 1 booking as a no-show." in response.text
    assert status_of(late) is BookingStatus.NO_SHOW
    assert status_of(away) is BookingStatus.CONFIRMED  # another hub's booking is untouched
    page = desk_client.get(hub_url(a_hub)).text
    assert ">No-show</span>" in page
    assert 'class="fd-no-shows"' in page
    response = desk_client.post(hub_url(a_hub, "no-shows/release"), follow_redirects=True)
    assert "Nobody is late past the no-show window." in response.text


# -- walk-ins ----------------------------------------------------------------------------------


def test_walk_in_form_lists_free_desks(
    clock, desk_client, make_member, make_resource, a_hub, a_desk, a_room, day_pass
) -> None:
    make_resource(a_hub, name="Hot Desk", capacity=6)
    taken = make_resource(a_hub, name="B07")
    bookings.book_whole_day(make_member().id, taken.id, MONDAY)
    response = desk_client.get(hub_url(a_hub, "walk-in"))
    assert response.status_code == 200
    assert "Floor 1 · A01" in response.text
    assert "Floor 1 · Hot Desk (6 seats free)" in response.text
    assert "B07" not in response.text
    assert "Monas" not in response.text  # rooms are not given to walk-ins
    assert "Rp 50,000" in response.text  # English grouping; `Rp 50.000` in test_language.py


def test_walk_in_registers_member_day_pass_and_desk(
    clock, desk_client, staff, a_hub, a_desk, day_pass
) -> None:
    response = desk_client.post(
        hub_url(a_hub, "walk-in"), data={**WALK_IN, "resource_id": a_desk.id}
    )
    assert response.status_code == 302, response.text
    # The day pass is paid: the desk goes on to its receipt, to print (there is no email).
    payment = db.session.scalar(select(Payment))
    assert (payment.amount_idr, payment.method.value) == (50_000, "cash")
    assert response.headers["Location"].endswith(f"/billing/receipts/{payment.id}")
    member = db.session.scalar(select(User).where(User.name == "Budi Santoso"))
    assert member.password_hash is None
    assert member.memberships[0].plan_id == day_pass.id
    booking = db.session.scalar(select(Booking).where(Booking.member_id == member.id))
    assert booking.source is BookingSource.FRONT_DESK
    assert booking.created_by_id == staff.id
    assert booking.resource_id == a_desk.id
    registered = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "walk_in_registered")
    )
    assert registered.actor_id == staff.id
    assert registered.after["payment_method"] == "cash"
    page = desk_client.get(hub_url(a_hub)).text
    assert "Budi Santoso is registered and A01 is booked for today." in page
    assert "Kopi Budi" in page  # now among today's arrivals


def test_walk_in_reuses_an_existing_account(
    clock, desk_client, make_member, a_hub, a_desk, day_pass
) -> None:
    known = make_member(plan=None, name="Budi Lama", email="budi@example.com")
    data = {**WALK_IN, "email": "Budi@Example.com", "resource_id": a_desk.id}
    response = desk_client.post(hub_url(a_hub, "walk-in"), data=data, follow_redirects=True)
    assert "Budi Lama already had an account, so it was used." in response.text
    assert (
        db.session.scalar(select(func.count()).select_from(User).where(User.name == "Budi Santoso"))
        == 0
    )
    assert db.session.scalar(select(Booking.member_id)) == known.id


def test_walk_in_without_day_pass_plan_asks_for_one(clock, desk_client, a_hub, a_desk) -> None:
    page = desk_client.get(hub_url(a_hub, "walk-in")).text
    assert "There is no day-pass plan for this hub yet" in page
    response = desk_client.post(
        hub_url(a_hub, "walk-in"), data={**WALK_IN, "resource_id": a_desk.id}
    )
    assert response.status_code == 200
    assert "Ask a hub admin to create a plan with the code" in response.text
    assert 'value="Kopi Budi"' in response.text
    assert db.session.scalar(select(User).where(User.name == "Budi Santoso")) is None
    assert audit_count() == 0


def test_walk_in_form_errors_keep_input(clock, desk_client, a_hub, a_desk, day_pass) -> None:
    data = {**WALK_IN, "name": "", "phone": "abc", "email": "not-an-email", "resource_id": "0"}
    data.pop("consent")
    response = desk_client.post(hub_url(a_hub, "walk-in"), data=data)
    assert response.status_code == 200
    text = response.text
    assert "This field is required." in text
    assert "Enter a phone number such as +62812..." in text
    assert "Invalid email address." in text
    assert "Choose a free desk." in text
    assert "The visitor must agree to the personal-data notice." in text
    assert 'value="Kopi Budi"' in text
    assert 'value="Tebet"' in text
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 0


def test_walk_in_cannot_take_another_hubs_desk(
    clock, desk_client, a_hub, a_desk, elsewhere, day_pass
) -> None:
    response = desk_client.post(
        hub_url(a_hub, "walk-in"), data={**WALK_IN, "resource_id": elsewhere.id}
    )
    assert response.status_code == 200
    assert "Not a valid choice." in response.text
    response = desk_client.post(hub_url(a_hub, "walk-in"), data={**WALK_IN, "resource_id": "x"})
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 0


def test_walk_in_desk_taken_meanwhile(
    clock, desk_client, make_member, a_hub, a_desk, day_pass
) -> None:
    form = desk_client.get(hub_url(a_hub, "walk-in")).text
    assert "Floor 1 · A01" in form
    bookings.book_whole_day(make_member().id, a_desk.id, MONDAY)  # someone else was quicker
    response = desk_client.post(
        hub_url(a_hub, "walk-in"), data={**WALK_IN, "resource_id": a_desk.id}
    )
    assert response.status_code == 200
    assert "Not a valid choice." in response.text  # A01 is no longer offered
    assert db.session.scalar(select(User).where(User.name == "Budi Santoso")) is None


def test_walk_in_on_a_closed_day(clock, desk_client, a_hub, a_desk, day_pass) -> None:
    clock(MONDAY.replace(day=28), time(10), a_hub)  # Saturday
    page = desk_client.get(hub_url(a_hub, "walk-in")).text
    assert "The hub is closed today" in page


def test_walk_in_prefilled_from_search(desk_client, a_hub, day_pass) -> None:
    page = desk_client.get(
        hub_url(a_hub, "walk-in"), query_string={"name": "Tono", "phone": "0819 0000 1111"}
    ).text
    assert 'value="Tono"' in page
    assert 'value="0819 0000 1111"' in page
