"""Running hubs: details and booking policy, opening hours, closures, floors and resources.

Every write checks that the actor administers the hub, and records an audit entry in the same
transaction as the change. Invalid input raises InvalidInput with `field` and `reason` details so
the web layer can put a translated message next to the right field.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, time
from enum import Enum
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import (
    BookingMode,
    Closure,
    Floor,
    Hub,
    Resource,
    ResourceKind,
    UnknownTimeZone,
    User,
    Zone,
)
from app.models.hubs import zone_for
from app.services.audit import audited_change, record, record_created, snapshot
from app.services.errors import Forbidden, InvalidInput, NotFound
from app.services.hubs.calendar import parse_closures_csv, set_opening_hours
from app.services.transactions import transaction

HUB_FIELDS = ("slug", "name", "timezone", "province", "city", "kecamatan", "address")
POLICY_FIELDS = ("no_show_minutes", "cancel_cutoff_minutes", "room_buffer_minutes")
#: Release booked rooms their sensors find empty after this many minutes; None: off.
SENSOR_FIELDS = ("room_release_minutes",)
FLOOR_FIELDS = ("name", "level", "plan_width", "plan_height")
RESOURCE_FIELDS = (
    "name",
    "kind",
    "booking_mode",
    "capacity",
    "slot_minutes",
    "min_minutes",
    "max_minutes",
    "zone_id",
    "x",
    "y",
    "width",
    "height",
    "amenities",
    "active",
)
#: The longest booking policy value an admin may set (a week, in minutes).
MAX_POLICY_MINUTES = 7 * 24 * 60


class Unchanged(Enum):
    """A setting the caller leaves as it is."""

    KEEP = "keep"


@dataclass(frozen=True)
class HubDetails:
    name: str
    slug: str
    timezone: str
    province: str = ""
    city: str = ""
    kecamatan: str = ""
    address: str = ""
    no_show_minutes: int = 30
    cancel_cutoff_minutes: int = 60
    room_buffer_minutes: int = 0
    room_release_minutes: int | Unchanged | None = Unchanged.KEEP


@dataclass(frozen=True)
class FloorDetails:
    name: str
    level: int = 0
    plan_width: int = 1000
    plan_height: int = 600


@dataclass(frozen=True)
class ResourceDetails:
    name: str
    kind: ResourceKind
    booking_mode: BookingMode
    capacity: int = 1
    slot_minutes: int = 30
    min_minutes: int = 30
    max_minutes: int = 1440
    zone_name: str = ""
    x: int = 0
    y: int = 0
    width: int = 40
    height: int = 30
    amenities: list[str] = field(default_factory=list)
    active: bool = True


# -- reading ------------------------------------------------------------------------------------


def administered_hubs(actor: User) -> list[Hub]:
    """The hubs `actor` administers (every hub for a programme admin), by name."""
    stmt = select(Hub).order_by(Hub.name)
    if not actor.is_programme_admin:
        hub_ids = [
            hub_id for hub_id in actor.staff_hub_ids() or set() if actor.can_administer(hub_id)
        ]
        stmt = stmt.where(Hub.id.in_(hub_ids))
    return list(db.session.scalars(stmt))


def floor_of(hub: Hub, floor_id: int) -> Floor:
    """The hub's floor with that id, or NotFound (another hub's floor is not found here)."""
    floor = db.session.get(Floor, floor_id)
    if floor is None or floor.hub_id != hub.id:
        raise NotFound(f"no floor {floor_id} at {hub.slug}")
    return floor


def resource_of(hub: Hub, resource_id: int) -> Resource:
    resource = db.session.get(Resource, resource_id)
    if resource is None or resource.floor.hub_id != hub.id:
        raise NotFound(f"no resource {resource_id} at {hub.slug}")
    return resource


# -- hubs ---------------------------------------------------------------------------------------


def create_hub(actor: User, details: HubDetails) -> Hub:
    """Open a new hub (programme admins only), closed until its hours are set."""
    if not actor.is_programme_admin:
        raise Forbidden("only programme admins open hubs")
    with transaction():
        _check_hub(details, None)
        hub = Hub(**_hub_values(details))
        fields = HUB_FIELDS + POLICY_FIELDS + SENSOR_FIELDS
        record_created("hub.create", hub, fields, actor_id=actor.id, hub=hub)
    return hub


def update_hub(actor: User, hub: Hub, details: HubDetails) -> Hub:
    """Change a hub's details and booking policy."""
    _require_admin(actor, hub)
    with transaction():
        _check_hub(details, hub)
        fields = HUB_FIELDS + POLICY_FIELDS + SENSOR_FIELDS
        with audited_change("hub.update", hub, fields, actor_id=actor.id, hub_id=hub.id):
            for name, value in _hub_values(details).items():
                setattr(hub, name, value)
    return hub


