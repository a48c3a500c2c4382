"""Business profiles (NIB, KBLI, consent, employment history), programme steps and the journey,
mentoring: office hours, booking, cancellation cut-off, notes only for those allowed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AgeBand,
    AuditEntry,
    BusinessStage,
    Gender,
    ProgrammeStep,
    Role,
    SessionStatus,
)
from app.services.errors import (
    CancellationTooLate,
    Forbidden,
    InvalidInput,
    NotFound,
    SlotTaken,
    StepAlreadyRecorded,
)
from app.services.programmes import business, mentoring, steps
from app.services.programmes.business import BusinessInput
from tests.conftest import MONDAY, TUESDAY, hub_time

NINE = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB


def warung(**fields) -> BusinessInput:
    return BusinessInput(
        name=fields.pop("name", "Warung Bu Siti"),
        kbli_section=fields.pop("kbli_section", "I"),
        stage=fields.pop("stage", BusinessStage.RUNNING),
        people_employed=fields.pop("people_employed", 3),
        **fields,
    )


def test_a_member_saves_their_business_and_employment_history(session, a_member) -> None:
    business.save_business(
        a_member.id, warung(nib="1234 5678 90123"), actor_id=a_member.id, today=MONDAY
    )
    later = MONDAY + timedelta(days=120)
    profile = business.save_business(
        a_member.id, warung(people_employed=5), actor_id=a_member.id, today=later
    )

    assert profile.nib is None  # not given the second time: cleared
    assert [(r.recorded_on, r.people) for r in profile.employment] == [(MONDAY, 3), (later, 5)]
    assert a_member.business_name == "Warung Bu Siti"
    assert not business.employment_is_due(profile, later + timedelta(days=30))
    assert business.employment_is_due(profile, later + timedelta(days=90))


def test_the_same_day_answer_replaces_the_days_record(session, a_member) -> None:
    business.save_business(a_member.id, warung(), actor_id=a_member.id, today=MONDAY)
    profile = business.save_business(
        a_member.id, warung(people_employed=4), actor_id=a_member.id, today=MONDAY
    )
    assert [(r.recorded_on, r.people) for r in profile.employment] == [(MONDAY, 4)]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"nib": "12345"}, "nib"),
        ({"nib": "12345678901ab"}, "nib"),
        ({"kbli_section": "Z"}, "kbli_section"),
        ({"name": "  "}, "name"),
        ({"people_employed": -1}, "people_employed"),
    ],
)
def test_bad_business_input_changes_nothing(session, a_member, fields, field) -> None:
    with pytest.raises(InvalidInput) as refused:
        business.save_business(a_member.id, warung(**fields), actor_id=a_member.id)
    assert refused.value.details["field"] == field
    assert business.business_of(a_member.id) is None


def test_gender_and_age_band_are_kept_only_with_consent(session, a_member) -> None:
    without = business.save_business(
        a_member.id,
        warung(gender=Gender.FEMALE, age_band=AgeBand.FROM_35),
        actor_id=a_member.id,
    )
    assert (without.gender, without.age_band, without.demographics_consent_at) == (None,) * 3
    consented = business.save_business(
        a_member.id,
        warung(demographics_consent=True, gender=Gender.FEMALE, age_band=AgeBand.FROM_35),
        actor_id=a_member.id,
    )
    assert consented.gender is Gender.FEMALE
    assert consented.demographics_consent_at is not None


def test_staff_edits_are_audited(session, a_hub, a_member, make_member) -> None:
    business.save_business(a_member.id, warung(), actor_id=a_member.id)
    admin = make_member(roles=[(Role.PROGRAMME_ADMIN, None)])
    business.save_business(a_member.id, warung(stage=BusinessStage.GROWING), actor_id=admin.id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "business.updated"))
    assert entry.before["stage"] == "running"
    assert entry.after["stage"] == "growing"


# -- programme steps ------------------------------------------------------------------------------


def test_staff_record_steps_and_the_member_sees_the_journey(session, a_hub, a_member, make_member):
    staff = make_member(roles=[(Role.FRONTDESK, a_hub)])
    steps.record_step(
        a_member.id,
        ProgrammeStep.LICENSING,
        MONDAY,
        actor_id=staff.id,
        hub_id=a_hub.id,
        note="NIB 1234567890123 obtained",
    )
    journey = steps.journey(a_member.id)

    assert [j.step for j in journey] == list(ProgrammeStep)
    reached = [j for j in journey if j.reached]
    assert [(j.step, j.record.note, j.record.recorded_by_id) for j in reached] == [
        (ProgrammeStep.LICENSING, "NIB 1234567890123 obtained", staff.id)
    ]
    audited = db.session.scalar(
        select(func.count()).where(AuditEntry.action == "programme_step.recorded")
    )
    assert audited == 1
    with pytest.raises(StepAlreadyRecorded):
        steps.record_step(
            a_member.id, ProgrammeStep.LICENSING, MONDAY, actor_id=staff.id, hub_id=a_hub.id
        )


def test_members_and_staff_of_other_hubs_cannot_record_steps(
    session, make_hub, a_hub, a_member, make_member
) -> None:
    elsewhere = make_member(roles=[(Role.FRONTDESK, make_hub())])
    for actor in (a_member, elsewhere):
        with pytest.raises(Forbidden):
            steps.record_step(
                a_member.id, ProgrammeStep.TRAINING, MONDAY, actor_id=actor.id, hub_id=a_hub.id
            )
    assert not any(j.reached for j in steps.journey(a_member.id))


# -- mentoring ------------------------------------------------------------------------------------


@pytest.fixture
def mentor(make_member):
    return make_member(name="Pak Hendra", plan=None, roles=[(Role.MENTOR, None)])


def test_a_mentor_publishes_hours_and_a_member_books_one(
    clock, a_hub, mentor, a_member, make_member
) -> None:
    clock(NINE)
    slots = mentoring.publish_slots(mentor.id, hub_time(a_hub, TUESDAY, 10), 30, 3, hub_id=a_hub.id)
    assert [s.starts_at for s in slots] == [
        hub_time(a_hub, TUESDAY, 10),
        hub_time(a_hub, TUESDAY, 10, 30),
        hub_time(a_hub, TUESDAY, 11),
    ]
    booked = mentoring.book_slot(a_member.id, slots[0].id, "Izin PIRT")
    assert booked.status is SessionStatus.BOOKED
    with pytest.raises(SlotTaken):
        mentoring.book_slot(make_member().id, slots[0].id)
    assert [s.id for s in mentoring.open_slots()] == [slots[1].id, slots[2].id]
    with pytest.raises(SlotTaken):  # overlapping hours for the same mentor
        mentoring.publish_slots(mentor.id, hub_time(a_hub, TUESDAY, 10, 45), 60, hub_id=a_hub.id)


def test_only_mentors_publish_hours(clock, a_hub, a_member) -> None:
    clock(NINE)
    with pytest.raises(Forbidden):
        mentoring.publish_slots(a_member.id, hub_time(a_hub, TUESDAY, 10), 30, hub_id=a_hub.id)


def test_cancelling_follows_the_hubs_cut_off(clock, a_hub, mentor, a_member) -> None:
    clock(NINE)
    (slot,) = mentoring.publish_slots(mentor.id, hub_time(a_hub, TUESDAY, 10), 60, hub_id=a_hub.id)
    booked = mentoring.book_slot(a_member.id, slot.id)
    clock(hub_time(a_hub, TUESDAY, 9, 30))  # the hub's cut-off is an hour
    with pytest.raises(CancellationTooLate):
        mentoring.cancel_session(booked.id, user_id=a_member.id)
    clock(hub_time(a_hub, TUESDAY, 8, 30))
    mentoring.cancel_session(booked.id, user_id=a_member.id)
    assert booked.status is SessionStatus.CANCELLED
    assert mentoring.book_slot(a_member.id, slot.id).status is SessionStatus.BOOKED


def test_notes_are_for_the_mentor_the_member_and_programme_admins(
    clock, a_hub, mentor, a_member, make_member
) -> None:
    clock(NINE)
    (slot,) = mentoring.publish_slots(mentor.id, hub_time(a_hub, TUESDAY, 10), 60, hub_id=a_hub.id)
    booked = mentoring.book_slot(a_member.id, slot.id)
    staff = make_member(roles=[(Role.HUB_ADMIN, a_hub)])
    with pytest.raises(NotFound):
        mentoring.keep_notes(booked.id, user_id=a_member.id, notes="I think I did well")
    mentoring.keep_notes(
        booked.id,
        user_id=mentor.id,
        notes="Pembukuan sederhana",
        follow_up="Ajukan KUR",
        step_reached=ProgrammeStep.FINANCIAL_REPORTING,
    )

    admin = make_member(roles=[(Role.PROGRAMME_ADMIN, None)])
    for reader in (mentor, a_member, admin):
        assert mentoring.session_for_reader(booked.id, reader).notes == "Pembukuan sederhana"
    with pytest.raises(NotFound):
        mentoring.session_for_reader(booked.id, staff)
    reached = [j.step for j in steps.journey(a_member.id) if j.reached]
    assert reached == [ProgrammeStep.FINANCIAL_REPORTING]


def test_a_mentor_is_not_staff(session, mentor) -> None:
    assert not mentor.is_staff
    assert mentor.is_mentor


def test_programme_admins_give_the_mentor_role_hub_admins_cannot(
    session, a_hub, a_member, make_member
) -> None:
    from app.services.people import members

    hub_admin = make_member(roles=[(Role.HUB_ADMIN, a_hub)])
    with pytest.raises(Forbidden):
        members.grant_role(hub_admin, a_member.email, Role.MENTOR, a_hub.id)
    admin = make_member(roles=[(Role.PROGRAMME_ADMIN, None)])
    grant = members.grant_role(admin, a_member.email, Role.MENTOR, a_hub.id)
    assert grant.hub_id is None  # a mentor's role is not tied to a hub
    assert a_member.is_mentor
    assert not a_member.is_staff


def test_office_hours_at_a_hub_are_within_its_opening_hours(clock, a_hub, mentor) -> None:
    from app.services.errors import HubClosed

    clock(NINE)
    with pytest.raises(HubClosed):  # the hub closes at 17:00
        mentoring.publish_slots(mentor.id, hub_time(a_hub, TUESDAY, 16), 60, 2, hub_id=a_hub.id)
    assert mentoring.mentor_slots(mentor.id) == []
