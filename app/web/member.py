"""Member pages: pick a hub, a date and a desk on the floor plan; rooms; my bookings; membership."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from babel.numbers import format_decimal
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from app.converters import storable_int
from app.i18n import rupiah
from app.messages import describe
from app.models import Floor, Hub, Resource
from app.services.billing import holds, refunds
from app.services.booking import availability, bookings, member_bookings, recurring, usage, waitlist
from app.services.booking.member_bookings import BookingWindow, TimelineSlot
from app.services.errors import DomainError, NotFound
from app.web import floor_page
from app.web.context import me
from app.web.floor_page import KIND_LABELS, STATE_LABELS
from app.web.member_forms import (
    DeskDayForm,
    RoomBookingForm,
    SeriesForm,
    fill_room_choices,
    preselect,
    series_start_times,
    slot_starts,
)

member = Blueprint("member", __name__, url_prefix="/m")

STATUS_LABELS = {
    "confirmed": _l("Confirmed"),
    "checked_in": _l("Checked in"),
    "cancelled": _l("Cancelled"),
    "no_show": _l("No-show"),
    "completed": _l("Completed"),
    "pending_payment": _l("Awaiting payment"),
    "waiting": _l("Waiting"),
    "pending": _l("Awaiting approval"),
    "active": _l("Active"),
    "rejected": _l("Rejected"),
    "suspended": _l("Suspended"),
}


@member.before_request
def _members_only() -> Any:
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    return None


@member.context_processor
def _labels() -> dict[str, Any]:
    return {
        "state_labels": STATE_LABELS,
        "status_labels": STATUS_LABELS,
        "kind_labels": KIND_LABELS,
        "describe_error": describe,
    }


# -- choosing a hub, a day and a desk ----------------------------------------------------------


@member.get("/")
def hubs() -> str:
    return render_template("member/hubs.html", cities=member_bookings.hubs_by_city())


@member.get("/<slug>/")
def floor(slug: str) -> str:
    """The floor plan of a day. The list of its desks and rooms is drawn only when asked for
    (`?list=1`, or fetched from `floor_list` when the member unfolds it or taps a desk)."""
    page = _floor_of_the_day(slug)
    view, labels = page.view, floor_page.Labels()
    with_list = request.args.get("list") == "1"
    plan = None
    if page.floor and view:
        plan = floor_page.plan_drawing(
            floor_page.plan_shapes(page.hub, page.day, view, page.timelines, labels),
            page.floor,
            page.day,
            floor_page.plan_min_width(page.floor.plan_width, view),
        )
    return render_template(
        "member/floor.html",
        hub=page.hub,
        floor=page.floor,
        view=view,
        day=page.day,
        window=page.window,
        # Named only on a day the hub is closed (the closures are read for nothing else).
        closure=page.hub.closure_on(page.day) if not (view and view.opening) else None,
        plan=plan,
        counts=Counter(r.state.value for r in view.resources) if view else Counter(),
        rows=page.rows(labels) if with_list else None,
        resource_count=len(view.resources) if view else 0,
    )


@member.get("/<slug>/list")
def floor_list(slug: str) -> str:
    """The lines of the floor's list alone, for the floor page to fetch when they are wanted."""
    page = _floor_of_the_day(slug)
    return render_template(
        "member/floor_list.html", hub=page.hub, day=page.day, rows=page.rows(floor_page.Labels())
    )


@dataclass(frozen=True)
class _FloorOfTheDay:
    hub: Hub
    window: BookingWindow
    day: date
    floor: Floor | None
    view: availability.FloorDay | None
    timelines: dict[int, list[TimelineSlot]]

    def rows(self, labels: floor_page.Labels) -> list[floor_page.ResourceRow]:
        resources = self.view.resources if self.view else []
        return floor_page.resource_rows(self.hub, self.day, resources, self.timelines, labels)


def _floor_of_the_day(slug: str) -> _FloorOfTheDay:
    """The hub, the day asked for (kept in the booking window), the floor as the member sees it."""
    hub = member_bookings.active_hub(slug)
    window = member_bookings.booking_window(me(), hub)
    day = _day_in(window)
    chosen = member_bookings.floor_at_hub(hub, request.args.get("floor", type=storable_int))
    view = availability.floor_day(chosen.id, day, viewer_id=me().id) if chosen else None
    timelines = member_bookings.floor_timelines(view) if view else {}
    return _FloorOfTheDay(hub, window, day, chosen, view, timelines)


@member.get("/<slug>/desk/<int:resource_id>")
def desk(slug: str, resource_id: int) -> str | Response:
    """The booking sheet of one whole-day resource: book it, or wait for it."""
    hub = member_bookings.active_hub(slug)
    resource = member_bookings.resource_at_hub(hub, resource_id)
    window = member_bookings.booking_window(me(), hub)
    day = _day_in(window)
    if not resource.is_whole_day:
        return redirect(url_for(".room", slug=slug, resource_id=resource_id, day=day))
    (state,) = availability.resource_days(resource_id, day, day, viewer_id=me().id)
    return render_template(
        "member/desk.html",
        hub=hub,
        resource=resource,
        rows=floor_page.resource_rows(hub, day, [state], {}),
        day=day,
        window=window,
        opening=hub.opening_interval(day),
    )