def set_hours(actor: User, hub: Hub, weekly: dict[int, tuple[time, time] | None]) -> None:
    """Replace the weekly opening hours (None closes that weekday)."""
    _require_admin(actor, hub)
    with transaction():
        before = _hours_snapshot(hub)
        set_opening_hours(hub, weekly)
        db.session.flush()
        after = _hours_snapshot(hub)
        if before != after:
            record(
                "hub.hours",
                hub,
                actor_id=actor.id,
                hub_id=hub.id,
                before=before,
                after=after,
            )


def add_closure(actor: User, hub: Hub, on: date, name: str) -> Closure:
    _require_admin(actor, hub)
    name = name.strip()
    if not name:
        raise InvalidInput("a closure needs a name", field="name", reason="required")
    with transaction():
        if hub.closure_on(on) is not None:
            raise InvalidInput("the hub is already closed that day", field="on", reason="closed")
        closure = Closure(on=on, name=name)
        hub.closures.append(closure)
        record_created("closure.add", closure, ("on", "name"), actor_id=actor.id, hub=hub)
    return closure


def delete_closure(actor: User, hub: Hub, closure_id: int) -> None:
    _require_admin(actor, hub)
    with transaction():
        closure = db.session.get(Closure, closure_id)
        if closure is None or closure.hub_id != hub.id:
            raise NotFound(f"no closure {closure_id} at {hub.slug}")
        record(
            "closure.delete",
            closure,
            actor_id=actor.id,
            hub_id=hub.id,
            before=snapshot(closure, ("on", "name")),
        )
        hub.closures.remove(closure)


def import_hub_closures(actor: User, hub: Hub, text: str) -> int:
    """Import holidays from CSV (`date,name[,hub]`) into this hub. All or nothing: a bad line
    raises InvalidInput listing every line error. Rows naming another hub's slug are skipped;
    dates the hub already has are kept as they are. Returns how many closures were added.

    Parsing is hub_calendar's; the insert is done here so the audit entry shares its transaction.
    """
    _require_admin(actor, hub)
    rows = parse_closures_csv(text)
    added: list[dict[str, Any]] = []
    with transaction():
        for row in rows:
            if row.hub_slug is not None and row.hub_slug != hub.slug:
                continue
            if hub.closure_on(row.on) is None:
                hub.closures.append(Closure(on=row.on, name=row.name))
                added.append({"on": row.on.isoformat(), "name": row.name})
        if added:
            record(
                "closure.import",
                hub,
                actor_id=actor.id,
                hub_id=hub.id,
                after={"added": len(added), "closures": added},
            )
    return len(added)


# -- floors and resources -----------------------------------------------------------------------


def add_floor(actor: User, hub: Hub, details: FloorDetails) -> Floor:
    _require_admin(actor, hub)
    with transaction():
        _check_floor(hub, details, None)
        floor = Floor(hub=hub, **_floor_values(details))
        record_created("floor.create", floor, FLOOR_FIELDS, actor_id=actor.id, hub=hub)
    return floor


