"""Domain errors in the user's language: the one place that maps an error code to words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext

from app.i18n import money, rupiah
from app.services.errors import DomainError

Details = dict[str, Any]

MESSAGES: dict[str, Callable[[Details], str]] = {
    "booking_conflict": lambda d: gettext("Someone else has already booked this at that time."),
    "buffer_conflict": lambda d: gettext(
        "This room needs %(minutes)s minutes between bookings.", minutes=d.get("buffer_minutes")
    ),
    "one_desk_per_day": lambda d: gettext("You already have a desk booked that day."),
    "hub_closed": lambda d: gettext("The hub is closed at that time."),
    "resource_inactive": lambda d: gettext("This cannot be booked at the moment."),
    "invalid_duration": lambda d: (
        gettext(
            "A booking here lasts %(minimum)s to %(maximum)s minutes.",
            minimum=d["minimum"],
            maximum=d["maximum"],
        )
        if "minimum" in d
        else gettext("This is booked for the whole opening day.")
    ),
    "not_on_slot_boundary": lambda d: gettext(
        "Bookings here start and end on %(slot)s-minute slots.", slot=d.get("slot_minutes")
    ),
    "in_the_past": lambda d: gettext("That time has already passed."),
    "beyond_advance_window": lambda d: gettext(
        "Your plan lets you book up to %(days)s days ahead.", days=d.get("advance_days")
    ),
    "quota_exceeded": lambda d: gettext("Your plan's monthly allowance for this is used up."),
    "no_active_membership": lambda d: gettext(
        "You need an active membership valid at this hub on that day."
    ),
    "plan_unavailable": lambda d: gettext(
        "Your plan is no longer offered; please choose another plan."
    ),
    "member_suspended": lambda d: gettext("This account is suspended."),
    "cancellation_too_late": lambda d: gettext(
        "It is too late to cancel: cancel at least %(minutes)s minutes before the start.",
        minutes=d.get("cutoff_minutes"),
    ),
    "invalid_transition": lambda d: gettext("This booking cannot be changed that way now."),
    "not_found": lambda d: gettext("Not found."),
    "order_not_payable": lambda d: gettext("This is paid already, or cancelled."),
    "refund_too_large": lambda d: gettext(
        "That is more than is left to refund (%(left)s).", left=rupiah(d.get("left_idr", 0))
    ),
    "not_refundable": lambda d: gettext("This payment is refunded in full already."),
    "cash_up_recorded": lambda d: gettext("The cash-up of that day is recorded already."),
    "no_payment_provider": lambda d: gettext(
        "Online payment is not available here: please pay at the front desk."
    ),
    "invalid_token": lambda d: gettext("This link is not valid or has expired."),
    "pass_unavailable": lambda d: gettext("This booking is cancelled or over, so it has no pass."),
    "no_email_address": lambda d: gettext("This account has no email address to send it to."),
    "registration_closed": lambda d: gettext("Registration for this event is not open."),
    "not_eligible": lambda d: gettext("This event is for other members (plan or programme step)."),
    "already_registered": lambda d: gettext("You are already registered for this event."),
    "slot_taken": lambda d: gettext("This time is already taken."),
    "step_already_recorded": lambda d: gettext("This programme step is already recorded."),
    "amount_out_of_range": lambda d: gettext(
        "Card payments here take %(minimum)s to %(maximum)s; please pay this at the front desk.",
        minimum=money(d["minimum_minor"]),
        maximum=money(d["maximum_minor"]),
    ),
    "payment_provider_error": lambda d: gettext(
        "The card payment service could not be reached. Nothing was charged; try again shortly."
    ),
    "card_declined": lambda d: gettext(
        "The card was declined. Try another card or pay at the desk."
    ),
}

#: Access decisions in words, for the front desk and the access-event list
#: (app.services.access.decision's Reason codes; devices.passcode rejections share the first five).
ACCESS_REASONS: dict[str, Callable[[], str]] = {
    "granted": lambda: gettext("Welcome in"),
    "bad_format": lambda: gettext("This is not a Ruang pass (or it was misread): scan it again."),
    "unknown_key": lambda: gettext("This pass was signed with a key this hub does not know."),
    "bad_signature": lambda: gettext("Forged or damaged pass: the signature does not match."),
    "not_yet_valid": lambda: gettext("This pass is not valid yet."),
    "expired": lambda: gettext("This code has expired: ask for a fresh code on the pass page."),
    "replayed": lambda: gettext(
        "This code was already used: ask for the live code on the phone, not a screenshot."
    ),
    "revoked": lambda: gettext("This pass has been revoked (cancelled booking or lost phone)."),
    "wrong_hub": lambda: gettext("This pass is for another hub."),
    "member_suspended": lambda: gettext("This member's account is suspended."),
    "no_entitlement": lambda: gettext("No active membership here and no booking today."),
    "hub_closed": lambda: gettext("The hub is closed now."),
    "room_not_booked": lambda: gettext("This room is not booked by this person now."),
    "anti_passback": lambda: gettext("Already in: this pass was last used to enter."),
    "zone_full": lambda: gettext("This area is full."),
    "door_retired": lambda: gettext("This door is retired: it opens for nobody."),
}


def describe(error: DomainError) -> str:
    """A translated sentence for `error`; falls back to its English message."""
    message = MESSAGES.get(error.code)
    return str(message(error.details)) if message else error.message


def describe_access(reason: str) -> str:
    """An access decision's reason code in words; unknown codes are shown as they are."""
    words = ACCESS_REASONS.get(reason)
    return str(words()) if words else reason
