"""What the pass pages and the front-desk scan box need around passes and the access decision:
the member's current code as a QR image, booking and guest passes with their mail, a scan at
the desk with what staff should see, and the hub's access events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.i18n import hub_time, weekday_date
from app.models import (
    AccessEvent,
    Booking,
    Hub,
    Pass,
    PassKind,
    User,
    utcnow,
)
from app.services.access import passes
from app.services.access.decision import AccessRequest, Decision, decide_access
from app.services.access.keys import Keyring
from app.services.access.qr import qr_png, qr_svg
from app.services.booking.placement import get_or_404
from app.services.booking.usage import DEFAULT_ZONE, home_hub, today_at
from app.services.errors import DomainError, Forbidden, InThePast, NotFound
from app.services.notifications.mail import Attachment, Mail, Mailer

#: At most this many access events on one page.
EVENT_LIMIT = 300


class PassUnavailable(DomainError):
    """The booking is cancelled or over: it has no pass any more."""

    code = "pass_unavailable"
    http_status = 410


class NoEmailAddress(DomainError):
    """The account has only a placeholder address (a walk-in without email)."""

    code = "no_email_address"
    http_status = 422


# -- the member's rotating code -----------------------------------------------------------------


@dataclass(frozen=True)
class PassCode:
    """One code of the member's (or staff member's) pass, ready to show."""

    token: str
    svg: str
    valid_from: datetime
    valid_until: datetime
    refresh_at: datetime
    now: datetime

    @property
    def seconds_to_refresh(self) -> int:
        return max(int((self.refresh_at - self.now).total_seconds()), 1)


def current_code(keyring: Keyring, user_id: int, now: datetime | None = None) -> PassCode:
    """The holder's current rotating code as an inline SVG, and when the next one comes."""
    now = now or utcnow()
    issued = passes.rotating_token(keyring, user_id, now)
    return PassCode(
        token=issued.token,
        svg=qr_svg(issued.token),
        valid_from=issued.valid_from,
        valid_until=issued.valid_until,
        refresh_at=issued.valid_from + timedelta(seconds=passes.ROTATION),
        now=now,
    )


# -- booking passes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BookingPass:
    booking: Booking
    hub: Hub
    token: str

    @property
    def svg(self) -> str:
        return qr_svg(self.token)

    @property
    def png(self) -> bytes:
        return qr_png(self.token)


def booking_pass(
    keyring: Keyring, member_id: int, booking_id: int, now: datetime | None = None
) -> BookingPass:
    """The day pass of one of the member's own active bookings (another member's: NotFound)."""
    now = now or utcnow()
    booking = get_or_404(Booking, booking_id)
    if booking.member_id != member_id:
        raise NotFound("no such booking", id=booking_id)
    if not booking.is_upcoming(now):
        raise PassUnavailable("this booking is cancelled or over", id=booking_id)
    issued = passes.booking_token(keyring, booking.id, member_id=member_id)
    return BookingPass(booking, booking.resource.hub, issued.token)


def mail_booking_pass(
    keyring: Keyring, mailer: Mailer, member_id: int, booking_id: int
) -> BookingPass:
    """Send the member their booking pass as a PNG, in their language."""
    day_pass = booking_pass(keyring, member_id, booking_id)
    member = day_pass.booking.member
    if not member.has_real_email:
        raise NoEmailAddress("this account has no email address")
    booking, hub = day_pass.booking, day_pass.hub
    with force_locale(member.locale or "id"):
        day = weekday_date(hub.local_date(booking.start_at))
        mailer.send(
            Mail(
                to=member.email,
                subject=gettext("Your Ruang pass for %(day)s", day=day),
                body=gettext(
                    "Hello %(name)s,\n\nYour pass for %(resource)s at %(hub)s on %(day)s, "
                    "%(start)s to %(end)s, is attached. Show it at the door or the front desk."
                    "\n\nRuang",
                    name=member.name,
                    resource=booking.resource.name,
                    hub=hub.name,
                    day=day,
                    start=hub_time(booking.start_at, hub, False),
                    end=hub_time(booking.end_at, hub),
                ),
                attachments=(_png_attachment(day_pass.token, f"ruang-pass-{booking.id}.png"),),
            )
        )
    return day_pass


# -- guest passes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuestInvitations:
    """This month's guest passes of a member and their plan's monthly allowance."""

    month: date
    invitations: list[Pass]
    allowance: int
    hubs: list[Hub]

    @property
    def used(self) -> int:
        return sum(1 for invitation in self.invitations if not invitation.is_revoked)

    @property
    def left(self) -> int:
        return max(self.allowance - self.used, 0)


