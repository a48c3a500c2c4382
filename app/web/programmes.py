"""Programme pages for members and mentors: my business, my journey, events (register, cancel,
the event pass), mentoring (book a slot, sessions and notes) and a mentor's office hours."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.dates import format_datetime
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from app.extensions import db
from app.i18n import current_locale
from app.messages import describe
from app.models import AgeBand, BusinessStage, Gender, Hub, ProgrammeStep, utcnow
from app.services.access.qr import qr_svg
from app.services.errors import DomainError
from app.services.programmes import business, events, mentoring, registrations, steps
from app.services.programmes.business import BusinessInput
from app.services.programmes.mentoring import ONLINE_ZONE
from app.web.context import keyring, mailer, me
from app.web.passes_forms import ConfirmForm
from app.web.programmes_forms import (
    AGE_LABELS,
    EVENT_KIND_LABELS,
    GENDER_LABELS,
    STAGE_LABELS,
    STEP_LABELS,
    BookSlotForm,
    BusinessForm,
    NotesForm,
    OfficeHoursForm,
    kbli_choices,
)

programmes = Blueprint("programmes", __name__, url_prefix="/p")


@programmes.before_request
def _members_only() -> Any:
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    return None


@programmes.app_template_filter("wib")
def wib_time(instant: datetime) -> str:
    """An online session's time, in WIB."""
    text = format_datetime(instant, "d MMM y, HH:mm", tzinfo=ONLINE_ZONE, locale=current_locale())
    return f"{text} WIB"


@programmes.context_processor
def _labels() -> dict[str, Any]:
    return {
        "stage_labels": STAGE_LABELS,
        "step_labels": STEP_LABELS,
        "event_kind_labels": EVENT_KIND_LABELS,
        "gender_labels": GENDER_LABELS,
        "age_labels": AGE_LABELS,
    }


# -- my business and my journey ------------------------------------------------------------------


@programmes.route("/business", methods=["GET", "POST"])
def my_business() -> str | Response:
    profile = business.business_of(me().id)
    form = BusinessForm(obj=profile)
    form.kbli_section.choices = kbli_choices(current_locale())
    if profile is not None and not form.is_submitted():
        form.stage.data = profile.stage.value
        form.gender.data = profile.gender.value if profile.gender else ""
        form.age_band.data = profile.age_band.value if profile.age_band else ""
        form.demographics_consent.data = profile.demographics_consent_at is not None
    if form.validate_on_submit():
        try:
            business.save_business(me().id, _business_input(form), actor_id=me().id)
        except DomainError as error:
            form.form_errors.append(describe(error))
        else:
            flash(gettext("Your business profile is saved."), "success")
            return redirect(url_for(".my_business"))
    due = profile is not None and business.employment_is_due(profile, utcnow().date())
    return render_template("programmes/business.html", form=form, profile=profile, due=due)


def _business_input(form: BusinessForm) -> BusinessInput:
    return BusinessInput(
        name=form.name.data or "",
        kbli_section=form.kbli_section.data or "",
        stage=BusinessStage(form.stage.data),
        people_employed=int(form.people_employed.data or 0),
        nib=form.nib.data or "",
        kecamatan=form.kecamatan.data or "",
        kelurahan=form.kelurahan.data or "",
        demographics_consent=bool(form.demographics_consent.data),
        gender=Gender(form.gender.data) if form.gender.data else None,
        age_band=AgeBand(form.age_band.data) if form.age_band.data else None,
    )


@programmes.get("/journey")
def my_journey() -> str:
    return render_template("programmes/journey.html", journey=steps.journey(me().id))


# -- events --------------------------------------------------------------------------------------


@programmes.get("/events")
def event_list() -> str:
    mine = {r.event_id: r for r in registrations.my_registrations(me().id)}
    return render_template(
        "programmes/events.html",
        listings=events.upcoming_events(None),
        mine=mine,
        form=ConfirmForm(),
        now=utcnow(),
    )


@programmes.post("/events/<int:event_id>/register")
def register(event_id: int) -> Response:
    if ConfirmForm().validate_on_submit():
        try:
            registration = registrations.register(
                me().id, event_id, mailer=mailer(), keyring=keyring()
            )
        except DomainError as error:
            flash(gettext("Not registered: %(reason)s", reason=describe(error)), "error")
        else:
            if registration.pass_id is not None:
                flash(gettext("You have a place. Your pass is ready."), "success")
            else:
                flash(gettext("The event is full: you are on the waitlist."), "info")
    return redirect(url_for(".event_list"))


