"""Occupancy reports: processed once, live state per zone / room / hub, 5-minute buckets, the
zone count the access decision reads; and the worker's release of booked rooms found empty."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from app.models import (
    AuditEntry,
    BookingStatus,
    Device,
    DeviceKind,
    OccupancySample,
    ProcessedMessage,
    ResourceKind,
    Role,
    Zone,
    ZoneOccupancy,
)
from app.models.devices import Adapter
from app.services.booking import bookings, waitlist
from app.services.devices.occupancy import (
    bucket_start,
    hub_occupancy,
    people_in_zone,
    record_occupancy,
    release_empty_rooms,
)
from app.services.errors import InvalidInput
from app.services.hubs import admin as hub_admin
from app.worker import JOBS, run_due_jobs
from tests.conftest import MONDAY, hub_time

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB


@pytest.fixture
def make_zone(session, make_resource):
    def make(hub, name="Area Kerja", capacity=None):
        floor = hub.floors[0] if hub.floors else make_resource(hub).floor
        zone = Zone(floor=floor, name=name, capacity=capacity)
        session.add(zone)
        session.commit()
        return zone

    return make


@pytest.fixture
def make_sensor(session):
    counter = iter(range(1, 1000))

    def make(hub, zone, online=True, **fields):
        n = next(counter)
        device = Device(
            device_id=fields.pop("device_id", f"sensor-{n}"),
            hub_id=hub.id,
            name=fields.pop("name", f"Sensor {n}"),
            kind=DeviceKind.SENSOR,
            zone_id=zone.id if zone is not None else None,
            online=online,
            **fields,
        )
        session.add(device)
        session.commit()
        return device

    return make


@pytest.fixture
def zone(make_zone, a_hub):
    return make_zone(a_hub, capacity=10)


@pytest.fixture
def counter(make_sensor, a_hub, zone):
    return make_sensor(a_hub, zone)


def sample(session, zone_id, at):
    return session.scalar(
        select(OccupancySample).where(
            OccupancySample.zone_id == zone_id, OccupancySample.bucket_start == bucket_start(at)
        )
    )


# -- recording ----------------------------------------------------------------------------------


def test_a_report_is_processed_once(clock, session, zone, counter) -> None:
    clock(T0)
    assert record_occupancy(counter, "m1", None, 4, T0) is True
    assert record_occupancy(counter, "m1", None, 9, T0) is False  # a QoS 1 duplicate
    session.expire_all()
    live = session.get(ZoneOccupancy, zone.id)
    assert (live.people, live.present, live.last_presence_at) == (4, True, T0)
    assert sample(session, zone.id, T0).reports == 1
    assert session.get(ProcessedMessage, f"{counter.device_id}:m1") is not None


def test_the_same_message_id_from_another_device_is_another_report(
    clock, session, a_hub, zone, counter, make_sensor
) -> None:
    clock(T0)
    other = make_sensor(a_hub, zone)
    assert record_occupancy(counter, "m1", None, 4, T0)
    assert record_occupancy(other, "m1", None, 6, T0)
    assert sample(session, zone.id, T0).reports == 2


def test_states_are_applied_in_order_the_same_state_again_is_a_new_report(
    clock, session, zone, counter
) -> None:
    """Occupied, empty, occupied within a second ends occupied; a counter reading 6, 5, 6 ends
    at 6: with ids of their own (native) and without (Zigbee2MQTT), nothing here is a duplicate."""
    clock(T0 + timedelta(minutes=1))
    for message_id in ("a", "b", "c"):  # native ids: each report its own
        at = T0 + timedelta(milliseconds=300 * "abc".index(message_id))
        assert record_occupancy(counter, message_id, message_id != "b", None, at)
    session.expire_all()
    assert session.get(ZoneOccupancy, zone.id).present is True
    for count in (6, 5, 6):  # no ids, one arrival time (equal times apply in order)
        assert record_occupancy(counter, None, None, count, T0 + timedelta(seconds=1))
    session.expire_all()
    assert session.get(ZoneOccupancy, zone.id).people == 6
    # The same state again, later, is another report: it counts in the bucket.
    assert record_occupancy(counter, None, None, 6, T0 + timedelta(seconds=2))
    assert sample(session, zone.id, T0).reports == 7
    assert session.scalar(select(func.count()).select_from(ProcessedMessage)) == 3


def test_five_minute_buckets_keep_the_most_people_and_any_presence(
    clock, session, zone, counter
) -> None:
    clock(T0 + timedelta(minutes=12))
    for n, (minute, count) in enumerate([(0, 3), (2, 8), (4, 0), (5, 2), (11, 0)]):
        record_occupancy(counter, f"m{n}", None, count, T0 + timedelta(minutes=minute))
    first, second, third = (sample(session, zone.id, T0 + timedelta(minutes=m)) for m in (0, 5, 10))
    assert (first.bucket_start, first.max_people, first.any_presence, first.reports) == (
        T0,
        8,
        True,
        3,
    )
    assert (second.max_people, second.any_presence, second.reports) == (2, True, 1)
    assert (third.max_people, third.any_presence, third.reports) == (0, False, 1)
    assert session.get(ZoneOccupancy, zone.id).people == 0


def test_presence_sensor_keeps_the_last_presence(clock, session, zone, counter) -> None:
    clock(T0 + timedelta(minutes=30))
    record_occupancy(counter, "a", True, None, T0)
    record_occupancy(counter, "b", False, None, T0 + timedelta(minutes=20))
    session.expire_all()
    live = session.get(ZoneOccupancy, zone.id)
    assert (live.present, live.people, live.last_presence_at) == (False, None, T0)
    assert sample(session, zone.id, T0 + timedelta(minutes=20)).any_presence is False
    assert sample(session, zone.id, T0).max_people is None


def test_a_late_report_counts_in_its_bucket_but_not_as_now(clock, session, zone, counter) -> None:
    clock(T0 + timedelta(minutes=30))
    record_occupancy(counter, "new", None, 2, T0 + timedelta(minutes=25))
    record_occupancy(counter, "old", None, 7, T0)  # uploaded late from a buffer
    session.expire_all()
    live = session.get(ZoneOccupancy, zone.id)
    assert (live.people, live.updated_at) == (2, T0 + timedelta(minutes=25))
    assert live.last_presence_at == T0 + timedelta(minutes=25)
    assert sample(session, zone.id, T0).max_people == 7


def test_a_clock_ahead_counts_as_now(clock, session, zone, counter) -> None:
    clock(T0)
    record_occupancy(counter, "ahead", None, 3, T0 + timedelta(days=2))
    session.expire_all()
    assert session.get(ZoneOccupancy, zone.id).updated_at == T0
    assert sample(session, zone.id, T0).max_people == 3


def test_reports_from_a_device_without_zone_are_ignored(
    clock, session, a_hub, make_sensor, caplog
) -> None:
    clock(T0)
    loose = make_sensor(a_hub, None)
    assert record_occupancy(loose, "m1", True, 3, T0) is False
    assert "has no zone" in caplog.text
    assert session.scalar(select(func.count()).select_from(ProcessedMessage)) == 0
    assert session.scalar(select(func.count()).select_from(OccupancySample)) == 0


def test_people_in_zone(clock, session, a_hub, zone, counter, make_zone, make_sensor) -> None:
    clock(T0)
    assert people_in_zone(zone.id, T0) is None  # no sensor data yet
    record_occupancy(counter, "m1", None, 6, T0)
    assert people_in_zone(zone.id, T0 + timedelta(minutes=1)) == 6
    assert people_in_zone(zone.id, T0 + timedelta(hours=13)) is None  # a dead counter
    lobby = make_zone(a_hub, name="Lobby")
    record_occupancy(make_sensor(a_hub, lobby), "p1", True, None, T0)
    assert people_in_zone(lobby.id, T0) is None  # presence is not a count


# -- read models --------------------------------------------------------------------------------


def test_live_occupancy_per_zone_room_and_hub(
    clock, session, a_hub, zone, counter, make_zone, make_sensor, make_resource
) -> None:
    meeting = make_zone(a_hub, name="Ruang Rapat", capacity=6)
    empty = make_zone(a_hub, name="Gudang")
    room = make_resource(a_hub, ResourceKind.ROOM, name="Monas", zone_id=meeting.id)
    make_resource(a_hub, ResourceKind.ROOM, name="No zone")
    clock(T0 + timedelta(minutes=20))
    record_occupancy(counter, "a", None, 5, T0)
    record_occupancy(counter, "b", None, 10, T0 + timedelta(minutes=10))
    record_occupancy(make_sensor(a_hub, meeting), "c", None, 3, T0 + timedelta(minutes=15))
    live = hub_occupancy(a_hub.id, hours=1)
    assert live.people == 13
    assert live.present is True
    by_name = {z.name: z for z in live.zones}
    assert (by_name["Area Kerja"].people, by_name["Area Kerja"].full) == (10, True)
    assert (by_name["Ruang Rapat"].people, by_name["Ruang Rapat"].full) == (3, False)
    assert (by_name["Gudang"].people, by_name["Gudang"].sensors) == (None, 0)
    assert by_name["Area Kerja"].sensors == by_name["Area Kerja"].sensors_online == 1
    assert [(r.name, r.people, r.present) for r in live.rooms] == [("Monas", 3, True)]
    assert room.id == live.rooms[0].resource_id

    assert len(live.buckets) == 12
    assert live.buckets[-1] == T0 + timedelta(minutes=20)
    # 08:25 .. 09:20 WIB: nothing before 09:00, then 5, (carried), 10, and 3 more from 09:15.
    assert by_name["Area Kerja"].history[-5:] == [5, 5, 10, 10, 10]
    assert by_name["Area Kerja"].history[:7] == [None] * 7
    assert live.history[-5:] == [5, 5, 10, 13, 13]
    assert empty.id in {z.zone_id for z in live.zones}

    data = live.as_json()
    assert data["people"] == 13
    assert data["zones"][0]["name"] == "Area Kerja"
    assert data["rooms"] == [
        {
            "id": room.id,
            "name": "Monas",
            "zone": meeting.id,
            "people": 3,
            "present": True,
            "sensors": 1,
        }
    ]


def test_history_after_the_last_report_shows_the_live_state(
    clock, session, a_hub, zone, counter
) -> None:
    clock(T0 + timedelta(minutes=30))
    record_occupancy(counter, "a", None, 8, T0)
    record_occupancy(counter, "b", None, 1, T0 + timedelta(minutes=3))  # same bucket: max 8
    live = hub_occupancy(a_hub.id, hours=1)
    assert live.zones[0].history[-7:] == [8, 1, 1, 1, 1, 1, 1]


# -- releasing booked rooms nobody entered ------------------------------------------------------


@pytest.fixture
def sensed_room(a_hub, make_zone, make_resource, make_sensor):
    """A room whose zone has an online presence sensor, at a hub releasing after 15 minutes."""
    a_hub.room_release_minutes = 15
    meeting = make_zone(a_hub, name="Ruang Rapat")
    room = make_resource(a_hub, ResourceKind.ROOM, name="Monas", zone_id=meeting.id)
    room.sensor = make_sensor(a_hub, meeting)
    return room


@pytest.fixture
def room_booking(a_hub, sensed_room, a_member):
    return bookings.book(
        a_member.id, sensed_room.id, hub_time(a_hub, MONDAY, 9), hub_time(a_hub, MONDAY, 10)
    )


def test_an_empty_booked_room_is_released_after_the_setting(
    clock, session, a_hub, sensed_room, room_booking
) -> None:
    clock(MONDAY, time(9, 14), a_hub)
    assert release_empty_rooms() == []
    clock(MONDAY, time(9, 15), a_hub)
    assert release_empty_rooms() == [room_booking.id]
    session.expire_all()
    assert room_booking.status is BookingStatus.NO_SHOW
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "booking.room_released"))
    assert (entry.target_id, entry.hub_id, entry.actor_id) == (room_booking.id, a_hub.id, None)
    assert entry.after["status"] == "no_show"
    assert release_empty_rooms() == []  # once


def test_a_room_watched_by_a_zigbee2mqtt_installations_sensor_is_judged_too(
    clock, session, a_hub, make_zone, make_resource, a_member
) -> None:
    """The installation's map, not a device per sensor, says which rooms are watched; its
    online state says whether anyone can know."""
    a_hub.room_release_minutes = 15
    meeting = make_zone(a_hub, name="Ruang Rapat")
    room = make_resource(a_hub, ResourceKind.ROOM, name="Monas", zone_id=meeting.id)
    bridge = Device(
        device_id="z2m-1", hub_id=a_hub.id, name="Zigbee2MQTT", kind=DeviceKind.SENSOR,
        adapter=Adapter.ZIGBEE2MQTT, online=False,
        adapter_config={"base_topic": "zigbee2mqtt", "sensors": {"monas-pir": {"room": room.id}}},
    )  # fmt: skip
    session.add(bridge)
    session.commit()
    booking = bookings.book(
        a_member.id, room.id, hub_time(a_hub, MONDAY, 9), hub_time(a_hub, MONDAY, 10)
    )
    clock(MONDAY, time(9, 20), a_hub)
    assert release_empty_rooms() == []  # the installation is offline: nobody knows
    bridge.online = True
    session.commit()
    assert hub_occupancy(a_hub.id).zones[-1].sensors_online == 1
    assert release_empty_rooms() == [booking.id]


def test_presence_since_the_start_keeps_the_room(
    clock, session, a_hub, sensed_room, room_booking
) -> None:
    clock(MONDAY, time(9, 5), a_hub)
    record_occupancy(sensed_room.sensor, "in", True, None, hub_time(a_hub, MONDAY, 9, 5))
    record_occupancy(sensed_room.sensor, "out", False, None, hub_time(a_hub, MONDAY, 9, 8))
    clock(MONDAY, time(9, 30), a_hub)
    assert release_empty_rooms() == []
    session.expire_all()
    assert room_booking.status is BookingStatus.CONFIRMED


def test_presence_before_the_start_only_does_not_keep_the_room(
    clock, session, a_hub, sensed_room, room_booking
) -> None:
    """The previous meeting left at 08:50; nobody came for this one."""
    clock(MONDAY, time(8, 50), a_hub)
    record_occupancy(sensed_room.sensor, "in", None, 4, hub_time(a_hub, MONDAY, 8, 30))
    record_occupancy(sensed_room.sensor, "out", None, 0, hub_time(a_hub, MONDAY, 8, 50))
    clock(MONDAY, time(9, 20), a_hub)
    assert release_empty_rooms() == [room_booking.id]


def test_someone_still_there_from_before_keeps_the_room(
    clock, session, a_hub, sensed_room, room_booking
) -> None:
    clock(MONDAY, time(8, 55), a_hub)
    record_occupancy(sensed_room.sensor, "early", True, None, hub_time(a_hub, MONDAY, 8, 55))
    clock(MONDAY, time(9, 20), a_hub)
    assert release_empty_rooms() == []


@pytest.mark.parametrize("why", ["setting off", "sensor offline", "checked in", "no zone sensor"])
def test_rooms_not_released(clock, session, a_hub, sensed_room, room_booking, why) -> None:
    if why == "setting off":
        a_hub.room_release_minutes = None
    elif why == "sensor offline":
        sensed_room.sensor.online = False
    elif why == "checked in":
        clock(MONDAY, time(9), a_hub)
        bookings.check_in(room_booking.id)
    else:
        sensed_room.sensor.zone_id = None
    session.commit()
    clock(MONDAY, time(9, 20), a_hub)
    assert release_empty_rooms() == []
    session.expire_all()
    assert room_booking.status is not BookingStatus.NO_SHOW


def test_released_room_goes_to_the_waitlist(
    clock, session, a_hub, sensed_room, room_booking, make_member
) -> None:
    waiting = make_member(name="Rina")
    entry = waitlist.join_waitlist(
        waiting.id, sensed_room.id, hub_time(a_hub, MONDAY, 9), hub_time(a_hub, MONDAY, 10)
    )
    clock(MONDAY, time(9, 16), a_hub)
    assert release_empty_rooms() == [room_booking.id]
    session.expire_all()
    assert entry.booking is not None
    assert entry.booking.member_id == waiting.id
    assert entry.booking.start_at == hub_time(a_hub, MONDAY, 9)  # the slot running now


def test_the_worker_runs_the_room_release(
    app, clock, session, a_hub, sensed_room, room_booking
) -> None:
    clock(MONDAY, time(9, 16), a_hub)
    run_due_jobs(app, [j for j in JOBS if j.name == "release-empty-rooms"], {}, now=0.0)
    session.refresh(room_booking)
    assert room_booking.status is BookingStatus.NO_SHOW


def test_room_release_setting_is_saved_and_audited(session, a_hub, make_member) -> None:
    admin = make_member(plan=None, roles=[(Role.HUB_ADMIN, a_hub)])
    details = hub_admin.HubDetails(name=a_hub.name, slug=a_hub.slug, timezone=a_hub.timezone)
    hub_admin.update_hub(admin, a_hub, replace(details, room_release_minutes=20))
    assert a_hub.room_release_minutes == 20
    hub_admin.update_hub(admin, a_hub, details)  # a caller that does not know the setting
    assert a_hub.room_release_minutes == 20
    hub_admin.update_hub(admin, a_hub, replace(details, room_release_minutes=None))
    assert a_hub.room_release_minutes is None
    changes = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "hub.update").order_by(AuditEntry.id)
    ).all()
    assert [(e.before["room_release_minutes"], e.after["room_release_minutes"]) for e in changes][
        -2:
    ] == [(None, 20), (20, None)]
    with pytest.raises(InvalidInput):
        hub_admin.update_hub(admin, a_hub, replace(details, room_release_minutes=0))