def update_floor(actor: User, floor: Floor, details: FloorDetails) -> Floor:
    hub = floor.hub
    _require_admin(actor, hub)
    with transaction():
        _check_floor(hub, details, floor)
        with audited_change("floor.update", floor, FLOOR_FIELDS, actor_id=actor.id, hub_id=hub.id):
            for name, value in _floor_values(details).items():
                setattr(floor, name, value)
    return floor


def add_resource(actor: User, floor: Floor, details: ResourceDetails) -> Resource:
    """Add a desk, room or space to a floor, placed on its plan."""
    hub = floor.hub
    _require_admin(actor, hub)
    with transaction():
        _check_resource(floor, details, None)
        resource = Resource(floor=floor, **_resource_values(floor, details))
        record_created("resource.create", resource, RESOURCE_FIELDS, actor_id=actor.id, hub=hub)
    return resource


def update_resource(actor: User, resource: Resource, details: ResourceDetails) -> Resource:
    """Change a resource (deactivating it is `active=False`: its bookings stay)."""
    floor = resource.floor
    _require_admin(actor, floor.hub)
    with transaction():
        _check_resource(floor, details, resource)
        with _resource_change(actor, resource):
            for name, value in _resource_values(floor, details).items():
                setattr(resource, name, value)
    return resource


def place_resource(actor: User, resource: Resource, x: int, y: int) -> Resource:
    """Move a resource on its floor plan (the drag-and-drop editor saves through this)."""
    floor = resource.floor
    _require_admin(actor, floor.hub)
    with transaction():
        _check_placement(floor, x, y, resource.width, resource.height)
        with _resource_change(actor, resource):
            resource.x, resource.y = x, y
    return resource


def set_resource_active(actor: User, resource: Resource, active: bool) -> Resource:
    floor = resource.floor
    _require_admin(actor, floor.hub)
    with transaction(), _resource_change(actor, resource):
        resource.active = active
    return resource


# -- helpers ------------------------------------------------------------------------------------


def _require_admin(actor: User, hub: Hub) -> None:
    if not actor.can_administer(hub.id):
        raise Forbidden(f"{actor.email} does not administer {hub.slug}")


def _resource_change(actor: User, resource: Resource) -> AbstractContextManager[None]:
    return audited_change(
        "resource.update",
        resource,
        RESOURCE_FIELDS,
        actor_id=actor.id,
        hub_id=resource.floor.hub_id,
    )


def _hub_values(details: HubDetails) -> dict[str, Any]:
    values = {
        "name": details.name.strip(),
        "slug": details.slug.strip().lower(),
        "timezone": details.timezone,
        "province": details.province.strip(),
        "city": details.city.strip(),
        "kecamatan": details.kecamatan.strip(),
        "address": details.address.strip(),
        "no_show_minutes": details.no_show_minutes,
        "cancel_cutoff_minutes": details.cancel_cutoff_minutes,
        "room_buffer_minutes": details.room_buffer_minutes,
    }
    if not isinstance(details.room_release_minutes, Unchanged):
        values["room_release_minutes"] = details.room_release_minutes
    return values


def _check_hub(details: HubDetails, hub: Hub | None) -> None:
    if not details.name.strip():
        raise InvalidInput("a hub needs a name", field="name", reason="required")
    slug = details.slug.strip().lower()
    if not slug or not all(c.isascii() and (c.isalnum() or c == "-") for c in slug):
        raise InvalidInput("slug: letters, digits and hyphens", field="slug", reason="slug")
    taken = db.session.scalar(select(Hub.id).where(Hub.slug == slug))
    if taken is not None and (hub is None or taken != hub.id):
        raise InvalidInput(f"slug {slug!r} is taken", field="slug", reason="taken")
    try:
        zone_for(details.timezone)
    except UnknownTimeZone as exc:
        raise InvalidInput(str(exc), field="timezone", reason="timezone") from exc
    for name in POLICY_FIELDS:
        if not 0 <= getattr(details, name) <= MAX_POLICY_MINUTES:
            raise InvalidInput(f"{name} out of range", field=name, reason="range")
    release = details.room_release_minutes
    if isinstance(release, int) and not 1 <= release <= MAX_POLICY_MINUTES:
        raise InvalidInput(
            "room_release_minutes out of range", field="room_release_minutes", reason="range"
        )