@programmes.post("/registrations/<int:registration_id>/cancel")
def cancel_registration(registration_id: int) -> Response:
    if ConfirmForm().validate_on_submit():
        try:
            registrations.cancel_registration(registration_id, member_id=me().id, mailer=mailer())
        except DomainError as error:
            flash(describe(error), "error")
        else:
            flash(gettext("Your registration is cancelled."), "success")
    return redirect(url_for(".event_list"))


@programmes.get("/registrations/<int:registration_id>/pass")
def event_pass(registration_id: int) -> str:
    issued = registrations.event_pass(keyring(), registration_id, me().id)
    return render_template(
        "programmes/event_pass.html",
        registration=issued.registration,
        event=issued.registration.event,
        svg=qr_svg(issued.token.token),
        back=url_for(".event_list"),
    )


# -- mentoring -----------------------------------------------------------------------------------


@programmes.get("/mentoring")
def mentoring_page() -> str:
    return render_template(
        "programmes/mentoring.html",
        slots=mentoring.open_slots(),
        sessions=mentoring.sessions_of(me()),
        form=BookSlotForm(formdata=None),
        confirm=ConfirmForm(),
    )


@programmes.post("/mentoring/slots/<int:slot_id>/book")
def book_slot(slot_id: int) -> Response:
    form = BookSlotForm()
    if form.validate_on_submit():
        try:
            mentoring.book_slot(me().id, slot_id, form.topic.data or "")
        except DomainError as error:
            flash(gettext("Not booked: %(reason)s", reason=describe(error)), "error")
        else:
            flash(gettext("Your mentoring session is booked."), "success")
    return redirect(url_for(".mentoring_page"))


@programmes.post("/mentoring/sessions/<int:session_id>/cancel")
def cancel_session(session_id: int) -> Response:
    if ConfirmForm().validate_on_submit():
        try:
            mentoring.cancel_session(session_id, user_id=me().id)
        except DomainError as error:
            flash(describe(error), "error")
        else:
            flash(gettext("The session is cancelled."), "success")
    return redirect(url_for(".mentoring_page"))


@programmes.route("/mentoring/sessions/<int:session_id>", methods=["GET", "POST"])
def session_page(session_id: int) -> str | Response:
    session = mentoring.session_for_reader(session_id, me())
    may_write = me().id == session.slot.mentor_id or me().is_programme_admin
    form = NotesForm(obj=session) if may_write else None
    if form is not None and form.validate_on_submit():
        step = ProgrammeStep(form.step_reached.data) if form.step_reached.data else None
        try:
            mentoring.keep_notes(
                session.id,
                user_id=me().id,
                notes=form.notes.data or "",
                follow_up=form.follow_up.data or "",
                step_reached=step,
            )
        except DomainError as error:
            form.form_errors.append(describe(error))
        else:
            flash(gettext("The notes are saved."), "success")
            return redirect(url_for(".session_page", session_id=session.id))
    return render_template("programmes/session.html", session=session, form=form)


@programmes.route("/office-hours", methods=["GET", "POST"])
def office_hours() -> str | Response:
    if not me().is_mentor:
        abort(403)
    form = OfficeHoursForm()
    hubs = db.session.scalars(db.select(Hub).where(Hub.active).order_by(Hub.name)).all()
    form.hub_id.choices = [("", gettext("Online")), *((str(h.id), h.name) for h in hubs)]
    if form.validate_on_submit():
        hub = db.session.get(Hub, int(form.hub_id.data)) if form.hub_id.data else None
        assert form.day.data is not None
        assert form.starts.data is not None
        start = (
            hub.local_datetime(form.day.data, form.starts.data)
            if hub is not None
            else datetime.combine(form.day.data, form.starts.data, tzinfo=ONLINE_ZONE)
        )
        try:
            mentoring.publish_slots(
                me().id,
                start,
                int(form.minutes.data or 60),
                int(form.count.data or 1),
                hub_id=hub.id if hub else None,
                online_url=form.online_url.data or "",
            )
        except DomainError as error:
            form.form_errors.append(describe(error))
        else:
            flash(gettext("Your office hours are published."), "success")
            return redirect(url_for(".office_hours"))
    return render_template(
        "programmes/office_hours.html", form=form, slots=mentoring.mentor_slots(me().id)
    )
