"""Doors and zones pages, next to a hub's devices: its staff see where each door leads and which
readers sit on it; hub admins add, edit and retire doors and zones and move readers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.models import DeviceKind, Door, DoorKind, Hub, Zone
from app.services.devices import doors as door_admin
from app.services.devices import registry as device_admin
from app.services.errors import InvalidInput, NotFound
from app.web.context import admin_hub, me, staff_hub, staff_required
from app.web.forms import RuangForm

doors = Blueprint("doors", __name__, url_prefix="/devices")

#: What went wrong, per form field, in the user's language (the services speak English).
FIELD_MESSAGES = {
    "name": _l("Give it a name nothing else of its kind here has."),
    "open_seconds": _l("A door opens for 1 to 60 seconds."),
    "into_zone": _l("Choose one of this hub's zones."),
    "from_zone": _l("A door leads from one zone into another: choose two different zones."),
    "room": _l("A room door serves one of the hub's rooms; other doors serve none."),
    "readers": _l("Only this hub's door readers can go on a door."),
    "floor": _l("Choose one of the hub's floors."),
    "capacity": _l("A zone holds 1 to 10,000 people; leave it empty for no cap."),
    "door": _l("This door is retired."),
    "zone": _l("A door or an active sensor still uses this zone (or it is retired)."),
}
OUTSIDE = SelectChoice("", _l("Outside the hub"))
NO_ROOM = SelectChoice("", _l("None"))
T = TypeVar("T")


class DoorForm(RuangForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice(DoorKind.ENTRANCE.value, _l("Entrance")),
            SelectChoice(DoorKind.EXIT.value, _l("Exit")),
            SelectChoice(DoorKind.ROOM.value, _l("Room door")),
        ],
    )
    from_zone = SelectField(_l("Leads from"), choices=[], validate_choice=False)
    into_zone = SelectField(_l("Into"), choices=[], validate_choice=False)
    room = SelectField(_l("Room it serves (room doors)"), choices=[], validate_choice=False)
    anti_passback = BooleanField(_l("Anti-passback: refuse going in twice without going out"))
    open_seconds = IntegerField(
        _l("Opens for (seconds)"), default=5, validators=[DataRequired(), NumberRange(1, 60)]
    )
    readers = SelectMultipleField(_l("Readers on this door"), choices=[], validate_choice=False)


class ZoneForm(RuangForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    floor = SelectField(_l("Floor"), choices=[], validate_choice=False)
    capacity = IntegerField(
        _l("Most people it holds (empty: no cap)"),
        validators=[Optional(), NumberRange(1, door_admin.MAX_ZONE_CAPACITY)],
    )


@doors.get("/<hub_slug>/doors")
@staff_required
def index(hub_slug: str) -> str:
    the_hub = staff_hub(hub_slug)
    return _doors_page(the_hub, _door_form(the_hub), _zone_form(the_hub))


@doors.post("/<hub_slug>/doors")
@staff_required
def add_door(hub_slug: str) -> Response | tuple[str, int]:
    the_hub = admin_hub(hub_slug)
    form = _door_form(the_hub, submitted=True)
    if form.validate_on_submit():
        try:
            door_admin.add_door(the_hub, _door_details(form), form.readers.data or [], me())
        except InvalidInput as error:
            _show(form, error)
        else:
            flash(gettext("Door %(name)s added.", name=form.name.data), "success")
            return redirect(url_for("doors.index", hub_slug=the_hub.slug))
    return _doors_page(the_hub, form, _zone_form(the_hub)), 422


@doors.route("/<hub_slug>/doors/<int:door_id>", methods=["GET", "POST"])
@staff_required
def edit_door(hub_slug: str, door_id: int) -> Response | str | tuple[str, int]:
    the_hub = admin_hub(hub_slug)
    door = _found(lambda: door_admin.door_of(the_hub, door_id))
    form = _door_form(the_hub, door, submitted=request.method == "POST")
    if form.validate_on_submit():
        try:
            door_admin.edit_door(door, _door_details(form), form.readers.data or [], me())
        except InvalidInput as error:
            _show(form, error)
        else:
            flash(gettext("Door %(name)s saved.", name=door.name), "success")
            return redirect(url_for("doors.index", hub_slug=the_hub.slug))
        return render_template("devices/door.html", hub=the_hub, door=door, form=form), 422
    return render_template("devices/door.html", hub=the_hub, door=door, form=form)


@doors.post("/<hub_slug>/doors/<int:door_id>/retire")
@staff_required
def retire_door(hub_slug: str, door_id: int) -> Response:
    the_hub = admin_hub(hub_slug)
    door = door_admin.retire_door(_found(lambda: door_admin.door_of(the_hub, door_id)), me())
    flash(gettext("%(name)s is retired: its readers refuse every scan.", name=door.name), "success")
    return redirect(url_for("doors.index", hub_slug=the_hub.slug))


@doors.post("/<hub_slug>/zones")
@staff_required
def add_zone(hub_slug: str) -> Response | tuple[str, int]:
    the_hub = admin_hub(hub_slug)
    form = _zone_form(the_hub, submitted=True)
    if form.validate_on_submit():
        try:
            door_admin.add_zone(the_hub, _zone_details(form), me())
        except InvalidInput as error:
            _show(form, error)
        else:
            flash(gettext("Zone %(name)s added.", name=form.name.data), "success")
            return redirect(url_for("doors.index", hub_slug=the_hub.slug))
    return _doors_page(the_hub, _door_form(the_hub), form), 422


@doors.route("/<hub_slug>/zones/<int:zone_id>", methods=["GET", "POST"])
@staff_required
def edit_zone(hub_slug: str, zone_id: int) -> Response | str | tuple[str, int]:
    the_hub = admin_hub(hub_slug)
    zone = _found(lambda: door_admin.zone_of(the_hub, zone_id))
    form = _zone_form(the_hub, zone, submitted=request.method == "POST")
    if form.validate_on_submit():
        try:
            door_admin.edit_zone(zone, _zone_details(form), me())
        except InvalidInput as error:
            _show(form, error)
        else:
            flash(gettext("Zone %(name)s saved.", name=zone.name), "success")
            return redirect(url_for("doors.index", hub_slug=the_hub.slug))
        return render_template("devices/zone.html", hub=the_hub, zone=zone, form=form), 422
    return render_template("devices/zone.html", hub=the_hub, zone=zone, form=form)


@doors.post("/<hub_slug>/zones/<int:zone_id>/retire")
@staff_required
def retire_zone(hub_slug: str, zone_id: int) -> Response:
    the_hub = admin_hub(hub_slug)
    zone = _found(lambda: door_admin.zone_of(the_hub, zone_id))
    try:
        door_admin.retire_zone(zone, me())
    except InvalidInput:
        flash(str(FIELD_MESSAGES["zone"]), "error")
    else:
        flash(gettext("%(name)s is retired.", name=zone.name), "success")
    return redirect(url_for("doors.index", hub_slug=the_hub.slug))


# -- helpers ------------------------------------------------------------------------------------


def _doors_page(the_hub: Hub, door_form: DoorForm, zone_form: ZoneForm) -> str:
    listed = door_admin.list_doors(the_hub, include_retired=True)
    return render_template(
        "devices/doors.html",
        hub=the_hub,
        doors=listed,
        readers={door.id: door_admin.readers_on(door) for door in listed},
        zones=door_admin.list_zones(the_hub, include_retired=True),
        door_form=door_form,
        zone_form=zone_form,
        can_admin=me().can_administer(the_hub.id),
    )


def _door_form(the_hub: Hub, door: Door | None = None, submitted: bool = False) -> DoorForm:
    """The door form with the hub's zones, rooms and readers to pick from; filled from `door`,
    or from the request when `submitted`."""
    form = DoorForm(prefix="door", **({} if submitted else {"formdata": None}))
    zones = [OUTSIDE, *(SelectChoice(z.name, z.name) for z in door_admin.list_zones(the_hub))]
    form.from_zone.choices = form.into_zone.choices = zones
    rooms = door_admin.bookable_rooms(the_hub)
    form.room.choices = [NO_ROOM, *(SelectChoice(r.name, r.name) for r in rooms)]
    form.readers.choices = [
        SelectChoice(d.device_id, f"{d.name} ({d.device_id})")
        for d in device_admin.list_devices(the_hub)
        if d.kind is DeviceKind.READER and d.active
    ]
    if door is not None and not submitted:
        form.name.data = door.name
        form.kind.data = door.kind.value
        form.from_zone.data = door.from_zone.name if door.from_zone else ""
        form.into_zone.data = door.zone.name if door.zone else ""
        form.room.data = door.resource.name if door.resource else ""
        form.anti_passback.data = door.anti_passback
        form.open_seconds.data = door.open_seconds
        form.readers.data = [d.device_id for d in door_admin.readers_on(door)]
    return form


def _zone_form(the_hub: Hub, zone: Zone | None = None, submitted: bool = False) -> ZoneForm:
    form = ZoneForm(prefix="zone", **({} if submitted else {"formdata": None}))
    form.floor.choices = [SelectChoice(f.name, f.name) for f in the_hub.floors]
    if zone is not None and not submitted:
        form.name.data = zone.name
        form.floor.data = zone.floor.name
        form.capacity.data = zone.capacity
    return form


def _door_details(form: DoorForm) -> door_admin.DoorDetails:
    return door_admin.DoorDetails(
        name=form.name.data or "",
        kind=DoorKind(form.kind.data),
        into_zone=form.into_zone.data or "",
        from_zone=form.from_zone.data or "",
        room=(form.room.data or "") if form.kind.data == DoorKind.ROOM.value else "",
        anti_passback=bool(form.anti_passback.data),
        open_seconds=form.open_seconds.data or 0,
    )


def _zone_details(form: ZoneForm) -> door_admin.ZoneDetails:
    return door_admin.ZoneDetails(form.name.data or "", form.floor.data or "", form.capacity.data)


def _show(form: RuangForm, error: InvalidInput) -> None:
    """Put the service's complaint next to its field, in the user's language."""
    name = str(error.details.get("field", ""))
    message = str(FIELD_MESSAGES.get(name, error.message))
    target = getattr(form, name, None)
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, message]
    else:
        form.form_errors.append(message)


def _found(load: Callable[[], T]) -> T:
    try:
        return load()
    except NotFound:
        abort(404)
