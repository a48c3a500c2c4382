"""What the member floor page draws, as plain data computed once per page: the plan's shapes
and the list's lines. Labels are translated once per page, links built from one prefix, and
the template only loops (a macro or gettext per desk made the page's template time grow with
the floor: 46 resources cost ~50 ms of Jinja before, see docs/benchmarks.md)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from flask import current_app, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.i18n import hub_time
from app.models import BookingMode, Floor, Hub
from app.services.booking.availability import FloorDay, ResourceDay
from app.services.booking.member_bookings import TimelineSlot

#: Smallest tap target on the floor plan, in CSS pixels (WCAG 2.5.8 asks for 24, Material 48).
TAP_TARGET_PX = 40

STATE_LABELS = {
    "free": _l("Free"),
    "taken": _l("Taken"),
    "mine": _l("Booked by you"),
    "not_bookable": _l("Not bookable"),
    "past": _l("Over"),
}
KIND_LABELS = {"desk": _l("Desk"), "room": _l("Meeting room"), "space": _l("Event space")}
SEATS_FREE = _l("%(free)s of %(total)s seats free")
SLOTS_FREE = _l("%(count)s free slots")
PLAN_SEATS_FREE = _l("%(free)s of %(total)s free")
PLAN_SLOTS_FREE = _l("%(count)s slots free")


@dataclass(frozen=True)
class ResourceRow:
    """One line of the list under the plan (and of a desk's sheet), as plain text."""

    resource_id: int
    name: str
    state: str
    state_label: str
    meta: str
    action: str  # what the line offers: "book", "waitlist", "times", "mine" or "" (nothing)
    times_url: str = ""


@dataclass(frozen=True)
class TimelineRow:
    """One slot of a room's day, as the timeline writes it: `href` is set on a free slot only
    (it fills the booking form with that start)."""

    label: str  # "10:00"
    state: str  # the CSS class: free, mine, busy, past
    spoken: str  # the state for screen readers
    href: str


def timeline_rows(
    hub: Hub, resource_id: int, day: date, timeline: list[TimelineSlot]
) -> list[TimelineRow]:
    """The room's slots with their labels and links, one url_for and one label lookup per page."""
    labels = Labels()
    page = url_for("member.room", slug=hub.slug, resource_id=resource_id, day=day.isoformat())
    rows = []
    for slot in timeline:
        label = hub_time(slot.start, hub, False)
        free = slot.state == "free"
        rows.append(
            TimelineRow(
                label=label,
                state="busy" if slot.state == "taken" else slot.state,
                spoken=labels.states[slot.state],
                href=f"{page}&start={quote(label, safe=':')}#book" if free else "",
            )
        )
    return rows


@dataclass(frozen=True)
class PlanShape:
    """One resource drawn on the plan: its box, its label (fitted to the box) and where a tap
    leads ("" for a resource that cannot be booked)."""

    resource_id: int
    state: str
    x: int
    y: int
    width: int
    height: int
    href: str
    spoken: str  # the accessible name: "A01, Desk: Free"
    label: str
    label_y: float
    font_size: str
    sub: str  # the second line, "" when the box has room for one line only
    sub_y: float
    sub_font_size: str

    @property
    def cx(self) -> float:
        return self.x + self.width / 2


class Labels:
    """The page's labels in the request's language, looked up once."""

    def __init__(self) -> None:
        self.states = {state: str(label) for state, label in STATE_LABELS.items()}
        self.kinds = {kind: str(label) for kind, label in KIND_LABELS.items()}
        self.seats_free, self.slots_free = str(SEATS_FREE), str(SLOTS_FREE)
        self.plan_seats_free, self.plan_slots_free = str(PLAN_SEATS_FREE), str(PLAN_SLOTS_FREE)


def resource_rows(
    hub: Hub,
    day: date,
    resources: list[ResourceDay],
    timelines: dict[int, list[TimelineSlot]],
    labels: Labels | None = None,
) -> list[ResourceRow]:
    """The list's lines."""
    labels = labels or Labels()
    room_url = _room_url(hub, day)
    rows = []
    for r in resources:
        state, timed = r.state.value, r.booking_mode is not BookingMode.WHOLE_DAY
        meta = [labels.kinds[r.kind.value]]
        if r.capacity > 1:
            meta.append(labels.seats_free % {"free": r.seats_free, "total": r.capacity})
        timeline = timelines.get(r.resource_id)
        if timed and timeline:
            meta.append(labels.slots_free % {"count": _free_slots(timeline)})
        if timed:
            action = "times" if state != "not_bookable" else ""
        else:
            action = {"free": "book", "taken": "waitlist", "mine": "mine"}.get(state, "")
        rows.append(
            ResourceRow(
                resource_id=r.resource_id,
                name=r.name,
                state=state,
                state_label=labels.states[state],
                meta=" · ".join(meta),
                action=action,
                times_url=room_url(r.resource_id) if action == "times" else "",
            )
        )
    return rows


def plan_shapes(
    hub: Hub,
    day: date,
    view: FloorDay,
    timelines: dict[int, list[TimelineSlot]],
    labels: Labels | None = None,
) -> list[PlanShape]:
    """The plan's shapes, each label sized to fit its box."""
    labels = labels or Labels()
    room_url, desk_url = _room_url(hub, day), _desk_url(hub, day)
    shapes = []
    for r in view.resources:
        state, timed = r.state.value, r.booking_mode is BookingMode.TIMED
        two_lines = (r.capacity > 1 or timed) and r.height >= 70
        base = 17 if r.kind.value == "desk" and r.capacity == 1 else 22
        size = min(
            base, r.height * (0.3 if two_lines else 0.42), (r.width - 8) / (len(r.name) * 0.6)
        )
        size = max(size, 12)
        fits = max(int((r.width - 8) / (size * 0.6)), 4)
        state_label = labels.states[state]
        if r.capacity > 1:
            sub = labels.plan_seats_free % {"free": r.seats_free, "total": r.capacity}
        elif timed and state in ("free", "mine"):
            free = _free_slots(timelines.get(r.resource_id, []))
            sub = labels.plan_slots_free % {"count": free} if free else state_label
        else:
            sub = state_label
        cy = r.y + r.height / 2
        url = "" if state == "not_bookable" else (room_url if timed else desk_url)(r.resource_id)
        shapes.append(
            PlanShape(
                resource_id=r.resource_id,
                state=state,
                x=r.x,
                y=r.y,
                width=r.width,
                height=r.height,
                href=url,
                spoken=f"{r.name}, {labels.kinds[r.kind.value]}: "
                + (sub if r.capacity > 1 else state_label),
                label=_truncate(r.name, fits),
                label_y=cy - size * 0.55 if two_lines else cy,
                font_size=f"{size:.1f}",
                sub=sub if two_lines else "",
                sub_y=cy + size * 0.75,
                sub_font_size=f"{size * 0.8:.1f}",
            )
        )
    return shapes


def plan_drawing(shapes: list[PlanShape], floor: Floor, day: date, min_width: int) -> Markup:
    """The plan's SVG. It is a function of the shapes, the floor, the day and the language
    alone, so the same plan is drawn once per process and reused while nothing on it changes
    (when a booking window opens, every member opens the same floor at once)."""
    draw: Callable[..., Markup] = current_app.extensions.setdefault(
        "ruang.plan_drawings", functools.lru_cache(maxsize=128)(_draw_plan)
    )
    plan = (floor.name, floor.plan_width, floor.plan_height)
    return draw(tuple(shapes), plan, day, min_width, str(get_locale()))


def _draw_plan(
    shapes: tuple[PlanShape, ...],
    plan: tuple[str, int, int],
    day: date,
    min_width: int,
    _locale: str,  # part of the cache key: the drawing's title is in the page's language
) -> Markup:
    macros = current_app.jinja_env.get_template("member/_macros.html").module
    name, width, height = plan
    drawing: Markup = macros.floorplan(shapes, _Plan(name, width, height), day, min_width)  # type: ignore[attr-defined]
    return drawing


@dataclass(frozen=True)
class _Plan:
    name: str
    plan_width: int
    plan_height: int


def plan_min_width(plan_width: int, view: FloorDay) -> int:
    """How wide (CSS px) the plan must be drawn so the smallest desk is a comfortable tap."""
    sizes = [min(r.width, r.height) for r in view.resources if r.width > 0 and r.height > 0]
    if not sizes:
        return 0
    return min(round(plan_width * TAP_TARGET_PX / min(sizes)), plan_width * 2)


def _free_slots(timeline: list[TimelineSlot]) -> int:
    return sum(1 for slot in timeline if slot.state == "free")


def _truncate(name: str, fits: int) -> str:
    """The name cut to `fits` characters with an ellipsis, as Jinja's truncate(fits, True)."""
    return name if len(name) <= fits else name[: fits - 1] + "…"


def _room_url(hub: Hub, day: date) -> _ResourceUrl:
    return _ResourceUrl("member.room", hub, day)


def _desk_url(hub: Hub, day: date) -> _ResourceUrl:
    return _ResourceUrl("member.desk", hub, day)


class _ResourceUrl:
    """A resource page's link for every resource id, from one url_for per page."""

    MARK = 987654321  # an id no resource has: replaced by the real one

    def __init__(self, endpoint: str, hub: Hub, day: date) -> None:
        url = url_for(endpoint, slug=hub.slug, resource_id=self.MARK, day=day.isoformat())
        self._before, _, self._after = url.partition(str(self.MARK))

    def __call__(self, resource_id: int) -> str:
        return f"{self._before}{resource_id}{self._after}"
