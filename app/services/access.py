"""The access decision: one function, called by the MQTT gateway and the front desk alike.

Checks run in order and the first failure is the reason. Every decision is stored as an access
event (idempotent by event id: a QoS 1 duplicate returns the stored decision, never a second
event). A member's first grant of the day at a hub checks in that day's booking.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import (
    AccessEvent,
    Booking,
    BookingStatus,
    Direction,
    Door,
    DoorKind,
    Floor,
    Hub,
    Membership,
    Pass,
    PassKind,
    Resource,
    User,
    utcnow,
)
from app.models.bookings import ACTIVE_STATUSES
from app.services.bookings import CHECK_IN_EARLY, mark_checked_in
from app.services.errors import NotFound
from app.services.occupancy import people_in_zone
from app.services.pass_keys import cached_published_keys, published_keys
from app.services.transactions import transaction
from devices import passcode


class Reason:
    """Decision reasons, in the order they are checked."""

    GRANTED = "granted"
    BAD_FORMAT = "bad_format"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    REPLAYED = "replayed"
    REVOKED = "revoked"
    WRONG_HUB = "wrong_hub"
    MEMBER_SUSPENDED = "member_suspended"
    NO_ENTITLEMENT = "no_entitlement"
    HUB_CLOSED = "hub_closed"
    ROOM_NOT_BOOKED = "room_not_booked"
    ANTI_PASSBACK = "anti_passback"
    ZONE_FULL = "zone_full"


ROTATING = (passcode.PassKind.MEMBER, passcode.PassKind.STAFF)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AccessRequest:
    token: str
    hub_id: int
    door_id: int | None = None
    direction: Direction = Direction.IN
    event_id: str | None = None  # from the device; generated when absent
    source: str = "gateway"  # gateway | frontdesk | offline
    at: datetime | None = None  # when it happened (offline uploads); default now


@dataclass(frozen=True)
class Decision:
    event_id: str
    granted: bool
    reason: str
    open_seconds: int
    pass_id: int | None
    member_id: int | None
    member_name: str | None
    booking_id: int | None
    latency_ms: float
    duplicate: bool = False


class _Denied(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


@dataclass
class _Context:
    hub: Hub
    door: Door | None
    claims: passcode.PassClaims | None = None
    holder_pass: Pass | None = None
    member: User | None = None
    booking: Booking | None = None


def decide_access(
    request: AccessRequest,
    keys: Mapping[int, Ed25519PublicKey] | None = None,
    now: datetime | None = None,
) -> Decision:
    """Decide, store the access event, commit, and return the decision.

    A repeated event id (a QoS 1 duplicate) is caught by the unique constraint on insert and
    answered with the stored decision, so the common case costs no lookup first.
    """
    started = time.perf_counter()
    event_id = request.event_id or uuid.uuid4().hex
    now = request.at or now or utcnow()
    hub = db.session.get(
        Hub, request.hub_id, options=[joinedload(Hub.opening_hours), joinedload(Hub.closures)]
    )
    if hub is None:
        raise NotFound("no such hub", id=request.hub_id)
    door = db.session.get(Door, request.door_id) if request.door_id is not None else None
    if door is not None and door.hub_id != hub.id:
        raise NotFound("no such door at this hub", id=request.door_id)
    ctx = _Context(hub, door)
    reason = _decide(ctx, request, keys, now)
    granted = reason == Reason.GRANTED
    if granted and ctx.booking is not None and ctx.booking.status is BookingStatus.CONFIRMED:
        mark_checked_in(ctx.booking, now)  # the first way in today checks the booking in
    event = AccessEvent(
        event_id=event_id,
        hub_id=hub.id,
        door_id=door.id if door else None,
        pass_id=ctx.claims.pass_id if ctx.claims else None,
        member_id=ctx.member.id if ctx.member else None,
        direction=request.direction,
        granted=granted,
        reason=reason,
        source=request.source,
        decided_at=now,
        replay_key=_replay_key(ctx, request) if granted else None,
    )
    event.latency_ms = (time.perf_counter() - started) * 1000
    decision = _decision(event, ctx, door)  # built now: nothing is reloaded after the commit
    try:
        with transaction():
            db.session.add(event)
    except IntegrityError:
        stored = _stored(event_id)
        if stored is not None:  # the same event again (QoS 1), or decided by another worker
            return stored
        return decide_access(  # the same rotating code, used concurrently: now a replay
            request, keys, now
        )
    return decision


def _decide(
    ctx: _Context,
    request: AccessRequest,
    keys: Mapping[int, Ed25519PublicKey] | None,
    now: datetime,
) -> str:
    """The reason for this request (GRANTED or the first failed check). With no keys given,
    the process-wide key cache is used and refreshed once if the token names a key it lacks."""
    try:
        _check(ctx, request, keys if keys is not None else cached_published_keys(now), now)
    except _Denied as denied:
        stale_cache = keys is None and denied.reason in (
            Reason.UNKNOWN_KEY,
            Reason.BAD_SIGNATURE,
        )
        if not stale_cache:
            return denied.reason
        try:
            _check(ctx, request, cached_published_keys(now, refresh=True), now)
        except _Denied as again:
            return again.reason
    return Reason.GRANTED


def _check(
    ctx: _Context,
    request: AccessRequest,
    keys: Mapping[int, Ed25519PublicKey],
    now: datetime,
) -> None:
    try:
        ctx.claims = passcode.verify(request.token, keys, now.timestamp())
    except passcode.TokenRejected as rejected:
        raise _Denied(rejected.reason.value) from None
    claims = ctx.claims
    if claims.kind in ROTATING and _already_used(_replay_key(ctx, request)):
        raise _Denied(Reason.REPLAYED)
    ctx.holder_pass = db.session.get(
        Pass,
        claims.pass_id,
        options=[
            joinedload(Pass.member).selectinload(User.memberships).joinedload(Membership.plan)
        ],
    )
    if ctx.holder_pass is None or ctx.holder_pass.is_revoked:
        raise _Denied(Reason.REVOKED)
    holder_pass = ctx.holder_pass
    if not claims.allows_hub(ctx.hub.id) or holder_pass.hub_id not in (None, ctx.hub.id):
        raise _Denied(Reason.WRONG_HUB)
    ctx.member = holder_pass.member
    if ctx.member is not None and ctx.member.is_suspended:
        raise _Denied(Reason.MEMBER_SUSPENDED)
    staff = holder_pass.kind is PassKind.STAFF
    _check_entitlement(ctx, now)
    if not staff and not ctx.hub.is_open_at(now):
        raise _Denied(Reason.HUB_CLOSED)
    if ctx.door is not None:
        _check_door(ctx, ctx.door, request.direction, now, staff)


def _check_door(
    ctx: _Context, door: Door, direction: Direction, now: datetime, staff: bool
) -> None:
    """Room bookings, anti-passback and zone capacity: the checks that depend on the door."""
    if door.kind is DoorKind.ROOM and not staff:
        member_id = ctx.member.id if ctx.member is not None else None
        if member_id is None or _booking_covering(member_id, door.resource_id, now) is None:
            raise _Denied(Reason.ROOM_NOT_BOOKED)
    if door.anti_passback and _last_direction(ctx) == direction:
        raise _Denied(Reason.ANTI_PASSBACK)
    zone = door.zone
    if (
        direction is Direction.IN
        and zone is not None
        and zone.capacity is not None
        and zone_occupancy(zone.id, ctx.hub, now) >= zone.capacity
    ):
        raise _Denied(Reason.ZONE_FULL)


def _check_entitlement(ctx: _Context, now: datetime) -> None:
    holder_pass, hub = ctx.holder_pass, ctx.hub
    assert holder_pass is not None
    today = hub.local_date(now)
    if holder_pass.kind is PassKind.STAFF:
        if ctx.member is None or not ctx.member.can_staff(hub.id):
            raise _Denied(Reason.NO_ENTITLEMENT)
        return
    if holder_pass.kind is PassKind.GUEST:
        return  # its token is valid only on the invited day, at the invited hub
    if holder_pass.kind is PassKind.DAY:
        booking = holder_pass.booking
        if booking is None or booking.status not in ACTIVE_STATUSES:
            raise _Denied(Reason.NO_ENTITLEMENT)
        ctx.booking = booking
        return
    assert ctx.member is not None
    ctx.booking = _todays_booking(ctx.member.id, hub, now)
    if ctx.booking is None and ctx.member.membership_on(today, hub.id) is None:
        raise _Denied(Reason.NO_ENTITLEMENT)


def _todays_booking(member_id: int, hub: Hub, now: datetime) -> Booking | None:
    """The member's active booking at this hub today that check-in could apply to."""
    start, end = hub.local_day_bounds(hub.local_date(now))
    candidates = db.session.scalars(
        select(Booking)
        .join(Resource, Booking.resource_id == Resource.id)
        .join(Floor, Resource.floor_id == Floor.id)
        .where(
            Floor.hub_id == hub.id,
            Booking.member_id == member_id,
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.start_at >= start,
            Booking.start_at < end,
            Booking.end_at > now,
        )
        .order_by(Booking.start_at)
    ).all()
    return next((b for b in candidates if b.start_at - CHECK_IN_EARLY <= now), None)