def _hours_snapshot(hub: Hub) -> dict[str, Any]:
    return {
        str(hours.weekday): f"{hours.opens:%H:%M}-{hours.closes:%H:%M}"
        for hours in sorted(hub.opening_hours, key=lambda h: h.weekday)
    }


def _floor_values(details: FloorDetails) -> dict[str, Any]:
    return {
        "name": details.name.strip(),
        "level": details.level,
        "plan_width": details.plan_width,
        "plan_height": details.plan_height,
    }


def _check_floor(hub: Hub, details: FloorDetails, floor: Floor | None) -> None:
    name = details.name.strip()
    if not name:
        raise InvalidInput("a floor needs a name", field="name", reason="required")
    if any(other.name == name and other is not floor for other in hub.floors):
        raise InvalidInput(f"{hub.slug} already has a floor {name!r}", field="name", reason="taken")
    for attribute in ("plan_width", "plan_height"):
        if not 100 <= getattr(details, attribute) <= 10_000:
            raise InvalidInput(f"{attribute} out of range", field=attribute, reason="range")
    if floor is not None:
        for resource in floor.resources:
            if (
                resource.x + resource.width > details.plan_width
                or resource.y + resource.height > details.plan_height
            ):
                raise InvalidInput(
                    f"{resource.name} would fall outside the plan",
                    field="plan_width",
                    reason="resource_outside",
                    resource=resource.name,
                )


def _resource_values(floor: Floor, details: ResourceDetails) -> dict[str, Any]:
    return {
        "name": details.name.strip(),
        "kind": details.kind,
        "booking_mode": details.booking_mode,
        "capacity": details.capacity,
        "slot_minutes": details.slot_minutes,
        "min_minutes": details.min_minutes,
        "max_minutes": details.max_minutes,
        "zone": _zone_named(floor, details.zone_name),
        "x": details.x,
        "y": details.y,
        "width": details.width,
        "height": details.height,
        "amenities": [a.strip() for a in details.amenities if a.strip()],
        "active": details.active,
    }


def _zone_named(floor: Floor, name: str) -> Zone | None:
    """The floor's zone called `name`, created on first use; None for no zone."""
    name = name.strip()
    if not name:
        return None
    zone = next((zone for zone in floor.zones if zone.name == name), None)
    if zone is None:
        zone = Zone(floor=floor, name=name)
        db.session.add(zone)
        db.session.flush()
    return zone


def _check_resource(floor: Floor, details: ResourceDetails, resource: Resource | None) -> None:
    name = details.name.strip()
    if not name:
        raise InvalidInput("a resource needs a name", field="name", reason="required")
    if any(other.name == name and other is not resource for other in floor.resources):
        raise InvalidInput(f"{floor.name} already has {name!r}", field="name", reason="taken")
    if details.capacity < 1:
        raise InvalidInput("capacity must be at least 1", field="capacity", reason="range")
    if not 0 < details.slot_minutes <= 1440:
        raise InvalidInput("slot out of range", field="slot_minutes", reason="range")
    if not 0 < details.min_minutes <= details.max_minutes:
        raise InvalidInput("min above max", field="min_minutes", reason="min_above_max")
    if details.max_minutes > 1440:
        raise InvalidInput("at most a day", field="max_minutes", reason="range")
    if details.width < 10 or details.height < 10:
        raise InvalidInput("too small", field="width", reason="too_small")
    _check_placement(floor, details.x, details.y, details.width, details.height)


def _check_placement(floor: Floor, x: int, y: int, width: int, height: int) -> None:
    if x < 0 or x + width > floor.plan_width:
        raise InvalidInput("x outside the plan", field="x", reason="outside_plan")
    if y < 0 or y + height > floor.plan_height:
        raise InvalidInput("y outside the plan", field="y", reason="outside_plan")
