"""Forms for signing up, logging in and resetting a password."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TelField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional, Regexp

from app.services.people.accounts import MIN_PASSWORD_LENGTH
from app.web.forms import RuangForm
from app.web.programmes_forms import STAGE_LABELS

SECTORS = [
    SelectChoice("kuliner", _l("Food and drink")),
    SelectChoice("fashion", _l("Fashion")),
    SelectChoice("kriya", _l("Crafts")),
    SelectChoice("digital", _l("Digital and technology")),
    SelectChoice("jasa", _l("Services")),
    SelectChoice("pertanian", _l("Agriculture")),
    SelectChoice("sosial", _l("Social enterprise")),
    SelectChoice("lainnya", _l("Other")),
]

STAGE_CHOICES = [SelectChoice(stage.value, label) for stage, label in STAGE_LABELS.items()]

PHONE = Regexp(r"^\+?[0-9][0-9 \-]{7,18}$", message=_l("Enter a phone number such as +62812..."))


class SignupForm(RuangForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    phone = TelField(_l("Phone (WhatsApp)"), validators=[DataRequired(), PHONE])
    business_name = StringField(_l("Business name"), validators=[DataRequired(), Length(max=200)])
    sector = SelectField(_l("Sector"), choices=SECTORS, validators=[DataRequired()])
    kecamatan = StringField(_l("Kecamatan"), validators=[DataRequired(), Length(max=100)])
    # Optional: a stage starts the member's business profile (app.web.programmes).
    business_stage = SelectField(
        _l("Stage of your business (optional)"),
        choices=[SelectChoice("", _l("Tell us later")), *STAGE_CHOICES],
        default="",
    )
    people_employed = IntegerField(
        _l("People working in it (optional)"),
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
    )
    plan_id = SelectField(_l("Plan"), coerce=int, validators=[Optional()])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    consent = BooleanField(
        _l(
            "I have read the personal-data notice and agree to Ruang processing my data as it says."
        ),
        validators=[DataRequired(message=_l("You must agree to the personal-data notice."))],
    )


class LoginForm(RuangForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me logged in on this device (14 days)"))


class ForgotPasswordForm(RuangForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])


class ResetPasswordForm(RuangForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
