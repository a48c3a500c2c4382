"""ICS calendars: a member's bookings behind a secret, revocable address; a room's bookings for
its hub's staff; one booking as an .ics file ("add to calendar").

Times are written in the hub's zone with a VTIMEZONE for each zone used, so calendar apps show
hub time. The feed address is `<user id>.<version>.<mac>`: an HMAC over the id and the feed's
version under the app's secret. Rotating bumps the version, so the old address stops working;
nothing secret is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingStatus,
    CalendarFeed,
    Floor,
    Resource,
    ResourceKind,
    User,
    utcnow,
)
from app.services.errors import NotFound
from app.services.transactions import transaction

#: Feeds carry bookings from this long ago onwards (cancelled ones too, so apps remove them).
FEED_HISTORY = timedelta(days=30)
PRODID = "-//Ruang//Ruang bookings//EN"
_SHOWN = (*ACTIVE_STATUSES, BookingStatus.COMPLETED, BookingStatus.CANCELLED)


# -- the secret address -------------------------------------------------------------------------


def feed_token(secret: str, user_id: int) -> str:
    """The member's current feed address token."""
    return _token(secret, user_id, _version(user_id))


def rotate_feed(secret: str, user_id: int) -> str:
    """Revoke the member's feed address and return the new one's token."""
    with transaction():
        feed = db.session.get(CalendarFeed, user_id, with_for_update=True)
        if feed is None:
            feed = CalendarFeed(user_id=user_id, version=1)
            db.session.add(feed)
        feed.version += 1
        feed.rotated_at = utcnow()
        version = feed.version
    return _token(secret, user_id, version)


def feed_owner(secret: str, token: str) -> User:
    """Whose feed `token` opens; NotFound for a wrong, revoked or erased one (all alike)."""
    user_id_text, _, rest = token.partition(".")
    version_text, _, _mac = rest.partition(".")
    if not (user_id_text.isdigit() and version_text.isdigit()) or len(user_id_text) > 12:
        raise NotFound("no such calendar")
    user_id = int(user_id_text)
    user = db.session.get(User, user_id)
    expected = _token(secret, user_id, _version(user_id))
    if user is None or not hmac.compare_digest(expected, token) or not user.is_active:
        raise NotFound("no such calendar")
    return user


def _version(user_id: int) -> int:
    feed = db.session.get(CalendarFeed, user_id)
    return feed.version if feed is not None else 1


def _token(secret: str, user_id: int, version: int) -> str:
    digest = hmac.new(
        secret.encode(), f"calendar-feed:{user_id}:{version}".encode(), hashlib.sha256
    ).digest()
    mac = base64.urlsafe_b64encode(digest[:18]).decode("ascii")
    return f"{user_id}.{version}.{mac}"


# -- calendars ----------------------------------------------------------------------------------


def member_feed(secret: str, token: str, now: datetime | None = None) -> bytes:
    """The feed of the member whose address `token` is."""
    member = feed_owner(secret, token)
    since = (now or utcnow()) - FEED_HISTORY
    bookings = db.session.scalars(
        _bookings().where(
            Booking.member_id == member.id, Booking.end_at >= since, Booking.status.in_(_SHOWN)
        )
    ).all()
    return _calendar(f"Ruang: {member.name}", (_event(b) for b in bookings))


def room_feed(secret: str, token: str, resource_id: int, now: datetime | None = None) -> bytes:
    """A resource's active bookings, for staff of its hub (their own feed token says who)."""
    staff = feed_owner(secret, token)
    resource = db.session.get(Resource, resource_id)
    if resource is None or not staff.can_staff(resource.hub.id):
        raise NotFound("no such calendar")
    since = (now or utcnow()) - FEED_HISTORY
    bookings = db.session.scalars(
        _bookings()
        .options(joinedload(Booking.member))
        .where(
            Booking.resource_id == resource.id,
            Booking.end_at >= since,
            Booking.status.in_(ACTIVE_STATUSES),
        )
    ).all()
    name = f"Ruang: {resource.name}, {resource.hub.name}"
    return _calendar(name, (_event(b, who=b.member.name) for b in bookings))


def staff_rooms(user: User) -> list[Resource]:
    """The bookable rooms (not desks) of the hubs the user staffs, for their room feeds."""
    hub_ids = user.staff_hub_ids()
    if hub_ids is not None and not hub_ids:
        return []
    stmt = (
        select(Resource)
        .join(Floor, Resource.floor_id == Floor.id)
        .options(joinedload(Resource.floor).joinedload(Floor.hub))
        .where(Resource.active, Resource.kind != ResourceKind.DESK)
        .order_by(Floor.hub_id, Resource.name)
    )
    if hub_ids is not None:
        stmt = stmt.where(Floor.hub_id.in_(hub_ids))
    return list(db.session.scalars(stmt))


def booking_ics(booking_id: int, member_id: int | None = None) -> bytes | None:
    """One booking as a calendar file (with `member_id`, only that member's)."""
    booking = db.session.scalar(_bookings().where(Booking.id == booking_id))
    if booking is None or (member_id is not None and booking.member_id != member_id):
        return None
    return _calendar("Ruang", [_event(booking)])


def _bookings() -> Select[Booking]:
    return (
        select(Booking)
        .options(joinedload(Booking.resource).joinedload(Resource.floor))
        .order_by(Booking.start_at, Booking.id)
    )


def _event(booking: Booking, who: str | None = None) -> Event:
    hub = booking.resource.hub
    event = Event()
    event.add("uid", f"booking-{booking.id}@ruang.id")
    event.add("dtstamp", booking.updated_at or booking.created_at)
    event.add("dtstart", booking.start_at.astimezone(hub.zone))
    event.add("dtend", booking.end_at.astimezone(hub.zone))
    summary = f"{booking.resource.name} · {hub.name}"
    event.add("summary", f"{who}: {summary}" if who else summary)
    event.add("location", ", ".join(p for p in (hub.name, hub.address) if p))
    cancelled = booking.status is BookingStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def _calendar(name: str, events: Iterable[Event]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    first: date | None = None
    for event in events:
        calendar.add_component(event)
        start = event.decoded("dtstart").date()
        first = start if first is None or start < first else first
    if first is not None:
        calendar.add_missing_timezones(first_date=first - timedelta(days=366))
    return bytes(calendar.to_ical())