def guest_invitations(member_id: int, now: datetime | None = None) -> GuestInvitations:
    """The member's invitations this month (in their home hub's zone), the allowance, and the
    hubs they may invite a guest to."""
    now = now or utcnow()
    member = get_or_404(User, member_id)
    hub = home_hub(member_id)
    zone = hub.zone if hub is not None else ZoneInfo(DEFAULT_ZONE)
    today = today_at(hub, now)
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(following, datetime.min.time(), tzinfo=zone)
    invitations = db.session.scalars(
        select(Pass)
        .options(joinedload(Pass.hub))
        .where(
            Pass.kind == PassKind.GUEST,
            Pass.invited_by_id == member.id,
            Pass.valid_from >= start,
            Pass.valid_from < end,
        )
        .order_by(Pass.valid_from, Pass.id)
    ).all()
    membership = member.membership_on(today)
    allowance = membership.plan.guests_per_month if membership is not None else 0
    active = db.session.scalars(select(Hub).where(Hub.active).order_by(Hub.name)).all()
    hubs = [h for h in active if membership is not None and membership.plan.allows_hub(h.id)]
    return GuestInvitations(first, list(invitations), allowance, hubs)


def invite_guest(
    keyring: Keyring,
    mailer: Mailer,
    member_id: int,
    hub_id: int,
    day: date,
    guest_name: str,
    guest_email: str,
) -> Pass:
    """Invite a guest (passes.invite_guest) and mail them their pass in the member's language."""
    hub = get_or_404(Hub, hub_id)
    if day < hub.today():
        raise InThePast("that day has already passed", field="day")
    guest_pass, issued = passes.invite_guest(
        keyring, member_id, hub.id, day, guest_name, guest_email
    )
    member = get_or_404(User, member_id)
    with force_locale(member.locale or "id"):
        mailer.send(
            Mail(
                to=guest_pass.guest_email,
                subject=gettext(
                    "%(member)s invited you to %(hub)s", member=member.name, hub=hub.name
                ),
                body=gettext(
                    "Hello %(guest)s,\n\n%(member)s invited you to %(hub)s on %(day)s. "
                    "Your pass is attached: show it at the door or the front desk. It is valid "
                    "on that day only. You do not need an account.\n\n%(address)s\n\nRuang",
                    guest=guest_pass.guest_name,
                    member=member.name,
                    hub=hub.name,
                    day=weekday_date(day),
                    address=hub.address,
                ),
                attachments=(_png_attachment(issued.token, f"ruang-guest-pass-{day}.png"),),
            )
        )
    return guest_pass


def _png_attachment(token: str, filename: str) -> Attachment:
    return Attachment(filename=filename, content=qr_png(token), mimetype="image/png")


# -- the front-desk scan ------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskScan:
    """A decision made at the front desk and what staff should see with it."""

    decision: Decision
    holder_name: str | None
    kind: PassKind | None
    booking: Booking | None


def scan_at_desk(hub_id: int, staff_id: int, token: str) -> DeskScan:
    """Decide a pass shown at the hub's front desk (stored as an access event, source
    "frontdesk"). Only staff of that hub may scan there."""
    staff = get_or_404(User, staff_id)
    if not staff.can_staff(hub_id):
        raise Forbidden("you do not staff this hub")
    decision = decide_access(AccessRequest(token=token, hub_id=hub_id, source="frontdesk"))
    holder = db.session.get(Pass, decision.pass_id) if decision.pass_id is not None else None
    kind = holder.kind if holder is not None else None
    name = decision.member_name or _holder_name(holder)
    booking = db.session.get(Booking, decision.booking_id) if decision.booking_id else None
    return DeskScan(decision, name, kind, booking)


def _holder_name(holder: Pass | None) -> str | None:
    """Whose pass it is, also when it was refused early (revoked, wrong hub)."""
    if holder is None:
        return None
    if holder.member is not None:
        return holder.member.name
    return holder.guest_name or None


# -- access events ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventFilter:
    day: date
    granted: bool | None = None  # None: both
    reason: str = ""
    at_door: bool | None = None  # decided by the reader alone (True), by the server, or both


@dataclass(frozen=True)
class EventLine:
    event: AccessEvent
    holder_name: str


def access_events(hub_id: int, which: EventFilter) -> list[EventLine]:
    """The hub's access events on a local day, newest first, filtered."""
    hub = get_or_404(Hub, hub_id)
    start, end = hub.local_day_bounds(which.day)
    stmt = (
        select(AccessEvent, Pass.guest_name)
        .outerjoin(Pass, Pass.id == AccessEvent.pass_id)
        .options(joinedload(AccessEvent.member), joinedload(AccessEvent.door))
        .where(
            AccessEvent.hub_id == hub.id,
            AccessEvent.decided_at >= start,
            AccessEvent.decided_at < end,
        )
        .order_by(AccessEvent.decided_at.desc(), AccessEvent.id.desc())
        .limit(EVENT_LIMIT)
    )
    if which.granted is not None:
        stmt = stmt.where(AccessEvent.granted.is_(which.granted))
    if which.reason:
        stmt = stmt.where(AccessEvent.reason == which.reason)
    if which.at_door is not None:
        offline = AccessEvent.source == "offline"
        stmt = stmt.where(offline if which.at_door else ~offline)
    return [
        EventLine(event, event.member.name if event.member else (guest_name or ""))
        for event, guest_name in db.session.execute(stmt).all()
    ]