def _booking_covering(member_id: int, resource_id: int | None, now: datetime) -> Booking | None:
    if resource_id is None:
        return None
    return db.session.scalar(
        select(Booking).where(
            Booking.member_id == member_id,
            Booking.resource_id == resource_id,
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.start_at <= now + CHECK_IN_EARLY / 6,  # ten minutes early is fine
            Booking.end_at > now,
        )
    )


def _last_direction(ctx: _Context) -> Direction | None:
    assert ctx.claims is not None
    return db.session.scalar(
        select(AccessEvent.direction)
        .where(
            AccessEvent.hub_id == ctx.hub.id,
            AccessEvent.pass_id == ctx.claims.pass_id,
            AccessEvent.granted,
        )
        .order_by(AccessEvent.decided_at.desc(), AccessEvent.id.desc())
        .limit(1)
    )


def zone_occupancy(zone_id: int, hub: Hub, now: datetime) -> int:
    """People in a zone now: its people counter's recent count when it has one, else today's
    granted entries minus exits through its doors."""
    counted = people_in_zone(zone_id, now)
    if counted is not None:
        return counted
    start, _ = hub.local_day_bounds(hub.local_date(now))
    rows = db.session.execute(
        select(AccessEvent.direction, func.count())
        .join(Door, AccessEvent.door_id == Door.id)
        .where(Door.zone_id == zone_id, AccessEvent.granted, AccessEvent.decided_at >= start)
        .group_by(AccessEvent.direction)
    ).all()
    counts = {direction: count for direction, count in rows}
    return max(counts.get(Direction.IN, 0) - counts.get(Direction.OUT, 0), 0)


