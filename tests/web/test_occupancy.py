"""Live occupancy pages: JSON and server-sent events for the hub's staff only, and the widget on
the front-desk and admin hub pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from app.models import Device, DeviceKind, Role, Zone
from app.services.devices.occupancy import record_occupancy

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB


@pytest.fixture
def staff(make_member, a_hub):
    return make_member(plan=None, name="Dewi Staff", roles=[(Role.FRONTDESK, a_hub)])


@pytest.fixture
def sensor(session, a_hub, a_desk):
    zone = Zone(floor=a_desk.floor, name="Area Kerja", capacity=20)
    session.add(zone)
    device = Device(
        device_id="lobby-counter",
        hub_id=a_hub.id,
        name="Lobby counter",
        kind=DeviceKind.SENSOR,
        zone=zone,
        online=True,
    )
    session.add(device)
    session.commit()
    return device


@pytest.fixture
def fast_stream(app, monkeypatch):
    monkeypatch.setitem(app.config, "OCCUPANCY_POLL_SECONDS", 0.01)
    monkeypatch.setitem(app.config, "OCCUPANCY_STREAM_SECONDS", 30)


def events(chunks):
    """Parsed `occupancy` events from an iterator of SSE chunks, as they come."""
    for chunk in chunks:
        text = chunk.decode() if isinstance(chunk, bytes) else chunk
        if text.startswith("event: occupancy"):
            data = next(line for line in text.splitlines() if line.startswith("data: "))
            yield json.loads(data.removeprefix("data: "))


def test_json_gives_zones_and_the_hub_total(clock, client, login, staff, a_hub, sensor) -> None:
    clock(T0)
    record_occupancy(sensor, "m1", None, 7, T0)
    response = login(staff).get(f"/occupancy/{a_hub.slug}.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data = response.json
    assert data["hub"] == a_hub.slug
    assert data["people"] == 7
    [zone] = data["zones"]
    assert (zone["name"], zone["people"], zone["capacity"], zone["full"]) == (
        "Area Kerja",
        7,
        20,
        False,
    )
    assert len(data["buckets"]) == len(data["history"]) == len(zone["history"]) == 36
    assert data["history"][-1] == 7


def test_stream_sends_the_state_then_each_change(
    clock, client, login, staff, a_hub, sensor, fast_stream
) -> None:
    clock(T0)
    response = login(staff).get(f"/occupancy/{a_hub.slug}/stream", buffered=False)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-store"
    chunks = iter(response.response)
    assert next(chunks).startswith(b"retry: ")
    stream = events(chunks)
    first = next(stream)
    assert (first["people"], first["zones"][0]["people"]) == (None, None)

    record_occupancy(sensor, "m1", None, 4, T0)
    assert next(stream)["people"] == 4
    record_occupancy(sensor, "m2", None, 9, T0)
    assert next(stream)["zones"][0]["people"] == 9
    response.close()  # the browser went away: the generator stops, nothing raises


def test_stream_ends_by_itself_and_sends_no_repeats(
    app, clock, client, login, staff, a_hub, sensor, monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "OCCUPANCY_POLL_SECONDS", 0.01)
    monkeypatch.setitem(app.config, "OCCUPANCY_STREAM_SECONDS", 0.1)
    clock(T0)
    response = login(staff).get(f"/occupancy/{a_hub.slug}/stream", buffered=False)
    body = b"".join(response.response)  # about ten polls, then the stream ends
    response.close()
    assert body.count(b"event: occupancy") == 1  # nothing changed after the first
    assert body.endswith(b"\n\n")


@pytest.mark.parametrize(
    "path", ["/occupancy/{slug}/stream", "/occupancy/{slug}.json", "/occupancy/{slug}/"]
)
def test_members_and_other_hubs_staff_are_refused(
    client, login, a_hub, make_hub, make_member, a_member, path
) -> None:
    url = path.format(slug=a_hub.slug)
    assert client.get(url).status_code in (302, 401)  # not logged in: to the login page
    assert login(a_member).get(url).status_code == 403
    elsewhere = make_member(plan=None, roles=[(Role.FRONTDESK, make_hub(slug="elsewhere"))])
    assert login(elsewhere).get(url).status_code == 403
    assert login(elsewhere).get(path.format(slug="no-such-hub")).status_code == 404


def test_hub_admin_may_watch(client, login, a_hub, make_member) -> None:
    admin = make_member(plan=None, roles=[(Role.HUB_ADMIN, a_hub)])
    assert login(admin).get(f"/occupancy/{a_hub.slug}.json").status_code == 200


def test_occupancy_page_renders_without_scripts(clock, client, login, staff, a_hub, sensor) -> None:
    clock(T0)
    record_occupancy(sensor, "m1", None, 21, T0)
    page = login(staff).get(f"/occupancy/{a_hub.slug}/").text
    assert "Area Kerja" in page
    assert '<td data-label="People now">21</td>' in page
    assert "full" in page


def test_widget_on_the_front_desk_and_admin_hub_pages(
    client, login, staff, a_hub, make_member
) -> None:
    page = login(staff).get(f"/frontdesk/{a_hub.slug}/").text
    assert f'data-stream="/occupancy/{a_hub.slug}/stream"' in page
    assert "occupancy.js" in page
    admin = make_member(plan=None, roles=[(Role.HUB_ADMIN, a_hub)])
    page = login(admin).get(f"/admin/hubs/{a_hub.slug}").text
    assert f'data-json="/occupancy/{a_hub.slug}.json"' in page
    assert "occupancy.js" in page
    assert "Release unused rooms after N minutes without presence" in page
