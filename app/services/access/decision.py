"""The access decision: one function, called by the MQTT gateway and the front desk alike.

Checks run in order and the first failure is the reason. Every decision is stored as an access
event, once per event id: a copy of a message within REDELIVERY_WINDOW of its decision (a QoS 1
redelivery, a second gateway) is answered from the stored decision; a later copy is a replay,
stored as a refusal of its own (see `is_redelivery`). A member's first grant of the day at a hub
checks in that day's booking.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import (
    CursorResult,
    Date,
    Executable,
    Table,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    AccessEvent,
    Booking,
    BookingStatus,
    Direction,
    Door,
    DoorKind,
    Floor,
    Membership,
    Pass,
    PassKind,
    Plan,
    Resource,
    User,
    UserStatus,
    utcnow,
)
from app.models.bookings import ACTIVE_STATUSES
from app.models.hubs import Calendar
from app.services.access.directory import DoorEntry, HubEntry, door_entry, hub_entry
from app.services.access.keys import cached_published_keys, published_keys
from app.services.booking.bookings import CHECK_IN_EARLY
from app.services.devices.occupancy import people_in_zone
from app.services.errors import NotFound
from app.services.integrations import webhooks
from app.services.programmes.event_passes import event_admits
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
    #: Not a check of the pass: a retired door opens for nobody, checked before anything else.
    DOOR_RETIRED = "door_retired"


ROTATING = (passcode.PassKind.MEMBER, passcode.PassKind.STAFF)
#: How long after a decision a message with its id is still the same delivery: QoS 1 redelivers
#: within seconds. Any later copy was captured and sent again, and opens nothing.
REDELIVERY_WINDOW = timedelta(seconds=10)

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


@dataclass(frozen=True)
class _Holder:
    """A pass and whoever holds it, as the checks need them at one hub at one moment."""

    kind: PassKind
    revoked: bool
    hub_id: int | None  # the one hub it opens, or None for any its token allows
    member_id: int | None
    member_name: str | None
    suspended: bool
    replayed: bool  # this rotating code already opened this way (see _replay_key)
    has_membership: bool  # a membership covering the hub's today and allowing the hub
    todays_booking_id: int | None  # the member's booking here today check-in applies to
    day_booking_id: int | None  # a day pass's booking, while it is active


@dataclass
class _Context:
    hub: HubEntry
    door: DoorEntry | None
    claims: passcode.PassClaims | None = None
    holder: _Holder | None = None
    booking_id: int | None = None  # the booking the holder comes for (checked in on a grant)

    @property
    def member_id(self) -> int | None:
        return self.holder.member_id if self.holder is not None else None


def decide_access(
    request: AccessRequest,
    keys: Mapping[int, Ed25519PublicKey] | None = None,
    now: datetime | None = None,
) -> Decision:
    """Decide, store the access event, commit, and return the decision.

    The hub, the door and the keys come from per-process caches (access_directory, pass_keys);
    a member's grant costs two statements: one query for the pass and all the checks need of it
    (holder, replay, membership, today's booking) and the event insert, plus a booking update on
    the first grant of the day. A repeated event id (a QoS 1 duplicate) is caught by the unique
    constraint on insert and answered with the stored decision, so the common case costs no
    lookup first. A later copy of the message is decided afresh and refused (`is_redelivery`).
    """
    return _decide_and_store(request, keys, request.at or now or utcnow(), replayed=False)


def is_redelivery(event: AccessEvent, now: datetime) -> bool:
    """Whether a scan message with the id of stored `event` is that same delivery, to be
    answered from it: within REDELIVERY_WINDOW of the decision, or whenever the door already
    decided that scan alone (the server's answer is late; one event per scan)."""
    return event.source == "offline" or now - event.decided_at <= REDELIVERY_WINDOW


def _decide_and_store(
    request: AccessRequest,
    keys: Mapping[int, Ed25519PublicKey] | None,
    now: datetime,
    replayed: bool,
) -> Decision:
    started = time.perf_counter()
    event_id = request.event_id or uuid.uuid4().hex
    ctx = _context(request.hub_id, request.door_id)
    reason = _decide(ctx, request, keys, now)
    if replayed and reason == Reason.GRANTED:
        reason = Reason.REPLAYED  # a message decided before: its grant was used then
    granted = reason == Reason.GRANTED
    replay_key = _replay_key(ctx, request) if granted else None
    latency_ms = (time.perf_counter() - started) * 1000
    decision = Decision(  # built now: nothing is reloaded after the commit
        event_id=event_id,
        granted=granted,
        reason=reason,
        open_seconds=(ctx.door.open_seconds if ctx.door else 5) if granted else 0,
        pass_id=ctx.claims.pass_id if ctx.claims else None,
        member_id=ctx.member_id,
        member_name=ctx.holder.member_name if ctx.holder else None,
        booking_id=ctx.booking_id,
        latency_ms=latency_ms,
    )
    try:
        _store_event(
            ctx,
            now,
            checks_in=ctx.booking_id if granted else None,
            event_id=event_id,
            direction=request.direction,
            granted=granted,
            reason=reason,
            source=request.source,
            replay_key=replay_key,
            latency_ms=latency_ms,
        )
    except IntegrityError:
        stored = _stored_event(event_id)
        if stored is None:  # the same rotating code, used concurrently: now a replay
            return _decide_and_store(request, keys, now, replayed)
        if is_redelivery(stored, now):  # QoS 1 again, or decided by another worker
            return _as_decision(stored)
        copy_id = f"{event_id[:40]}~{uuid.uuid4().hex[:23]}"
        return _decide_and_store(replace(request, event_id=copy_id), keys, now, replayed=True)
    return decision


def _context(hub_id: int, door_id: int | None) -> _Context:
    hub = hub_entry(hub_id)
    if hub is None:
        raise NotFound("no such hub", id=hub_id)
    door = door_entry(door_id) if door_id is not None else None
    if door_id is not None and (door is None or door.hub_id != hub.id):
        raise NotFound("no such door at this hub", id=door_id)
    return _Context(hub, door)


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
    if ctx.door is not None and ctx.door.retired:
        raise _Denied(Reason.DOOR_RETIRED)
    try:
        ctx.claims = passcode.verify(request.token, keys, now.timestamp())
    except passcode.TokenRejected as rejected:
        raise _Denied(rejected.reason.value) from None
    claims, hub = ctx.claims, ctx.hub
    replay_key = _replay_key(ctx, request)
    ctx.holder = holder = _holder(claims.pass_id, hub, replay_key, now)
    if replay_key is not None and (holder.replayed if holder else _already_used(replay_key)):
        raise _Denied(Reason.REPLAYED)
    if holder is None or holder.revoked:
        raise _Denied(Reason.REVOKED)
    if not claims.allows_hub(hub.id) or holder.hub_id not in (None, hub.id):
        raise _Denied(Reason.WRONG_HUB)
    if holder.suspended:
        raise _Denied(Reason.MEMBER_SUSPENDED)
    staff = holder.kind is PassKind.STAFF
    ctx.booking_id = _entitlement(holder, hub, claims.pass_id, now)
    if not staff and not hub.calendar.is_open_at(now):
        raise _Denied(Reason.HUB_CLOSED)
    if ctx.door is not None:
        _check_door(ctx, ctx.door, request.direction, now, staff)


def _check_door(
    ctx: _Context, door: DoorEntry, direction: Direction, now: datetime, staff: bool
) -> None:
    """Room bookings, anti-passback and zone capacity: the checks that depend on the door."""
    if door.kind is DoorKind.ROOM and not staff:
        member_id = ctx.member_id
        if ctx.holder is not None and ctx.holder.kind is PassKind.EVENT:
            assert ctx.claims is not None
            if not event_admits(ctx.claims.pass_id, now, door.resource_id or -1):
                raise _Denied(Reason.ROOM_NOT_BOOKED)
        elif member_id is None or not _has_booking_covering(member_id, door.resource_id, now):
            raise _Denied(Reason.ROOM_NOT_BOOKED)
    if door.anti_passback and _last_direction(ctx) == direction:
        raise _Denied(Reason.ANTI_PASSBACK)
    zone_id, capacity = door.zone_entered(direction)
    if (
        zone_id is not None
        and capacity is not None
        and zone_occupancy(zone_id, ctx.hub.calendar, now) >= capacity
    ):
        raise _Denied(Reason.ZONE_FULL)


def _entitlement(holder: _Holder, hub: HubEntry, pass_id: int, now: datetime) -> int | None:
    """Refuse a holder with no right to be at the hub now; return the booking a grant would
    check in, if any."""
    if holder.kind is PassKind.STAFF:
        staff = db.session.get(User, holder.member_id) if holder.member_id else None
        if staff is None or not staff.can_staff(hub.id):
            raise _Denied(Reason.NO_ENTITLEMENT)
        return None
    if holder.kind is PassKind.GUEST:
        return None  # its token is valid only on the invited day, at the invited hub
    if holder.kind is PassKind.EVENT:
        if not event_admits(pass_id, now):  # its place and event still on, and running now
            raise _Denied(Reason.NO_ENTITLEMENT)
        return None
    if holder.kind is PassKind.DAY:
        if holder.day_booking_id is None:
            raise _Denied(Reason.NO_ENTITLEMENT)
        return holder.day_booking_id
    if holder.todays_booking_id is None and not holder.has_membership:
        raise _Denied(Reason.NO_ENTITLEMENT)
    return holder.todays_booking_id


# -- what the checks read ---------------------------------------------------------------------


# The statements of a scan are built once, with bound parameters, and run on the session's
# connection: building a statement and the ORM's execution machinery cost more than the
# statements themselves (scripts/bench/scan_latency.py).

_TODAYS_BOOKING = (
    select(Booking.id)
    .join(Resource, Booking.resource_id == Resource.id)
    .join(Floor, Resource.floor_id == Floor.id)
    .where(
        Booking.member_id == Pass.member_id,
        Floor.hub_id == bindparam("hub_id"),
        Booking.status.in_(ACTIVE_STATUSES),
        Booking.start_at >= bindparam("day_starts"),
        Booking.start_at < bindparam("day_ends"),
        Booking.start_at <= bindparam("check_in_opens"),
        Booking.end_at > bindparam("now"),
    )
    .order_by(Booking.start_at)
    .limit(1)
    .scalar_subquery()
)
_DAY_BOOKING = (
    select(Booking.id)
    .where(Booking.id == Pass.booking_id, Booking.status.in_(ACTIVE_STATUSES))
    .scalar_subquery()
)
_HAS_MEMBERSHIP = (
    select(Membership.id)
    .join(Plan, Plan.id == Membership.plan_id)
    .where(
        Membership.user_id == Pass.member_id,
        Membership.covering(bindparam("today", type_=Date)),
        Plan.allowing_hub(bindparam("hub_id")),
    )
    .exists()
)
_REPLAYED = select(AccessEvent.id).where(AccessEvent.replay_key == bindparam("replay_key"))
#: The pass, its holder and all the entitlement checks need, in one round trip.
_HOLDER = (
    select(
        Pass.kind,
        Pass.revoked_at,
        Pass.hub_id,
        Pass.member_id,
        User.name,
        User.status,
        _REPLAYED.exists().label("replayed"),
        _HAS_MEMBERSHIP.label("has_membership"),
        _TODAYS_BOOKING.label("todays_booking_id"),
        _DAY_BOOKING.label("day_booking_id"),
    )
    .outerjoin(User, User.id == Pass.member_id)
    .where(Pass.id == bindparam("pass_id"))
)
_CHECK_IN = (
    update(Booking)
    .where(
        Booking.id == bindparam("booking_id"),
        Booking.status == BookingStatus.CONFIRMED,
        Booking.start_at <= bindparam("check_in_opens"),
        Booking.end_at > bindparam("now"),
    )
    .values(status=BookingStatus.CHECKED_IN, checked_in_at=bindparam("now"))
)
_INSERT_EVENT = insert(cast(Table, AccessEvent.__table__))


def _holder(pass_id: int, hub: HubEntry, replay_key: str | None, now: datetime) -> _Holder | None:
    today = hub.calendar.local_date(now)
    day_starts, day_ends = hub.calendar.local_day_bounds(today)
    row = _run(
        _HOLDER,
        pass_id=pass_id,
        hub_id=hub.id,
        replay_key=replay_key or "",  # no key (not a rotating code): matches no event
        today=today,
        day_starts=day_starts,
        day_ends=day_ends,
        check_in_opens=now + CHECK_IN_EARLY,
        now=now,
    ).first()
    if row is None:
        return None
    return _Holder(
        kind=row.kind,
        revoked=row.revoked_at is not None,
        hub_id=row.hub_id,
        member_id=row.member_id,
        member_name=row.name,
        suspended=row.status is UserStatus.SUSPENDED,
        replayed=bool(row.replayed),
        has_membership=bool(row.has_membership),
        todays_booking_id=row.todays_booking_id,
        day_booking_id=row.day_booking_id,
    )


def _store_event(ctx: _Context, at: datetime, checks_in: int | None, **values: Any) -> None:
    """Insert the access event of `ctx` and check in booking `checks_in`, in one transaction.
    The booking is checked in only if it is still just confirmed and check-in is open (see
    bookings.mark_checked_in); one already checked in stays as it is."""
    with transaction():
        if checks_in is not None:
            checked = _run(
                _CHECK_IN, booking_id=checks_in, check_in_opens=at + CHECK_IN_EARLY, now=at
            )
            if checked.rowcount == 1:
                _checkin_event(checks_in, ctx.hub.id)
        _run(
            _INSERT_EVENT,
            hub_id=ctx.hub.id,
            door_id=ctx.door.id if ctx.door else None,
            pass_id=ctx.claims.pass_id if ctx.claims else None,
            member_id=ctx.member_id,
            decided_at=at,
            **values,
        )


def _checkin_event(booking_id: int, hub_id: int) -> None:
    """The webhook event of a door check-in, in the decision's transaction."""
    booking = db.session.get(Booking, booking_id, populate_existing=True)
    if booking is not None:
        webhooks.emit("checkin.created", hub_id, webhooks.booking_data(booking))


def _run(statement: Executable, **params: Any) -> CursorResult[Any]:
    return db.session.connection().execute(statement, params)


def _has_booking_covering(member_id: int, resource_id: int | None, now: datetime) -> bool:
    if resource_id is None:
        return False
    booking = db.session.scalar(
        select(Booking.id)
        .where(
            Booking.member_id == member_id,
            Booking.resource_id == resource_id,
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.start_at <= now + CHECK_IN_EARLY / 6,  # ten minutes early is fine
            Booking.end_at > now,
        )
        .limit(1)
    )
    return booking is not None


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


def zone_occupancy(zone_id: int, calendar: Calendar, now: datetime) -> int:
    """People in a zone now: its people counter's recent count when it has one, else today's
    granted passages into it minus those out of it, through the doors that lead into it (in
    enters, out leaves) and out of it (in leaves, out enters)."""
    counted = people_in_zone(zone_id, now)
    if counted is not None:
        return counted
    start, _ = calendar.local_day_bounds(calendar.local_date(now))
    rows = db.session.execute(
        select(Door.zone_id, AccessEvent.direction, func.count())
        .join(Door, AccessEvent.door_id == Door.id)
        .where(
            or_(Door.zone_id == zone_id, Door.from_zone_id == zone_id),
            AccessEvent.granted,
            AccessEvent.decided_at >= start,
        )
        .group_by(Door.zone_id, AccessEvent.direction)
    ).all()
    people = 0
    for into, direction, count in rows:  # a door into the zone, or else one out of it
        people += count if (into == zone_id) == (direction is Direction.IN) else -count
    return max(people, 0)


def _replay_key(ctx: _Context, request: AccessRequest) -> str | None:
    """A rotating code opens each door once each way: the entrance and then a room door
    within one code's life are two uses; the same door again is a replay."""
    claims = ctx.claims
    if claims is None or claims.kind not in ROTATING:
        return None
    door = request.door_id or 0  # the front desk's scanner: no door
    return f"{ctx.hub.id}:{door}:{claims.pass_id}:{request.direction.value}:{claims.valid_from}"


def _already_used(replay_key: str | None) -> bool:
    return replay_key is not None and _run(_REPLAYED, replay_key=replay_key).first() is not None


def _stored_event(event_id: str) -> AccessEvent | None:
    return db.session.scalar(select(AccessEvent).where(AccessEvent.event_id == event_id))


def _as_decision(event: AccessEvent) -> Decision:
    """A stored event as the answer to a duplicate of its message."""
    door = event.door
    return Decision(
        event_id=event.event_id,
        granted=event.granted,
        reason=event.reason,
        open_seconds=(door.open_seconds if door else 5) if event.granted else 0,
        pass_id=event.pass_id,
        member_id=event.member_id,
        member_name=event.member.name if event.member else None,
        booking_id=None,
        latency_ms=event.latency_ms,
        duplicate=True,
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
    """Store a reader's offline decision as what happened at the door: its grant, reason and
    time. What the server decides of the same scan goes beside it (`server_reason`), never over
    it, also when the gateway decided that scan too late for the reader. Returns False when the
    upload is already stored (a QoS 1 duplicate, a re-upload)."""
    existing = _stored_event(upload.event_id)
    if existing is not None:
        return existing.source != "offline" and _adopt_door_decision(existing, upload, now)
    now = now or utcnow()
    at = min(upload.at, now)  # a reader clock ahead of ours does not write the future
    ctx = _context(upload.hub_id, upload.door_id)
    request = AccessRequest(
        upload.token, upload.hub_id, upload.door_id, upload.direction, upload.event_id,
        "offline", at,
    )  # fmt: skip
    try:
        _check(ctx, request, keys if keys is not None else published_keys(at), at)
        server_reason = Reason.GRANTED
    except _Denied as denied:
        server_reason = denied.reason
    replay_key = _replay_key(ctx, request) if upload.granted else None
    if _already_used(replay_key):
        replay_key = None  # the code also opened a door online; both happened
    return _store_offline(upload, ctx, at, replay_key, server_reason, now)


def _store_offline(
    upload: OfflineDecision,
    ctx: _Context,
    at: datetime,
    replay_key: str | None,
    server_reason: str,
    now: datetime,
) -> bool:
    try:
        _store_event(
            ctx,
            at,
            checks_in=ctx.booking_id if upload.granted else None,  # they went in
            event_id=upload.event_id,
            direction=upload.direction,
            granted=upload.granted,
            reason=upload.reason[:32],
            source="offline",
            replay_key=replay_key,
            latency_ms=0.0,
            server_reason=server_reason,
        )
    except IntegrityError:
        existing = _stored_event(upload.event_id)
        if existing is not None:  # stored meanwhile: uploaded again, or decided online
            return existing.source != "offline" and _adopt_door_decision(existing, upload, now)
        if replay_key is None:
            raise
        # The same code was used online meanwhile; keep the event without claiming the code.
        ctx.booking_id = None
        return _store_offline(upload, ctx, at, None, server_reason, now)
    _log_disagreement(upload, server_reason)
    return True


def _adopt_door_decision(event: AccessEvent, upload: OfflineDecision, now: datetime | None) -> bool:
    """The gateway decided this scan after the reader stopped waiting (its answer opened
    nothing): the event becomes what the door did, the gateway's reason kept beside it. False
    if another worker did so first."""
    server_reason = event.reason
    door_did: dict[str, Any] = {
        "server_reason": AccessEvent.reason,  # the old value: SET reads the row as it was
        "granted": upload.granted,
        "reason": upload.reason[:32],
        "decided_at": min(upload.at, now or utcnow()),
        "source": "offline",
    }
    if not upload.granted:
        door_did["replay_key"] = None  # the code opened nothing: it was not used
    with transaction():
        adopted = _run(
            update(AccessEvent)
            .where(AccessEvent.id == event.id, AccessEvent.source != "offline")
            .values(door_did)
        ).rowcount
    if adopted:
        _log_disagreement(upload, server_reason)
    return bool(adopted)


def _log_disagreement(upload: OfflineDecision, server_reason: str) -> None:
    if (server_reason == Reason.GRANTED) != upload.granted:
        log.warning(
            "offline event %s: the reader %s, the server would have %s (%s)",
            upload.event_id,
            "granted" if upload.granted else f"refused ({upload.reason})",
            "refused" if upload.granted else "granted",
            server_reason,
        )
