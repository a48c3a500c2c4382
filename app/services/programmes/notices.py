"""Mail to event registrants in their language: a place confirmed (also from the waitlist), a
reminder the day before, a change of time or room, a cancelled event. Sent after the
transaction that decided them commits."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale, gettext

from app.i18n import hub_time, weekday_date
from app.models import Event, EventRegistration
from app.services.access.qr import qr_png
from app.services.notifications.mail import Attachment, Mail


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    locale: str


def recipient(registration: EventRegistration) -> Recipient | None:
    """Whom to tell about a registration: the member, or the guest's address; None if nobody."""
    member = registration.member
    if member is not None:
        if not member.has_real_email:
            return None
        return Recipient(member.email, member.name, member.locale or "id")
    if "@" not in registration.guest_email:
        return None
    return Recipient(registration.guest_email, registration.guest_name, "id")


def recipients(registrations: list[EventRegistration]) -> list[Recipient]:
    return [r for r in map(recipient, registrations) if r is not None]


def place_confirmed(event: Event, to: Recipient, token: str | None = None) -> Mail:
    """The place is theirs; with `token`, the event pass goes along as a PNG."""
    attachments = (
        (Attachment(f"ruang-event-{event.id}.png", qr_png(token), "image/png"),) if token else ()
    )
    with force_locale(to.locale):
        return Mail(
            to=to.email,
            subject=gettext("Your place at %(title)s", title=event.title),
            body=gettext(
                "Hello %(name)s,\n\nYou have a place at %(title)s at %(hub)s on %(day)s, "
                "%(start)s to %(end)s. Your pass is on the event's page in Ruang.\n\nRuang",
                name=to.name,
                **_when_and_where(event),
            ),
            attachments=attachments,
        )


def event_cancelled(event: Event, to: Recipient) -> Mail:
    with force_locale(to.locale):
        return Mail(
            to=to.email,
            subject=gettext("Cancelled: %(title)s", title=event.title),
            body=gettext(
                "Hello %(name)s,\n\n%(title)s at %(hub)s on %(day)s, %(start)s to %(end)s, "
                "has been cancelled. Your pass no longer opens the door.\n\nRuang",
                name=to.name,
                **_when_and_where(event),
            ),
        )


def event_reminder(event: Event, to: Recipient) -> Mail:
    with force_locale(to.locale):
        return Mail(
            to=to.email,
            subject=gettext("Reminder: %(title)s on %(day)s", **_when_and_where(event)),
            body=gettext(
                "Hello %(name)s,\n\nA reminder: %(title)s at %(hub)s%(room)s on %(day)s, "
                "%(start)s to %(end)s. Your pass is on the event's page in Ruang; if you "
                "cannot come, please cancel so someone on the waitlist gets your place."
                "\n\nRuang",
                name=to.name,
                **_when_and_where(event),
            ),
        )


def event_changed(event: Event, to: Recipient) -> Mail:
    with force_locale(to.locale):
        return Mail(
            to=to.email,
            subject=gettext("Changed: %(title)s", title=event.title),
            body=gettext(
                "Hello %(name)s,\n\n%(title)s has moved: it is now at %(hub)s%(room)s on "
                "%(day)s, %(start)s to %(end)s. Your place and your pass stay yours."
                "\n\nRuang",
                name=to.name,
                **_when_and_where(event),
            ),
        )


def _when_and_where(event: Event) -> dict[str, str]:
    hub = event.hub
    return {
        "title": event.title,
        "hub": hub.name,
        "room": f", {event.resource.name}" if event.resource is not None else "",
        "day": weekday_date(hub.local_date(event.starts_at)),
        "start": hub_time(event.starts_at, hub, False),
        "end": hub_time(event.ends_at, hub),
    }
