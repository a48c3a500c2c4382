"""Programme pages for hub staff (only their hubs): events (create, cancel), the attendance list
with guest registration, and recording a member's programme step."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.extensions import db
from app.messages import describe
from app.models import (
    Event,
    EventKind,
    EventRegistration,
    Hub,
    Plan,
    ProgrammeStep,
    Resource,
    ResourceKind,
    User,
)
from app.services.access.qr import qr_svg
from app.services.errors import DomainError
from app.services.hubs import frontdesk as desk
from app.services.programmes import events, registrations, steps
from app.services.programmes.events import EventInput
from app.web.context import keyring, mailer, me, staff_hub, staff_required
from app.web.passes_forms import ConfirmForm
from app.web.programmes_forms import (
    EVENT_KIND_LABELS,
    STEP_LABELS,
    EventForm,
    GuestForm,
    RescheduleForm,
    StepForm,
)

programme_staff = Blueprint("programme_staff", __name__, url_prefix="/staff/programmes")


@programme_staff.context_processor
def _labels() -> dict[str, Any]:
    return {"event_kind_labels": EVENT_KIND_LABELS, "step_labels": STEP_LABELS}


@programme_staff.app_context_processor
def _todays_events() -> dict[str, Any]:
    """For the front desk's hub page: today's events there, each with its attendance list."""
    return {"todays_events": events.todays_events}


@programme_staff.get("/")
@staff_required
def index() -> str | Response:
    hubs = desk.staffed_hubs(me().staff_hub_ids())
    if len(hubs) == 1:
        return redirect(url_for(".hub_events", hub_slug=hubs[0].slug))
    return render_template("programmes/staff_index.html", hubs=hubs)


@programme_staff.route("/<hub_slug>/events", methods=["GET", "POST"])
@staff_required
def hub_events(hub_slug: str) -> str | Response:
    hub = staff_hub(hub_slug)
    form = EventForm()
    _fill_event_choices(form, hub)
    if form.validate_on_submit():
        try:
            created = events.create_events(_event_input(form, hub), actor_id=me().id)
        except DomainError as error:
            form.form_errors.append(describe(error))
        else:
            flash(gettext("Created %(n)s event(s).", n=len(created)), "success")
            return redirect(url_for(".hub_events", hub_slug=hub.slug))
    return render_template(
        "programmes/staff_events.html",
        hub=hub,
        form=form,
        listings=events.upcoming_events({hub.id}),
    )


def _fill_event_choices(form: EventForm | RescheduleForm, hub: Hub) -> None:
    rooms = db.session.scalars(
        select(Resource)
        .where(Resource.kind != ResourceKind.DESK, Resource.active)
        .join(Resource.floor)
        .filter_by(hub_id=hub.id)
        .order_by(Resource.name)
    ).all()
    form.resource_id.choices = [
        ("", gettext("None (online)")),
        *((str(r.id), r.name) for r in rooms),
    ]
    if isinstance(form, EventForm):
        plans = db.session.scalars(
            select(Plan).where(Plan.deleted_at.is_(None)).order_by(Plan.name)
        )
        form.plan_id.choices = [("", gettext("Any plan")), *((str(p.id), p.name) for p in plans)]


def _event_input(form: EventForm, hub: Hub) -> EventInput:
    assert form.day.data is not None
    assert form.starts.data is not None
    assert form.ends.data is not None
    return EventInput(
        hub_id=hub.id,
        title=form.title.data or "",
        kind=EventKind(form.kind.data),
        starts_at=hub.local_datetime(form.day.data, form.starts.data),
        ends_at=hub.local_datetime(form.day.data, form.ends.data),
        capacity=int(form.capacity.data or 0),
        resource_id=int(form.resource_id.data) if form.resource_id.data else None,
        description=form.description.data or "",
        online_url=form.online_url.data or "",
        plan_id=int(form.plan_id.data) if form.plan_id.data else None,
        required_step=ProgrammeStep(form.required_step.data) if form.required_step.data else None,
        weeks=int(form.weeks.data or 1),
    )


def _staffed_event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    if not me().can_staff(event.hub_id):
        abort(403)
    return event


@programme_staff.get("/events/<int:event_id>")
@staff_required
def attendance(event_id: int) -> str:
    """The attendance list: who registered, who is waiting, who came in (live on refresh)."""
    event = _staffed_event(event_id)
    return _attendance_page(event, _reschedule_form(event, formdata=None))


def _attendance_page(event: Event, reschedule: RescheduleForm) -> str:
    return render_template(
        "programmes/attendance.html",
        event=event,
        hub=event.hub,
        attendees=events.attendance(event.id),
        guest_form=GuestForm(formdata=None),
        reschedule_form=reschedule,
        confirm=ConfirmForm(),
    )


def _reschedule_form(event: Event, **kwargs: Any) -> RescheduleForm:
    hub = event.hub
    form = RescheduleForm(
        data={
            "day": hub.local_date(event.starts_at),
            "starts": event.starts_at.astimezone(hub.zone).time(),
            "ends": event.ends_at.astimezone(hub.zone).time(),
            "resource_id": str(event.resource_id or ""),
        },
        **kwargs,
    )
    _fill_event_choices(form, hub)
    return form


@programme_staff.post("/events/<int:event_id>/reschedule")
@staff_required
def reschedule(event_id: int) -> str | Response:
    """Move the event to another time or room; registrants are told by mail."""
    event = _staffed_event(event_id)
    form = _reschedule_form(event)
    if form.validate_on_submit():
        assert form.day.data is not None
        assert form.starts.data is not None
        assert form.ends.data is not None
        hub = event.hub
        try:
            events.reschedule_event(
                event.id,
                hub.local_datetime(form.day.data, form.starts.data),
                hub.local_datetime(form.day.data, form.ends.data),
                int(form.resource_id.data) if form.resource_id.data else None,
                actor_id=me().id,
                mailer=mailer(),
            )
        except DomainError as error:
            form.form_errors.append(describe(error))
        else:
            flash(gettext("The event is moved and its registrants are told."), "success")
            return redirect(url_for(".attendance", event_id=event.id))
    return _attendance_page(event, form)


@programme_staff.post("/events/<int:event_id>/guests")
@staff_required
def register_guest(event_id: int) -> Response:
    event = _staffed_event(event_id)
    form = GuestForm()
    if form.validate_on_submit():
        try:
            registrations.register_guest(
                event.id,
                form.guest_name.data or "",
                form.guest_email.data or "",
                actor_id=me().id,
                mailer=mailer(),
                keyring=keyring(),
            )
        except DomainError as error:
            flash(describe(error), "error")
        else:
            flash(gettext("The guest is registered."), "success")
    else:
        flash(gettext("Give the guest's name (and a valid email, if any)."), "error")
    return redirect(url_for(".attendance", event_id=event.id))


@programme_staff.get("/registrations/<int:registration_id>/pass")
@staff_required
def guest_pass(registration_id: int) -> str:
    """A registration's pass to print or show (a guest without an account has no pass page)."""
    registration = db.session.get(EventRegistration, registration_id)
    if registration is None:
        abort(404)
    event = _staffed_event(registration.event_id)
    issued = registrations.event_pass(keyring(), registration.id, None)
    return render_template(
        "programmes/event_pass.html",
        registration=issued.registration,
        event=event,
        svg=qr_svg(issued.token.token),
        back=url_for(".attendance", event_id=event.id),
    )


