"""Rooms through the web: the day's timeline, booking a slot range, recurring bookings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Booking
from app.services.booking import bookings
from tests.conftest import MONDAY, TUESDAY, hub_time
from tests.web.test_member import span

NEXT_TUESDAY = TUESDAY + timedelta(weeks=1)


@pytest.fixture
def siti(make_member):
    return make_member(name="Siti", locale="en")


@pytest.fixture
def other(make_member):
    return make_member(name="Budi", locale="en")


def bookings_of(member) -> list[Booking]:
    return list(
        db.session.scalars(
            select(Booking).where(Booking.member_id == member.id).order_by(Booking.start_at)
        )
    )


def room_url(room, day=TUESDAY) -> str:
    return f"/m/{room.hub.slug}/room/{room.id}?day={day}"


def test_room_day_shows_a_timeline_of_slots(clock, client, login, siti, other, a_hub, a_room):
    bookings.book(other.id, a_room.id, hub_time(a_hub, TUESDAY, 10), hub_time(a_hub, TUESDAY, 11))
    bookings.book(siti.id, a_room.id, hub_time(a_hub, TUESDAY, 14), hub_time(a_hub, TUESDAY, 15))
    login(siti)
    page = client.get(room_url(a_room)).text
    assert page.count('class="slot ') == 18  # 08:00-17:00 in 30-minute slots
    assert '<li class="slot busy">10:00' in page
    assert '<li class="slot mine">14:00' in page
    assert f'href="/m/{a_hub.slug}/room/{a_room.id}?day={TUESDAY}&amp;start=09:00#book"' in page
    assert '<option value="10:00">10:00 (taken)</option>' in page


def test_floor_plan_lists_each_rooms_free_slots(clock, client, login, siti, a_hub, a_room):
    login(siti)
    page = client.get(f"/m/{a_hub.slug}/?day={TUESDAY}").text
    assert f'href="/m/{a_hub.slug}/room/{a_room.id}?day={TUESDAY}"' in page
    assert "18 free slots" in client.get(f"/m/{a_hub.slug}/list?day={TUESDAY}").text


def test_a_free_slot_link_preselects_the_start(clock, client, login, siti, a_hub, a_room):
    login(siti)
    page = client.get(room_url(a_room) + "&start=09:30").text
    assert '<option selected value="09:30">' in page


def test_book_a_slot_range(clock, client, login, siti, a_hub, a_room) -> None:
    login(siti)
    response = client.post(room_url(a_room), data={"start": "10:00", "minutes": "90"})
    assert response.status_code == 302
    (booking,) = bookings_of(siti)
    assert booking.start_at == hub_time(a_hub, TUESDAY, 10)
    assert booking.end_at == hub_time(a_hub, TUESDAY, 11, 30)
    page = client.get(response.headers["Location"]).text
    assert span("10:00", "11:30 WIB") in page


def test_a_conflict_is_a_form_message_and_keeps_the_input(
    clock, client, login, siti, other, a_hub, a_room, booking_count
) -> None:
    bookings.book(other.id, a_room.id, hub_time(a_hub, TUESDAY, 11), hub_time(a_hub, TUESDAY, 12))
    before = booking_count()
    login(siti)
    response = client.post(room_url(a_room), data={"start": "10:00", "minutes": "120"})
    assert response.status_code == 200
    assert "Someone else has already booked this" in response.text
    assert '<option selected value="10:00">' in response.text
    assert '<option selected value="120">' in response.text
    assert booking_count() == before


def test_a_start_outside_the_day_is_a_field_error(clock, client, login, siti, a_hub, a_room):
    login(siti)
    response = client.post(room_url(a_room), data={"start": "03:00", "minutes": "60"})
    assert response.status_code == 200
    assert 'id="start-error"' in response.text
    assert bookings_of(siti) == []


def test_a_length_the_room_does_not_allow_is_a_field_error(
    clock, client, login, siti, a_hub, a_room
) -> None:
    login(siti)
    response = client.post(room_url(a_room), data={"start": "10:00", "minutes": "600"})
    assert 'id="minutes-error"' in response.text
    assert bookings_of(siti) == []


def test_quota_refusal_is_a_form_message(clock, client, login, make_plan, make_member, a_room):
    member = make_member(plan=make_plan(room_hours_per_month=1), locale="en")
    login(member)
    response = client.post(room_url(a_room), data={"start": "10:00", "minutes": "120"})
    assert "monthly allowance for this is used up" in response.text
    assert bookings_of(member) == []


def test_another_hubs_room_is_404(clock, client, login, siti, a_hub, make_hub, make_resource):
    from app.models import ResourceKind

    theirs = make_resource(make_hub(name="Elsewhere"), ResourceKind.ROOM, name="Ancol")
    login(siti)
    assert client.get(f"/m/{a_hub.slug}/room/{theirs.id}").status_code == 404
    response = client.post(
        f"/m/{a_hub.slug}/room/{theirs.id}", data={"start": "10:00", "minutes": "60"}
    )
    assert response.status_code == 404
    assert bookings_of(siti) == []


def test_desk_and_room_pages_send_each_other_along(
    clock, client, login, siti, a_hub, a_desk, a_room
):
    login(siti)
    assert f"/room/{a_room.id}" in client.get(f"/m/{a_hub.slug}/desk/{a_room.id}").location
    assert f"/desk/{a_desk.id}" in client.get(f"/m/{a_hub.slug}/room/{a_desk.id}").location


# -- recurring ---------------------------------------------------------------------------------


def series_form(**overrides: str) -> dict[str, str]:
    return {
        "first_day": TUESDAY.isoformat(),
        "start": "10:00",
        "minutes": "60",
        "frequency": "weekly",
        "ends": "count",
        "count": "3",
        "until": "",
        **overrides,
    }


def test_recurring_preview_shows_conflicts_then_books_the_rest(
    clock, client, login, make_plan, make_member, other, a_hub, a_room, booking_count
) -> None:
    siti = make_member(plan=make_plan(advance_days=30), locale="en")
    bookings.book(
        other.id, a_room.id, hub_time(a_hub, NEXT_TUESDAY, 10), hub_time(a_hub, NEXT_TUESDAY, 11)
    )
    login(siti)
    url = f"/m/{a_hub.slug}/room/{a_room.id}/repeat?day={TUESDAY}"
    before = booking_count()

    preview = client.post(url, data=series_form(preview="1"))
    assert preview.status_code == 200
    assert "2 of 3 dates are free" in preview.text
    assert preview.text.count('class="conflict"') == 1
    assert "Someone else has already booked this" in preview.text
    assert "Book the 2 free dates" in preview.text
    assert booking_count() == before  # a preview changes nothing

    response = client.post(url, data=series_form(confirm="1"), follow_redirects=True)
    assert "Booked 2 of 3 dates of Monas" in response.text
    mine = bookings_of(siti)
    assert [b.start_at for b in mine] == [
        hub_time(a_hub, TUESDAY, 10),
        hub_time(a_hub, TUESDAY + timedelta(weeks=2), 10),
    ]
    assert len({b.series_id for b in mine}) == 1


def test_recurring_until_a_date(clock, client, login, siti, a_hub, a_room) -> None:
    login(siti)
    url = f"/m/{a_hub.slug}/room/{a_room.id}/repeat"
    data = series_form(
        frequency="daily", ends="until", until=(TUESDAY + timedelta(days=2)).isoformat()
    )
    response = client.post(url, data={**data, "preview": "1"})
    assert "3 of 3 dates are free" in response.text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends": "until", "until": ""}, "Choose the last date."),
        ({"ends": "until", "until": MONDAY.isoformat()}, "on or after the first date"),
        ({"ends": "count", "count": ""}, "Say how many times."),
        ({"count": "99"}, "between 1 and 52"),
        ({"first_day": "soon"}, "Not a valid date value."),
    ],
)
def test_recurring_form_errors_keep_the_input(
    clock, client, login, siti, a_hub, a_room, overrides, message
) -> None:
    login(siti)
    url = f"/m/{a_hub.slug}/room/{a_room.id}/repeat"
    response = client.post(url, data=series_form(preview="1", **overrides))
    assert response.status_code == 200
    assert message in response.text
    assert '<option selected value="10:00">' in response.text
    assert bookings_of(siti) == []


def test_a_series_with_no_free_date_books_nothing(
    clock, client, login, make_plan, make_member, a_hub, a_room
) -> None:
    member = make_member(plan=make_plan(room_hours_per_month=0), locale="en")
    login(member)
    url = f"/m/{a_hub.slug}/room/{a_room.id}/repeat"
    response = client.post(url, data=series_form(confirm="1"))
    assert "None of these dates could be booked" in response.text
    assert bookings_of(member) == []
