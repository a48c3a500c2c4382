"""Programme demo data, made through the programme services (so it obeys their rules): business
profiles and programme steps for the demo members, a training this week at OK OCE Tebet with
Siti registered, and Pak Hendra's office hours at the JFC hub (one booked by Budi) and online.
Each piece is looked up first: running the seed again adds nothing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import (
    BusinessStage,
    Event,
    EventKind,
    Hub,
    MentorSlot,
    ProgrammeStep,
    Resource,
    User,
)
from app.services.programmes import business, events, mentoring, registrations, steps
from app.services.programmes.business import BusinessInput
from app.services.programmes.events import EventInput

MENTOR = "mentor@demo.ruang.id"
PROGRAMME_ADMIN = "program@demo.ruang.id"
TRAINING_TITLE = "Pelatihan Pembukuan Sederhana untuk UMKM"

BUSINESSES = {
    "siti@demo.ruang.id": (
        BusinessInput("Batik Siti", "C", BusinessStage.RUNNING, 3, kecamatan="Tebet",
                      kelurahan="Tebet Barat"),
        [ProgrammeStep.REGISTRATION, ProgrammeStep.TRAINING],
        "okoce-tebet",
    ),
    "budi@demo.ruang.id": (
        BusinessInput("Kopi Budi", "I", BusinessStage.GROWING, 6, nib="9120001234567",
                      kecamatan="Tanah Abang", kelurahan="Kebon Melati"),
        [ProgrammeStep.REGISTRATION, ProgrammeStep.TRAINING, ProgrammeStep.MENTORING,
         ProgrammeStep.LICENSING],
        "jfc-hub",
    ),
    "ayu@demo.ruang.id": (
        BusinessInput("Ayu Craft", "C", BusinessStage.STARTING, 1, kecamatan="Ujung Pandang"),
        [ProgrammeStep.REGISTRATION],
        "okoce-makassar",
    ),
}  # fmt: skip


def seed_programmes(now: datetime) -> None:
    people = {u.email: u for u in db.session.scalars(select(User))}
    hubs = {h.slug: h for h in db.session.scalars(select(Hub))}
    admin = people[PROGRAMME_ADMIN]
    for email, (profile, reached, slug) in BUSINESSES.items():
        member = people[email]
        hub = hubs[slug]
        if business.business_of(member.id) is None:
            business.save_business(member.id, profile, actor_id=member.id, today=hub.today(now))
        done = {j.step for j in steps.journey(member.id) if j.reached}
        for offset, step in enumerate(reached):
            if step not in done:
                day = hub.today(now) - timedelta(days=30 * (len(reached) - offset))
                steps.record_step(member.id, step, day, actor_id=admin.id, hub_id=hub.id)
    _training(hubs["okoce-tebet"], admin, people["siti@demo.ruang.id"], now)
    _office_hours(hubs["jfc-hub"], people[MENTOR], people["budi@demo.ruang.id"], now)


def _training(hub: Hub, admin: User, siti: User, now: datetime) -> None:
    """This week's training in the centre's discussion room, 13:00-15:00, on the next open day."""
    event = db.session.scalar(
        select(Event).where(Event.hub_id == hub.id, Event.title == TRAINING_TITLE)
    )
    if event is None:
        room = db.session.scalar(
            select(Resource)
            .join(Resource.floor)
            .filter_by(hub_id=hub.id)
            .where(Resource.name == "Ruang Diskusi")
        )
        day = _next_open_day(hub, hub.today(now))
        (event,) = events.create_events(
            EventInput(
                hub_id=hub.id,
                title=TRAINING_TITLE,
                kind=EventKind.TRAINING,
                starts_at=hub.local_datetime(day, time(13)),
                ends_at=hub.local_datetime(day, time(15)),
                capacity=20,
                resource_id=room.id if room is not None else None,
                description="Mencatat kas masuk dan keluar, menghitung laba, siap ajukan KUR.",
            ),
            actor_id=admin.id,
            now=now,
        )
    if registrations.registration_of(siti.id, event.id) is None:
        registrations.register(siti.id, event.id, now=now)


def _office_hours(hub: Hub, mentor: User, budi: User, now: datetime) -> None:
    """Two hours at the hub on its next open day (the first booked by Budi) and one online."""
    day = _next_open_day(hub, hub.today(now))
    start = hub.local_datetime(day, time(10))
    if db.session.scalar(select(MentorSlot.id).where(MentorSlot.mentor_id == mentor.id)) is None:
        first, _ = mentoring.publish_slots(mentor.id, start, 60, 2, hub_id=hub.id, now=now)
        mentoring.publish_slots(
            mentor.id,
            hub.local_datetime(day, time(19)),
            60,
            online_url="https://meet.jit.si/ruang-okoce-pendampingan",
            now=now,
        )
        mentoring.book_slot(budi.id, first.id, "Strategi pemasaran online", now=now)


def _next_open_day(hub: Hub, today: date) -> date:
    day = today + timedelta(days=1)
    while hub.opening_interval(day) is None or hub.closure_on(day) is not None:
        day += timedelta(days=1)
    return day