@programme_staff.post("/events/<int:event_id>/cancel")
@staff_required
def cancel_event(event_id: int) -> Response:
    event = _staffed_event(event_id)
    if ConfirmForm().validate_on_submit():
        events.cancel_event(event.id, actor_id=me().id, mailer=mailer())
        flash(gettext("The event is cancelled and its registrants are told."), "success")
    return redirect(url_for(".hub_events", hub_slug=event.hub.slug))


@programme_staff.route("/<hub_slug>/steps", methods=["GET", "POST"])
@staff_required
def record_step(hub_slug: str) -> str | Response:
    hub = staff_hub(hub_slug)
    form = StepForm(
        data={"email": request.args.get("email", "")} if request.method == "GET" else None
    )
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        member = db.session.scalar(select(User).where(User.email == email))
        if member is None:
            form.email.errors = [gettext("No member with that email.")]
        else:
            assert form.reached_on.data is not None
            try:
                steps.record_step(
                    member.id,
                    ProgrammeStep(form.step.data),
                    form.reached_on.data,
                    actor_id=me().id,
                    hub_id=hub.id,
                    note=form.note.data or "",
                )
            except DomainError as error:
                form.form_errors.append(describe(error))
            else:
                flash(gettext("Step recorded for %(name)s.", name=member.name), "success")
                return redirect(url_for(".record_step", hub_slug=hub.slug, email=member.email))
    member = db.session.scalar(select(User).where(User.email == (form.email.data or "").lower()))
    journey = steps.journey(member.id) if member is not None else None
    return render_template(
        "programmes/staff_steps.html", hub=hub, form=form, member=member, journey=journey
    )
