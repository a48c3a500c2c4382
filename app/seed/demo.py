"""The demo data set: Jakarta Future City Hub, OK OCE centres, plans and people to log in as.

Idempotent: everything is looked up by its natural key (slug, code, email, name) and only what
is missing is created, so running it twice changes nothing.

The demo's Jakarta Future City Hub is open around the clock, so `make run` shows doors opening
at any hour: its doors and zones let the simulator show every door check (a room door, the
main entrance's anti-passback, a small zone that fills up), and bookings for the hub's today
and the coming days (made relative to the hub's own today whenever the seed runs) give the
front desk, arrivals and occupancy something to show at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import (
    BillingInterval,
    Booking,
    BookingMode,
    BookingStatus,
    Door,
    DoorKind,
    Floor,
    Hub,
    HubBilling,
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
from app.seed.programmes import seed_programmes
from app.services.hubs.calendar import import_closures, set_opening_hours
from app.services.people.accounts import hash_password
from app.services.transactions import transaction

DEMO_PASSWORD = "ruang-demo-2026"  # noqa: S105  (printed for the demo on purpose)

#: The demo's JFC hub: every day from midnight to the last second (a closing time must differ).
AROUND_THE_CLOCK = {d: (time(0), time(23, 59, 59)) for d in range(7)}
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
        price_idr=0,
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
        price_idr=750_000,  # Rp 750.000
        billing_interval=BillingInterval.MONTH,
        desk_days_per_month=None,
        room_hours_per_month=20,
        advance_days=30,
        guests_per_month=5,
    ),
    dict(
        code="day-pass",
        name="Day Pass",
        price_idr=50_000,  # Rp 50.000
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
        email="mentor@demo.ruang.id",
        name="Pak Hendra (mentor)",
        roles=[(Role.MENTOR, None)],
        note="mentor: office hours, session notes",
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


#: More members with a plan, so the simulator has a crowd and the front desk has arrivals.
#: Same password; not printed with the logins above.
CROWD = [
    ("rina@demo.ruang.id", "Rina Wulandari", "Rina Event Organizer"),
    ("agus@demo.ruang.id", "Agus Pratama", "Agus Sablon"),
    ("dian@demo.ruang.id", "Dian Permata", "Dian Kue Basah"),
    ("eko@demo.ruang.id", "Eko Saputra", "Eko Servis HP"),
    ("fitri@demo.ruang.id", "Fitri Handayani", "Fitri Hijab"),
    ("joko@demo.ruang.id", "Joko Susilo", "Joko Digital"),
]
#: Rina runs an event in the Aula every day: the Aula's room door opens for her and refuses
#: everyone else. Two halves of a day, as the Aula takes at most 12 hours a booking.
EVENT_ORGANISER = "rina@demo.ruang.id"
EVENT_SPACE = "Aula Acara"
#: Desks the crowd books (the browser tests book others: B03, B04, D07, E07, E08).
CROWD_DESKS = ["C01", "C02", "C03", "C04", "C05"]
BOOKED_DAYS = 4  # today and the next three

AREA, MEETING_ZONE, FOCUS = "Area Kerja", "Ruang Rapat", "Ruang Fokus"
FOCUS_CAPACITY = 2  # small enough that the simulated crowd fills it: "zone full"
DOORS: list[dict[str, Any]] = [
    dict(
        name="Pintu Masuk Utama",
        kind=DoorKind.ENTRANCE,
        into=AREA,
        anti_passback=True,  # in twice without going out is refused
    ),
    dict(name="Pintu Keluar Utama", kind=DoorKind.EXIT, into=AREA),
    dict(name="Pintu Aula Acara", kind=DoorKind.ROOM, out_of=AREA, room=EVENT_SPACE),
    dict(name="Pintu Ruang Fokus", kind=DoorKind.ENTRANCE, out_of=AREA, into=FOCUS),
]


def seed_demo(today: date, now: datetime | None = None) -> list[DemoLogin]:
    """Create whatever of the demo is missing; returns the logins to print."""
    now = now or utcnow()
    with transaction():
        hubs = {spec["slug"]: _hub(spec) for spec in HUBS}
        _jfc_floor(hubs["jfc-hub"])
        _jfc_doors(hubs["jfc-hub"])
        for slug, hub in hubs.items():
            if slug != "jfc-hub":
                _centre_floor(hub)
        plans = {spec["code"]: _plan(spec) for spec in PLANS}
        logins = [_person(spec, hubs, plans, today) for spec in PEOPLE]
        crowd = [_person(_crowd_spec(*member), hubs, plans, today).email for member in CROWD]
    holidays = resources.files("app.seed").joinpath("data/holidays-id.csv").read_text("utf-8")
    import_closures(holidays)
    with transaction():  # after the holidays: no bookings on a day the hub is closed
        _bookings(hubs["jfc-hub"], crowd, now)
    seed_programmes(now)  # through the programme services, each in its own transaction
    return logins


def _hub(spec: dict[str, Any]) -> Hub:
    hub = db.session.scalar(select(Hub).where(Hub.slug == spec["slug"]))
    if hub is None:
        hub = Hub(**spec)
        db.session.add(hub)
        weekly = AROUND_THE_CLOCK if spec["slug"] == "jfc-hub" else WEEKDAYS_8_TO_16
        set_opening_hours(hub, dict(weekly))
        db.session.flush()
        # Room hours beyond a plan's quota are sold at the demo hubs (Rp 50.000 an hour).
        db.session.add(HubBilling(hub_id=hub.id, room_hour_price_idr=50_000))
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


def _jfc_doors(hub: Hub) -> None:
    """The main entrance and exit, the Aula's room door and the door into a small zone."""
    floor = next(f for f in hub.floors if f.name == "Lantai 23")
    if not any(z.name == FOCUS for z in floor.zones):
        floor.zones.append(Zone(name=FOCUS, capacity=FOCUS_CAPACITY))
    db.session.flush()
    zones = {z.name: z for z in floor.zones}
    rooms = {r.name: r for r in floor.resources}
    existing = set(db.session.scalars(select(Door.name).where(Door.hub_id == hub.id)))
    for spec in DOORS:
        if spec["name"] in existing:
            continue
        db.session.add(
            Door(
                hub_id=hub.id,
                name=spec["name"],
                kind=spec["kind"],
                zone=zones.get(spec.get("into", "")),
                from_zone=zones.get(spec.get("out_of", "")),
                resource=rooms.get(spec.get("room", "")),
                anti_passback=spec.get("anti_passback", False),
            )
        )