def _replay_key(ctx: _Context, request: AccessRequest) -> str | None:
    claims = ctx.claims
    if claims is None or claims.kind not in ROTATING:
        return None
    return f"{ctx.hub.id}:{claims.pass_id}:{request.direction.value}:{claims.valid_from}"


def _already_used(replay_key: str | None) -> bool:
    return replay_key is not None and (
        db.session.scalar(select(AccessEvent.id).where(AccessEvent.replay_key == replay_key))
        is not None
    )


def _stored(event_id: str) -> Decision | None:
    event = db.session.scalar(select(AccessEvent).where(AccessEvent.event_id == event_id))
    if event is None:
        return None
    decision = _decision(event, None, event.door)
    return Decision(**{**decision.__dict__, "duplicate": True})


def _decision(event: AccessEvent, ctx: _Context | None, door: Door | None) -> Decision:
    member = ctx.member if ctx is not None else event.member
    booking = ctx.booking if ctx is not None else None
    return Decision(
        event_id=event.event_id,
        granted=event.granted,
        reason=event.reason,
        open_seconds=(door.open_seconds if door else 5) if event.granted else 0,
        pass_id=event.pass_id,
        member_id=event.member_id,
        member_name=member.name if member else None,
        booking_id=booking.id if booking else None,
        latency_ms=event.latency_ms,
    )


