"""Forms for money at the desk and in admin: selling a day pass, refunds, the cash-up, a
hub's prices."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from app.models import PaymentMethod
from app.services.billing.ledger import MAX_AMOUNT_IDR
from app.web.forms import RuangForm
from app.web.frontdesk_forms import PAYMENT_METHODS

REFERENCE_HINT = _l("The QRIS RRN or the bank transfer's reference; optional for cash.")


class PaymentFields:
    """How the desk was paid: the method and its reference."""

    payment_method = RadioField(
        _l("Paid by"), choices=PAYMENT_METHODS, default=PaymentMethod.CASH.value
    )
    reference = StringField(_l("Payment reference"), validators=[Optional(), Length(max=100)])


class SellDayPassForm(RuangForm, PaymentFields):
    email = EmailField(_l("Member's email"), validators=[DataRequired(), Email(), Length(max=254)])
    resource_id = SelectField(
        _l("Desk for today"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose a free desk."))],
    )
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])


class SellPlanForm(RuangForm, PaymentFields):
    email = EmailField(_l("Member's email"), validators=[DataRequired(), Email(), Length(max=254)])
    plan_id = SelectField(
        _l("Plan"), coerce=int, validators=[DataRequired(message=_l("Choose a plan."))]
    )
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])


class NextPlanForm(RuangForm):
    plan_id = SelectField(
        _l("Plan from the next period"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose a plan."))],
    )


class TakePaymentForm(RuangForm, PaymentFields):
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])


class HoldRoomForm(RuangForm):
    """The room page's offer to pay for hours beyond the plan: the slot it was asked for."""

    start = HiddenField(validators=[DataRequired(), Length(max=40)])
    minutes = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=24 * 60)])

    def start_instant(self) -> datetime | None:
        """The start as an aware instant; None if it is not one."""
        try:
            start = datetime.fromisoformat(self.start.data or "")
        except ValueError:
            return None
        return start if start.tzinfo is not None else None


class RefundForm(RuangForm):
    amount_idr = IntegerField(
        _l("Amount to refund (whole rupiah)"),
        validators=[InputRequired(), NumberRange(min=1, max=MAX_AMOUNT_IDR)],
    )
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    # One-time token: a second submit of this form finds the refund the first recorded.
    refund_key = HiddenField(validators=[DataRequired(), Length(max=64)])


class CashUpForm(RuangForm):
    day = DateField(_l("Day"), validators=[DataRequired()])
    counted_idr = IntegerField(
        _l("Cash counted in the drawer (whole rupiah)"),
        validators=[InputRequired(), NumberRange(min=0, max=MAX_AMOUNT_IDR)],
    )
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])


class HubBillingForm(RuangForm):
    day_pass_price_idr = IntegerField(
        _l("Day-pass price at this hub (whole rupiah)"),
        validators=[Optional(), NumberRange(min=0, max=10_000_000)],
    )
    room_hour_price_idr = IntegerField(
        _l("Price of a room hour beyond a plan's hours (whole rupiah)"),
        validators=[Optional(), NumberRange(min=0, max=10_000_000)],
    )
    refund_hours_before = IntegerField(
        _l("Refund a paid booking cancelled at least this many hours before it starts"),
        validators=[InputRequired(), NumberRange(min=0, max=720)],
    )
    hold_minutes = IntegerField(
        _l("Hold a booking waiting for payment for (minutes)"),
        validators=[InputRequired(), NumberRange(min=1, max=1440)],
    )


class MonthForm(RuangForm):
    class Meta:
        csrf = False

    month = StringField(_l("Month"), validators=[Optional(), Length(max=7)])


class BuyDayPassForm(RuangForm):
    """A member's own day pass for today, with the desk they choose."""

    resource_id = SelectField(
        _l("Desk for today"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose a free desk."))],
    )
