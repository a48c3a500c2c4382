"""The daily cash-up: at the end of a hub-local day, staff count the drawer; the ledger says
what cash should be there (cash payments less cash refunds that day); the difference is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import CashUp, Hub, Payment, PaymentMethod, User, utcnow
from app.services import audit
from app.services.billing import ledger
from app.services.booking.placement import get_or_404
from app.services.errors import CashUpRecorded, Forbidden, InvalidInput
from app.services.transactions import savepoint, transaction

CASH_UP_FIELDS = ("day", "expected_idr", "counted_idr", "note")


@dataclass(frozen=True)
class CashDay:
    """A hub's day as the drawer sees it: the cash entries and what they add up to."""

    hub: Hub
    day: date
    entries: list[Payment]
    expected_idr: int
    recorded: CashUp | None


def cash_day(hub_id: int, day: date | None = None) -> CashDay:
    """The cash entries of the hub's local `day` (default: today there) and its cash-up."""
    hub = get_or_404(Hub, hub_id)
    day = day or hub.today()
    entries = [e for e in ledger.entries_on(hub, day) if e.method is PaymentMethod.CASH]
    expected = ledger.totals(entries).net_idr
    recorded = db.session.scalar(select(CashUp).where(CashUp.hub_id == hub.id, CashUp.day == day))
    return CashDay(hub, day, entries, expected, recorded)


def record_cash_up(
    hub_id: int, staff_id: int, day: date, counted_idr: int, note: str = ""
) -> CashUp:
    """Record what was counted against what the ledger expects; once per hub and day."""
    if isinstance(counted_idr, bool) or not 0 <= counted_idr <= ledger.MAX_AMOUNT_IDR:
        raise InvalidInput("counted cash out of range", field="counted_idr")
    if len(note) > 500:
        raise InvalidInput("note too long", field="note")
    with transaction():
        staff = get_or_404(User, staff_id)
        if not staff.can_staff(hub_id):
            raise Forbidden("only this hub's staff may cash up here")
        hub = get_or_404(Hub, hub_id, lock=True)  # one cash-up at a time per hub
        if day > hub.today():
            raise InvalidInput("that day has not come yet", field="day")
        state = cash_day(hub.id, day)
        if state.recorded is not None:
            raise CashUpRecorded("the cash-up of that day is recorded", day=day.isoformat())
        cash_up = CashUp(
            hub_id=hub.id,
            day=day,
            expected_idr=state.expected_idr,
            counted_idr=counted_idr,
            note=note.strip(),
            recorded_by_id=staff_id,
            recorded_at=utcnow(),
        )
        try:
            with savepoint():
                db.session.add(cash_up)
                db.session.flush()
        except IntegrityError as exc:
            raise CashUpRecorded("the cash-up of that day is recorded") from exc
        audit.record(
            "cash_up_recorded",
            cash_up,
            actor_id=staff_id,
            hub_id=hub.id,
            after={
                **audit.snapshot(cash_up, CASH_UP_FIELDS),
                "difference_idr": cash_up.difference_idr,
            },
        )
    return cash_up