def _crowd_spec(email: str, name: str, business: str) -> dict[str, Any]:
    return dict(
        email=email,
        name=name,
        business_name=business,
        kecamatan="Tanah Abang",
        roles=[(Role.MEMBER, None)],
        plan="umkm-gratis",
        note="member",
    )


def _bookings(hub: Hub, emails: list[str], now: datetime) -> None:
    """Desks for the crowd and Rina's Aula, from the hub's today on. What covers now is
    checked in (they are in the building), so the no-show job leaves it alone; later ones are
    confirmed. Looked up by member, resource and start: never made twice."""
    members = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    resources = {r.name: r for f in hub.floors for r in f.resources}
    desk_holders = [e for e in emails if e != EVENT_ORGANISER]
    today = hub.today(now)
    for offset in range(BOOKED_DAYS):
        opening = hub.opening_interval(today + timedelta(days=offset))
        if opening is None:
            continue  # a holiday
        opens, closes = opening
        half = opens + (closes - opens) / 2
        event = members[EVENT_ORGANISER]
        for start, end in ((opens, half), (half, closes)):
            _booking(event, resources[EVENT_SPACE], start, end, now)
        for email, desk in zip(desk_holders, CROWD_DESKS, strict=False):
            _booking(members[email], resources[desk], opens, closes, now)


def _booking(
    member: User, resource: Resource, start: datetime, end: datetime, now: datetime
) -> None:
    found = db.session.scalar(
        select(Booking.id).where(
            Booking.member_id == member.id,
            Booking.resource_id == resource.id,
            Booking.start_at == start,
        )
    )
    if found is not None or end <= now:
        return
    checked_in = start <= now
    db.session.add(
        Booking(
            resource_id=resource.id,
            member_id=member.id,
            start_at=start,
            end_at=end,
            status=BookingStatus.CHECKED_IN if checked_in else BookingStatus.CONFIRMED,
            checked_in_at=now if checked_in else None,
            exclusive=resource.capacity == 1,
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
