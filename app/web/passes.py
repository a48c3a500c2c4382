"""Pass pages: the member's rotating QR code, booking and guest passes, lost phone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.dates import format_time
from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from app.i18n import current_locale
from app.messages import describe
from app.models import Hub
from app.services.access import pass_pages
from app.services.access import passes as pass_service
from app.services.booking.usage import home_hub
from app.services.errors import DomainError, InThePast, QuotaExceeded
from app.web.context import keyring, mailer, me
from app.web.passes_forms import ConfirmForm, GuestForm

passes = Blueprint("passes", __name__, url_prefix="/pass")


@passes.before_request
def _members_only() -> Any:
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    return None


@passes.context_processor
def _helpers() -> dict[str, Any]:
    return {"clock_time": clock_time, "rotation": pass_service.ROTATION}


def clock_time(instant: datetime, hub: Hub | None) -> str:
    """`09:00:30 WIB`: a rotating code needs the seconds, which `hub_time` leaves out."""
    if hub is None:
        return format_time(instant, "HH:mm:ss", locale=current_locale())
    text = format_time(instant, "HH:mm:ss", tzinfo=hub.zone, locale=current_locale())
    return f"{text} {hub.zone_label}"


# -- my pass ------------------------------------------------------------------------------------


@passes.get("/")
def my_pass() -> str:
    """The holder's rotating code, refreshed by passes.js (or a meta refresh without JS)."""
    code = pass_pages.current_code(keyring(), me().id)
    return render_template(
        "passes/my_pass.html",
        code=code,
        hub=home_hub(me().id),
        staff=me().is_staff,
    )


@passes.get("/code.json")
def code_json() -> Response:
    """The next code for passes.js: the SVG and when it refreshes and expires."""
    code = pass_pages.current_code(keyring(), me().id)
    hub = home_hub(me().id)
    response = jsonify(
        svg=code.svg,
        now=code.now.isoformat(),
        valid_from=code.valid_from.isoformat(),
        valid_until=code.valid_until.isoformat(),
        refresh_at=code.refresh_at.isoformat(),
        refresh_text=gettext("at %(time)s", time=clock_time(code.refresh_at, hub)),
        valid_until_label=clock_time(code.valid_until, hub),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@passes.route("/lost", methods=["GET", "POST"])
def lost_phone() -> str | Response:
    """Confirm, then revoke the pass on the lost phone; the pass page then shows a new code."""
    form = ConfirmForm()
    if form.validate_on_submit():
        pass_service.report_lost_phone(me().id)
        flash(
            gettext(
                "Your old pass is blocked: its codes no longer open any door. "
                "This is your new pass."
            ),
            "success",
        )
        return redirect(url_for(".my_pass"))
    return render_template("passes/lost.html", form=form)


# -- booking passes -----------------------------------------------------------------------------


@passes.get("/booking/<int:booking_id>")
def booking_pass(booking_id: int) -> str:
    day_pass = pass_pages.booking_pass(keyring(), me().id, booking_id)
    return render_template(
        "passes/booking.html",
        day_pass=day_pass,
        form=ConfirmForm(),
        can_mail=me().has_real_email,
    )


@passes.get("/booking/<int:booking_id>.png")
def booking_png(booking_id: int) -> Response:
    day_pass = pass_pages.booking_pass(keyring(), me().id, booking_id)
    response = current_app.response_class(day_pass.png, mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Disposition"] = f'inline; filename="ruang-pass-{booking_id}.png"'
    return response


@passes.post("/booking/<int:booking_id>/email")
def email_booking_pass(booking_id: int) -> Response:
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            pass_pages.mail_booking_pass(keyring(), mailer(), me().id, booking_id)
        except DomainError as error:
            if error.http_status == 404:
                raise
            flash(describe(error), "error")
        else:
            flash(gettext("The pass is on its way to %(email)s.", email=me().email), "success")
    return redirect(url_for(".booking_pass", booking_id=booking_id))


# -- guest passes -------------------------------------------------------------------------------


@passes.route("/guests", methods=["GET", "POST"])
def guests() -> str | Response:
    """Invite a guest for a day; this month's invitations and the plan's allowance."""
    mine = pass_pages.guest_invitations(me().id)
    form = GuestForm()
    form.hub_id.choices = [SelectChoice(0, gettext("Choose a hub"))] + [
        SelectChoice(hub.id, hub.name) for hub in mine.hubs
    ]
    if request.method == "GET" and len(mine.hubs) == 1:
        form.hub_id.data = mine.hubs[0].id
    if form.validate_on_submit():
        try:
            invited = pass_pages.invite_guest(
                keyring(),
                mailer(),
                me().id,
                form.hub_id.data or 0,
                form.day.data,
                form.guest_name.data or "",
                form.guest_email.data or "",
            )
        except DomainError as error:
            _guest_error(form, error)
        else:
            flash(
                gettext(
                    "%(guest)s is invited. Their pass is on its way to %(email)s.",
                    guest=invited.guest_name,
                    email=invited.guest_email,
                ),
                "success",
            )
            return redirect(url_for(".guests"))
    return render_template("passes/guests.html", form=form, mine=mine)


def _guest_error(form: GuestForm, error: DomainError) -> None:
    if isinstance(error, InThePast):
        form.day.errors = [*form.day.errors, gettext("Choose today or a later date.")]
    elif isinstance(error, QuotaExceeded):
        quota = error.details.get("quota") or 0
        form.form_errors.append(
            gettext("Your plan does not include guest passes.")
            if quota == 0
            else ngettext(
                "Your plan includes %(num)d guest pass a month and it is used up for that month.",
                "Your plan includes %(num)d guest passes a month and they are used up "
                "for that month.",
                quota,
            )
        )
    else:
        form.form_errors.append(describe(error))
