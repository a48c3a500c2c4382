"""Forms for the front desk: the member search box and registering a walk-in."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    TelField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from app.models import PaymentMethod
from app.web.auth_forms import PHONE, SECTORS
from app.web.forms import RuangForm

PAYMENT_METHODS = [
    SelectChoice(PaymentMethod.CASH.value, _l("Cash")),
    SelectChoice(PaymentMethod.QRIS.value, _l("QRIS")),
    SelectChoice(PaymentMethod.TRANSFER.value, _l("Bank transfer")),
]


class SearchForm(RuangForm):
    """A GET form: no CSRF token, so the results page can be bookmarked and reloaded."""

    class Meta:
        csrf = False

    q = SearchField(_l("Name, email or phone"), validators=[Optional(), Length(max=100)])


class WalkInForm(RuangForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    phone = TelField(_l("Phone (WhatsApp)"), validators=[DataRequired(), PHONE])
    email = EmailField(_l("Email (optional)"), validators=[Optional(), Email(), Length(max=254)])
    business_name = StringField(_l("Business name"), validators=[DataRequired(), Length(max=200)])
    sector = SelectField(_l("Sector"), choices=SECTORS, validators=[DataRequired()])
    kecamatan = StringField(_l("Kecamatan"), validators=[DataRequired(), Length(max=100)])
    resource_id = SelectField(
        _l("Desk for today"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose a free desk."))],
    )
    payment_method = RadioField(
        _l("Day pass paid by"), choices=PAYMENT_METHODS, default=PaymentMethod.CASH.value
    )
    reference = StringField(_l("Payment reference"), validators=[Optional(), Length(max=100)])
    consent = BooleanField(
        _l("The visitor has read the personal-data notice and agrees to it."),
        validators=[
            DataRequired(message=_l("The visitor must agree to the personal-data notice."))
        ],
    )


class ScanForm(RuangForm):
    """The scan box: a USB scanner types the code and presses Enter; the webcam fills it in."""

    token = StringField(
        _l("Pass code"),
        validators=[
            DataRequired(message=_l("Scan a pass, or type its code.")),
            Length(max=500, message=_l("That is too long to be a pass code.")),
        ],
    )


class EventFilterForm(RuangForm):
    """A GET form over the access events: a day, granted or refused, a reason, and whether
    the server or the door decided."""

    class Meta:
        csrf = False

    day = DateField(_l("Day"), validators=[Optional()])
    outcome = SelectField(
        _l("Outcome"),
        choices=[
            SelectChoice("", _l("All")),
            SelectChoice("granted", _l("Granted")),
            SelectChoice("refused", _l("Refused")),
        ],
        default="",
        validators=[Optional()],
    )
    reason = SelectField(_l("Reason"), default="", validators=[Optional()])
    decided = SelectField(
        _l("Decided"),
        choices=[
            SelectChoice("", _l("Online or at the door")),
            SelectChoice("online", _l("Online")),
            SelectChoice("door", _l("At the door (offline)")),
        ],
        default="",
        validators=[Optional()],
    )
