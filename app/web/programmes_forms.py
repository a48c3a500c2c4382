"""Forms of the programme pages: business profile, events, guests, steps, office hours, notes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from app.models import KBLI_SECTIONS, AgeBand, BusinessStage, EventKind, Gender, ProgrammeStep
from app.web.forms import RuangForm

STAGE_LABELS = {
    BusinessStage.IDEA: _l("Idea"),
    BusinessStage.STARTING: _l("Starting"),
    BusinessStage.RUNNING: _l("Running"),
    BusinessStage.GROWING: _l("Growing"),
}
STEP_LABELS = {
    ProgrammeStep.REGISTRATION: _l("Registration (pendaftaran)"),
    ProgrammeStep.TRAINING: _l("Training (pelatihan)"),
    ProgrammeStep.MENTORING: _l("Mentoring (pendampingan)"),
    ProgrammeStep.LICENSING: _l("Licensing (perizinan)"),
    ProgrammeStep.MARKETING: _l("Marketing (pemasaran)"),
    ProgrammeStep.FINANCIAL_REPORTING: _l("Financial reporting (pelaporan keuangan)"),
    ProgrammeStep.CAPITAL: _l("Capital (permodalan)"),
}
EVENT_KIND_LABELS = {
    EventKind.TRAINING: _l("Training"),
    EventKind.WORKSHOP: _l("Workshop"),
    EventKind.CLINIC: _l("Mentoring clinic"),
    EventKind.MEETUP: _l("Meetup"),
}
GENDER_LABELS = {Gender.FEMALE: _l("Female"), Gender.MALE: _l("Male")}
AGE_LABELS = {
    AgeBand.UNDER_25: _l("Under 25"),
    AgeBand.FROM_25: "25-34",
    AgeBand.FROM_35: "35-44",
    AgeBand.FROM_45: "45-54",
    AgeBand.FROM_55: _l("55 or older"),
}


def kbli_choices(locale: str) -> list[SelectChoice]:
    return [
        SelectChoice(code, f"{code} · {indonesian if locale == 'id' else english}")
        for code, indonesian, english in KBLI_SECTIONS
    ]


def _choices(labels: dict, blank: bool = False) -> list[SelectChoice]:  # type: ignore[type-arg]
    options = [SelectChoice(key.value, label) for key, label in labels.items()]
    return [SelectChoice("", "—"), *options] if blank else options


class BusinessForm(RuangForm):
    name = StringField(_l("Business name"), validators=[DataRequired(), Length(max=200)])
    nib = StringField(
        _l("NIB (optional)"),
        validators=[Optional(), Regexp(r"^[\d .-]{13,20}$", message=_l("An NIB has 13 digits."))],
    )
    kbli_section = SelectField(_l("Sector (KBLI 2020)"), validators=[InputRequired()])
    stage = SelectField(_l("Stage"), choices=_choices(STAGE_LABELS), validators=[InputRequired()])
    people_employed = IntegerField(
        _l("People employed"), validators=[InputRequired(), NumberRange(min=0, max=1_000_000)]
    )
    kecamatan = StringField(_l("Kecamatan"), validators=[Optional(), Length(max=100)])
    kelurahan = StringField(_l("Kelurahan"), validators=[Optional(), Length(max=100)])
    demographics_consent = BooleanField(
        _l("I agree that Ruang keeps my gender and age band for programme statistics")
    )
    gender = SelectField(_l("Gender"), choices=_choices(GENDER_LABELS, blank=True), default="")
    age_band = SelectField(_l("Age band"), choices=_choices(AGE_LABELS, blank=True), default="")


class EventForm(RuangForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=_choices(EVENT_KIND_LABELS))
    day = DateField(_l("Date"), validators=[InputRequired()])
    starts = TimeField(_l("Starts"), validators=[InputRequired()])
    ends = TimeField(_l("Ends"), validators=[InputRequired()])
    resource_id = SelectField(_l("Room"), validators=[Optional()])
    online_url = URLField(_l("Online link"), validators=[Optional(), Length(max=500)])
    capacity = IntegerField(_l("Places"), validators=[InputRequired(), NumberRange(1, 10_000)])
    weeks = IntegerField(_l("Weeks"), default=1, validators=[InputRequired(), NumberRange(1, 26)])
    plan_id = SelectField(_l("Only for members on plan"), validators=[Optional()])
    required_step = SelectField(
        _l("Only for members who reached"), choices=_choices(STEP_LABELS, blank=True), default=""
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])


class RescheduleForm(RuangForm):
    day = DateField(_l("Date"), validators=[InputRequired()])
    starts = TimeField(_l("Starts"), validators=[InputRequired()])
    ends = TimeField(_l("Ends"), validators=[InputRequired()])
    resource_id = SelectField(_l("Room"), validators=[Optional()])


class GuestForm(RuangForm):
    guest_name = StringField(_l("Guest's name"), validators=[DataRequired(), Length(max=200)])
    guest_email = EmailField(
        _l("Guest's email (optional)"), validators=[Optional(), Email(), Length(max=254)]
    )


class StepForm(RuangForm):
    email = EmailField(_l("Member's email"), validators=[DataRequired(), Email()])
    step = SelectField(_l("Step reached"), choices=_choices(STEP_LABELS))
    reached_on = DateField(_l("Reached on"), validators=[InputRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class OfficeHoursForm(RuangForm):
    day = DateField(_l("Date"), validators=[InputRequired()])
    starts = TimeField(_l("Starts"), validators=[InputRequired()])
    minutes = IntegerField(_l("Minutes each"), default=60, validators=[NumberRange(15, 240)])
    count = IntegerField(_l("Slots"), default=1, validators=[NumberRange(1, 16)])
    hub_id = SelectField(_l("Where"))
    online_url = URLField(_l("Online link"), validators=[Optional(), Length(max=500)])


class NotesForm(RuangForm):
    notes = TextAreaField(_l("Session notes"), validators=[Optional(), Length(max=10_000)])
    follow_up = TextAreaField(_l("Follow-up steps"), validators=[Optional(), Length(max=2_000)])
    step_reached = SelectField(
        _l("Programme step reached"), choices=_choices(STEP_LABELS, blank=True), default=""
    )


class BookSlotForm(RuangForm):
    topic = StringField(_l("Topic"), validators=[Optional(), Length(max=200)])
