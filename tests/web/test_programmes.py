"""Programme pages through the web: my business, events (register, pass, staff create and the
attendance list), mentoring (office hours, booking, notes), the impact page and its CSV."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    BusinessProfile,
    Event,
    EventKind,
    MentorSlot,
    ProgrammeStep,
    Role,
)
from app.services.access.keys import Keyring, generate_key
from app.services.programmes import events, mentoring, registrations
from app.services.programmes.events import EventInput
from tests.conftest import TUESDAY, hub_time

NINE = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB


@pytest.fixture
def keyring(app, session) -> Keyring:
    """The app's own keyring with a fresh active key for this test."""
    ring = app.extensions["ruang.keyring"]
    generate_key(ring)
    return ring


@pytest.fixture
def siti(make_member):
    return make_member(name="Siti", locale="en")


@pytest.fixture
def staff(make_member, a_hub):
    return make_member(name="Dewi", locale="en", roles=[(Role.FRONTDESK, a_hub)])


@pytest.fixture
def training(clock, a_hub, a_room, staff) -> Event:
    clock(NINE)
    (event,) = events.create_events(
        EventInput(
            hub_id=a_hub.id,
            title="Pelatihan pembukuan",
            kind=EventKind.TRAINING,
            starts_at=hub_time(a_hub, TUESDAY, 10),
            ends_at=hub_time(a_hub, TUESDAY, 12),
            capacity=1,
            resource_id=a_room.id,
        ),
        actor_id=staff.id,
    )
    return event


