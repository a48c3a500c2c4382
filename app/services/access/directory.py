"""What every door scan reads but staff change rarely: hub calendars, doors and devices, kept in
memory per process so a scan does not load them again.

An entry is loaded on first use and again once it is DIRECTORY_SECONDS old. Every entry of this
process is dropped as soon as one of its sessions writes a change to those tables (and again at
that commit), so a change made in the same process - the front desk, the tests - counts at once;
one made in another process (an admin in the web app while the gateway runs) counts within
DIRECTORY_SECONDS. Devices' own reports (online, firmware, last seen) are not configuration and
do not drop anything.

Entries are plain frozen data, never ORM objects: they outlive the session that loaded them.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, replace
from itertools import chain
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine, event, inspect, select
from sqlalchemy.orm import Session, aliased, selectinload

from app.extensions import db
from app.models import (
    Adapter,
    Closure,
    Device,
    DeviceKind,
    Direction,
    Door,
    DoorKind,
    Hub,
    OpeningHours,
    Zone,
)
from app.models.hubs import Calendar
from app.services.devices import bridges

#: How old an entry may get before it is loaded again (changes made in other processes).
DIRECTORY_SECONDS = 5.0

#: Device columns the devices themselves move; a change to them is not a configuration change.
DEVICE_REPORTS = frozenset({"online", "firmware", "last_seen_at"})

#: The adapter_config key that names a third-party device on its own topics.
ADAPTER_KEYS = {Adapter.TASMOTA_GM861: "topic", Adapter.ZIGBEE2MQTT: "base_topic"}


@dataclass(frozen=True)
class HubEntry:
    id: int
    slug: str
    calendar: Calendar


@dataclass(frozen=True)
class DoorEntry:
    id: int
    hub_id: int
    kind: DoorKind
    resource_id: int | None
    zone_id: int | None  # passing "in" walks into this zone
    zone_capacity: int | None
    from_zone_id: int | None  # ... out of this one (passing "out" walks back into it)
    from_zone_capacity: int | None
    anti_passback: bool
    open_seconds: int
    retired: bool

    def zone_entered(self, direction: Direction) -> tuple[int | None, int | None]:
        """The zone someone passing this way walks into, and its capacity."""
        if direction is Direction.IN:
            return self.zone_id, self.zone_capacity
        return self.from_zone_id, self.from_zone_capacity


@dataclass(frozen=True)
class DeviceEntry:
    id: int
    device_id: str
    hub_id: int
    hub_slug: str
    kind: DeviceKind
    adapter: Adapter
    adapter_config: Mapping[str, Any]
    door_id: int | None
    zone_id: int | None
    active: bool
    #: A bridge's sensors (Zigbee2MQTT friendly names) and the zone each one watches.
    sensor_zones: Mapping[str, int] = field(default_factory=dict)


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Shelf(Generic[K, V]):
    """Entries of one kind by key, each with the time it was loaded. A key that loads as None
    (no such row) is not kept: the next lookup asks the database again."""

    def __init__(self, load: Callable[[K], V | None]) -> None:
        self._load = load
        self._entries: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        clock = time.monotonic()
        kept = self._entries.get(key)
        if kept is not None and clock - kept[0] < DIRECTORY_SECONDS:
            return kept[1]
        generation = _generation
        value = self._load(key)
        if value is None:
            self._entries.pop(key, None)
        elif generation == _generation:  # not if forget() ran while it loaded: may be stale
            self._entries[key] = (clock, value)
        return value

    def clear(self) -> None:
        self._entries.clear()


class Directory:
    """One database's entries (a process may talk to several: the tests do)."""

    def __init__(self) -> None:
        self.hubs = _Shelf(_load_hub)
        self.doors = _Shelf(_load_door)
        self.devices = _Shelf(_load_device)
        self.adapter_devices: _Shelf[Adapter, tuple[DeviceEntry, ...]] = _Shelf(_load_adapter)

    def clear(self) -> None:
        for shelf in (self.hubs, self.doors, self.devices, self.adapter_devices):
            shelf.clear()


_directories: weakref.WeakKeyDictionary[Engine, Directory] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_generation = 0  # bumped by forget(): a load that spans one is used but not kept


def directory() -> Directory:
    """The current database's directory."""
    engine = db.engine
    found = _directories.get(engine)
    if found is None:
        with _lock:
            found = _directories.setdefault(engine, Directory())
    return found


def hub_entry(hub_id: int) -> HubEntry | None:
    return directory().hubs.get(hub_id)


def door_entry(door_id: int) -> DoorEntry | None:
    return directory().doors.get(door_id)


