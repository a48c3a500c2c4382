"""The seven OK OCE steps: staff and mentors record a step a member reached; the member sees
their journey."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Hub, ProgrammeStep, StepRecord, User
from app.services import audit
from app.services.booking.placement import get_or_404
from app.services.errors import Forbidden, InvalidInput, StepAlreadyRecorded
from app.services.transactions import savepoint, transaction

STEPS = tuple(ProgrammeStep)


@dataclass(frozen=True)
class JourneyStep:
    step: ProgrammeStep
    record: StepRecord | None

    @property
    def reached(self) -> bool:
        return self.record is not None


def may_record_steps(actor: User, hub_id: int | None) -> bool:
    """Staff of the hub, mentors and programme admins record steps."""
    if actor.is_mentor or actor.is_programme_admin:
        return True
    return hub_id is not None and actor.can_staff(hub_id)


def record_step(
    member_id: int,
    step: ProgrammeStep,
    reached_on: date,
    *,
    actor_id: int,
    hub_id: int | None = None,
    note: str = "",
) -> StepRecord:
    """Record that the member reached `step`; each step is reached once."""
    with transaction():
        record = record_step_locked(
            member_id, step, reached_on, actor_id=actor_id, hub_id=hub_id, note=note
        )
    return record


def record_step_locked(
    member_id: int,
    step: ProgrammeStep,
    reached_on: date,
    *,
    actor_id: int,
    hub_id: int | None,
    note: str,
) -> StepRecord:
    """`record_step` inside the caller's transaction (mentoring notes record follow-ups)."""
    actor = get_or_404(User, actor_id)
    if not may_record_steps(actor, hub_id):
        raise Forbidden("only staff, mentors and programme admins record programme steps")
    member = get_or_404(User, member_id)
    if hub_id is not None:
        get_or_404(Hub, hub_id)
    if reached_on.year < 2000:
        raise InvalidInput("that date is too long ago", field="reached_on")
    record = StepRecord(
        member_id=member.id,
        step=step,
        reached_on=reached_on,
        hub_id=hub_id,
        recorded_by_id=actor.id,
        note=note.strip()[:500],
    )
    try:
        with savepoint():
            db.session.add(record)
            db.session.flush()
    except IntegrityError as exc:
        raise StepAlreadyRecorded("this step is already recorded", step=step.value) from exc
    audit.record(
        "programme_step.recorded",
        record,
        actor_id=actor.id,
        hub_id=hub_id,
        after=audit.snapshot(record, ("member_id", "step", "reached_on", "note")),
    )
    return record


def journey(member_id: int) -> list[JourneyStep]:
    """Every step in programme order, with its record where the member reached it."""
    records = {
        record.step: record
        for record in db.session.scalars(
            select(StepRecord).where(StepRecord.member_id == member_id)
        )
    }
    return [JourneyStep(step, records.get(step)) for step in STEPS]


def has_reached(member_id: int, step: ProgrammeStep) -> bool:
    return (
        db.session.scalar(
            select(StepRecord.id).where(StepRecord.member_id == member_id, StepRecord.step == step)
        )
        is not None
    )
