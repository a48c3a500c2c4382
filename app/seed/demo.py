"""The demo data set: Jakarta Future City Hub, OK OCE centres, plans and people to log in as.

Idempotent: everything is looked up by its natural key (slug, code, email, name) and only what
is missing is created, so running it twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from importlib import resources
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import (
    BillingInterval,
    BookingMode,
    Floor,
    Hub,
    Membership,
    MembershipStatus,
    Plan,
    Resource,
    ResourceKind,
    Role,
    RoleGrant,
    User,
    Zone,
    utcnow,
)
from app.services.hubs.calendar import import_closures, set_opening_hours
from app.services.people.accounts import hash_password
from app.services.transactions import transaction

DEMO_PASSWORD = "ruang-demo-2026"  # noqa: S105  (printed for the demo on purpose)

WEEKDAYS_8_TO_20 = {d: (time(8), time(20)) for d in range(5)} | {5: (time(9), time(15))}
WEEKDAYS_8_TO_16 = {d: (time(8), time(16)) for d in range(5)}

HUBS: list[dict[str, Any]] = [
    dict(
        slug="jfc-hub",
        name="Jakarta Future City Hub",
        timezone="Asia/Jakarta",
        province="DKI Jakarta",
        city="Jakarta Pusat",
        kecamatan="Tanah Abang",
        address="JB Tower lt. 23, Jl. MH Thamrin, Jakarta Pusat",
        room_buffer_minutes=10,
    ),
    dict(
        slug="okoce-tebet",
        name="OK OCE Kecamatan Tebet",
        timezone="Asia/Jakarta",
        province="DKI Jakarta",
        city="Jakarta Selatan",
        kecamatan="Tebet",
        address="Kantor Kecamatan Tebet, Jakarta Selatan",
    ),
    dict(
        slug="okoce-cempaka-putih",
        name="OK OCE Kecamatan Cempaka Putih",
        timezone="Asia/Jakarta",
        province="DKI Jakarta",
        city="Jakarta Pusat",
        kecamatan="Cempaka Putih",
        address="Kantor Kecamatan Cempaka Putih, Jakarta Pusat",
    ),
    dict(
        slug="okoce-kebon-jeruk",
        name="OK OCE Kecamatan Kebon Jeruk",
        timezone="Asia/Jakarta",
        province="DKI Jakarta",
        city="Jakarta Barat",
        kecamatan="Kebon Jeruk",
        address="Kantor Kecamatan Kebon Jeruk, Jakarta Barat",
    ),
    dict(
        slug="okoce-makassar",
        name="OK OCE Makassar — Ujung Pandang",
        timezone="Asia/Makassar",
        province="Sulawesi Selatan",
        city="Makassar",
        kecamatan="Ujung Pandang",
        address="Jl. Jend. Ahmad Yani, Makassar",
    ),
]

PLANS: list[dict[str, Any]] = [
    dict(
        code="umkm-gratis",
        name="UMKM Gratis (bersubsidi)",
        price_minor=0,
        billing_interval=BillingInterval.MONTH,
        desk_days_per_month=12,
        room_hours_per_month=4,
        advance_days=7,
        guests_per_month=2,
        subsidised=True,
    ),
    dict(
        code="bulanan",
        name="Anggota Bulanan",
        price_minor=75_000_000,  # Rp 750.000
        billing_interval=BillingInterval.MONTH,
        desk_days_per_month=None,
        room_hours_per_month=20,
        advance_days=30,
        guests_per_month=5,
    ),
    dict(
        code="day-pass",
        name="Day Pass",
        price_minor=5_000_000,  # Rp 50.000
        billing_interval=BillingInterval.DAY,
        desk_days_per_month=None,
        room_hours_per_month=0,
        advance_days=14,
        guests_per_month=0,
    ),
]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    note: str


PEOPLE: list[dict[str, Any]] = [
    dict(
        email="siti@demo.ruang.id",
        name="Siti Rahayu",
        business_name="Batik Siti",
        sector="Fashion",
        kecamatan="Tebet",
        phone="+6281200000001",
        roles=[(Role.MEMBER, None)],
        plan="umkm-gratis",
        note="free subsidised UMKM plan",
    ),
    dict(
        email="budi@demo.ruang.id",
        name="Budi Santoso",
        business_name="Kopi Budi",
        sector="Kuliner",
        kecamatan="Tanah Abang",
        phone="+6281200000002",
        roles=[(Role.MEMBER, None)],
        plan="bulanan",
        note="monthly paid plan",
    ),
    dict(
        email="ayu@demo.ruang.id",
        name="Ayu Lestari",
        business_name="Ayu Craft",
        sector="Kriya",
        kecamatan="Ujung Pandang",
        phone="+6281200000003",
        roles=[(Role.MEMBER, None)],
        plan="umkm-gratis",
        plan_status=MembershipStatus.PENDING,
        note="applied for the subsidised plan (pending)",
    ),
    dict(
        email="frontdesk@demo.ruang.id",
        name="Dewi Front Desk",
        roles=[(Role.FRONTDESK, "jfc-hub")],
        note="front desk, Jakarta Future City Hub",
    ),
    dict(
        email="admin@demo.ruang.id",
        name="Rudi Hub Admin",
        roles=[(Role.HUB_ADMIN, "jfc-hub")],
        note="hub admin, Jakarta Future City Hub",
    ),
    dict(
        email="program@demo.ruang.id",
        name="Programme Admin DKI",
        roles=[(Role.PROGRAMME_ADMIN, None)],
        note="programme admin, every hub",
    ),
]

MEETING_ROOMS = [
    "Ruang Rapat Monas",
    "Ruang Rapat Ancol",
    "Ruang Rapat Kota Tua",
    "Ruang Rapat Setu Babakan",
]


def seed_demo(today: date) -> list[DemoLogin]:
    """Create whatever of the demo is missing; returns the logins to print."""
    with transaction():
        hubs = {spec["slug"]: _hub(spec) for spec in HUBS}
        _jfc_floor(hubs["jfc-hub"])
        for slug, hub in hubs.items():
            if slug != "jfc-hub":
                _centre_floor(hub)
        plans = {spec["code"]: _plan(spec) for spec in PLANS}
        logins = [_person(spec, hubs, plans, today) for spec in PEOPLE]
    holidays = resources.files("app.seed").joinpath("data/holidays-id.csv").read_text("utf-8")
    import_closures(holidays)
    return logins


def _hub(spec: dict[str, Any]) -> Hub:
    hub = db.session.scalar(select(Hub).where(Hub.slug == spec["slug"]))
    if hub is None:
        hub = Hub(**spec)
        db.session.add(hub)
        weekly = WEEKDAYS_8_TO_20 if spec["slug"] == "jfc-hub" else WEEKDAYS_8_TO_16
        set_opening_hours(hub, dict(weekly))
        db.session.flush()
    return hub


def _floor(hub: Hub, name: str, level: int, width: int, height: int) -> tuple[Floor, bool]:
    floor = next((f for f in hub.floors if f.name == name), None)
    if floor is not None:
        return floor, False
    floor = Floor(name=name, level=level, plan_width=width, plan_height=height)
    hub.floors.append(floor)
    return floor, True


def _jfc_floor(hub: Hub) -> None:
    floor, created = _floor(hub, "Lantai 23", 23, 1200, 720)
    if not created:
        return
    open_area = Zone(name="Area Kerja", capacity=80)
    rooms_zone = Zone(name="Ruang Rapat")
    floor.zones.extend([open_area, rooms_zone])
    for row, letter in enumerate("ABCDE"):
        for col in range(8):
            floor.resources.append(
                _desk(f"{letter}{col + 1:02d}", 40 + col * 70, 40 + row * 70, open_area)
            )
    floor.resources.append(
        Resource(
            name="Hot Desk",
            kind=ResourceKind.DESK,
            booking_mode=BookingMode.WHOLE_DAY,
            capacity=20,
            x=40,
            y=420,
            width=540,
            height=120,
            zone=open_area,
            amenities=["wifi", "power"],
        )
    )
    for index, name in enumerate(MEETING_ROOMS):
        floor.resources.append(
            Resource(
                name=name,
                kind=ResourceKind.ROOM,
                booking_mode=BookingMode.TIMED,
                capacity=1,
                slot_minutes=30,
                min_minutes=30,
                max_minutes=240,
                x=680 + (index % 2) * 250,
                y=40 + (index // 2) * 170,
                width=230,
                height=150,
                zone=rooms_zone,
                amenities=["tv", "whiteboard", "wifi"],
            )
        )
    floor.resources.append(
        Resource(
            name="Aula Acara",
            kind=ResourceKind.SPACE,
            booking_mode=BookingMode.TIMED,
            capacity=1,
            slot_minutes=60,
            min_minutes=60,
            max_minutes=720,
            x=680,
            y=400,
            width=480,
            height=280,
            amenities=["projector", "sound", "stage"],
        )
    )


def _centre_floor(hub: Hub) -> None:
    floor, created = _floor(hub, "Lantai 1", 1, 800, 500)
    if not created:
        return
    zone = Zone(name="Ruang Kerja", capacity=30)
    floor.zones.append(zone)
    for index in range(8):
        floor.resources.append(
            _desk(f"M{index + 1:02d}", 40 + (index % 4) * 90, 40 + (index // 4) * 90, zone)
        )
    floor.resources.append(
        Resource(
            name="Meja Bersama",
            kind=ResourceKind.DESK,
            booking_mode=BookingMode.WHOLE_DAY,
            capacity=12,
            x=40,
            y=260,
            width=380,
            height=120,
            zone=zone,
        )
    )
    floor.resources.append(
        Resource(
            name="Ruang Diskusi",
            kind=ResourceKind.ROOM,
            booking_mode=BookingMode.TIMED,
            capacity=1,
            slot_minutes=30,
            min_minutes=30,
            max_minutes=180,
            x=500,
            y=40,
            width=260,
            height=180,
        )
    )


def _desk(name: str, x: int, y: int, zone: Zone) -> Resource:
    return Resource(
        name=name,
        kind=ResourceKind.DESK,
        booking_mode=BookingMode.WHOLE_DAY,
        capacity=1,
        x=x,
        y=y,
        width=56,
        height=48,
        zone=zone,
        amenities=["wifi", "power"],
    )


def _plan(spec: dict[str, Any]) -> Plan:
    plan = db.session.scalar(select(Plan).where(Plan.code == spec["code"]))
    if plan is None:
        plan = Plan(**spec)
        db.session.add(plan)
    return plan


def _person(
    spec: dict[str, Any], hubs: dict[str, Hub], plans: dict[str, Plan], today: date
) -> DemoLogin:
    user = db.session.scalar(select(User).where(User.email == spec["email"]))
    if user is None:
        profile = {
            k: spec[k] for k in ("phone", "business_name", "sector", "kecamatan") if k in spec
        }
        user = User(
            email=spec["email"],
            name=spec["name"],
            password_hash=hash_password(DEMO_PASSWORD),
            **profile,
        )
        user.roles = [
            RoleGrant(role=role, hub=hubs[slug] if slug else None) for role, slug in spec["roles"]
        ]
        if "plan" in spec:
            user.memberships.append(
                Membership(
                    plan=plans[spec["plan"]],
                    starts_on=today.replace(day=1),
                    status=spec.get("plan_status", MembershipStatus.ACTIVE),
                )
            )
        db.session.add(user)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()  # demo logins work at once
    role = ", ".join(str(role) for role, _ in spec["roles"])
    return DemoLogin(spec["email"], role, spec["note"])
