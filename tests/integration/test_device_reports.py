"""What the gateway writes about devices it heard from: last seen, in one batch, never back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.models import Device, DeviceKind
from app.services.devices.reports import record_seen

NINE = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_last_seen_moves_forward_only_for_every_device_of_the_batch(a_hub, session) -> None:
    reader = Device(device_id="pintu-1", hub=a_hub, name="Pintu", kind=DeviceKind.READER)
    sensor = Device(device_id="sensor-1", hub=a_hub, name="Sensor", kind=DeviceKind.SENSOR)
    session.add_all([reader, sensor])
    session.commit()
    record_seen({"pintu-1": NINE, "sensor-1": NINE + timedelta(seconds=3), "ghost": NINE})
    session.expire_all()
    assert (reader.last_seen_at, sensor.last_seen_at) == (NINE, NINE + timedelta(seconds=3))
    record_seen({"pintu-1": NINE - timedelta(minutes=1), "sensor-1": NINE + timedelta(minutes=1)})
    session.expire_all()
    assert reader.last_seen_at == NINE  # an older report does not move it back
    assert sensor.last_seen_at == NINE + timedelta(minutes=1)
