"""Hubs and the calendar they keep: opening hours per weekday and dated closures.

Everything calendar-like ("today", opening hours, whole-day bookings) is computed in the hub's
own IANA zone; instants leave this module in UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    SmallInteger,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.models.base import Base, UTCDateTime, require_aware, utcnow

if TYPE_CHECKING:
    from app.models.spaces import Floor

ZONE_LABELS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


class UnknownTimeZone(ValueError):
    """The name is not an IANA time zone this machine knows."""


def zone_for(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name, or UnknownTimeZone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UnknownTimeZone(f"unknown time zone {name!r}") from exc


def local_date_in(zone: ZoneInfo, instant: datetime) -> date:
    """The calendar date in `zone` when `instant` happens."""
    return require_aware(instant).astimezone(zone).date()


def local_datetime_in(zone: ZoneInfo, day: date, at: time) -> datetime:
    """The UTC instant of wall-clock time `at` on `day` in `zone`."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def day_bounds_in(zone: ZoneInfo, day: date) -> tuple[datetime, datetime]:
    """[start, end) of the calendar day in `zone`, in UTC."""
    return local_datetime_in(zone, day, time.min), local_datetime_in(
        zone, day + timedelta(days=1), time.min
    )


class Hub(Base):
    __tablename__ = "hubs"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    province: Mapped[str] = mapped_column(String(100), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    kecamatan: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    # Booking policy, per hub.
    no_show_minutes: Mapped[int] = mapped_column(default=30)
    cancel_cutoff_minutes: Mapped[int] = mapped_column(default=60)
    room_buffer_minutes: Mapped[int] = mapped_column(default=0)
    # Release a booked room nobody has entered this many minutes after its start (sensors);
    # None: off.
    room_release_minutes: Mapped[int | None] = mapped_column(default=None)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped whenever a pass that could open this hub is revoked; readers compare versions.
    revocation_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    opening_hours: Mapped[list[OpeningHours]] = relationship(
        back_populates="hub", cascade="all, delete-orphan", order_by="OpeningHours.weekday"
    )
    closures: Mapped[list[Closure]] = relationship(
        back_populates="hub", cascade="all, delete-orphan", order_by="Closure.on"
    )
    floors: Mapped[list[Floor]] = relationship(
        back_populates="hub", cascade="all, delete-orphan", order_by="Floor.level"
    )

    @validates("timezone")
    def _validate_timezone(self, _key: str, value: str) -> str:
        zone_for(value)
        return value

    @property
    def zone(self) -> ZoneInfo:
        return zone_for(self.timezone)

    @property
    def zone_label(self) -> str:
        """WIB / WITA / WIT for Indonesian hubs, else the IANA name."""
        return ZONE_LABELS.get(self.timezone, self.timezone)

    @property
    def calendar(self) -> Calendar:
        """The hub's calendar as plain data (opening hours and closures loaded)."""
        return Calendar(
            self.zone,
            {hours.weekday: (hours.opens, hours.closes) for hours in self.opening_hours},
            frozenset(closure.on for closure in self.closures),
        )

    def local_date(self, instant: datetime) -> date:
        """The calendar date at the hub when `instant` happens."""
        return local_date_in(self.zone, instant)

    def today(self, now: datetime | None = None) -> date:
        return self.local_date(now or utcnow())

    def local_datetime(self, day: date, at: time) -> datetime:
        """The UTC instant of wall-clock time `at` on `day` in the hub's zone."""
        return local_datetime_in(self.zone, day, at)

    def local_day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """[start, end) of the local calendar day in UTC."""
        return day_bounds_in(self.zone, day)

    def closure_on(self, day: date) -> Closure | None:
        return next((closure for closure in self.closures if closure.on == day), None)

    def hours_on(self, day: date) -> OpeningHours | None:
        return self.hours_on_weekday(day.weekday())

    def hours_on_weekday(self, weekday: int) -> OpeningHours | None:
        return next((hours for hours in self.opening_hours if hours.weekday == weekday), None)

    def opening_interval(self, day: date) -> tuple[datetime, datetime] | None:
        """When the hub is open on local `day`, in UTC; None when closed all day."""
        return self.calendar.opening_interval(day)

    def opening_day(self, instant: datetime) -> date:
        return self.calendar.opening_day(instant)

    def is_open_at(self, instant: datetime) -> bool:
        return self.calendar.is_open_at(instant)


@dataclass(frozen=True)
class Calendar:
    """A hub's zone, weekly opening hours and dated closures, as plain data: the rules of when
    a hub is open live here once, for the ORM model and for the access gateway's cache alike."""

    zone: ZoneInfo
    hours: Mapping[int, tuple[time, time]]  # weekday (0 = Monday) -> (opens, closes)
    closed_on: frozenset[date]

    def local_date(self, instant: datetime) -> date:
        return local_date_in(self.zone, instant)

    def local_datetime(self, day: date, at: time) -> datetime:
        return local_datetime_in(self.zone, day, at)

    def local_day_bounds(self, day: date) -> tuple[datetime, datetime]:
        return day_bounds_in(self.zone, day)

    def opening_interval(self, day: date) -> tuple[datetime, datetime] | None:
        """When the hub is open on local `day`, in UTC; None when closed all day."""
        hours = self.hours.get(day.weekday())
        if day in self.closed_on or hours is None:
            return None
        opens, closes = hours
        closes_day = day if closes > opens else day + timedelta(days=1)
        return self.local_datetime(day, opens), self.local_datetime(closes_day, closes)

    def opening_day(self, instant: datetime) -> date:
        """The local day whose opening `instant` belongs to: its calendar date, or the day
        before while that day's opening runs on past midnight (a hub open 18:00-02:00)."""
        day = self.local_date(instant)
        previous = self.opening_interval(day - timedelta(days=1))
        if previous is not None and previous[0] <= instant < previous[1]:
            return day - timedelta(days=1)
        return day

    def is_open_at(self, instant: datetime) -> bool:
        interval = self.opening_interval(self.opening_day(instant))
        return interval is not None and interval[0] <= instant < interval[1]


class OpeningHours(Base):
    """Opening hours for one weekday (0 = Monday). A weekday without a row is closed."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        UniqueConstraint("hub_id", "weekday"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(SmallInteger)
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)

    hub: Mapped[Hub] = relationship(back_populates="opening_hours")


class Closure(Base):
    """A dated closure: a national holiday, cuti bersama, or a local event."""

    __tablename__ = "closures"
    __table_args__ = (UniqueConstraint("hub_id", "on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"))
    on: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200))

    hub: Mapped[Hub] = relationship(back_populates="closures")
