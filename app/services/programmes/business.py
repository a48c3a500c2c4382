"""A member's business profile. People employed is asked again every few months; each answer
is kept (EmploymentRecord), one per day, so reports can show the change over a period."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from app.extensions import db
from app.models import (
    AgeBand,
    BusinessProfile,
    BusinessStage,
    EmploymentRecord,
    Gender,
    User,
    utcnow,
)
from app.models.businesses import KBLI_CODES
from app.services import audit
from app.services.booking.placement import get_or_404
from app.services.errors import InvalidInput
from app.services.transactions import transaction

NIB_PATTERN = re.compile(r"\d{13}")
#: How long an answer to "how many people work in your business?" stays current.
EMPLOYMENT_ASKED_EVERY_DAYS = 90
#: The sign-up form's sectors (app.web.auth_forms.SECTORS) as KBLI 2020 sections; "lainnya"
#: (other) has none: that member picks a section on the business page.
SECTOR_KBLI = {
    "kuliner": "I",
    "fashion": "C",
    "kriya": "C",
    "digital": "J",
    "jasa": "S",
    "pertanian": "A",
    "sosial": "S",
}
AUDITED = ("name", "nib", "kbli_section", "stage", "people_employed", "kecamatan", "kelurahan")


@dataclass(frozen=True)
class BusinessInput:
    name: str
    kbli_section: str
    stage: BusinessStage
    people_employed: int
    nib: str = ""
    kecamatan: str = ""
    kelurahan: str = ""
    demographics_consent: bool = False
    gender: Gender | None = None
    age_band: AgeBand | None = None


def business_of(user_id: int) -> BusinessProfile | None:
    return db.session.scalar(select(BusinessProfile).where(BusinessProfile.user_id == user_id))


def save_business(
    user_id: int, form: BusinessInput, *, actor_id: int, today: date | None = None
) -> BusinessProfile:
    """Create or update the member's business. Staff editing someone else's is audited."""
    form = _checked(form)
    today = today or utcnow().date()
    with transaction():
        user = get_or_404(User, user_id, lock=True)
        profile = business_of(user.id)
        if profile is None:
            profile = create_business(user, form, today)
            if actor_id != user.id:
                audit.record(
                    "business.created",
                    profile,
                    actor_id=actor_id,
                    after=audit.snapshot(profile, AUDITED),
                )
        else:
            consent_at = profile.demographics_consent_at or utcnow()
            if actor_id != user.id:
                with audit.audited_change(
                    "business.updated", profile, AUDITED, actor_id=actor_id, hub_id=None
                ):
                    _apply(profile, _fields(form, consent_at))
            else:
                _apply(profile, _fields(form, consent_at))
        _record_employment(profile, form.people_employed, today)
        user.business_name = profile.name  # the member list and search already show it
    return profile


def create_business(user: User, form: BusinessInput, today: date) -> BusinessProfile:
    """A new member's business, in the caller's transaction (sign-up asks for it too)."""
    form = _checked(form)
    profile = BusinessProfile(user_id=user.id, **_fields(form, utcnow()))
    db.session.add(profile)
    db.session.flush()
    _record_employment(profile, form.people_employed, today)
    return profile


def employment_is_due(profile: BusinessProfile, today: date) -> bool:
    """True when the last answer about people employed is older than the asking interval."""
    if not profile.employment:
        return True
    return (today - profile.employment[-1].recorded_on).days >= EMPLOYMENT_ASKED_EVERY_DAYS


def _record_employment(profile: BusinessProfile, people: int, today: date) -> None:
    latest = profile.employment[-1] if profile.employment else None
    if latest is not None and latest.recorded_on == today:
        latest.people = people
    elif latest is None or latest.people != people or employment_is_due(profile, today):
        profile.employment.append(EmploymentRecord(people=people, recorded_on=today))


def _checked(form: BusinessInput) -> BusinessInput:
    name = form.name.strip()
    nib = re.sub(r"[\s.-]", "", form.nib or "")
    if not name:
        raise InvalidInput("give the business a name", field="name")
    if nib and not NIB_PATTERN.fullmatch(nib):
        raise InvalidInput("an NIB has 13 digits", field="nib")
    if form.kbli_section not in KBLI_CODES:
        raise InvalidInput("choose a KBLI section", field="kbli_section")
    if not 0 <= form.people_employed <= 1_000_000:
        raise InvalidInput("people employed must be a number from 0", field="people_employed")
    consent = form.demographics_consent
    return BusinessInput(
        name=name[:200],
        kbli_section=form.kbli_section,
        stage=form.stage,
        people_employed=form.people_employed,
        nib=nib,
        kecamatan=form.kecamatan.strip()[:100],
        kelurahan=form.kelurahan.strip()[:100],
        demographics_consent=consent,
        # Without consent nothing about the person is kept, whatever the form sent.
        gender=form.gender if consent else None,
        age_band=form.age_band if consent else None,
    )


def _fields(form: BusinessInput, consent_at: datetime) -> dict[str, object]:
    return {
        "name": form.name,
        "nib": form.nib or None,
        "kbli_section": form.kbli_section,
        "stage": form.stage,
        "people_employed": form.people_employed,
        "kecamatan": form.kecamatan,
        "kelurahan": form.kelurahan,
        "demographics_consent_at": consent_at if form.demographics_consent else None,
        "gender": form.gender,
        "age_band": form.age_band,
    }


def _apply(profile: BusinessProfile, fields: dict[str, object]) -> None:
    for name, value in fields.items():
        setattr(profile, name, value)
