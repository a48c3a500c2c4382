"""The kinds of notification a member gets. Adding a kind is one line here; `required` kinds
(about the account, the law or money owed) cannot be switched off on the preferences page."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Kind:
    code: str
    label: LazyString
    required: bool = False


KINDS: dict[str, Kind] = {}


def kind(code: str, label: LazyString, *, required: bool = False) -> Kind:
    """Declare a notification kind (codes are stored: never rename one)."""
    if code in KINDS:
        raise ValueError(f"notification kind {code!r} is declared twice")
    KINDS[code] = Kind(code, label, required)
    return KINDS[code]


ACCOUNT = kind(
    "account", _l("Your account: email confirmation, password, your data"), required=True
)
APPLICATION_DECIDED = kind(
    "application_decided", _l("Decisions on your membership applications"), required=True
)
BOOKING_CONFIRMED = kind("booking_confirmed", _l("Booking confirmed, with its pass"))
BOOKING_REMINDER = kind("booking_reminder", _l("Reminder before a booking starts"))
BOOKING_CANCELLED = kind("booking_cancelled", _l("Booking cancelled"))
BOOKING_NO_SHOW = kind("booking_no_show", _l("Booking released because you did not check in"))
WAITLIST_PLACED = kind("waitlist_placed", _l("A place from the waitlist was booked for you"))
