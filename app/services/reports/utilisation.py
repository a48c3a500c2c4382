"""Utilisation of the hubs of a scope over a period: booked against open seat-hours per hub and
resource kind, no-show rate, booked hours per day, and an occupancy heatmap (weekday x hour in
each hub's own zone) from check-ins and from occupancy sensors."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

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
    for hub in hubs:
        start, end = scope.bounds(hub)
        uses = {kind: KindUse(hub, kind) for kind in ResourceKind}
        seats = _seats(hub)
        for day in _days(scope):
            opening = hub.opening_interval(day) if hub.closure_on(day) is None else None
            if opening is not None:
                hours = (opening[1] - opening[0]) / HOUR
                for kind, count in seats.items():
                    uses[kind].open_hours += hours * count
        for kind, status, begins, ends in db.session.execute(
            select(Resource.kind, Booking.status, Booking.start_at, Booking.end_at)
            .join(Resource, Resource.id == Booking.resource_id)
            .join(Floor, Floor.id == Resource.floor_id)
            .where(Floor.hub_id == hub.id, Booking.start_at >= start, Booking.start_at < end)
        ):
            use = uses[kind]
            if status is BookingStatus.NO_SHOW:
                use.no_shows += 1
            elif status in USED:
                use.bookings += 1
                use.booked_hours += (ends - begins) / HOUR
                days[hub.local_date(begins)] += (ends - begins) / HOUR
        report.by_kind.extend(use for use in uses.values() if use.open_hours or use.bookings)
        zone = hub.zone
        for (instant,) in db.session.execute(
            select(AccessEvent.decided_at).where(
                AccessEvent.hub_id == hub.id,
                AccessEvent.granted,
                AccessEvent.direction == Direction.IN,
                AccessEvent.decided_at >= start,
                AccessEvent.decided_at < end,
            )
        ):
            local = instant.astimezone(zone)
            report.check_ins[(local.weekday(), local.hour)] += 1
        for (instant,) in db.session.execute(
            select(OccupancySample.bucket_start)
            .join(Zone, Zone.id == OccupancySample.zone_id)
            .join(Floor, Floor.id == Zone.floor_id)
            .where(
                Floor.hub_id == hub.id,
                OccupancySample.any_presence,
                OccupancySample.bucket_start >= start,
                OccupancySample.bucket_start < end,
            )
        ):
            local = instant.astimezone(zone)
            report.sensed[(local.weekday(), local.hour)] += 1
    report.by_day = [(day, round(days[day], 2)) for day in _days(scope)]
    return report


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
