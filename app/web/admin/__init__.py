"""Admin pages: hubs, calendars, floors and resources, plans, members, staff, audit log.

Every page is for hub admins (their hubs) and programme admins (every hub); anyone else gets 403.
The hub pages live here; the other pages register themselves on this blueprint from their own
modules in this package (floors, plans, people, audit).
"""

from __future__ import annotations

from datetime import time

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from app.models import Hub, Role, User
from app.services.errors import DomainError, InvalidInput
from app.services.hubs import admin as hub_admin
from app.web.admin import audit as audit_pages
from app.web.admin import data_rights as data_rights_pages
from app.web.admin import floors as floor_pages
from app.web.admin import integrations as integration_pages
from app.web.admin import people as people_pages
from app.web.admin import plans as plan_pages
from app.web.admin.forms import (
    ClosureForm,
    ClosureImportForm,
    FloorForm,
    HoursForm,
    HubForm,
    explain,
    show_error,
)
from app.web.context import admin_hub, me

admin = Blueprint("admin", __name__, url_prefix="/admin")


def is_admin(user: User) -> bool:
    """Administers at least one hub, or every hub."""
    return user.is_programme_admin or any(grant.role is Role.HUB_ADMIN for grant in user.roles)


@admin.before_request
def _admins_only() -> Response | None:
    if not current_user.is_authenticated:
        from app.extensions import login_manager

        return login_manager.unauthorized()
    if not is_admin(me()):
        abort(403)
    return None


@admin.route("/")
def index() -> str:
    form = HubForm(prefix="hub") if me().is_programme_admin else None
    return _render_index(form)


@admin.post("/hubs")
def create_hub() -> str | Response:
    if not me().is_programme_admin:
        abort(403)
    form = HubForm(prefix="hub")
    if form.validate_on_submit():
        try:
            hub = hub_admin.create_hub(me(), _hub_details(form))
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(
                gettext("Hub %(name)s created. Set its opening hours next.", name=hub.name),
                "success",
            )
            return redirect(url_for("admin.hub", slug=hub.slug))
    return _render_index(form), 422  # type: ignore[return-value]


def _render_index(form: HubForm | None) -> str:
    return render_template("admin/index.html", hubs=hub_admin.administered_hubs(me()), form=form)


@admin.get("/hubs/<slug>")
def hub(slug: str) -> str:
    return _render_hub(admin_hub(slug))


@admin.post("/hubs/<slug>")
def update_hub(slug: str) -> str | Response:
    hub = admin_hub(slug)
    form = HubForm(prefix="hub")
    if form.validate_on_submit():
        try:
            hub = hub_admin.update_hub(me(), hub, _hub_details(form))
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(gettext("Hub details saved."), "success")
            return redirect(url_for("admin.hub", slug=hub.slug))
    return _render_hub(hub, hub_form=form), 422  # type: ignore[return-value]


@admin.post("/hubs/<slug>/hours")
def hours(slug: str) -> str | Response:
    hub = admin_hub(slug)
    form = HoursForm(prefix="hours")
    if form.validate_on_submit():
        weekly: dict[int, tuple[time, time] | None] = {
            day: (form[f"opens_{day}"].data, form[f"closes_{day}"].data)
            if form[f"open_{day}"].data
            else None
            for day in range(7)
        }
        try:
            hub_admin.set_hours(me(), hub, weekly)
        except InvalidInput as error:
            form.form_errors.append(explain(error))
        else:
            flash(gettext("Opening hours saved."), "success")
            return redirect(url_for("admin.hub", slug=hub.slug) + "#hours")
    return _render_hub(hub, hours_form=form), 422  # type: ignore[return-value]


@admin.post("/hubs/<slug>/closures")
def add_closure(slug: str) -> str | Response:
    hub = admin_hub(slug)
    form = ClosureForm(prefix="closure")
    if form.validate_on_submit() and form.on.data is not None:
        try:
            hub_admin.add_closure(me(), hub, form.on.data, form.name.data or "")
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(gettext("Closure added."), "success")
            return redirect(url_for("admin.hub", slug=hub.slug) + "#closures")
    return _render_hub(hub, closure_form=form), 422  # type: ignore[return-value]