def flashes(response) -> str:
    return " ".join(re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', response.text, re.S))


@pytest.mark.parametrize("path", ["/p/business", "/p/journey", "/p/events", "/p/mentoring"])
def test_programme_pages_need_a_login(client, path) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_member_saves_their_business(client, login, siti) -> None:
    login(siti)
    page = client.get("/p/business")
    assert "J · Information and communication" in page.text
    response = client.post(
        "/p/business",
        data={
            "name": "Kopi Kita",
            "nib": "1234567890123",
            "kbli_section": "I",
            "stage": "starting",
            "people_employed": "2",
            "kecamatan": "Tanah Abang",
            "kelurahan": "Karet Tengsin",
            "gender": "female",
        },
        follow_redirects=True,
    )
    assert "Your business profile is saved." in flashes(response)
    profile = db.session.scalar(select(BusinessProfile).where(BusinessProfile.user_id == siti.id))
    assert (profile.name, profile.nib, profile.people_employed) == ("Kopi Kita", "1234567890123", 2)
    assert profile.gender is None  # no consent ticked


def test_a_bad_nib_is_refused_and_nothing_is_saved(client, login, siti) -> None:
    login(siti)
    response = client.post(
        "/p/business",
        data={"name": "Kopi Kita", "nib": "12345", "kbli_section": "I", "stage": "idea",
              "people_employed": "1"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "An NIB has 13 digits." in response.text
    assert db.session.scalar(select(BusinessProfile)) is None


def test_register_see_the_pass_and_the_next_one_waits(
    client, login, keyring, siti, make_member, training
) -> None:
    login(siti)
    page = client.get("/p/events")
    assert "Pelatihan pembukuan" in page.text
    response = client.post(f"/p/events/{training.id}/register", follow_redirects=True)
    assert "You have a place." in flashes(response)
    registration = registrations.registration_of(siti.id, training.id)
    pass_page = client.get(f"/p/registrations/{registration.id}/pass")
    assert pass_page.status_code == 200
    assert "<svg" in pass_page.text

    other = make_member(name="Budi", locale="en")
    login(other)
    assert client.get(f"/p/registrations/{registration.id}/pass").status_code == 404
    response = client.post(f"/p/events/{training.id}/register", follow_redirects=True)
    assert "you are on the waitlist" in flashes(response)


def test_staff_create_an_event_and_see_the_attendance(
    client, login, clock, staff, a_hub, a_room, siti
) -> None:
    clock(NINE)
    login(staff)
    response = client.post(
        f"/staff/programmes/{a_hub.slug}/events",
        data={"title": "Klinik NIB", "kind": "clinic", "day": TUESDAY.isoformat(),
              "starts": "13:00", "ends": "14:00", "resource_id": str(a_room.id),
              "capacity": "5", "weeks": "1"},
        follow_redirects=True,
    )  # fmt: skip
    assert "Created 1 event(s)." in flashes(response)
    event = db.session.scalar(select(Event).where(Event.title == "Klinik NIB"))
    assert event.starts_at == hub_time(a_hub, TUESDAY, 13)
    registrations.register(siti.id, event.id)
    page = client.get(f"/staff/programmes/events/{event.id}")
    assert "Siti" in page.text
    response = client.post(
        f"/staff/programmes/events/{event.id}/guests",
        data={"guest_name": "Pak Joko"},
        follow_redirects=True,
    )
    assert "Pak Joko" in response.text


def test_an_event_on_a_booked_room_is_refused_on_the_form(
    client, login, clock, staff, a_hub, a_room, training
) -> None:
    login(staff)
    response = client.post(
        f"/staff/programmes/{a_hub.slug}/events",
        data={"title": "Bentrok", "kind": "meetup", "day": TUESDAY.isoformat(),
              "starts": "11:00", "ends": "13:00", "resource_id": str(a_room.id),
              "capacity": "5", "weeks": "1"},
    )  # fmt: skip
    assert "Someone else has already booked this at that time." in response.text
    assert db.session.scalar(select(Event).where(Event.title == "Bentrok")) is None


def test_staff_of_another_hub_cannot_see_the_attendance(
    client, login, make_hub, make_member, training
) -> None:
    elsewhere = make_member(roles=[(Role.FRONTDESK, make_hub())])
    login(elsewhere)
    assert client.get(f"/staff/programmes/events/{training.id}").status_code == 403
    assert client.post(f"/staff/programmes/events/{training.id}/cancel").status_code == 403


def test_mentor_publishes_hours_member_books_and_reads_the_notes(
    client, login, clock, a_hub, make_member, siti
) -> None:
    clock(NINE)
    mentor = make_member(name="Pak Hendra", plan=None, locale="en", roles=[(Role.MENTOR, None)])
    login(mentor)
    response = client.post(
        "/p/office-hours",
        data={"hub_id": str(a_hub.id), "day": TUESDAY.isoformat(), "starts": "10:00",
              "minutes": "60", "count": "2"},
        follow_redirects=True,
    )  # fmt: skip
    assert "Your office hours are published." in flashes(response)
    slot = db.session.scalars(select(MentorSlot).order_by(MentorSlot.starts_at)).first()

    login(siti)
    assert client.get("/p/office-hours").status_code == 403
    response = client.post(
        f"/p/mentoring/slots/{slot.id}/book", data={"topic": "Izin edar"}, follow_redirects=True
    )
    assert "Your mentoring session is booked." in flashes(response)
    (session,) = mentoring.sessions_of(siti)

    login(mentor)
    client.post(
        f"/p/mentoring/sessions/{session.id}",
        data={"notes": "Daftar BPOM", "follow_up": "Siapkan label", "step_reached": "licensing"},
    )
    login(siti)
    page = client.get(f"/p/mentoring/sessions/{session.id}")
    assert "Daftar BPOM" in page.text
    assert "Licensing (perizinan)" in client.get("/p/journey").text

    nosy = make_member(name="Nosy", locale="en")
    login(nosy)
    assert client.get(f"/p/mentoring/sessions/{session.id}").status_code == 404
    assert ProgrammeStep.LICENSING  # the step recorded with the notes


# -- the impact page ---------------------------------------------------------------------------


def test_a_hub_admin_sees_their_hub_and_not_another(
    client, login, make_hub, make_member, a_hub
) -> None:
    other_hub = make_hub(slug="other-hub")
    admin = make_member(locale="en", roles=[(Role.HUB_ADMIN, a_hub)])
    login(admin)
    page = client.get(f"/reports/impact?level=hub&name={a_hub.slug}&from=2026-11-01&to=2026-11-30")
    assert page.status_code == 200
    assert "Members served" in page.text
    assert "<svg" in page.text
    assert client.get("/reports/impact?level=hub&name=other-hub").status_code == 403
    assert client.get("/reports/impact?level=programme").status_code == 403
    assert other_hub.slug == "other-hub"


def test_members_cannot_open_the_impact_page(client, login, siti) -> None:
    login(siti)
    assert client.get("/reports/impact").status_code == 403


def test_a_programme_admin_exports_a_table_as_csv(client, login, make_member, a_hub) -> None:
    admin = make_member(locale="en", roles=[(Role.PROGRAMME_ADMIN, None)])
    login(admin)
    response = client.get("/reports/impact/steps.csv?level=programme&from=2026-11-01&to=2026-11-30")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    lines = response.text.strip().splitlines()
    assert lines[0] == "Step,Count"
    assert len(lines) == 1 + len(ProgrammeStep)
    assert client.get("/reports/impact/nothing.csv?level=programme").status_code == 404


def test_the_utilisation_page_draws_the_heatmap_and_exports_csv(
    client, login, make_member, a_hub
) -> None:
    admin = make_member(locale="en", roles=[(Role.HUB_ADMIN, a_hub)])
    login(admin)
    query = f"level=hub&name={a_hub.slug}&from=2026-11-23&to=2026-11-24"
    page = client.get(f"/reports/utilisation?{query}")
    assert page.status_code == 200
    assert 'class="chart heatmap"' in page.text
    response = client.get(f"/reports/utilisation/days.csv?{query}")
    assert response.text.splitlines() == ["Date,Booked hours", "2026-11-23,0.0", "2026-11-24,0.0"]


def test_staff_move_an_event_on_the_attendance_page(
    client, login, staff, a_hub, a_room, training
) -> None:
    login(staff)
    page = client.get(f"/staff/programmes/events/{training.id}")
    assert "Change the time or room" in page.text
    response = client.post(
        f"/staff/programmes/events/{training.id}/reschedule",
        data={"day": TUESDAY.isoformat(), "starts": "14:00", "ends": "15:30",
              "resource_id": str(a_room.id)},
        follow_redirects=True,
    )  # fmt: skip
    assert "The event is moved" in flashes(response)
    db.session.refresh(training)
    assert training.starts_at == hub_time(a_hub, TUESDAY, 14)


def test_sign_up_with_a_stage_starts_the_business_profile(client, outbox) -> None:
    from tests.web.test_auth import SIGNUP

    client.post("/signup", data={**SIGNUP, "business_stage": "starting", "people_employed": "3"})
    client.post(
        "/signup",
        data={**SIGNUP, "email": "later@example.com", "business_stage": "", "people_employed": ""},
    )
    profiles = db.session.scalars(select(BusinessProfile)).all()
    assert [(p.name, p.kbli_section, p.stage.value, p.people_employed) for p in profiles] == [
        ("Ani Cake", "I", "starting", 3)
    ]
    assert [r.people for r in profiles[0].employment] == [3]


def test_the_front_desk_lists_todays_events_and_check_in_shows_on_the_attendance(
    client, login, clock, keyring, staff, a_hub, training, siti
) -> None:
    registration = registrations.register(siti.id, training.id)
    token = registrations.event_pass(keyring, registration.id, siti.id).token.token
    clock(hub_time(a_hub, TUESDAY, 9, 50))
    login(staff)
    desk = client.get(f"/frontdesk/{a_hub.slug}/")
    assert "Events today" in desk.text
    assert "Pelatihan pembukuan" in desk.text
    client.post(f"/frontdesk/{a_hub.slug}/scan", data={"token": token})
    page = client.get(f"/staff/programmes/events/{training.id}")
    assert "1 of 1 registered came in." in page.text


def test_staff_print_a_guests_pass_other_hubs_cannot(
    client, login, keyring, staff, make_hub, make_member, training
) -> None:
    guest = registrations.register_guest(training.id, "Pak Joko", "", actor_id=staff.id)
    login(staff)
    page = client.get(f"/staff/programmes/events/{training.id}")
    assert f"/staff/programmes/registrations/{guest.id}/pass" in page.text
    pass_page = client.get(f"/staff/programmes/registrations/{guest.id}/pass")
    assert "Pak Joko" in pass_page.text
    assert "<svg" in pass_page.text
    login(make_member(roles=[(Role.FRONTDESK, make_hub())]))
    assert client.get(f"/staff/programmes/registrations/{guest.id}/pass").status_code == 403
