"""Front-desk pages (staff, only for their hubs): pass scanning, arrivals, search, check-in and
out, walk-ins, access events."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from app.messages import ACCESS_REASONS, describe, describe_access
from app.models import Hub, PaymentMethod
from app.services.access import pass_pages
from app.services.billing.receipts import mail_receipt
from app.services.booking.bookings import can_check_in, check_in_opens
from app.services.errors import DomainError, NoDayPassPlan, NotFound
from app.services.hubs import frontdesk as desk
from app.web.context import mailer, me, staff_hub, staff_required
from app.web.frontdesk_forms import EventFilterForm, ScanForm, SearchForm, WalkInForm
from app.web.passes import clock_time

frontdesk = Blueprint("frontdesk", __name__, url_prefix="/frontdesk")


@frontdesk.get("/")
@staff_required
def index() -> str | Response:
    """The hubs this user staffs; straight to the hub when there is only one."""
    hubs = desk.staffed_hubs(me().staff_hub_ids())
    if len(hubs) == 1:
        return redirect(url_for("frontdesk.hub", hub_slug=hubs[0].slug))
    return render_template("frontdesk/index.html", hubs=hubs)


@frontdesk.context_processor
def _helpers() -> dict[str, object]:
    return {
        "describe_access": describe_access,
        "clock_time": clock_time,
        "can_check_in": can_check_in,
        "check_in_opens": check_in_opens,
    }


@frontdesk.get("/<hub_slug>/")
@staff_required
def hub(hub_slug: str) -> str:
    """Today at the hub: the scan box, people in, arrivals, no-shows, and the member search."""
    return _hub_page(staff_hub(hub_slug), ScanForm(formdata=None))


@frontdesk.post("/<hub_slug>/scan")
@staff_required
def scan(hub_slug: str) -> str | Response:
    """A pass shown at the desk (USB scanner, webcam or typed): decide and show the verdict.

    Without JavaScript the whole hub page comes back with the verdict; frontdesk-scan.js asks
    for JSON and swaps in the verdict only, so the next person can be scanned at once."""
    the_hub = staff_hub(hub_slug)
    form = ScanForm()
    result = None
    if form.validate_on_submit():
        result = pass_pages.scan_at_desk(the_hub.id, me().id, form.token.data or "")
    form.token.data = ""  # cleared for the next person
    if request.accept_mimetypes.best == "application/json":
        verdict = render_template(
            "frontdesk/_verdict.html", hub=the_hub, scan=result, scan_form=form
        )
        return jsonify(
            html=verdict, granted=result.decision.granted if result is not None else None
        )
    return _hub_page(the_hub, form, result)


def _hub_page(
    the_hub: Hub, scan_form: ScanForm, scan_result: pass_pages.DeskScan | None = None
) -> str:
    search = SearchForm(request.args)
    query = (search.q.data or "").strip() if search.validate() else ""
    today = desk.desk_day(the_hub.id)
    too_short = 0 < len(query) < desk.MIN_SEARCH_LENGTH
    matches = desk.search_members(the_hub, query) if query and not too_short else []
    return render_template(
        "frontdesk/hub.html",
        hub=the_hub,
        scan_form=scan_form,
        scan=scan_result,
        today=today,
        search=search,
        query=query,
        too_short=too_short,
        matches=matches,
        min_search=desk.MIN_SEARCH_LENGTH,
        has_real_email=desk.has_real_email,
    )


@frontdesk.post("/<hub_slug>/bookings/<int:booking_id>/check-in")
@staff_required
def check_in(hub_slug: str, booking_id: int) -> Response:
    the_hub = staff_hub(hub_slug)
    try:
        booking = desk.check_in_by_staff(booking_id, the_hub.id, me().id)
    except NotFound:
        raise
    except DomainError as error:
        flash(describe_for_desk(error), "error")
    else:
        flash(gettext("%(name)s is checked in.", name=booking.member.name), "success")
    return _back_to_hub(the_hub)


@frontdesk.post("/<hub_slug>/bookings/<int:booking_id>/check-out")
@staff_required
def check_out(hub_slug: str, booking_id: int) -> Response:
    the_hub = staff_hub(hub_slug)
    try:
        booking = desk.check_out_by_staff(booking_id, the_hub.id, me().id)
    except NotFound:
        raise
    except DomainError as error:
        flash(describe_for_desk(error), "error")
    else:
        flash(gettext("%(name)s is checked out.", name=booking.member.name), "success")
    return _back_to_hub(the_hub)


@frontdesk.post("/<hub_slug>/no-shows/release")
@staff_required
def release_no_shows(hub_slug: str) -> Response:
    the_hub = staff_hub(hub_slug)
    released = desk.release_no_shows_at(the_hub.id, me().id)
    if released:
        flash(
            ngettext(
                "Released %(num)d booking as a no-show.",
                "Released %(num)d bookings as no-shows.",
                len(released),
            ),
            "success",
        )
    else:
        flash(gettext("Nobody is late past the no-show window."), "info")
    return _back_to_hub(the_hub)


@frontdesk.route("/<hub_slug>/walk-in", methods=["GET", "POST"])
@staff_required
def walk_in(hub_slug: str) -> str | Response:
    """Register a walk-in: account (or the existing one), day pass, and a desk for today."""
    the_hub = staff_hub(hub_slug)
    # A search result's "book a desk" link pre-fills the form with the member's details.
    prefill = {name: request.args[name] for name in _PREFILL if name in request.args}
    form = WalkInForm(data=prefill)
    options = desk.walk_in_options(the_hub.id)
    form.resource_id.choices = [SelectChoice(0, gettext("Choose a desk"))] + [
        SelectChoice(seat.resource_id, _seat_label(seat)) for seat in options.seats
    ]
    if form.validate_on_submit():
        try:
            result = desk.register_walk_in(
                the_hub.id,
                me().id,
                desk.WalkIn(
                    name=form.name.data or "",
                    phone=form.phone.data or "",
                    email=form.email.data or "",
                    business_name=form.business_name.data or "",
                    sector=form.sector.data or "",
                    kecamatan=form.kecamatan.data or "",
                    resource_id=form.resource_id.data or 0,
                    payment_method=PaymentMethod(form.payment_method.data),
                    reference=form.reference.data or "",
                    consent=bool(form.consent.data),
                ),
            )
        except DomainError as error:
            field = getattr(form, str(error.details.get("field", "")), None)
            (field.errors if field is not None else form.form_errors).append(
                describe_for_desk(error)
            )
        else:
            flash(_walk_in_done(result), "success")
            if result.payment is not None:  # the receipt to print, and to mail if we can
                mail_receipt(mailer(), result.payment.id)
                return redirect(url_for("billing.receipt", payment_id=result.payment.id))
            return redirect(url_for("frontdesk.hub", hub_slug=the_hub.slug))
    return render_template(
        "frontdesk/walk_in.html",
        hub=the_hub,
        form=form,
        options=options,
        plan_code=desk.WALK_IN_PLAN_CODE,
    )


@frontdesk.get("/<hub_slug>/events")
@staff_required
def events(hub_slug: str) -> str:
    """Access events of a hub-local day, filtered by outcome, reason and who decided."""
    the_hub = staff_hub(hub_slug)
    form = EventFilterForm(request.args)
    form.reason.choices = [SelectChoice("", gettext("Any reason"))] + [
        SelectChoice(code, describe_access(code)) for code in ACCESS_REASONS if code != "granted"
    ]
    valid = form.validate()
    day: date = (form.day.data if valid else None) or the_hub.today()
    outcome = form.outcome.data if valid else ""
    which = pass_pages.EventFilter(
        day=day,
        granted={"granted": True, "refused": False}.get(outcome or ""),
        reason=(form.reason.data or "") if valid else "",
        at_door={"online": False, "door": True}.get((form.decided.data or "") if valid else ""),
    )
    if form.day.data is None:
        form.day.data = day
    return render_template(
        "frontdesk/events.html",
        hub=the_hub,
        form=form,
        day=day,
        lines=pass_pages.access_events(the_hub.id, which),
        limit=pass_pages.EVENT_LIMIT,
    )


_PREFILL = ("name", "email", "phone", "business_name", "sector", "kecamatan")


def describe_for_desk(error: DomainError) -> str:
    """Domain errors worded for staff acting for a member."""
    if error.code == NoDayPassPlan.code:
        return gettext(
            "There is no day-pass plan for this hub. Ask a hub admin to create a plan with the "
            'code "%(code)s".',
            code=desk.WALK_IN_PLAN_CODE,
        )
    if error.code == "one_desk_per_day":
        return gettext(
            "This person already has a desk booked today: find them in today's arrivals."
        )
    if error.code == "no_active_membership":
        return gettext("This person has no membership valid at this hub today.")
    if error.code == "invalid_transition":
        return gettext(
            "This booking cannot be changed that way now (check-in opens an hour before the "
            "start and closes at its end)."
        )
    if error.code == "quota_exceeded":
        return gettext("This member's plan allowance for desks this month is used up.")
    if error.code == "invalid_input" and error.details.get("field") == "reference":
        return gettext("Give the QRIS RRN or the bank transfer's reference.")
    return describe(error)


def _seat_label(seat: desk.FreeSeat) -> str:
    if seat.is_pool:
        return gettext(
            "%(floor)s · %(name)s (%(count)s seats free)",
            floor=seat.floor_name,
            name=seat.name,
            count=seat.seats_free,
        )
    return gettext("%(floor)s · %(name)s", floor=seat.floor_name, name=seat.name)


def _walk_in_done(result: desk.WalkInResult) -> str:
    desk_name = result.booking.resource.name
    if result.reused_account:
        return gettext(
            "%(name)s already had an account, so it was used. %(desk)s is booked for today.",
            name=result.member.name,
            desk=desk_name,
        )
    return gettext(
        "%(name)s is registered and %(desk)s is booked for today.",
        name=result.member.name,
        desk=desk_name,
    )


def _back_to_hub(hub: Hub) -> Response:
    """Back to the hub page, keeping the search the action was started from."""
    query = request.form.get("q", "").strip()[:100]
    return redirect(url_for("frontdesk.hub", hub_slug=hub.slug, q=query or None))