@admin.post("/hubs/<slug>/closures/<int:closure_id>/delete")
def delete_closure(slug: str, closure_id: int) -> Response:
    hub = admin_hub(slug)
    hub_admin.delete_closure(me(), hub, closure_id)
    flash(gettext("Closure removed."), "success")
    return redirect(url_for("admin.hub", slug=hub.slug) + "#closures")


@admin.post("/hubs/<slug>/closures/import")
def import_closures(slug: str) -> str | Response:
    hub = admin_hub(slug)
    form = ClosureImportForm(prefix="import")
    if form.validate_on_submit():
        raw = form.file.data.read()
        try:
            added = hub_admin.import_hub_closures(me(), hub, raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            form.file.errors.append(gettext("Save the file as UTF-8 CSV and try again."))
        except InvalidInput as error:
            lines = list(error.details.get("errors") or [])  # type: ignore[call-overload]
            form.file.errors.append(
                gettext("Nothing was imported. Fix these lines and try again:")
                if lines
                else explain(error)
            )
            form.file.errors.extend(str(line) for line in lines)
        else:
            flash(
                ngettext("%(num)d closure imported.", "%(num)d closures imported.", added),
                "success",
            )
            return redirect(url_for("admin.hub", slug=hub.slug) + "#closures")
    return _render_hub(hub, import_form=form), 422  # type: ignore[return-value]


@admin.post("/hubs/<slug>/floors")
def add_floor(slug: str) -> str | Response:
    hub = admin_hub(slug)
    form = FloorForm(prefix="floor")
    if form.validate_on_submit():
        try:
            floor = hub_admin.add_floor(me(), hub, floor_pages.floor_details(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(gettext("Floor added. Place its desks and rooms now."), "success")
            return redirect(url_for("admin.floor", slug=hub.slug, floor_id=floor.id))
    return _render_hub(hub, floor_form=form), 422  # type: ignore[return-value]


def _render_hub(
    hub: Hub,
    hub_form: HubForm | None = None,
    hours_form: HoursForm | None = None,
    closure_form: ClosureForm | None = None,
    import_form: ClosureImportForm | None = None,
    floor_form: FloorForm | None = None,
) -> str:
    return render_template(
        "admin/hub.html",
        hub=hub,
        hub_form=hub_form or HubForm(prefix="hub", obj=hub, formdata=None),
        hours_form=hours_form or _hours_form(hub),
        closure_form=closure_form or ClosureForm(prefix="closure", formdata=None),
        import_form=import_form or ClosureImportForm(prefix="import", formdata=None),
        floor_form=floor_form or FloorForm(prefix="floor", formdata=None),
    )


def _hours_form(hub: Hub) -> HoursForm:
    data: dict[str, object] = {}
    for day in range(7):
        hours = hub.hours_on_weekday(day)
        data[f"open_{day}"] = hours is not None
        data[f"opens_{day}"] = hours.opens if hours else time(8)
        data[f"closes_{day}"] = hours.closes if hours else time(17)
    return HoursForm(prefix="hours", formdata=None, data=data)


def _hub_details(form: HubForm) -> hub_admin.HubDetails:
    return hub_admin.HubDetails(
        name=form.name.data or "",
        slug=form.slug.data or "",
        timezone=form.timezone.data or "",
        province=form.province.data or "",
        city=form.city.data or "",
        kecamatan=form.kecamatan.data or "",
        address=form.address.data or "",
        no_show_minutes=_or(form.no_show_minutes.data, 30),
        cancel_cutoff_minutes=_or(form.cancel_cutoff_minutes.data, 60),
        room_buffer_minutes=_or(form.room_buffer_minutes.data, 0),
        room_release_minutes=form.room_release_minutes.data,
    )


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


for _module in (
    floor_pages,
    plan_pages,
    people_pages,
    audit_pages,
    data_rights_pages,
    integration_pages,
):
    _module.register(admin)
