"""Occupancy: sensor reports in, live occupancy per zone / room / hub and its 5-minute history
out, and the release of booked rooms nobody entered.

Sensors report presence and/or a people count for the zone they watch (Device.zone_id, or a
bridge's sensor map). Reports are states, applied in the order they happened: the same state
again later is a new report, not a duplicate. One place, record_occupancy, decides duplicates:
only a report carrying the device's own message id (native sensors) can be one, and only of
that same (device, id): a QoS 1 redelivery or a replayed upload. The zone's latest report time
guards the order: a report older than it (another gateway of a shared subscription committed a
later one first, an upload held back while offline) still counts in its 5-minute bucket but
leaves the live state alone.
ZoneOccupancy holds each zone's latest state, OccupancySample one row per zone and five minutes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    Adapter,
    Booking,
    BookingStatus,
    Device,
    DeviceKind,
    Floor,
    Hub,
    OccupancySample,
    ProcessedMessage,
    Resource,
    ResourceKind,
    Zone,
    ZoneOccupancy,
    utcnow,
)
from app.models.base import require_aware
from app.services.audit import record
from app.services.booking.waitlist import offer_freed_seat
from app.services.devices.bridges import sensor_zones
from app.services.transactions import transaction

log = logging.getLogger(__name__)

BUCKET = timedelta(minutes=5)
#: A people count older than this is not trusted for a capacity check (a dead counter).
COUNT_STALE_AFTER = timedelta(hours=12)
#: How much history the live views show.
HISTORY_HOURS = 3
_ATTEMPTS = 3


# -- recording ----------------------------------------------------------------------------------


class ZoneSensor(Protocol):
    """A sensor as record_occupancy needs it: a Device, or the gateway's DeviceEntry (whose
    zone_id, for a bridge's sensor, is the zone its map gives)."""

    @property
    def device_id(self) -> str: ...

    @property
    def zone_id(self) -> int | None: ...


def record_occupancy(
    device: ZoneSensor,
    message_id: str | None,
    present: bool | None,
    count: int | None,
    at: datetime,
) -> bool:
    """Apply one sensor report to its zone's live state and 5-minute bucket.

    `message_id` is the device's own id for the report (None when it sends none, as
    Zigbee2MQTT: then nothing is a duplicate); `at` orders the zone's states (the sensor's own
    clock, or the arrival time). False when the report is a redelivery (same device and message
    id), says nothing, or has no zone (logged). A clock ahead of ours counts as now.
    """
    zone_id = device.zone_id
    if zone_id is None:
        log.warning("occupancy from %s ignored: the device has no zone", device.device_id)
        return False
    if present is None and count is None:
        return False
    if count is not None:
        count = max(count, 0)
    if present is None and count is not None:
        present = count > 0
    key = f"{device.device_id}:{message_id}" if message_id is not None else None
    at = min(require_aware(at, "report time"), utcnow())
    for attempt in range(_ATTEMPTS):
        try:
            with transaction():
                if key is not None:
                    if db.session.get(ProcessedMessage, key) is not None:
                        return False
                    db.session.add(ProcessedMessage(key=key))
                    db.session.flush()  # a concurrent twin fails here, before anything else
                _apply(zone_id, present, count, at)
            return True
        except IntegrityError:
            # Another worker took the same message id, or created the same row first: retry.
            if key is not None and db.session.get(ProcessedMessage, key) is not None:
                return False
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _apply(zone_id: int, present: bool | None, count: int | None, at: datetime) -> None:
    seen = bool(present) or bool(count)
    live = db.session.scalar(
        select(ZoneOccupancy).where(ZoneOccupancy.zone_id == zone_id).with_for_update()
    )
    if live is None:
        live = ZoneOccupancy(zone_id=zone_id, updated_at=at)
        db.session.add(live)
    # The monotonic guard: under the row lock, only a report at least as new as the zone's
    # latest moves the live state, so two gateways committing out of order cannot leave an
    # older state standing. Equal times apply in commit order (A, B, A in one second ends A).
    if at >= live.updated_at:
        if present is not None:
            live.present = present
        if count is not None:
            live.people = count
        live.updated_at = at
    if seen and (live.last_presence_at is None or at > live.last_presence_at):
        live.last_presence_at = at

    start = bucket_start(at)
    sample = db.session.scalar(
        select(OccupancySample)
        .where(OccupancySample.zone_id == zone_id, OccupancySample.bucket_start == start)
        .with_for_update()
    )
    if sample is None:
        sample = OccupancySample(zone_id=zone_id, bucket_start=start, any_presence=False, reports=0)
        db.session.add(sample)
    if count is not None:
        sample.max_people = count if sample.max_people is None else max(sample.max_people, count)
    sample.any_presence = sample.any_presence or seen
    sample.reports = (sample.reports or 0) + 1
    db.session.flush()