@member.post("/<slug>/book")
def book_desk(slug: str) -> Response:
    chosen = _chosen_desk_day(slug)
    if chosen is None:
        return redirect(url_for(".floor", slug=slug))
    resource, day = chosen
    # Read now: the booking's transaction ends (committed or rolled back) and expires them.
    name, floor_id = resource.name, resource.floor_id
    try:
        booking = bookings.book_whole_day(me().id, resource.id, day)
    except NotFound:
        raise
    except DomainError as error:
        flash(gettext("Not booked: %(reason)s", reason=describe(error)), "error")
        return _back_to_floor(slug, floor_id, day)
    flash(gettext("Booked: %(name)s.", name=name), "success")
    return redirect(url_for(".booking", booking_id=booking.id))


@member.post("/<slug>/waitlist")
def join_waitlist(slug: str) -> Response:
    chosen = _chosen_desk_day(slug)
    if chosen is None:
        return redirect(url_for(".floor", slug=slug))
    resource, day = chosen
    name, floor_id = resource.name, resource.floor_id  # read before the transaction expires them
    try:
        waitlist.join_waitlist_for_day(me().id, resource.id, day)
    except NotFound:
        raise
    except DomainError as error:
        flash(gettext("Not added to the waitlist: %(reason)s", reason=describe(error)), "error")
    else:
        flash(
            gettext(
                "You are on the waitlist for %(name)s. If a seat frees up we book it for you "
                "and it appears in My bookings.",
                name=name,
            ),
            "success",
        )
    return _back_to_floor(slug, floor_id, day)


def _chosen_desk_day(slug: str) -> tuple[Resource, date] | None:
    """The desk and day the posted form names (None, with a message, if it does not; 404 for a
    desk of another hub)."""
    hub = member_bookings.active_hub(slug)
    form = DeskDayForm()
    if not form.validate_on_submit() or form.day.data is None or form.resource_id.data is None:
        flash(gettext("Choose a desk and a date."), "error")
        return None
    return member_bookings.resource_at_hub(hub, form.resource_id.data), form.day.data


# -- rooms -------------------------------------------------------------------------------------


def _timed_room(
    slug: str, resource_id: int
) -> tuple[Hub, Resource, member_bookings.BookingWindow, date] | Response:
    """The hub, timed resource, booking window and chosen day of a room page; a whole-day
    resource redirects to its desk page instead."""
    hub = member_bookings.active_hub(slug)
    resource = member_bookings.resource_at_hub(hub, resource_id)
    window = member_bookings.booking_window(me(), hub)
    day = _day_in(window)
    if resource.is_whole_day:
        return redirect(url_for(".desk", slug=slug, resource_id=resource_id, day=day))
    return hub, resource, window, day


@member.route("/<slug>/room/<int:resource_id>", methods=["GET", "POST"])
def room(slug: str, resource_id: int) -> str | Response:
    """A room's day: its timeline of slots and a form to book a slot range."""
    found = _timed_room(slug, resource_id)
    if isinstance(found, Response):
        return found
    hub, resource, window, day = found
    (state,) = availability.resource_days(resource_id, day, day, viewer_id=me().id)
    opening = hub.opening_interval(day)
    starts = slot_starts(hub, resource, opening)
    form = RoomBookingForm()
    paid_hours = None
    fill_room_choices(form, starts, {slot.start for slot in state.slots}, resource)
    preselect(
        form,
        start=request.args.get("start"),
        minutes=request.args.get("minutes", type=storable_int),
    )
    if form.validate_on_submit():
        start = starts[form.start.data or ""]
        try:
            booking = bookings.book(
                me().id, resource.id, start, start + timedelta(minutes=form.minutes.data or 0)
            )
        except NotFound:
            raise
        except DomainError as error:
            form.form_errors.append(describe(error))
            if error.code == "quota_exceeded":
                paid_hours = holds.paid_hours_offer(
                    hub, start, timedelta(minutes=form.minutes.data or 0), error
                )
        else:
            flash(gettext("Booked: %(name)s.", name=resource.name), "success")
            return redirect(url_for(".booking", booking_id=booking.id))
    timeline = member_bookings.room_timeline(state, opening, resource.slot_minutes)
    return render_template(
        "member/room.html",
        slots=floor_page.timeline_rows(hub, resource.id, day, timeline),
        hub=hub,
        resource=resource,
        state=state,
        day=day,
        window=window,
        opening=opening,
        closure=hub.closure_on(day),
        timeline=timeline,
        form=form,
        paid_hours=paid_hours,
    )


