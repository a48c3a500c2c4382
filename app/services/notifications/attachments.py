"""Attachments made when a message is sent, not when it is queued: a booking's pass (the
booking service that queues the confirmation holds no signing keys) and its calendar entry."""

from __future__ import annotations

from collections.abc import Mapping

from app.extensions import db
from app.models import Booking
from app.services.access.keys import Keyring
from app.services.access.pass_pages import booking_pass
from app.services.errors import DomainError
from app.services.notifications.booking_mail import BOOKING_ICS, BOOKING_PASS
from app.services.notifications.mail import Attachment
from app.services.notifications.outbox import AttachmentMaker


def standard_makers(keyring: Keyring) -> Mapping[str, AttachmentMaker]:
    from app.services.calendars.feeds import booking_ics

    def pass_png(booking_id: int) -> Attachment | None:
        booking = db.session.get(Booking, booking_id)
        if booking is None:
            return None
        try:
            day_pass = booking_pass(keyring, booking.member_id, booking_id)
        except DomainError:
            return None  # cancelled or over by now: no pass to attach
        return Attachment(f"ruang-pass-{booking_id}.png", day_pass.png, "image/png")

    def calendar_entry(booking_id: int) -> Attachment | None:
        content = booking_ics(booking_id)
        if content is None:
            return None
        return Attachment(f"ruang-booking-{booking_id}.ics", content, "text/calendar")

    return {BOOKING_PASS: pass_png, BOOKING_ICS: calendar_entry}