def bucket_start(at: datetime) -> datetime:
    """The start of the 5-minute bucket holding `at` (UTC)."""
    at = at.astimezone(UTC)
    return at.replace(minute=at.minute - at.minute % 5, second=0, microsecond=0)


# -- reading ------------------------------------------------------------------------------------


def people_in_zone(zone_id: int, now: datetime | None = None) -> int | None:
    """How many people a zone's counter says are in it; None without a recent count."""
    now = now or utcnow()
    live = db.session.get(ZoneOccupancy, zone_id)
    if live is None or live.people is None or live.updated_at < now - COUNT_STALE_AFTER:
        return None
    return live.people


@dataclass(frozen=True)
class ZoneLive:
    zone_id: int
    name: str
    floor: str
    capacity: int | None
    people: int | None
    present: bool | None
    last_presence_at: datetime | None
    updated_at: datetime | None
    sensors: int  # active sensors installed in the zone
    sensors_online: int
    history: list[int | None]  # people per bucket (carried over buckets without reports)
    presence: list[bool | None]  # anyone present per bucket

    @property
    def full(self) -> bool:
        if self.capacity is None or self.people is None:
            return False
        return self.people >= self.capacity


@dataclass(frozen=True)
class RoomLive:
    resource_id: int
    name: str
    zone_id: int
    people: int | None
    present: bool | None
    sensors: int  # active sensors in the room's zone


@dataclass(frozen=True)
class HubOccupancy:
    hub_id: int
    slug: str
    people: int | None  # sum of the zones' counts; None when no zone counts people
    present: bool | None
    zones: list[ZoneLive]
    rooms: list[RoomLive]
    buckets: list[datetime]  # starts of the history buckets, oldest first
    history: list[int | None]  # the hub's people per bucket
    generated_at: datetime = field(compare=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "hub": self.slug,
            "people": self.people,
            "present": self.present,
            "buckets": [b.isoformat() for b in self.buckets],
            "history": self.history,
            "zones": [
                {
                    "id": z.zone_id,
                    "name": z.name,
                    "floor": z.floor,
                    "capacity": z.capacity,
                    "people": z.people,
                    "present": z.present,
                    "full": z.full,
                    "last_presence_at": _iso(z.last_presence_at),
                    "updated_at": _iso(z.updated_at),
                    "sensors": z.sensors,
                    "sensors_online": z.sensors_online,
                    "history": z.history,
                    "presence": z.presence,
                }
                for z in self.zones
            ],
            "rooms": [
                {
                    "id": r.resource_id,
                    "name": r.name,
                    "zone": r.zone_id,
                    "people": r.people,
                    "present": r.present,
                    "sensors": r.sensors,
                }
                for r in self.rooms
            ],
            "generated_at": self.generated_at.isoformat(),
        }


