"""`seed-bulk`'s programme data: valid as the services would have written it, sized as asked,
the same for a seed, and the impact report over it agrees with the rows."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import (
    AccessEvent,
    Direction,
    Event,
    EventRegistration,
    Hub,
    MentoringSession,
    MentorSlot,
    Pass,
    RegistrationStatus,
    Role,
    RoleGrant,
    StepRecord,
    User,
    utcnow,
)
from app.services.reports.impact import impact_report
from app.services.reports.scope import Level, Scope
from tests.conftest import make_test_app
from tests.databases import fresh_database
from tests.integration.test_seed import fresh_app, run  # noqa: F401  (fresh_app: a fixture)

ARGS = [
    "--hubs=10",
    "--resources=100",
    "--members=400",
    "--bookings=2000",
    "--access-events=3000",
    "--events=12",
    "--mentors=4",
    "--seed=5",
]


def count(model: type, *where: object) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_programme_data_is_sized_as_asked_and_valid(fresh_app: Flask) -> None:  # noqa: F811
    output = run(fresh_app, "seed-bulk", *ARGS)
    assert "3000 access events" in output
    with fresh_app.app_context():
        hubs = db.session.scalars(select(Hub).where(Hub.slug.like("bulk-%"))).all()
        assert {hub.timezone for hub in hubs} == {
            "Asia/Jakarta",
            "Asia/Makassar",
            "Asia/Jayapura",
        }
        assert all(hub.province and hub.city and hub.kecamatan for hub in hubs)
        assert count(AccessEvent) == 3000
        assert count(Event) == 12
        assert count(RoleGrant, RoleGrant.role == Role.MENTOR) == 4
        assert count(StepRecord) > 0
        assert count(MentoringSession) > 0

        # A mentor's slots never overlap; a slot holds at most one live session.
        assert not db.session.scalar(
            text(
                "SELECT count(*) FROM mentor_slots a JOIN mentor_slots b ON a.mentor_id ="
                " b.mentor_id AND a.id < b.id AND a.starts_at < b.ends_at"
                " AND b.starts_at < a.ends_at"
            )
        )
        assert count(MentorSlot) >= count(MentoringSession)
        # Registered places hold an event pass valid for the event; attendance is a granted
        # entry with that pass inside its validity, at the event's hub.
        places = db.session.execute(
            select(EventRegistration, Event, Pass)
            .join(Event, Event.id == EventRegistration.event_id)
            .join(Pass, Pass.id == EventRegistration.pass_id)
        ).all()
        assert places
        assert all(r.status is RegistrationStatus.REGISTERED for r, _, _ in places)
        entries = 0
        for registration, event, place in places:
            assert place.member_id == registration.member_id
            assert place.hub_id == event.hub_id
            assert place.valid_until == event.ends_at
            for scan in db.session.scalars(
                select(AccessEvent).where(AccessEvent.pass_id == place.id)
            ):
                entries += 1
                assert scan.granted
                assert scan.hub_id == event.hub_id
                assert place.valid_from is not None
                assert place.valid_from <= scan.decided_at <= event.ends_at
                assert scan.decided_at <= utcnow()
        assert entries > 0
        pairs = db.session.execute(
            select(EventRegistration.event_id, EventRegistration.member_id)
        ).all()
        assert len(pairs) == len(set(pairs))
        db.session.remove()


def test_the_impact_report_agrees_with_the_rows(fresh_app: Flask) -> None:  # noqa: F811
    run(fresh_app, "seed-demo")
    run(fresh_app, "seed-bulk", *ARGS)
    with fresh_app.app_context():
        admin = db.session.scalar(
            select(User).join(RoleGrant).where(RoleGrant.role == Role.PROGRAMME_ADMIN)
        )
        assert admin is not None
        today = utcnow().date()
        # Two years back, and all past data: every access event lies in the period.
        scope = Scope(Level.PROGRAMME, "", today - timedelta(days=700), today + timedelta(days=1))
        report = impact_report(scope, admin)
        granted_in = count(AccessEvent, AccessEvent.granted, AccessEvent.direction == Direction.IN)
        assert report.check_ins == granted_in
        assert report.members_served > 0
        assert sum(n for _, n in report.by_stage) <= report.members_served
        # (a served member without a membership, e.g. the demo's mentor, is on no plan)
        assert 0 < report.subsidised + report.paying + report.free <= report.members_served
        assert sum(figures.check_ins for figures in report.per_hub) == granted_in
        db.session.remove()


def test_programme_data_is_deterministic(clock, backend: str, tmp_path: Path) -> None:
    loaded = []
    for n in range(2):
        tmp = tmp_path / str(n)
        tmp.mkdir()
        with fresh_database(backend, tmp) as url:
            app = make_test_app(url, tmp)
            run(app, "seed-bulk", *ARGS, "--around=2026-11-23")
            with app.app_context():
                loaded.append(
                    db.session.execute(
                        select(
                            AccessEvent.hub_id,
                            AccessEvent.member_id,
                            AccessEvent.decided_at,
                            AccessEvent.reason,
                        ).order_by(AccessEvent.event_id)
                    ).all()
                    + db.session.execute(
                        select(
                            StepRecord.member_id, StepRecord.step, StepRecord.reached_on
                        ).order_by(StepRecord.member_id, StepRecord.reached_on)
                    ).all()
                )
                db.session.remove()
                db.engine.dispose()
    assert len(loaded[0]) > 3000
    assert loaded[0] == loaded[1]