# -- decisions readers made alone ---------------------------------------------------------------


@dataclass(frozen=True)
class OfflineDecision:
    """A decision a reader made alone while the server was out of reach, uploaded later."""

    token: str
    hub_id: int
    door_id: int | None
    direction: Direction
    event_id: str
    granted: bool
    reason: str
    at: datetime  # when the reader decided (its clock)


def record_offline_event(
    upload: OfflineDecision,
    keys: Mapping[int, Ed25519PublicKey] | None = None,
    now: datetime | None = None,
) -> bool:
    """Store a reader's offline decision once, as what happened: the reader's own grant, reason
    and time (the door did or did not open). When the server would have decided otherwise, log
    it; the event still says what the reader did. Returns False when the id is already stored
    (a QoS 1 duplicate, a re-upload, or a scan with the same id the gateway answered late)."""
    existing = _stored(upload.event_id)
    if existing is not None:
        if existing.granted != upload.granted:
            log.warning(
                "offline event %s: reader %s, but the stored decision %s (%s) stands",
                upload.event_id,
                "granted" if upload.granted else f"refused ({upload.reason})",
                "granted" if existing.granted else "refused",
                existing.reason,
            )
        return False
    now = now or utcnow()
    at = min(upload.at, now)  # a reader clock ahead of ours does not write the future
    hub = db.session.get(Hub, upload.hub_id)
    if hub is None:
        raise NotFound("no such hub", id=upload.hub_id)
    door = db.session.get(Door, upload.door_id) if upload.door_id is not None else None
    if door is not None and door.hub_id != hub.id:
        raise NotFound("no such door at this hub", id=upload.door_id)
    request = AccessRequest(
        upload.token, hub.id, upload.door_id, upload.direction, upload.event_id, "offline", at
    )
    ctx = _Context(hub, door)
    try:
        _check(ctx, request, keys if keys is not None else published_keys(at), at)
        server_reason = Reason.GRANTED
    except _Denied as denied:
        server_reason = denied.reason
    if (server_reason == Reason.GRANTED) != upload.granted:
        log.warning(
            "offline event %s at hub %s: the reader %s, the server would have %s (%s)",
            upload.event_id,
            hub.slug,
            "granted" if upload.granted else f"refused ({upload.reason})",
            "refused" if upload.granted else "granted",
            server_reason,
        )
    replay_key = _replay_key(ctx, request) if upload.granted else None
    if _already_used(replay_key):
        replay_key = None  # the code also opened a door online; both happened
    return _store_offline(upload, ctx, door, at, replay_key)


def _store_offline(
    upload: OfflineDecision,
    ctx: _Context,
    door: Door | None,
    at: datetime,
    replay_key: str | None,
) -> bool:
    event = AccessEvent(
        event_id=upload.event_id,
        hub_id=ctx.hub.id,
        door_id=door.id if door else None,
        pass_id=ctx.claims.pass_id if ctx.claims else None,
        member_id=ctx.member.id if ctx.member else None,
        direction=upload.direction,
        granted=upload.granted,
        reason=upload.reason[:32],
        source="offline",
        decided_at=at,
        replay_key=replay_key,
        latency_ms=0.0,
    )
    booking = ctx.booking if upload.granted else None
    try:
        with transaction():
            if booking is not None and booking.status is BookingStatus.CONFIRMED:
                mark_checked_in(booking, at)  # they went in: the booking is checked in
            db.session.add(event)
    except IntegrityError:
        if _stored(upload.event_id) is not None:  # stored concurrently by another gateway
            return False
        if replay_key is None:
            raise
        # The same code was used online meanwhile; keep the event without claiming the code.
        ctx.booking = None
        return _store_offline(upload, ctx, door, at, None)
    return True