def hub_occupancy(
    hub_id: int, now: datetime | None = None, hours: int = HISTORY_HOURS
) -> HubOccupancy:
    """Live occupancy of every zone and room of the hub, with `hours` of 5-minute history."""
    now = now or utcnow()
    hub = db.session.get(Hub, hub_id)
    if hub is None:
        raise LookupError(f"no hub {hub_id}")
    zones = list(
        db.session.scalars(
            select(Zone)
            .join(Floor, Zone.floor_id == Floor.id)
            .where(Floor.hub_id == hub_id)
            .order_by(Floor.level, Floor.name, Zone.name)
        )
    )
    zone_ids = [z.id for z in zones]
    live = {
        row.zone_id: row
        for row in db.session.scalars(
            select(ZoneOccupancy).where(ZoneOccupancy.zone_id.in_(zone_ids))
        )
    }
    sensors = _sensor_counts(hub_id)
    buckets = _buckets(now, hours)
    histories = _histories(zone_ids, live, buckets)
    zone_views = [
        ZoneLive(
            zone_id=z.id,
            name=z.name,
            floor=z.floor.name,
            capacity=z.capacity,
            people=live[z.id].people if z.id in live else None,
            present=live[z.id].present if z.id in live else None,
            last_presence_at=live[z.id].last_presence_at if z.id in live else None,
            updated_at=live[z.id].updated_at if z.id in live else None,
            sensors=sensors.get(z.id, (0, 0))[0],
            sensors_online=sensors.get(z.id, (0, 0))[1],
            history=histories[z.id][0],
            presence=histories[z.id][1],
        )
        for z in zones
    ]
    by_zone = {z.zone_id: z for z in zone_views}
    rooms = [
        RoomLive(
            resource_id=r.id,
            name=r.name,
            zone_id=r.zone_id,
            people=by_zone[r.zone_id].people,
            present=by_zone[r.zone_id].present,
            sensors=by_zone[r.zone_id].sensors,
        )
        for r in db.session.scalars(
            select(Resource)
            .join(Floor, Resource.floor_id == Floor.id)
            .where(
                Floor.hub_id == hub_id,
                Resource.kind == ResourceKind.ROOM,
                Resource.active,
                Resource.zone_id.is_not(None),
            )
            .order_by(Resource.name)
        )
        if r.zone_id in by_zone
    ]
    return HubOccupancy(
        hub_id=hub.id,
        slug=hub.slug,
        people=_sum(z.people for z in zone_views),
        present=_any(z.present for z in zone_views),
        zones=zone_views,
        rooms=rooms,
        buckets=buckets,
        history=[_sum(z.history[i] for z in zone_views) for i in range(len(buckets))],
        generated_at=now,
    )


def _sensor_counts(hub_id: int) -> dict[int, tuple[int, int]]:
    rows = db.session.execute(
        select(Device.zone_id, func.count(), func.count().filter(Device.online))
        .where(
            Device.hub_id == hub_id,
            Device.kind == DeviceKind.SENSOR,
            Device.active,
            Device.zone_id.is_not(None),
        )
        .group_by(Device.zone_id)
    ).all()
    counts = {
        zone_id: (int(total), int(online or 0))
        for zone_id, total, online in rows
        if zone_id is not None
    }
    for zone_id, online in _bridged_sensors(hub_id):
        total, up = counts.get(zone_id, (0, 0))
        counts[zone_id] = (total + 1, up + int(online))
    return counts


def _bridged_sensors(hub_id: int) -> list[tuple[int, bool]]:
    """(zone id, bridge online) of each sensor a Zigbee2MQTT installation maps at the hub."""
    found = list(
        db.session.scalars(
            select(Device).where(
                Device.hub_id == hub_id, Device.adapter == Adapter.ZIGBEE2MQTT, Device.active
            )
        )
    )
    zones = sensor_zones({device.id: device.adapter_config for device in found})
    return [(zone_id, device.online) for device in found for zone_id in zones[device.id].values()]


def _buckets(now: datetime, hours: int) -> list[datetime]:
    last = bucket_start(now)
    count = hours * 60 // 5
    return [last - BUCKET * i for i in range(count - 1, -1, -1)]


