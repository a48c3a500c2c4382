"""The reader's persistent outbox and its configuration file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from devices import protocol
from devices.reader.config import ConfigError, load
from devices.reader.outbox import Outbox


def event(n: int, grant: bool = True) -> protocol.OfflineEvent:
    return protocol.OfflineEvent(
        f"door-1-abc-{n}",
        "TOKEN",
        1_800_000_000 + n,
        "in",
        grant,
        "granted" if grant else "revoked",
    )


def test_events_come_out_oldest_first_and_leave_only_when_removed(tmp_path):
    outbox = Outbox(tmp_path / "outbox.sqlite")
    for n in range(5):
        outbox.add(event(n, grant=n % 2 == 0))
    assert [e.id for e in outbox.pending(3)] == ["door-1-abc-0", "door-1-abc-1", "door-1-abc-2"]
    assert outbox.pending(1)[0] == event(0)
    assert outbox.remove("door-1-abc-1")
    assert len(outbox) == 4
    assert [e.id for e in outbox.pending()][:2] == ["door-1-abc-0", "door-1-abc-2"]


def test_the_same_event_is_kept_once(tmp_path):
    outbox = Outbox(tmp_path / "outbox.sqlite")
    outbox.add(event(1))
    outbox.add(event(1))
    assert len(outbox) == 1


def test_the_outbox_survives_a_restart(tmp_path):
    first = Outbox(tmp_path / "outbox.sqlite")
    first.add(event(1))
    first.add(event(2, grant=False))
    first.close()
    second = Outbox(tmp_path / "outbox.sqlite")
    assert second.pending() == [event(1), event(2, grant=False)]


def test_an_unreadable_row_is_dropped_not_retried_forever(tmp_path):
    outbox = Outbox(tmp_path / "outbox.sqlite")
    outbox.add(event(1))
    outbox._db.execute("INSERT INTO events (id, payload, queued_at) VALUES ('bad', 'x', 0)")
    assert outbox.pending() == [event(1)]
    assert len(outbox) == 1


def test_an_upload_goes_again_until_acknowledged_with_backoff(tmp_path):
    outbox = Outbox(tmp_path / "outbox.sqlite", resend_after=10, resend_max=35)
    outbox.add(event(1))
    assert [e.id for e in outbox.due(now=100)] == ["door-1-abc-1"]
    assert outbox.sending("door-1-abc-1", now=100)
    # Sent: nothing is due while its EventAck may still come, then it goes again, each wait
    # twice the last (10, 20, then the 35 s cap).
    for sent_at, wait in [(100, 10), (110, 20), (130, 35), (165, 35)]:
        assert outbox.due(now=sent_at + wait - 0.01) == []
        assert outbox.next_resend() == sent_at + wait
        assert outbox.due(now=sent_at + wait) == [event(1)]
        assert outbox.sending("door-1-abc-1", now=sent_at + wait)
    assert outbox.attempts("door-1-abc-1") == 5
    assert outbox.remove("door-1-abc-1")  # the EventAck
    assert not outbox.remove("door-1-abc-1")  # a duplicate ack changes nothing
    assert (len(outbox), outbox.due(now=1000), outbox.next_resend()) == (0, [], None)
    assert not outbox.sending("door-1-abc-1", now=1000)  # acknowledged while being sent


def test_a_reconnect_makes_every_unacknowledged_upload_due_again(tmp_path):
    outbox = Outbox(tmp_path / "outbox.sqlite", resend_after=10)
    for n in range(3):
        outbox.add(event(n))
    for sent in outbox.due(now=0):
        outbox.sending(sent.id, now=0)
    outbox.add(event(3))  # decided offline meanwhile
    assert [e.id for e in outbox.due(now=1)] == ["door-1-abc-3"]
    outbox.resend_all()
    assert [e.id for e in outbox.due(now=1)] == [f"door-1-abc-{n}" for n in range(4)]
    assert outbox.attempts("door-1-abc-0") == 0


def test_at_most_a_window_of_uploads_awaits_acknowledgement(tmp_path):
    outbox = Outbox(tmp_path / "outbox.sqlite", resend_after=10)
    for n in range(5):
        outbox.add(event(n))
    first = outbox.due(now=0, window=2)
    assert [e.id for e in first] == ["door-1-abc-0", "door-1-abc-1"]
    for sent in first:
        outbox.sending(sent.id, now=0)
    assert outbox.due(now=1, window=2) == []
    outbox.remove("door-1-abc-0")
    assert [e.id for e in outbox.due(now=1, window=2)] == ["door-1-abc-2"]
    # Timed out: the unacknowledged one goes again before anything new (abc-2 still waits).
    outbox.sending("door-1-abc-2", now=1)
    assert [e.id for e in outbox.due(now=10, window=2)] == ["door-1-abc-1"]


def test_after_a_restart_every_entry_is_due(tmp_path):
    first = Outbox(tmp_path / "outbox.sqlite")
    first.add(event(1))
    first.sending("door-1-abc-1", now=0)
    first.close()
    second = Outbox(tmp_path / "outbox.sqlite")
    assert second.due(now=0) == [event(1)]


def test_an_outbox_written_by_an_earlier_reader_is_read_as_it_is(tmp_path):
    path = tmp_path / "outbox.sqlite"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,"
            " payload BLOB NOT NULL, queued_at REAL NOT NULL)"
        )
        old.execute(
            "INSERT INTO events (id, payload, queued_at) VALUES (?, ?, 0)",
            (event(7).id, event(7).to_json()),
        )
    old.close()
    assert Outbox(path).due(now=0) == [event(7)]


CONFIG = """
[broker]
url = "mqtt://broker.local:1884"
password = "s3cret"

[reader]
device = "jfc-lobby-in"
hub = "jfc-hub"
hub_id = 1
outbox = "state/outbox.sqlite"

[input]
source = "/dev/ttyACM0"

[output]
kind = "gpio"
pin = 17
active_high = false
"""


def test_a_config_file_with_defaults(tmp_path):
    path = tmp_path / "reader.toml"
    path.write_text(CONFIG)
    config = load(path)
    assert (config.broker.host, config.broker.port) == ("broker.local", 1884)
    assert (config.broker.username, config.broker.password) == ("jfc-lobby-in", "s3cret")
    assert config.decision_timeout == 0.3
    assert config.ack_timeout == 10
    assert config.direction == "in"
    assert config.outbox == tmp_path / "state" / "outbox.sqlite"
    assert config.cache_path == tmp_path / "state" / "outbox.cache.json"
    assert (config.output.kind, config.output.pin, config.output.active_high) == ("gpio", 17, False)
    assert config.input == "/dev/ttyACM0"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('url = "mqtt://broker.local:1884"', 'url = "http://broker.local"'),
        ('device = "jfc-lobby-in"', 'device = "Lobby In"'),
        ("hub_id = 1", 'hub_id = "1"'),
        ("pin = 17", ""),
        ('outbox = "state/outbox.sqlite"', 'outbox = "x"\ndirection = "up"'),
        ("hub_id = 1", "hub_id = 1\ndecision_timeout = 0"),
        ("hub_id = 1", "hub_id = 1\nack_timeout = 0"),
        ("[input]", "[input"),
    ],
)
def test_a_bad_setting_is_named(tmp_path: Path, old: str, new: str):
    path = tmp_path / "reader.toml"
    path.write_text(CONFIG.replace(old, new))
    with pytest.raises(ConfigError):
        load(path)