@member.route("/<slug>/room/<int:resource_id>/repeat", methods=["GET", "POST"])
def room_series(slug: str, resource_id: int) -> str | Response:
    """A recurring booking: preview which dates are free and which conflict, then confirm."""
    found = _timed_room(slug, resource_id)
    if isinstance(found, Response):
        return found
    hub, resource, window, day = found
    form = SeriesForm()
    times = series_start_times(hub, resource, day)
    fill_room_choices(form, times, set(times.values()), resource)
    preselect(form, first_day=day, start=request.args.get("start"))
    preview: list[recurring.Occurrence] | None = None
    if form.validate_on_submit():
        series = _series_request(form, hub, resource)
        try:
            if request.form.get("confirm"):
                _, outcomes = recurring.book_series(series)
                booked = sum(1 for outcome in outcomes if outcome.ok)
                if booked:
                    flash(
                        gettext(
                            "Booked %(booked)s of %(total)s dates of %(name)s.",
                            booked=booked,
                            total=len(outcomes),
                            name=resource.name,
                        ),
                        "success",
                    )
                    return redirect(url_for(".my_bookings"))
                form.form_errors.append(gettext("None of these dates could be booked."))
                preview = outcomes
            else:
                preview = recurring.preview_series(series)
        except NotFound:
            raise
        except DomainError as error:
            form.form_errors.append(describe(error))
    return render_template(
        "member/series.html",
        hub=hub,
        resource=resource,
        day=day,
        window=window,
        form=form,
        preview=preview,
    )


# -- my bookings and waitlist ------------------------------------------------------------------


@member.get("/bookings")
def my_bookings() -> str:
    return render_template("member/my_bookings.html", mine=member_bookings.my_bookings(me().id))


@member.get("/bookings/<int:booking_id>")
def booking(booking_id: int) -> str:
    line = member_bookings.my_booking(me().id, booking_id)
    return render_template(
        "member/booking.html", line=line, pay_order=holds.pending_order_of(line.booking.id)
    )


@member.get("/bookings/<int:booking_id>/cancel")
def confirm_cancel(booking_id: int) -> str | Response:
    """Ask before cancelling: one tap on a phone must not lose a booking."""
    line = member_bookings.my_booking(me().id, booking_id)
    if not line.cancellable:
        return redirect(url_for(".booking", booking_id=booking_id))
    return render_template("member/cancel.html", line=line)


@member.post("/bookings/<int:booking_id>/cancel")
def cancel_booking(booking_id: int) -> Response:
    try:
        cancelled = refunds.cancel_with_refund(booking_id, member_id=me().id)
    except NotFound:
        raise
    except DomainError as error:
        flash(gettext("Not cancelled: %(reason)s", reason=describe(error)), "error")
    else:
        flash(gettext("Cancelled: %(name)s.", name=cancelled.booking.resource.name), "success")
        if cancelled.refund is not None:
            flash(
                gettext("%(amount)s is refunded.", amount=rupiah(cancelled.refund.amount_idr)),
                "success",
            )
    return redirect(url_for(".my_bookings"))


@member.post("/waitlist/<int:entry_id>/leave")
def leave_waitlist(entry_id: int) -> Response:
    try:
        waitlist.leave_waitlist(entry_id, member_id=me().id)
    except NotFound:
        raise
    except DomainError as error:
        flash(describe(error), "error")
    else:
        flash(gettext("You left the waitlist."), "success")
    return redirect(url_for(".my_bookings") + "#waitlist")


# -- membership --------------------------------------------------------------------------------


@member.get("/membership")
def membership() -> str:
    return render_template(
        "member/membership.html",
        summary=usage.membership_summary(me().id),
        day_unit=_days,
        hour_unit=_hours,
    )


# -- helpers -----------------------------------------------------------------------------------


def _day_in(window: BookingWindow) -> date:
    """The `day` asked for in the query string, kept inside the booking window."""
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return window.today
    return min(max(day, window.today), window.last)


def _days(count: float | None) -> str:
    number = int(count or 0)
    return ngettext("%(num)s day", "%(num)s days", number)


def _hours(count: float | None) -> str:
    return gettext("%(hours)s h", hours=format_decimal(count or 0, "#,##0.#", locale=get_locale()))


def _back_to_floor(slug: str, floor_id: int, day: date) -> Response:
    return redirect(url_for(".floor", slug=slug, floor=floor_id, day=day))


def _series_request(form: SeriesForm, hub: Hub, resource: Resource) -> recurring.SeriesRequest:
    assert form.first_day.data is not None  # validated: DataRequired
    start = hub.local_datetime(form.first_day.data, time.fromisoformat(form.start.data or ""))
    ends_on_date = form.ends.data == "until"
    return recurring.SeriesRequest(
        member_id=me().id,
        resource_id=resource.id,
        first_start=start,
        first_end=start + timedelta(minutes=form.minutes.data or 0),
        frequency=recurring.Frequency(form.frequency.data),
        until=form.until.data if ends_on_date else None,
        count=None if ends_on_date else form.count.data,
    )
