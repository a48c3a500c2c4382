"""Forms for the admin pages, and the translated words for the admin services' input errors."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
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
from wtforms.widgets import CheckboxInput, ListWidget

from app.converters import DATABASE_INT_MAX
from app.i18n import WEEKDAYS
from app.messages import describe
from app.models import BillingInterval, BookingMode, ResourceKind, Role
from app.money import minor_per_unit
from app.services.errors import DomainError
from app.services.hubs.admin import MAX_POLICY_MINUTES
from app.web.forms import RuangForm

#: The dearest plan whose price in minor units (sen) fits its Integer column: Rp 21.474.836.
MAX_PRICE_RUPIAH = DATABASE_INT_MAX // minor_per_unit("IDR")
INDONESIAN_ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
SLUG = Regexp(r"^[a-z0-9-]+$", message=_l("Use lowercase letters, digits and hyphens."))


def zone_choices() -> list[SelectChoice]:
    """The three Indonesian zones first (with their labels), then every other IANA zone."""
    labelled = [
        SelectChoice("Asia/Jakarta", _l("Asia/Jakarta (WIB)")),
        SelectChoice("Asia/Makassar", _l("Asia/Makassar (WITA)")),
        SelectChoice("Asia/Jayapura", _l("Asia/Jayapura (WIT)")),
    ]
    others = sorted(available_timezones() - set(INDONESIAN_ZONES))
    return labelled + [SelectChoice(zone, zone) for zone in others]


def _policy_range() -> NumberRange:
    return NumberRange(min=0, max=MAX_POLICY_MINUTES)


class HubForm(RuangForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Short name in links"), validators=[DataRequired(), Length(max=64), SLUG])
    timezone = SelectField(_l("Time zone"), validators=[DataRequired()])
    province = StringField(_l("Province"), validators=[Length(max=100)])
    city = StringField(_l("City or regency"), validators=[Length(max=100)])
    kecamatan = StringField(_l("Kecamatan"), validators=[Length(max=100)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    no_show_minutes = IntegerField(
        _l("Release a booking as no-show after (minutes)"),
        default=30,
        validators=[Optional(), _policy_range()],
    )
    cancel_cutoff_minutes = IntegerField(
        _l("Cancel at least this long before the start (minutes)"),
        default=60,
        validators=[Optional(), _policy_range()],
    )
    room_buffer_minutes = IntegerField(
        _l("Gap between room bookings (minutes)"),
        default=0,
        validators=[Optional(), _policy_range()],
    )
    room_release_minutes = IntegerField(
        _l("Release unused rooms after N minutes without presence (empty = off)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_POLICY_MINUTES)],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = zone_choices()


class HoursForm(RuangForm):
    """Seven rows: open or closed, opening and closing time (a close before the open runs on
    past midnight)."""

    def validate(self, extra_validators: object = None) -> bool:
        valid = super().validate(extra_validators)
        for weekday in range(7):
            if not self[f"open_{weekday}"].data:
                continue
            opens, closes = self[f"opens_{weekday}"], self[f"closes_{weekday}"]
            for time_field in (opens, closes):
                if time_field.data is None and not time_field.errors:
                    time_field.errors = [*time_field.errors, _l("Enter a time such as 08:00.")]
                    valid = False
            if opens.data is not None and opens.data == closes.data:
                closes.errors = [*closes.errors, _l("Closing must differ from opening.")]
                valid = False
        return valid

    def rows(self) -> list[tuple[str, object, object, object]]:
        return [
            (
                str(WEEKDAYS[d]),
                self[f"open_{d}"],
                self[f"opens_{d}"],
                self[f"closes_{d}"],
            )
            for d in range(7)
        ]


for _day in range(7):
    setattr(HoursForm, f"open_{_day}", BooleanField(_l("Open")))
    setattr(HoursForm, f"opens_{_day}", TimeField(_l("Opens"), validators=[Optional()]))
    setattr(HoursForm, f"closes_{_day}", TimeField(_l("Closes"), validators=[Optional()]))


class ClosureForm(RuangForm):
    on = DateField(_l("Date"), validators=[DataRequired(message=_l("Enter a date."))])
    name = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])


class ClosureImportForm(RuangForm):
    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(message=_l("Choose a CSV file.")),
            FileAllowed(["csv", "txt"], message=_l("Choose a .csv file.")),
        ],
    )


class FloorForm(RuangForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    level = IntegerField(
        _l("Level"), default=0, validators=[Optional(), NumberRange(min=-10, max=200)]
    )
    plan_width = IntegerField(
        _l("Plan width"), default=1000, validators=[DataRequired(), NumberRange(100, 10_000)]
    )
    plan_height = IntegerField(
        _l("Plan height"), default=600, validators=[DataRequired(), NumberRange(100, 10_000)]
    )


def _positive(label: str, default: int, top: int = 10_000) -> IntegerField:
    return IntegerField(
        label, default=default, validators=[DataRequired(), NumberRange(min=1, max=top)]
    )


def _coordinate(label: str) -> IntegerField:
    return IntegerField(
        label,
        default=0,
        validators=[
            Optional(),
            NumberRange(min=0, max=10_000),
        ],
    )


class ResourceForm(RuangForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice(ResourceKind.DESK.value, _l("Desk")),
            SelectChoice(ResourceKind.ROOM.value, _l("Meeting room")),
            SelectChoice(ResourceKind.SPACE.value, _l("Space (pool of seats)")),
        ],
    )
    booking_mode = SelectField(
        _l("Booked"),
        choices=[
            SelectChoice(BookingMode.WHOLE_DAY.value, _l("For the whole day")),
            SelectChoice(BookingMode.TIMED.value, _l("In time slots")),
        ],
    )
    capacity = _positive(_l("Seats"), 1, 1000)
    slot_minutes = _positive(_l("Slot (minutes)"), 30, 1440)
    min_minutes = _positive(_l("Shortest booking (minutes)"), 30, 1440)
    max_minutes = _positive(_l("Longest booking (minutes)"), 1440, 1440)
    zone_name = StringField(_l("Zone"), validators=[Length(max=100)])
    x = _coordinate(_l("x"))
    y = _coordinate(_l("y"))
    width = _positive(_l("Width"), 40)
    height = _positive(_l("Height"), 30)
    amenities = StringField(_l("Amenities"), validators=[Length(max=500)])
    active = BooleanField(_l("Bookable (active)"), default=True)


class PlaceForm(RuangForm):
    """Where a resource sits on the plan; the drag editor fills these in."""

    resource_id = SelectField(_l("Resource"), coerce=int)
    x = IntegerField(_l("x"), validators=[InputRequired(_l("Enter a number.")), NumberRange(0)])
    y = IntegerField(_l("y"), validators=[InputRequired(_l("Enter a number.")), NumberRange(0)])


class PlanForm(RuangForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(r"^[a-z0-9_-]+$", message=_l("Use lowercase letters, digits, - and _.")),
        ],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    price_rupiah = IntegerField(
        _l("Price (rupiah)"), default=0, validators=[Optional(), NumberRange(0, MAX_PRICE_RUPIAH)]
    )
    billing_interval = SelectField(
        _l("Billed"),
        choices=[
            SelectChoice(BillingInterval.MONTH.value, _l("Monthly")),
            SelectChoice(BillingInterval.DAY.value, _l("Per day")),
            SelectChoice(BillingInterval.NONE.value, _l("Not billed")),
        ],
    )
    all_hubs = RadioField(
        _l("Valid at"),
        choices=[
            SelectChoice("all", _l("Every hub")),
            SelectChoice("chosen", _l("Only the hubs chosen below")),
        ],
        default="all",
    )
    hub_ids = SelectMultipleField(
        _l("Hubs"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    desk_days_per_month = IntegerField(
        _l("Desk days per month"), validators=[Optional(), NumberRange(0, 31)]
    )
    room_hours_per_month = IntegerField(
        _l("Room hours per month"), validators=[Optional(), NumberRange(0, 744)]
    )
    advance_days = IntegerField(
        _l("Book up to this many days ahead"),
        default=14,
        validators=[InputRequired(_l("Enter a number.")), NumberRange(0, 366)],
    )
    guests_per_month = IntegerField(
        _l("Guests per month"), default=0, validators=[Optional(), NumberRange(0, 1000)]
    )
    subsidised = BooleanField(_l("Subsidised (applications need approval)"))


class MemberSearchForm(RuangForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Search name, email, phone or business"), validators=[Optional()])
    hub = SelectField(_l("Hub"), validators=[Optional()])


class DecisionForm(RuangForm):
    reason = TextAreaField(_l("Reason (required to reject)"), validators=[Length(max=500)])
    decision = StringField(validators=[DataRequired()])


class GrantForm(RuangForm):
    email = EmailField(_l("Email of the account"), validators=[DataRequired(), Email()])
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(Role.FRONTDESK.value, _l("Front desk")),
            SelectChoice(Role.HUB_ADMIN.value, _l("Hub admin")),
            SelectChoice(Role.PROGRAMME_ADMIN.value, _l("Programme admin (every hub)")),
            SelectChoice(Role.MENTOR.value, _l("Mentor (office hours, every hub)")),
        ],
    )
    hub = SelectField(_l("Hub"), validators=[Optional()])


class AuditForm(RuangForm):
    class Meta:
        csrf = False

    action = StringField(
        _l("Action"),
        validators=[Optional(), Length(max=64)],
        render_kw={"list": "audit-actions", "autocomplete": "off"},
    )
    actor = StringField(_l("Actor email"), validators=[Optional(), Length(max=254)])
    hub = SelectField(_l("Hub"), validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To (inclusive)"), validators=[Optional()])


INPUT_REASONS = {
    "required": _l("This is required."),
    "slug": _l("Use lowercase letters, digits and hyphens."),
    "taken": _l("This is already in use."),
    "timezone": _l("Choose a time zone from the list."),
    "range": _l("This number is out of range."),
    "min_above_max": _l("The shortest booking must not be longer than the longest."),
    "too_small": _l("Make it at least 10 by 10."),
    "outside_plan": _l("This would put it outside the floor plan."),
    "resource_outside": _l("Some resources would fall outside a plan this small."),
    "closed": _l("The hub is already closed that day."),
    "no_hubs": _l("Choose at least one hub, or make the plan valid at every hub."),
    "not_pending": _l("This application has already been decided."),
    "no_account": _l("No account uses this email. Ask them to sign up first."),
    "already": _l("They already have this role."),
    "role": _l("Choose a staff role."),
    "not_open": _l("This request has already been handled."),
    "not_failed": _l("This message is no longer failed."),
    "refusal_reason": _l("Give the member a reason for the refusal."),
}


def explain(error: DomainError) -> str:
    """A translated message for an admin service's error."""
    reason = error.details.get("reason")
    if isinstance(reason, str) and reason in INPUT_REASONS:
        return str(INPUT_REASONS[reason])
    return describe(error)


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Put the error next to the field it is about, else at the top of the form."""
    field = form._fields.get(str(error.details.get("field", "")))
    (field.errors if field is not None else form.form_errors).append(explain(error))
