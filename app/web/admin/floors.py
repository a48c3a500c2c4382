"""Admin pages for a floor: its details, the floor-plan editor, and its desks, rooms and spaces."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from app.models import BookingMode, Floor, Hub, Resource, ResourceKind
from app.services.errors import InvalidInput
from app.services.hubs import admin as hub_admin
from app.web.admin.forms import FloorForm, PlaceForm, ResourceForm, show_error
from app.web.context import admin_hub, me


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/hubs/<slug>/floors/<int:floor_id>", view_func=floor, methods=["GET", "POST"])
    bp.add_url_rule(
        "/hubs/<slug>/floors/<int:floor_id>/place", view_func=place_resource, methods=["POST"]
    )
    bp.add_url_rule(
        "/hubs/<slug>/floors/<int:floor_id>/resources", view_func=add_resource, methods=["POST"]
    )
    bp.add_url_rule(
        "/hubs/<slug>/resources/<int:resource_id>", view_func=resource, methods=["GET", "POST"]
    )
    bp.add_url_rule(
        "/hubs/<slug>/resources/<int:resource_id>/active",
        view_func=toggle_resource,
        methods=["POST"],
    )


def floor(slug: str, floor_id: int) -> str | Response:
    """The floor-plan editor; POST saves the floor's own details."""
    hub = admin_hub(slug)
    the_floor = hub_admin.floor_of(hub, floor_id)
    form = FloorForm(prefix="floor", obj=the_floor)
    if form.validate_on_submit():
        try:
            hub_admin.update_floor(me(), the_floor, floor_details(form))
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(gettext("Floor saved."), "success")
            return redirect(url_for("admin.floor", slug=hub.slug, floor_id=the_floor.id))
        return _render_floor(hub, the_floor, floor_form=form), 422  # type: ignore[return-value]
    if form.is_submitted():
        return _render_floor(hub, the_floor, floor_form=form), 422  # type: ignore[return-value]
    return _render_floor(hub, the_floor, floor_form=form)


def place_resource(slug: str, floor_id: int) -> str | Response:
    """Save a new position for one resource (typed, or filled in by dragging on the plan)."""
    hub = admin_hub(slug)
    the_floor = hub_admin.floor_of(hub, floor_id)
    form = _place_form(the_floor)
    if form.validate_on_submit():
        moved = hub_admin.resource_of(hub, form.resource_id.data or 0)
        if moved.floor_id != the_floor.id:
            form.resource_id.errors.append(gettext("Choose a resource on this floor."))
        else:
            try:
                hub_admin.place_resource(me(), moved, form.x.data or 0, form.y.data or 0)
            except InvalidInput as error:
                show_error(form, error)
            else:
                flash(gettext("%(name)s moved.", name=moved.name), "success")
                return redirect(
                    url_for("admin.floor", slug=hub.slug, floor_id=the_floor.id) + "#plan"
                )
    return _render_floor(hub, the_floor, place_form=form), 422  # type: ignore[return-value]


def add_resource(slug: str, floor_id: int) -> str | Response:
    hub = admin_hub(slug)
    the_floor = hub_admin.floor_of(hub, floor_id)
    form = ResourceForm(prefix="resource")
    if form.validate_on_submit():
        try:
            added = hub_admin.add_resource(me(), the_floor, _resource_details(form))
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(gettext("%(name)s added to the floor plan.", name=added.name), "success")
            return redirect(url_for("admin.floor", slug=hub.slug, floor_id=the_floor.id) + "#plan")
    return _render_floor(hub, the_floor, resource_form=form), 422  # type: ignore[return-value]


def resource(slug: str, resource_id: int) -> str | Response:
    hub = admin_hub(slug)
    the_resource = hub_admin.resource_of(hub, resource_id)
    form = ResourceForm(prefix="resource", obj=the_resource)
    if not form.is_submitted():
        form.zone_name.data = the_resource.zone.name if the_resource.zone else ""
        form.amenities.data = ", ".join(str(a) for a in the_resource.amenities)
    if form.validate_on_submit():
        try:
            hub_admin.update_resource(me(), the_resource, _resource_details(form))
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(gettext("%(name)s saved.", name=the_resource.name), "success")
            return redirect(url_for("admin.floor", slug=hub.slug, floor_id=the_resource.floor_id))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/resource.html", hub=hub, resource=the_resource, form=form), status  # type: ignore[return-value]


def toggle_resource(slug: str, resource_id: int) -> Response:
    """Deactivate a resource (nobody can book it; bookings it has stay) or bring it back."""
    hub = admin_hub(slug)
    the_resource = hub_admin.resource_of(hub, resource_id)
    hub_admin.set_resource_active(me(), the_resource, not the_resource.active)
    flash(
        gettext("%(name)s can be booked again.", name=the_resource.name)
        if the_resource.active
        else gettext("%(name)s is deactivated.", name=the_resource.name),
        "success",
    )
    return redirect(url_for("admin.floor", slug=hub.slug, floor_id=the_resource.floor_id))


def _render_floor(
    hub: Hub,
    the_floor: Floor,
    floor_form: FloorForm | None = None,
    place_form: PlaceForm | None = None,
    resource_form: ResourceForm | None = None,
) -> str:
    return render_template(
        "admin/floor.html",
        hub=hub,
        floor=the_floor,
        floor_form=floor_form or FloorForm(prefix="floor", obj=the_floor, formdata=None),
        place_form=place_form or _place_form(the_floor, fresh=True),
        resource_form=resource_form or ResourceForm(prefix="resource", formdata=None),
    )


def _place_form(the_floor: Floor, fresh: bool = False) -> PlaceForm:
    form = PlaceForm(prefix="place", formdata=None) if fresh else PlaceForm(prefix="place")
    form.resource_id.choices = [SelectChoice(r.id, r.name) for r in the_floor.resources]
    if fresh and the_floor.resources:
        first: Resource = the_floor.resources[0]
        form.resource_id.data, form.x.data, form.y.data = first.id, first.x, first.y
    return form


def floor_details(form: FloorForm) -> hub_admin.FloorDetails:
    return hub_admin.FloorDetails(
        name=form.name.data or "",
        level=form.level.data or 0,
        plan_width=form.plan_width.data or 1000,
        plan_height=form.plan_height.data or 600,
    )


def _resource_details(form: ResourceForm) -> hub_admin.ResourceDetails:
    return hub_admin.ResourceDetails(
        name=form.name.data or "",
        kind=ResourceKind(form.kind.data),
        booking_mode=BookingMode(form.booking_mode.data),
        capacity=form.capacity.data or 1,
        slot_minutes=form.slot_minutes.data or 30,
        min_minutes=form.min_minutes.data or 30,
        max_minutes=form.max_minutes.data or 1440,
        zone_name=form.zone_name.data or "",
        x=form.x.data or 0,
        y=form.y.data or 0,
        width=form.width.data or 40,
        height=form.height.data or 30,
        amenities=(form.amenities.data or "").split(","),
        active=bool(form.active.data),
    )
