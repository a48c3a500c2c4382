"""Utilisation of the hubs of a scope over a period: booked against open seat-hours per hub and
resource kind, no-show rate, booked hours per day, and an occupancy heatmap (weekday x hour in
each hub's own zone) from check-ins and from occupancy sensors."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select

from app.extensions import db
from app.models import (
    AccessEvent,
    Booking,
    BookingStatus,
    Direction,
    Floor,
    Hub,
    OccupancySample,
    Resource,
    ResourceKind,
    User,
    Zone,
)
from app.services.reports.scope import Scope, hubs_in
from app.services.reports.sql import as_date, hours_between, local_day, local_hour, local_weekday

USED = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.COMPLETED)
HOUR = timedelta(hours=1)


@dataclass
class KindUse:
    hub: Hub
    kind: ResourceKind
    bookings: int = 0
    no_shows: int = 0
    booked_hours: float = 0.0
    open_hours: float = 0.0  # seat-hours: opening hours x seats of that kind

    @property
    def utilisation(self) -> float:
        """Booked share of the open seat-hours, in percent."""
        return 100 * self.booked_hours / self.open_hours if self.open_hours else 0.0

    @property
    def no_show_rate(self) -> float:
        total = self.bookings + self.no_shows
        return 100 * self.no_shows / total if total else 0.0


@dataclass
class UtilisationReport:
    scope: Scope
    hubs: list[Hub]
    by_kind: list[KindUse] = field(default_factory=list)
    by_day: list[tuple[date, float]] = field(default_factory=list)  # booked hours, hub-local day
    check_ins: Counter[tuple[int, int]] = field(default_factory=Counter)  # (weekday, hour)
    sensed: Counter[tuple[int, int]] = field(default_factory=Counter)  # 5-minute buckets

    @property
    def heat_peak(self) -> int:
        return max([*self.check_ins.values(), *self.sensed.values(), 0])


def utilisation_report(scope: Scope, user: User) -> UtilisationReport:
    hubs = hubs_in(scope, user)
    report = UtilisationReport(scope, hubs)
    days: defaultdict[date, float] = defaultdict(float)
    for zone_hubs in _by_zone(hubs):
        # Hubs in one zone share the period's bounds and local days: grouped in SQL per zone.
        zone = zone_hubs[0].zone
        start, end = scope.bounds(zone_hubs[0])
        ids = [hub.id for hub in zone_hubs]
        uses = {(hub.id, kind): KindUse(hub, kind) for hub in zone_hubs for kind in ResourceKind}
        for hub in zone_hubs:
            seats = _seats(hub)
            for day in _days(scope):
                opening = hub.opening_interval(day) if hub.closure_on(day) is None else None
                if opening is not None:
                    hours = (opening[1] - opening[0]) / HOUR
                    for kind, count in seats.items():
                        uses[(hub.id, kind)].open_hours += hours * count
        booked = hours_between(Booking.start_at, Booking.end_at)
        in_period = (
            select()
            .select_from(Booking)
            .join(Resource, Resource.id == Booking.resource_id)
            .join(Floor, Floor.id == Resource.floor_id)
            .where(Floor.hub_id.in_(ids), Booking.start_at >= start, Booking.start_at < end)
        )
        for hub_id, kind, status, count, hours in db.session.execute(
            in_period.add_columns(
                Floor.hub_id, Resource.kind, Booking.status, func.count(), func.sum(booked)
            ).group_by(Floor.hub_id, Resource.kind, Booking.status)
        ):
            use = uses[(hub_id, kind)]
            if status is BookingStatus.NO_SHOW:
                use.no_shows += count
            elif status in USED:
                use.bookings += count
                use.booked_hours += float(hours or 0)
        day_column = local_day(Booking.start_at, zone)
        for day, hours in db.session.execute(
            in_period.add_columns(day_column, func.sum(booked))
            .where(Booking.status.in_(USED))
            .group_by(day_column)
        ):
            days[as_date(day)] += float(hours or 0)
        report.by_kind.extend(use for use in uses.values() if use.open_hours or use.bookings)
        _heat(report.check_ins, zone, AccessEvent.decided_at, _check_ins(ids, start, end))
        _heat(report.sensed, zone, OccupancySample.bucket_start, _sensed(ids, start, end))
    report.by_kind.sort(key=lambda use: (use.hub.name, use.kind.value))
    report.by_day = [(day, round(days[day], 2)) for day in _days(scope)]
    return report


def _check_ins(hub_ids: list[int], start: datetime, end: datetime) -> Select[Any]:
    return select().where(
        AccessEvent.hub_id.in_(hub_ids),
        AccessEvent.granted,
        AccessEvent.direction == Direction.IN,
        AccessEvent.decided_at >= start,
        AccessEvent.decided_at < end,
    )


def _sensed(hub_ids: list[int], start: datetime, end: datetime) -> Select[Any]:
    return (
        select()
        .select_from(OccupancySample)
        .join(Zone, Zone.id == OccupancySample.zone_id)
        .join(Floor, Floor.id == Zone.floor_id)
        .where(
            Floor.hub_id.in_(hub_ids),
            OccupancySample.any_presence,
            OccupancySample.bucket_start >= start,
            OccupancySample.bucket_start < end,
        )
    )


def _heat(cells: Counter[tuple[int, int]], zone: ZoneInfo, instant: Any, rows: Select[Any]) -> None:
    """Add the rows of `rows`, counted per local (weekday, hour) of `instant`, to `cells`."""
    weekday, hour = local_weekday(instant, zone), local_hour(instant, zone)
    for day, at, count in db.session.execute(
        rows.add_columns(weekday, hour, func.count()).group_by(weekday, hour)
    ):
        cells[(int(day), int(at))] += count


def _by_zone(hubs: list[Hub]) -> list[list[Hub]]:
    zones: dict[str, list[Hub]] = {}
    for hub in hubs:
        zones.setdefault(hub.timezone, []).append(hub)
    return list(zones.values())


def _seats(hub: Hub) -> Counter[ResourceKind]:
    rows = db.session.execute(
        select(Resource.kind, Resource.capacity)
        .join(Floor, Floor.id == Resource.floor_id)
        .where(Floor.hub_id == hub.id, Resource.active)
    ).all()
    seats: Counter[ResourceKind] = Counter()
    for kind, capacity in rows:
        seats[kind] += capacity
    return seats


def _days(scope: Scope) -> list[date]:
    count = (scope.last_day - scope.first_day).days + 1
    return [scope.first_day + timedelta(days=n) for n in range(count)]