def _histories(
    zone_ids: list[int], live: dict[int, ZoneOccupancy], buckets: list[datetime]
) -> dict[int, tuple[list[int | None], list[bool | None]]]:
    """Per zone, people and presence per bucket. A bucket without reports carries the one
    before it (sensors report changes), and buckets after the zone's latest report show its
    live state."""
    first = buckets[0]
    samples: dict[int, dict[datetime, OccupancySample]] = {z: {} for z in zone_ids}
    for sample in db.session.scalars(
        select(OccupancySample).where(
            OccupancySample.zone_id.in_(zone_ids), OccupancySample.bucket_start >= first
        )
    ):
        samples[sample.zone_id][sample.bucket_start] = sample
    latest = (
        select(OccupancySample.zone_id, func.max(OccupancySample.bucket_start).label("start"))
        .where(OccupancySample.zone_id.in_(zone_ids), OccupancySample.bucket_start < first)
        .group_by(OccupancySample.zone_id)
        .subquery()
    )
    before = {
        row.zone_id: row
        for row in db.session.scalars(
            select(OccupancySample).join(
                latest,
                (OccupancySample.zone_id == latest.c.zone_id)
                & (OccupancySample.bucket_start == latest.c.start),
            )
        )
    }
    result: dict[int, tuple[list[int | None], list[bool | None]]] = {}
    for zone_id in zone_ids:
        state = live.get(zone_id)
        settled = bucket_start(state.updated_at) if state is not None else None
        previous = before.get(zone_id)
        people: int | None = previous.max_people if previous is not None else None
        present: bool | None = previous.any_presence if previous is not None else None
        people_row: list[int | None] = []
        presence_row: list[bool | None] = []
        for start in buckets:
            found = samples[zone_id].get(start)
            if found is not None:
                people = found.max_people if found.max_people is not None else people
                present = found.any_presence
            elif state is not None and settled is not None and start > settled:
                people, present = state.people, state.present
            people_row.append(people)
            presence_row.append(present)
        result[zone_id] = (people_row, presence_row)
    return result


def _sum(values: Iterable[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _any(values: Iterable[bool | None]) -> bool | None:
    known = [v for v in values if v is not None]
    return any(known) if known else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# -- releasing empty rooms ----------------------------------------------------------------------


def release_empty_rooms(now: datetime | None = None) -> list[int]:
    """Release booked rooms nobody has entered: in every hub with a room-release setting, a room
    booking still not checked in `room_release_minutes` after its start, whose zone's sensors saw
    nobody since the start, becomes no_show and its time goes to the waitlist.

    Only rooms whose zone has an online sensor are judged: without one, nobody knows. Returns
    the ids released; safe to run from several workers (rows are locked, locked ones skipped).
    """
    now = now or utcnow()
    with transaction():
        hubs = db.session.scalars(
            select(Hub).where(Hub.active, Hub.room_release_minutes.is_not(None))
        ).all()
        released = [booking.id for hub in hubs for booking in _release_empty_rooms(hub, now)]
    return released


def _release_empty_rooms(hub: Hub, now: datetime) -> list[Booking]:
    assert hub.room_release_minutes is not None
    minutes = hub.room_release_minutes
    watched = select(Device.zone_id).where(
        Device.hub_id == hub.id,
        Device.kind == DeviceKind.SENSOR,
        Device.active,
        Device.online,
        Device.zone_id.is_not(None),
    )
    bridged = sorted({zone_id for zone_id, online in _bridged_sensors(hub.id) if online})
    candidates = db.session.scalars(
        select(Booking)
        .join(Resource, Booking.resource_id == Resource.id)
        .join(Floor, Resource.floor_id == Floor.id)
        .where(
            Floor.hub_id == hub.id,
            Resource.kind == ResourceKind.ROOM,
            Resource.zone_id.in_(watched) | Resource.zone_id.in_(bridged),
            Booking.status == BookingStatus.CONFIRMED,
            Booking.start_at <= now - timedelta(minutes=minutes),
            Booking.end_at > now,
        )
        .order_by(Booking.start_at)
        .with_for_update(of=Booking, skip_locked=True)
    ).all()
    released = []
    for booking in candidates:
        zone_id = booking.resource.zone_id
        assert zone_id is not None
        if _presence_since(zone_id, booking.start_at):
            continue
        booking.status = BookingStatus.NO_SHOW
        record(
            "booking.room_released",
            booking,
            actor_id=None,
            hub_id=hub.id,
            before={"status": BookingStatus.CONFIRMED.value},
            after={
                "status": BookingStatus.NO_SHOW.value,
                "room": booking.resource.name,
                "minutes_without_presence": minutes,
            },
        )
        released.append(booking)
    db.session.flush()
    for booking in released:
        offer_freed_seat(booking.resource_id, now, booking.end_at, now)
    return released


def _presence_since(zone_id: int, start: datetime) -> bool:
    """Whether a zone's sensors saw anyone from `start` on (or still see someone now)."""
    live = db.session.get(ZoneOccupancy, zone_id)
    if live is None:
        return False
    if live.present or (live.people or 0) > 0:
        return True
    return live.last_presence_at is not None and live.last_presence_at >= start