def device_entry(device_id: str) -> DeviceEntry | None:
    """The device with this id (its MQTT username), or None."""
    return directory().devices.get(device_id)


def adapter_device_entry(adapter: Adapter, key: str) -> DeviceEntry | None:
    """The active device of `adapter` whose adapter_config names it `key` (a Tasmota topic, a
    Zigbee2MQTT base topic), or None. Compared in Python: JSON queries differ per backend
    and a hub has a handful of such devices."""
    config_key = ADAPTER_KEYS.get(adapter)
    if config_key is None:
        return None
    candidates = adapter_devices(adapter)
    return next((d for d in candidates if d.adapter_config.get(config_key) == key), None)


def adapter_devices(adapter: Adapter) -> tuple[DeviceEntry, ...]:
    """Every active device of `adapter`, oldest first."""
    return directory().adapter_devices.get(adapter) or ()


def forget() -> None:
    """Drop every entry of every database (the next lookups load afresh)."""
    global _generation
    _generation += 1
    for found in list(_directories.values()):
        found.clear()


# -- loading --------------------------------------------------------------------------------------


def _load_hub(hub_id: int) -> HubEntry | None:
    hub = db.session.get(
        Hub, hub_id, options=[selectinload(Hub.opening_hours), selectinload(Hub.closures)]
    )
    return None if hub is None else HubEntry(hub.id, hub.slug, hub.calendar)


def _load_door(door_id: int) -> DoorEntry | None:
    into, out_of = aliased(Zone), aliased(Zone)
    row = db.session.execute(
        select(
            Door.hub_id,
            Door.kind,
            Door.resource_id,
            Door.zone_id,
            into.capacity.label("zone_capacity"),
            Door.from_zone_id,
            out_of.capacity.label("from_zone_capacity"),
            Door.anti_passback,
            Door.open_seconds,
            Door.retired_at.is_not(None).label("retired"),
        )
        .outerjoin(into, into.id == Door.zone_id)
        .outerjoin(out_of, out_of.id == Door.from_zone_id)
        .where(Door.id == door_id)
    ).first()
    return None if row is None else DoorEntry(id=door_id, **row._asdict())


_DEVICE_COLUMNS = (
    Device.id,
    Device.device_id,
    Device.hub_id,
    Hub.slug.label("hub_slug"),
    Device.kind,
    Device.adapter,
    Device.adapter_config,
    Device.door_id,
    Device.zone_id,
    Device.active,
)


def _device(row: Any) -> DeviceEntry:
    return DeviceEntry(**{**row._asdict(), "adapter_config": dict(row.adapter_config or {})})


def _load_device(device_id: str) -> DeviceEntry | None:
    row = db.session.execute(
        select(*_DEVICE_COLUMNS)
        .join(Hub, Hub.id == Device.hub_id)
        .where(Device.device_id == device_id)
    ).first()
    return None if row is None else _device(row)


def _load_adapter(adapter: Adapter) -> tuple[DeviceEntry, ...]:
    rows = db.session.execute(
        select(*_DEVICE_COLUMNS)
        .join(Hub, Hub.id == Device.hub_id)
        .where(Device.adapter == adapter, Device.active)
        .order_by(Device.id)
    )
    entries = tuple(_device(row) for row in rows)
    if adapter is not Adapter.ZIGBEE2MQTT:
        return entries
    zones = bridges.sensor_zones({entry.id: entry.adapter_config for entry in entries})
    return tuple(replace(entry, sensor_zones=zones[entry.id]) for entry in entries)


# -- forgetting on change -------------------------------------------------------------------------

_CONFIGURATION = (Hub, OpeningHours, Closure, Door, Zone, Device)
_CHANGED = "access_directory_changed"


def _changes_configuration(instance: object) -> bool:
    """True for a changed row of the directory's tables, except a device that changed only
    its own reports (online, firmware, last seen)."""
    if isinstance(instance, Device):
        changed = {a.key for a in inspect(instance).attrs if a.history.has_changes()}
        return bool(changed - DEVICE_REPORTS)
    return isinstance(instance, _CONFIGURATION)


@event.listens_for(Session, "after_flush")
def _forget_on_flush(session: Session, _context: Any) -> None:
    if any(isinstance(i, _CONFIGURATION) for i in chain(session.new, session.deleted)) or any(
        _changes_configuration(instance) for instance in session.dirty
    ):
        session.info[_CHANGED] = True
        forget()


@event.listens_for(Session, "after_commit")
def _forget_on_commit(session: Session) -> None:
    # Again at the commit: another thread may have loaded the old rows in between.
    if session.info.pop(_CHANGED, False):
        forget()


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        forget()  # what was loaded in between may have been the rolled-back rows
