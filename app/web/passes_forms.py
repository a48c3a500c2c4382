"""Forms for the pass pages: inviting a guest, and the button-only confirmations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length

from app.web.forms import RuangForm


class ConfirmForm(RuangForm):
    """A button-only POST ("I lost my phone", "Email me this pass"): just the CSRF token."""


class GuestForm(RuangForm):
    hub_id = SelectField(
        _l("Hub"), coerce=int, validators=[DataRequired(message=_l("Choose a hub."))]
    )
    day = DateField(_l("Date of the visit"), validators=[InputRequired()])
    guest_name = StringField(_l("Guest's name"), validators=[DataRequired(), Length(max=200)])
    guest_email = EmailField(
        _l("Guest's email"),
        validators=[
            DataRequired(),
            Email(message=_l("Enter a valid email address.")),
            Length(max=254),
        ],
    )
