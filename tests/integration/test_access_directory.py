"""The per-process directory the door decision reads hubs, doors and devices from: a change
made through this process's sessions counts at the next scan; one it cannot see (another
process) counts once the entry is DIRECTORY_SECONDS old; devices reporting in drop nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import Closure, Device, DeviceKind, Door, DoorKind
from app.services.access import directory as access_directory
from app.services.access import passes
from app.services.access.decision import AccessRequest, Reason, decide_access
from app.services.access.directory import DIRECTORY_SECONDS, device_entry, door_entry
from app.services.access.keys import Keyring, generate_key
from app.services.devices.reports import record_status
from tests.conftest import MONDAY

NINE = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB


@pytest.fixture
def keyring(tmp_path, session) -> Keyring:
    ring = Keyring(tmp_path / "keys")
    generate_key(ring)
    return ring


@pytest.fixture
def monotonic(monkeypatch) -> list[float]:
    """The directory's clock, moved by hand: now[0] += seconds."""
    now = [1_000.0]
    monkeypatch.setattr(access_directory.time, "monotonic", lambda: now[0])
    return now


def scan(keyring, hub, member, **fields):
    token = passes.rotating_token(keyring, member.id).token
    return decide_access(AccessRequest(token=token, hub_id=hub.id, **fields))


def test_a_closure_added_here_refuses_the_next_scan(clock, keyring, a_hub, make_member, session):
    clock(NINE)
    assert scan(keyring, a_hub, make_member()).granted  # the hub's calendar is now cached
    session.add(Closure(hub=a_hub, on=MONDAY, name="Banjir"))
    session.commit()
    assert scan(keyring, a_hub, make_member()).reason == Reason.HUB_CLOSED


def test_a_door_changed_elsewhere_counts_once_its_entry_is_old(monotonic, a_hub, session):
    door = Door(hub=a_hub, name="Lobby", kind=DoorKind.ENTRANCE, open_seconds=5)
    session.add(door)
    session.commit()
    assert door_entry(door.id).open_seconds == 5
    # Another process's change: no session event here, so the entry is kept...
    session.execute(update(Door).where(Door.id == door.id).values(open_seconds=9))
    monotonic[0] += DIRECTORY_SECONDS - 0.5
    assert door_entry(door.id).open_seconds == 5
    # ...until it is DIRECTORY_SECONDS old.
    monotonic[0] += 1
    assert door_entry(door.id).open_seconds == 9


def test_a_device_reporting_in_keeps_the_entries_a_deactivation_drops_them(
    monotonic, a_hub, session
):
    reader = Device(device_id="pintu-1", hub=a_hub, name="Pintu", kind=DeviceKind.READER)
    session.add(reader)
    session.commit()
    entry = device_entry("pintu-1")
    record_status("pintu-1", True, "1.2.0", NINE)  # online, firmware, last seen
    db.session.get(Device, reader.id).online = False  # through the ORM too
    session.commit()
    assert device_entry("pintu-1") is entry
    reader.active = False
    session.commit()
    assert device_entry("pintu-1").active is False


def test_a_rolled_back_change_drops_what_was_read_meanwhile(a_hub, session):
    door = Door(hub=a_hub, name="Lobby", kind=DoorKind.ENTRANCE)
    session.add(door)
    session.commit()
    first = door_entry(door.id)
    nested = session.begin_nested()
    door.open_seconds = 30
    session.flush()  # the change is visible to this transaction and dropped the entries
    assert door_entry(door.id).open_seconds == 30
    nested.rollback()
    assert door_entry(door.id) == first
    assert door_entry(door.id) is not first  # loaded again, not the rolled-back one


def test_unknown_rows_are_not_remembered(a_hub, session):
    assert device_entry("not-yet") is None
    session.add(Device(device_id="not-yet", hub=a_hub, name="Baru", kind=DeviceKind.READER))
    session.commit()
    assert device_entry("not-yet") is not None


def test_an_entry_loaded_across_a_change_is_used_but_not_kept() -> None:
    loads: list[str] = []

    def load(key: str) -> str:
        loads.append(key)
        if len(loads) == 1:
            access_directory.forget()  # another thread committed a change while this loaded
        return f"load {len(loads)}"

    shelf = access_directory._Shelf(load)
    assert shelf.get("hub") == "load 1"
    assert shelf.get("hub") == "load 2"  # the first was not kept: it may predate the change
    assert shelf.get("hub") == "load 2"
