"""Booking notifications in the member's language, queued inside the booking service's own
transaction: confirmed (with its pass and calendar entry), reminder, cancelled, released as a
no-show, placed from the waitlist."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.extensions import db
from app.i18n import hub_time, weekday_date
from app.models import Booking, BookingStatus, OutboxMessage, utcnow
from app.services.notifications import kinds
from app.services.notifications.preferences import notify
from app.services.transactions import transaction

#: Attachments made when the mail is sent (notifications.attachments).
BOOKING_PASS = "booking_pass"  # noqa: S105  (an attachment kind, not a password)
BOOKING_ICS = "booking_ics"
#: Reminders go this long before a booking starts.
REMINDER_LEAD = timedelta(hours=2)

SIGNATURE = "\n\nRuang"


def booking_confirmed(booking: Booking) -> None:
    with force_locale(booking.member.locale or "id"):
        facts = _facts(booking)
        notify(
            kinds.BOOKING_CONFIRMED,
            booking.member,
            gettext("Booked: %(resource)s on %(day)s", **facts),
            gettext(
                "Hello %(name)s,\n\nYour booking of %(resource)s at %(hub)s on %(day)s, "
                "%(start)s to %(end)s, is confirmed. Your pass is attached: show it at the door "
                "or the front desk. Open the .ics file to add the booking to your calendar.",
                **facts,
            )
            + SIGNATURE,
            hub_id=booking.resource.hub.id,
            made_attachments=((BOOKING_PASS, booking.id), (BOOKING_ICS, booking.id)),
        )


def booking_cancelled(booking: Booking) -> None:
    with force_locale(booking.member.locale or "id"):
        facts = _facts(booking)
        notify(
            kinds.BOOKING_CANCELLED,
            booking.member,
            gettext("Cancelled: %(resource)s on %(day)s", **facts),
            gettext(
                "Hello %(name)s,\n\nYour booking of %(resource)s at %(hub)s on %(day)s, "
                "%(start)s to %(end)s, is cancelled.",
                **facts,
            )
            + SIGNATURE,
            hub_id=booking.resource.hub.id,
            made_attachments=((BOOKING_ICS, booking.id),),
        )


def booking_no_show(booking: Booking) -> None:
    with force_locale(booking.member.locale or "id"):
        facts = _facts(booking)
        notify(
            kinds.BOOKING_NO_SHOW,
            booking.member,
            gettext("Released: %(resource)s on %(day)s", **facts),
            gettext(
                "Hello %(name)s,\n\nYou had not checked in for %(resource)s at %(hub)s on "
                "%(day)s from %(start)s, so the booking was released for others.",
                **facts,
            )
            + SIGNATURE,
            hub_id=booking.resource.hub.id,
        )


def waitlist_placed(booking: Booking) -> None:
    with force_locale(booking.member.locale or "id"):
        facts = _facts(booking)
        notify(
            kinds.WAITLIST_PLACED,
            booking.member,
            gettext("A place for you: %(resource)s on %(day)s", **facts),
            gettext(
                "Hello %(name)s,\n\nA place you waited for came free: %(resource)s at %(hub)s "
                "on %(day)s, %(start)s to %(end)s, is now booked for you. Your pass is attached.",
                **facts,
            )
            + SIGNATURE,
            hub_id=booking.resource.hub.id,
            made_attachments=((BOOKING_PASS, booking.id), (BOOKING_ICS, booking.id)),
        )


def booking_reminder(booking: Booking) -> OutboxMessage | None:
    with force_locale(booking.member.locale or "id"):
        facts = _facts(booking)
        return notify(
            kinds.BOOKING_REMINDER,
            booking.member,
            gettext("Reminder: %(resource)s at %(start)s", **facts),
            gettext(
                "Hello %(name)s,\n\nA reminder: %(resource)s at %(hub)s is booked for you "
                "on %(day)s, %(start)s to %(end)s.",
                **facts,
            )
            + SIGNATURE,
            hub_id=booking.resource.hub.id,
            made_attachments=((BOOKING_PASS, booking.id),),
            dedupe_key=f"booking_reminder:{booking.id}",
        )


def send_booking_reminders(now: datetime | None = None) -> list[int]:
    """Queue a reminder for each confirmed booking starting within REMINDER_LEAD (once per
    booking, also from several workers: the outbox's dedupe key). Returns the booking ids."""
    now = now or utcnow()
    reminded: list[int] = []
    with transaction():
        upcoming = db.session.scalars(
            select(Booking).where(
                Booking.status == BookingStatus.CONFIRMED,
                Booking.start_at > now,
                Booking.start_at <= now + REMINDER_LEAD,
            )
        ).all()
        keys = {f"booking_reminder:{b.id}" for b in upcoming}
        done = set(
            db.session.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))
            )
        )
        for booking in upcoming:
            if f"booking_reminder:{booking.id}" not in done and booking_reminder(booking):
                reminded.append(booking.id)
    return reminded


def _facts(booking: Booking) -> dict[str, Any]:
    hub = booking.resource.hub
    return {
        "name": booking.member.name,
        "resource": booking.resource.name,
        "hub": hub.name,
        "day": weekday_date(hub.local_date(booking.start_at)),
        "start": hub_time(booking.start_at, hub),
        "end": hub_time(booking.end_at, hub),
    }
