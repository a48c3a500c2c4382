"""Member pages through the web: hubs, the floor plan, booking a desk, waitlist, my bookings."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlparse

import pytest
from babel.dates import format_date
from sqlalchemy import select

from app.extensions import db
from app.models import Booking, BookingStatus, ResourceKind, User, WaitlistEntry, WaitlistStatus
from app.services.booking import bookings
from tests.conftest import MONDAY, SATURDAY, TUESDAY, hub_time


@pytest.fixture
def siti(make_member):
    return make_member(name="Siti", locale="en")


@pytest.fixture
def other(make_member):
    return make_member(name="Budi", locale="en")


def bookings_of(member) -> list[Booking]:
    return list(db.session.scalars(select(Booking).where(Booking.member_id == member.id)))


def span(start: str, end: str) -> str:
    """A time range as the pages write it, with an en dash."""
    return f"{start}\u2013{end}"


def weekday(page: str, day: date) -> str:
    """`day` as the page writes it, in the page's language (`Selasa, 24 Nov 2026`)."""
    lang = re.search(r'<html lang="(\w+)"', page).group(1)
    return format_date(day, "EEEE, d MMM y", locale=lang)


def flashes(response) -> str:
    return " ".join(re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', response.text, re.S))


# -- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/m/", "/m/bookings", "/m/membership", "/m/hub-1/"])
def test_member_pages_need_a_login(client, path) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_public_home_hub_cards_lead_to_the_hub(client, login, siti, a_hub) -> None:
    floor_url = f"/m/{a_hub.slug}/"
    assert f'<a href="{floor_url}"><strong>{a_hub.name}</strong>' in client.get("/").text
    to_login = client.get(floor_url)  # a visitor logs in first, then lands on the hub
    assert to_login.status_code == 302
    assert "next=" in to_login.headers["Location"]
    login(siti)
    assert client.get(floor_url).status_code == 200


def test_unknown_hub_and_floor_are_404(client, login, siti, a_hub, make_hub, make_resource):
    elsewhere = make_hub(name="Elsewhere")
    foreign = make_resource(elsewhere, name="X01")
    login(siti)
    assert client.get("/m/no-such-hub/").status_code == 404
    assert client.get(f"/m/{a_hub.slug}/?floor=999999").status_code == 404
    assert client.get(f"/m/{a_hub.slug}/?floor={foreign.floor_id}").status_code == 404
    assert client.get(f"/m/{a_hub.slug}/desk/{foreign.id}").status_code == 404


# -- hubs --------------------------------------------------------------------------------------


def test_hubs_grouped_by_city_with_zone_label(client, login, siti, make_hub) -> None:
    make_hub(name="JFC Hub", city="Jakarta Pusat")
    make_hub(name="OK OCE Makassar", city="Makassar", timezone="Asia/Makassar")
    make_hub(name="Closed Hub", city="Jakarta Pusat", active=False)
    login(siti)
    page = client.get("/m/").text
    assert page.index("Jakarta Pusat") < page.index("JFC Hub") < page.index("Makassar")
    assert re.search(r"OK OCE Makassar.*?WITA", page, re.S)
    assert "Closed Hub" not in page


# -- the floor plan ----------------------------------------------------------------------------


def test_floor_plan_draws_every_state_with_a_legend(
    clock, client, login, siti, other, a_hub, make_resource
) -> None:
    free = make_resource(a_hub, name="A01", x=10, y=10, width=56, height=48)
    taken = make_resource(a_hub, name="A02", x=80, y=10)
    mine = make_resource(a_hub, name="A03", x=150, y=10)
    make_resource(a_hub, name="A04", active=False)
    pool = make_resource(a_hub, name="Hot Desk", capacity=20, x=10, y=100, width=300, height=100)
    bookings.book_whole_day(other.id, taken.id, MONDAY)
    bookings.book_whole_day(other.id, pool.id, TUESDAY)
    bookings.book_whole_day(siti.id, mine.id, TUESDAY)
    login(siti)

    page = client.get(f"/m/{a_hub.slug}/?day={TUESDAY}").text

    assert 'viewBox="0 0 1000 600"' in page
    assert f'class="res free" data-sheet="res-{free.id}"' in page
    assert f'data-sheet="res-{mine.id}"' in page
    assert 'class="res mine"' in page
    assert 'class="res not_bookable"' in page
    assert "19 of 20 free" in page
    assert f'href="/m/{a_hub.slug}/desk/{free.id}?day={TUESDAY}"' in page
    assert 'class="legend"' in page
    assert "Booked by you (1)" in page
    # The list of the same desks, each with a one-tap booking form, is drawn only when asked.
    assert f'id="res-{free.id}"' not in page
    listed = client.get(f"/m/{a_hub.slug}/list?day={TUESDAY}").text
    assert f'id="res-{free.id}"' in listed
    assert f'name="resource_id" value="{free.id}"' in listed
    # On Monday A02 is taken by someone else: no booking form for it, a waitlist one instead.
    monday = client.get(f"/m/{a_hub.slug}/?day={MONDAY}").text
    assert 'class="res taken"' in monday
    assert (
        f'action="/m/{a_hub.slug}/waitlist"'
        in client.get(f"/m/{a_hub.slug}/list?day={MONDAY}").text
    )


def test_plan_drawn_again_shows_each_change_at_once(
    clock, client, login, siti, other, a_hub, a_room, make_resource
) -> None:
    """The plan's pass and drawing are reused while nothing on them changes: a booking by
    someone else, the viewer's own booking, a room slot going by, a change to a desk, each shows
    on the next view, and one member's "mine" never reaches another's plan."""
    desk = make_resource(a_hub, name="A01", x=10, y=10, width=56, height=48)
    login(siti)
    floor_url = f"/m/{a_hub.slug}/?day={MONDAY}"

    def plan(url: str = floor_url) -> str:
        page = client.get(url).text
        return page[page.index("<svg") : page.index("</svg>")]

    assert f'class="res free" data-sheet="res-{desk.id}"' in plan()
    bookings.book_whole_day(other.id, desk.id, MONDAY)
    assert f'class="res taken" data-sheet="res-{desk.id}"' in plan()
    # Budi sees his own desk as his, Siti (the same rows, no booking of hers) as taken.
    login(other)
    assert f'class="res mine" data-sheet="res-{desk.id}"' in plan()
    login(siti)
    assert f'class="res taken" data-sheet="res-{desk.id}"' in plan()
    # The room's free slots count down as the morning goes by (08:00 WIB: 18 slots to 17:00).
    room_list = f"/m/{a_hub.slug}/list?day={MONDAY}"
    assert "18 free slots" in client.get(room_list).text
    clock(hub_time(a_hub, MONDAY, 8, 30))
    assert "17 free slots" in client.get(room_list).text
    clock(hub_time(a_hub, MONDAY, 8, 59))
    assert "17 free slots" in client.get(room_list).text
    clock(hub_time(a_hub, MONDAY, 9, 0))
    assert "16 free slots" in client.get(room_list).text
    # The room's last half hour is booked: at 16:29 its 16:00 slot is still free, from 16:30
    # nothing is left (the pass is reused within a minute, never across one).
    bookings.book(other.id, a_room.id, hub_time(a_hub, MONDAY, 16, 30), hub_time(a_hub, MONDAY, 17))
    clock(hub_time(a_hub, MONDAY, 16, 29) + timedelta(seconds=59))
    assert f'class="res free" data-sheet="res-{a_room.id}"' in plan()
    clock(hub_time(a_hub, MONDAY, 16, 30))
    assert f'class="res taken" data-sheet="res-{a_room.id}"' in plan()
    # A desk renamed by an admin is drawn with its new name.
    desk.name = "A01-Jendela"
    db.session.commit()
    assert "A01-Jendela" in plan()


def test_list_under_the_plan_is_folded_and_one_line_per_resource(
    clock, client, login, siti, a_hub, a_desk, a_room, make_resource
) -> None:
    for n in range(2, 30):
        make_resource(a_hub, name=f"A{n:02}")
    login(siti)
    page = client.get(f"/m/{a_hub.slug}/?day={TUESDAY}&list=1").text
    folded = page[page.index('<details class="res-details"') : page.index("</details>")]
    assert "(30)" in folded
    assert "data-loaded" in folded
    assert folded.count('class="res-item ') == 30
    # One line each: no room timeline (the room's own page has it), one action per line.
    assert 'class="timeline' not in folded
    assert folded.count('class="res-meta"') == 30
    assert "Meeting room · 18 free slots" in folded
    assert folded.count("<form ") == 29
    # The waitlist hint is written once per taken desk only, for the sheet to show.
    assert "If a seat frees up" not in folded
    # The fragment the page fetches holds the same lines.
    fetched = client.get(f"/m/{a_hub.slug}/list?day={TUESDAY}").text
    assert fetched.count('class="res-item ') == 30
    assert "<html" not in fetched


def test_floor_page_draws_the_list_only_when_asked(
    clock, client, login, siti, a_hub, a_desk, a_room, make_resource
) -> None:
    for n in range(2, 30):
        make_resource(a_hub, name=f"A{n:02}")
    login(siti)
    page = client.get(f"/m/{a_hub.slug}/?day={TUESDAY}").text
    folded = page[page.index('<details class="res-details"') : page.index("</details>")]
    # The count is there, the 30 lines are not: the page links to itself with the list drawn
    # (no script) and names the fragment the script fetches when the list is unfolded.
    assert "(30)" in folded
    assert 'class="res-item ' not in folded
    assert f"day={TUESDAY}&amp;list=1#list" in folded
    assert f'data-list-url="/m/{a_hub.slug}/list?' in folded
    assert " open" not in folded.split(">", 1)[0]


def test_plan_is_wide_enough_for_fingers(clock, client, login, siti, a_hub, make_resource):
    make_resource(a_hub, name="A01", width=50, height=40)
    login(siti)
    page = client.get(f"/m/{a_hub.slug}/").text
    # 40 px for the 40-unit side of the smallest desk: the 1000-unit plan is drawn 1000 px wide.
    assert "--plan-min-width: 1000px" in page


def test_default_day_is_today_in_the_hubs_zone(clock, client, login, siti, make_hub):
    jayapura = make_hub(name="Jayapura", timezone="Asia/Jayapura")
    clock(datetime(2026, 11, 23, 16, 0, tzinfo=UTC))  # Mon 23:00 WIB, Tue 01:00 WIT
    login(siti)
    page = client.get(f"/m/{jayapura.slug}/").text
    assert weekday(page, TUESDAY) in page
    assert f'min="{TUESDAY}"' in page


def test_date_picker_is_limited_to_the_advance_window(
    clock, client, login, make_plan, make_member, a_hub, a_desk
) -> None:
    member = make_member(plan=make_plan(advance_days=3), locale="en")
    login(member)
    page = client.get(f"/m/{a_hub.slug}/").text
    assert f'min="{MONDAY}"' in page
    assert f'max="{MONDAY + timedelta(days=3)}"' in page
    assert f'rel="next" href="/m/{a_hub.slug}/?day={TUESDAY}' in page
    assert 'rel="prev"' not in page  # no way back before today
    # Asking for a day beyond the window shows the last day allowed; nonsense shows today.
    far = client.get(f"/m/{a_hub.slug}/?day={MONDAY + timedelta(days=30)}").text
    assert weekday(far, MONDAY + timedelta(days=3)) in far
    assert 'rel="next"' not in far
    nonsense = client.get(f"/m/{a_hub.slug}/?day=yesterday").text
    assert weekday(nonsense, MONDAY) in nonsense


def test_closed_day_says_why(clock, client, login, siti, a_hub, a_desk) -> None:
    login(siti)
    page = client.get(f"/m/{a_hub.slug}/?day={SATURDAY}").text
    assert "closed on this day" in page
    assert 'class="res not_bookable"' in page


def test_member_without_membership_is_told(clock, client, login, make_member, a_hub, a_desk):
    login(make_member(plan=None, locale="en"))
    page = client.get(f"/m/{a_hub.slug}/").text
    assert "You need an active membership" in page
    # ... and offered today's day pass at this hub, bought online.
    assert f'href="/hubs/{a_hub.slug}/day-pass">Buy a day pass for today</a>' in page


# -- booking a desk ----------------------------------------------------------------------------


def test_one_tap_books_a_desk_and_confirms_in_hub_time(
    clock, client, login, siti, a_hub, a_desk
) -> None:
    login(siti)
    response = client.post(
        f"/m/{a_hub.slug}/book", data={"resource_id": a_desk.id, "day": TUESDAY.isoformat()}
    )
    assert response.status_code == 302
    (booking,) = bookings_of(siti)
    assert response.headers["Location"] == f"/m/bookings/{booking.id}"
    page = client.get(response.headers["Location"]).text
    assert "Booked: A01." in page
    assert weekday(page, TUESDAY) in page
    assert span("08:00", "17:00 WIB") in page


def test_confirmation_in_a_wita_hub_says_wita(
    clock, client, login, siti, make_hub, make_resource
) -> None:
    makassar = make_hub(name="Makassar", timezone="Asia/Makassar")
    desk = make_resource(makassar, name="M01")
    login(siti)
    response = client.post(
        f"/m/{makassar.slug}/book",
        data={"resource_id": desk.id, "day": TUESDAY.isoformat()},
        follow_redirects=True,
    )
    assert span("08:00", "17:00 WITA") in response.text


def test_desk_sheet_offers_book_or_waitlist(
    clock, client, login, siti, other, a_hub, a_desk, make_resource
) -> None:
    taken = make_resource(a_hub, name="A02")
    bookings.book_whole_day(other.id, taken.id, TUESDAY)
    login(siti)
    free_sheet = client.get(f"/m/{a_hub.slug}/desk/{a_desk.id}?day={TUESDAY}").text
    assert f'action="/m/{a_hub.slug}/book"' in free_sheet
    assert "Open " + span("08:00", "17:00 WIB") in free_sheet
    taken_sheet = client.get(f"/m/{a_hub.slug}/desk/{taken.id}?day={TUESDAY}").text
    assert "Join waitlist" in taken_sheet
    assert f'action="/m/{a_hub.slug}/book"' not in taken_sheet


def test_a_refused_booking_says_why_and_changes_nothing(
    clock, client, login, siti, other, a_hub, a_desk, booking_count
) -> None:
    bookings.book_whole_day(other.id, a_desk.id, TUESDAY)
    before = booking_count()
    login(siti)
    response = client.post(
        f"/m/{a_hub.slug}/book",
        data={"resource_id": a_desk.id, "day": TUESDAY.isoformat()},
        follow_redirects=True,
    )
    assert "Not booked: Someone else has already booked this" in flashes(response)
    assert booking_count() == before
    assert bookings_of(siti) == []


def test_booking_another_hubs_desk_is_404(
    clock, client, login, siti, a_hub, make_hub, make_resource, booking_count
) -> None:
    elsewhere = make_resource(make_hub(name="Elsewhere"), name="X01")
    login(siti)
    response = client.post(
        f"/m/{a_hub.slug}/book", data={"resource_id": elsewhere.id, "day": TUESDAY.isoformat()}
    )
    assert response.status_code == 404
    assert booking_count() == 0


def test_booking_form_without_a_desk_is_refused(clock, client, login, siti, a_hub, a_desk):
    login(siti)
    response = client.post(f"/m/{a_hub.slug}/book", data={"day": "not-a-date"})
    assert response.status_code == 302
    assert "Choose a desk and a date" in flashes(client.get(response.headers["Location"]))
    assert bookings_of(siti) == []


# -- waitlist ----------------------------------------------------------------------------------


def test_join_and_leave_the_waitlist_for_a_taken_desk(
    clock, client, login, siti, other, a_hub, a_desk
) -> None:
    bookings.book_whole_day(other.id, a_desk.id, TUESDAY)
    login(siti)
    response = client.post(
        f"/m/{a_hub.slug}/waitlist",
        data={"resource_id": a_desk.id, "day": TUESDAY.isoformat()},
        follow_redirects=True,
    )
    assert "You are on the waitlist for A01" in flashes(response)
    entry = db.session.scalar(select(WaitlistEntry).where(WaitlistEntry.member_id == siti.id))
    assert entry.status is WaitlistStatus.WAITING
    page = client.get("/m/bookings").text
    assert f'action="/m/waitlist/{entry.id}/leave"' in page

    response = client.post(f"/m/waitlist/{entry.id}/leave", follow_redirects=True)
    assert "You left the waitlist" in flashes(response)
    db.session.refresh(entry)
    assert entry.status is WaitlistStatus.CANCELLED


def test_waitlist_for_a_free_desk_is_refused(clock, client, login, siti, a_hub, a_desk):
    login(siti)
    response = client.post(
        f"/m/{a_hub.slug}/waitlist",
        data={"resource_id": a_desk.id, "day": TUESDAY.isoformat()},
        follow_redirects=True,
    )
    assert "Not added to the waitlist" in flashes(response)
    assert db.session.scalar(select(WaitlistEntry)) is None


def test_leaving_someone_elses_waitlist_entry_is_404(
    clock, client, login, siti, other, make_member, a_hub, a_desk
) -> None:
    from app.services.booking.waitlist import join_waitlist_for_day

    bookings.book_whole_day(make_member().id, a_desk.id, TUESDAY)
    entry = join_waitlist_for_day(other.id, a_desk.id, TUESDAY)
    login(siti)
    assert client.post(f"/m/waitlist/{entry.id}/leave").status_code == 404
    db.session.refresh(entry)
    assert entry.status is WaitlistStatus.WAITING


# -- my bookings and cancelling ----------------------------------------------------------------


def test_my_bookings_lists_upcoming_and_past(
    clock, client, login, siti, a_hub, a_desk, make_resource
) -> None:
    past_desk = make_resource(a_hub, name="B07")
    old = bookings.book_whole_day(siti.id, past_desk.id, MONDAY)
    bookings.book_whole_day(siti.id, a_desk.id, TUESDAY)
    login(siti)
    clock(hub_time(a_hub, MONDAY, 18))  # Monday's booking is over
    page = client.get("/m/bookings").text
    upcoming, past = page.split("Past and cancelled")
    assert "A01" in upcoming
    assert span("08:00", "17:00 WIB") in upcoming
    assert "Test Hub Jakarta" in upcoming
    assert "Free to cancel until 07:00 WIB" in upcoming
    assert "B07" in past
    assert f"/m/bookings/{old.id}" in past


def test_cancel_my_booking(clock, client, login, siti, a_hub, a_desk) -> None:
    booking = bookings.book_whole_day(siti.id, a_desk.id, TUESDAY)
    login(siti)
    response = client.post(f"/m/bookings/{booking.id}/cancel", follow_redirects=True)
    assert "Cancelled: A01." in flashes(response)
    db.session.refresh(booking)
    assert booking.status is BookingStatus.CANCELLED


def test_cancel_after_the_cutoff_says_why(clock, client, login, siti, a_hub, a_desk) -> None:
    booking = bookings.book_whole_day(siti.id, a_desk.id, MONDAY)  # starts 08:00, it is 08:00
    login(siti)
    page = client.get("/m/bookings").text
    assert "Cancelling closed at 07:00 WIB" in page
    assert f"/m/bookings/{booking.id}/cancel" not in page
    response = client.post(f"/m/bookings/{booking.id}/cancel", follow_redirects=True)
    assert "Not cancelled: It is too late to cancel" in flashes(response)
    db.session.refresh(booking)
    assert booking.status is BookingStatus.CONFIRMED


def test_cancelling_asks_for_confirmation_first(clock, client, login, siti, a_hub, a_desk):
    booking = bookings.book_whole_day(siti.id, a_desk.id, TUESDAY)
    login(siti)
    confirm_url = f"/m/bookings/{booking.id}/cancel"
    # Neither the booking's page nor My bookings cancels in one tap: both link to the question.
    for page in (client.get(f"/m/bookings/{booking.id}").text, client.get("/m/bookings").text):
        assert f'href="{confirm_url}"' in page
        assert f'action="{confirm_url}"' not in page
    question = client.get(confirm_url)
    assert question.status_code == 200
    assert "Cancel A01?" in question.text
    assert weekday(question.text, TUESDAY) in question.text
    assert f'<form method="post" action="{confirm_url}"' in question.text
    assert f'href="/m/bookings/{booking.id}">Keep my booking' in question.text
    db.session.refresh(booking)
    assert booking.status is BookingStatus.CONFIRMED  # asking changes nothing
    response = client.post(confirm_url, follow_redirects=True)
    assert "Cancelled: A01." in flashes(response)
    db.session.refresh(booking)
    assert booking.status is BookingStatus.CANCELLED
    # Once cancelled (or past the cut-off) there is nothing to confirm: back to the booking.
    again = client.get(confirm_url)
    assert again.status_code == 302
    assert again.headers["Location"].endswith(f"/m/bookings/{booking.id}")


def test_booking_page_links_to_its_pass_while_it_has_one(
    clock, client, login, siti, a_hub, a_desk
) -> None:
    booking = bookings.book_whole_day(siti.id, a_desk.id, TUESDAY)
    login(siti)
    pass_link = f'href="/pass/booking/{booking.id}"'
    assert pass_link in client.get(f"/m/bookings/{booking.id}").text
    bookings.cancel_booking(booking.id, member_id=siti.id)
    assert pass_link not in client.get(f"/m/bookings/{booking.id}").text


def test_booking_page_says_when_check_in_opens(clock, client, login, siti, make_hub, make_resource):
    jayapura = make_hub(name="Jayapura", timezone="Asia/Jayapura")
    room = make_resource(jayapura, ResourceKind.ROOM, name="Papeda", min_minutes=30)
    clock(MONDAY, time(9), jayapura)
    booking = bookings.book(
        siti.id, room.id, hub_time(jayapura, MONDAY, 15), hub_time(jayapura, MONDAY, 16)
    )
    login(siti)
    page = client.get(f"/m/bookings/{booking.id}").text
    assert "Check-in opens at 14:00 WIT" in page
    assert "Check-in is open" not in page
    clock(hub_time(jayapura, MONDAY, 14))  # the booking service's rule: an hour before
    page = client.get(f"/m/bookings/{booking.id}").text
    assert "Check-in is open" in page
    assert "Check-in opens" not in page


def test_someone_elses_booking_is_404_and_stays(
    clock, client, login, siti, other, a_hub, a_desk
) -> None:
    theirs = bookings.book_whole_day(other.id, a_desk.id, TUESDAY)
    login(siti)
    assert client.get(f"/m/bookings/{theirs.id}").status_code == 404
    assert client.get(f"/m/bookings/{theirs.id}/cancel").status_code == 404
    assert client.post(f"/m/bookings/{theirs.id}/cancel").status_code == 404
    assert client.get("/m/bookings/999999").status_code == 404
    db.session.refresh(theirs)
    assert theirs.status is BookingStatus.CONFIRMED
    assert "A01" not in client.get("/m/bookings").text


# -- membership --------------------------------------------------------------------------------


def test_membership_shows_plan_price_and_quotas(
    clock, client, login, make_plan, make_member, a_hub, a_desk, a_room
) -> None:
    plan = make_plan(
        name="UMKM Gratis",
        price_idr=0,
        desk_days_per_month=12,
        room_hours_per_month=4,
        guests_per_month=2,
    )
    member = make_member(plan=plan, locale="en")
    bookings.book_whole_day(member.id, a_desk.id, TUESDAY)
    bookings.book(
        member.id, a_room.id, hub_time(a_hub, TUESDAY, 10), hub_time(a_hub, TUESDAY, 11, 30)
    )
    cancelled = bookings.book_whole_day(member.id, a_desk.id, MONDAY + timedelta(days=2))
    bookings.cancel_booking(cancelled.id, member_id=member.id)
    login(member)
    page = client.get("/m/membership").text
    assert "UMKM Gratis" in page
    assert "Active" in page
    assert "11 days left" in page
    assert "1 day of 12 days used" in page
    assert re.search(r"2[.,]5 h left", page)
    assert "2 guests a month" in page


def test_membership_price_in_rupiah(clock, client, login, make_plan, make_member) -> None:
    member = make_member(plan=make_plan(name="Bulanan", price_idr=750_000), locale="en")
    login(member)
    page = client.get("/m/membership").text
    assert re.search(r"Rp 750[.,]000 / month", page)
    assert "Unlimited" in page


def test_pending_membership_awaits_approval(clock, client, login, make_plan, make_member):
    from app.models import MembershipStatus

    member = make_member(plan=make_plan(name="Subsidi", subsidised=True), locale="en")
    member.memberships[0].status = MembershipStatus.PENDING
    db.session.commit()
    login(member)
    page = client.get("/m/membership").text
    assert "Awaiting approval" in page
    assert "no membership in force" in page


def test_signup_in_wit_before_utc_midnight_starts_on_the_hubs_today(
    clock, client, outbox, login, make_hub, make_plan
) -> None:
    from tests.web.test_auth import SIGNUP

    jayapura = make_hub(name="Jayapura", timezone="Asia/Jayapura")
    plan = make_plan(name="UMKM Papua", subsidised=True, all_hubs=False, hubs=[jayapura])
    clock(datetime(2026, 11, 23, 22, 0, tzinfo=UTC))  # Tue 24 Nov 07:00 WIT, Mon 23 Nov in UTC
    client.post("/signup", data={**SIGNUP, "plan_id": str(plan.id)})
    client.get(urlparse(outbox.last_link(SIGNUP["email"])).path)
    (member,) = db.session.scalars(select(User).where(User.email == SIGNUP["email"]))
    assert member.memberships[0].starts_on == TUESDAY
    login(member)
    page = client.get("/m/membership").text
    assert f"From {format_date(TUESDAY, 'medium', locale='en')}" in page
    assert format_date(MONDAY, "medium", locale="en") not in page


def test_membership_today_is_the_plans_hubs_today(
    clock, client, login, make_hub, make_plan, make_member
) -> None:
    jayapura = make_hub(name="Jayapura", timezone="Asia/Jayapura")
    plan = make_plan(name="Papua Bulanan", all_hubs=False, hubs=[jayapura])
    member = make_member(plan=plan, starts_on=TUESDAY, locale="en")
    clock(datetime(2026, 11, 23, 15, 30, tzinfo=UTC))  # Tue 00:30 WIT, Mon 22:30 WIB
    login(member)
    page = client.get("/m/membership").text
    assert "no membership in force" not in page
    assert "Papua Bulanan" in page
    assert "This month (WIT)" in page


def test_usage_counts_no_shows_not_cancellations(
    clock, session, make_member, a_hub, a_desk, make_resource
) -> None:
    from app.services.booking.usage import membership_summary

    member = make_member()
    kept = bookings.book_whole_day(member.id, a_desk.id, TUESDAY)
    kept.status = BookingStatus.NO_SHOW
    gone = bookings.book_whole_day(member.id, make_resource(a_hub).id, MONDAY + timedelta(days=2))
    gone.status = BookingStatus.CANCELLED
    session.commit()
    summary = membership_summary(member.id)
    assert summary.usage is not None
    assert summary.usage.desk_days.used == 1
    assert summary.usage.room_hours.used == 0
    assert summary.zone_label == "WIB"


def test_usage_month_is_taken_in_the_hubs_zone(
    clock, session, make_member, make_hub, make_resource
):
    from app.services.booking.usage import membership_summary

    jayapura = make_hub(name="Jayapura", timezone="Asia/Jayapura", weekdays=range(7))
    desk = make_resource(jayapura, name="J01")
    member = make_member()
    clock(datetime(2026, 11, 30, 3, 0, tzinfo=UTC))  # Mon 30 Nov 12:00 WIT
    bookings.book_whole_day(member.id, desk.id, date(2026, 12, 1))
    clock(datetime(2026, 11, 30, 16, 0, tzinfo=UTC))  # still November in Jakarta, 1 Dec in WIT
    summary = membership_summary(member.id)
    assert summary.usage is not None
    assert summary.usage.month == date(2026, 12, 1)
    assert summary.usage.desk_days.used == 1
    assert summary.zone_label == "WIT"
