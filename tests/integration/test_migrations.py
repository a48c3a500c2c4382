"""Migrations are the only and complete source of schema, on SQLite and on PostgreSQL.

Each test gets a fresh, empty database; `make_test_app` upgrades it from empty to head, and the
tests walk down to base and up again from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, insert, inspect, select, text
from sqlalchemy.engine import Connection

from app import MIGRATIONS_DIR
from app.extensions import db
from app.models import Floor, Hub, Membership, Plan, Role, RoleGrant, User, Zone
from tests.conftest import make_test_app
from tests.databases import BACKENDS, fresh_database

EXCLUSION_CONSTRAINT = "ex_bookings_no_overlap"
#: Tables the booking engine cannot work without (every model's table is checked as well).
CORE_TABLES = {
    "hubs",
    "opening_hours",
    "closures",
    "floors",
    "zones",
    "resources",
    "plans",
    "plan_hubs",
    "users",
    "role_grants",
    "memberships",
    "bookings",
    "waitlist_entries",
}


@pytest.fixture(params=BACKENDS)
def migrated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """An app whose brand-new database has just been upgraded from empty to head."""
    with fresh_database(str(request.param), tmp_path) as url:
        app = make_test_app(url, tmp_path)
        try:
            with app.app_context():
                yield app
        finally:
            with app.app_context():
                db.engine.dispose()


def revisions() -> list[str]:
    """Every revision id, oldest first (the history is linear)."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    assert len(script.get_heads()) == 1, "migrations must have exactly one head"
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def current_revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def table_names() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def exclusion_constraint(conn: Connection) -> str | None:
    """The definition of the no-overlap exclusion constraint on PostgreSQL, if it exists."""
    return conn.execute(
        text(
            "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE c.conname = :name AND c.contype = 'x' AND t.relname = 'bookings'"
        ),
        {"name": EXCLUSION_CONSTRAINT},
    ).scalar()


def assert_at_head() -> None:
    assert current_revision() == revisions()[-1]
    tables = table_names()
    assert set(db.metadata.tables) | CORE_TABLES | {"alembic_version"} == tables
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            definition = exclusion_constraint(conn)
            assert definition is not None, "the exclusion constraint is missing"
            assert definition.startswith("EXCLUDE USING gist")
            assert "tstzrange(start_at, end_at, '[)'::text) WITH &&" in definition
            assert "resource_id WITH =" in definition
            installed = conn.execute(
                text("SELECT 1 FROM pg_extension WHERE extname = 'btree_gist'")
            ).scalar()
            assert installed == 1


def assert_at_base() -> None:
    assert current_revision() is None
    assert table_names() == {"alembic_version"}
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            leftovers = conn.execute(
                text(
                    "SELECT c.relname FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm', 'S', 'p') "
                    "AND c.relname <> 'alembic_version' "
                    "UNION ALL "
                    "SELECT t.typname FROM pg_type t "
                    "JOIN pg_namespace n ON n.oid = t.typnamespace "
                    "WHERE n.nspname = 'public' AND t.typtype = 'e'"
                )
            ).all()
            assert leftovers == []


def test_upgrade_from_empty_downgrade_to_base_and_upgrade_again(migrated: Flask) -> None:
    assert_at_head()

    downgrade(revision="base")
    assert_at_base()

    upgrade()
    assert_at_head()


def test_every_revision_upgrades_and_downgrades_one_step_at_a_time(migrated: Flask) -> None:
    history = revisions()
    downgrade(revision="base")
    for revision in history:
        upgrade(revision=revision)
        assert current_revision() == revision
    for previous in [*reversed(history[:-1]), None]:
        downgrade(revision=previous or "base")
        assert current_revision() == previous
    assert_at_base()


def ignorable(difference: Any) -> bool:
    """The PostgreSQL-only exclusion constraint lives in the migration, not in the models."""
    if isinstance(difference, tuple) and difference[0] in ("add_constraint", "remove_constraint"):
        return getattr(difference[1], "name", None) == EXCLUSION_CONSTRAINT
    return False


def test_models_and_migrated_schema_agree(migrated: Flask) -> None:
    """Autogenerate finds nothing to do: the migrations build exactly what the models describe."""
    with db.engine.connect() as conn:
        # The options `flask db migrate` uses: types compared, server defaults not.
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = [d for d in compare_metadata(context, db.metadata) if not ignorable(d)]
    assert differences == []


@pytest.mark.parametrize(
    "migrated",
    [
        "sqlite",
        "postgresql",
    ],
    indirect=True,
)
def test_downgrade_keeps_rows_of_tables_it_does_not_change(migrated: Flask) -> None:
    """Walking back to the first revision and up again leaves members and their plans intact."""
    with db.engine.begin() as conn:
        plan_id = conn.execute(
            insert(Plan).values(code="umkm", name="UMKM").returning(Plan.id)
        ).scalar_one()
        user_id = conn.execute(
            insert(User).values(email="siti@example.test", name="Siti").returning(User.id)
        ).scalar_one()
        conn.execute(insert(RoleGrant).values(user_id=user_id, role=Role.MEMBER))
        conn.execute(
            insert(Membership).values(user_id=user_id, plan_id=plan_id, starts_on=date(2026, 1, 1))
        )

    downgrade(revision=revisions()[0])
    upgrade()

    with db.engine.connect() as conn:
        counts = {
            model.__tablename__: conn.execute(select(func.count()).select_from(model)).scalar()
            for model in (User, Plan, RoleGrant, Membership)
        }
    assert counts == {"users": 1, "plans": 1, "role_grants": 1, "memberships": 1}


def test_zigbee2mqtt_devices_per_friendly_name_become_one_installation_per_hub(
    migrated: Flask,
) -> None:
    """0007: each hub's old per-sensor Zigbee2MQTT devices merge into its oldest one, which
    keeps its login and maps every sensor to the zone it had; a second hub gets a base topic
    of its own. Downgrading gives each installation its first sensor's name back."""
    downgrade(revision="0006")
    devices = db.metadata.tables["devices"]
    with db.engine.begin() as conn:
        hub_ids, zone_ids = [], []
        for slug in ("jfc", "okoce-tebet"):
            hub_id = conn.execute(
                insert(Hub).values(slug=slug, name=slug, timezone="Asia/Jakarta").returning(Hub.id)
            ).scalar_one()
            floor_id = conn.execute(
                insert(Floor).values(hub_id=hub_id, name="1", level=1).returning(Floor.id)
            ).scalar_one()
            zone_ids.append(
                conn.execute(
                    insert(Zone).values(floor_id=floor_id, name="Lobby").returning(Zone.id)
                ).scalar_one()
            )
            hub_ids.append(hub_id)
        old = [(hub_ids[0], "lobby_pir", zone_ids[0]), (hub_ids[0], "counter", zone_ids[0])]
        old.append((hub_ids[1], "tebet_pir", zone_ids[1]))
        for n, (hub_id, name, zone_id) in enumerate(old):
            conn.execute(
                insert(devices).values(
                    device_id=f"z{n}", hub_id=hub_id, name=name, kind="sensor",
                    adapter="zigbee2mqtt", adapter_config={"name": name}, zone_id=zone_id,
                    active=True, online=False, created_at=datetime.now(UTC),
                )
            )  # fmt: skip
    upgrade()
    with db.engine.connect() as conn:
        rows = {
            row.device_id: row
            for row in conn.execute(select(devices).order_by(devices.c.device_id))
        }
    assert rows["z0"].active
    assert rows["z0"].adapter_config == {
        "base_topic": "zigbee2mqtt",
        "sensors": {"lobby_pir": {"zone": zone_ids[0]}, "counter": {"zone": zone_ids[0]}},
    }
    assert not rows["z1"].active  # merged into z0
    assert rows["z2"].adapter_config == {
        "base_topic": "zigbee2mqtt-okoce-tebet",
        "sensors": {"tebet_pir": {"zone": zone_ids[1]}},
    }
    downgrade(revision="0006")
    with db.engine.connect() as conn:
        configs = dict(conn.execute(select(devices.c.device_id, devices.c.adapter_config)).all())
    assert configs["z0"] == {"name": "lobby_pir"}
    assert configs["z2"] == {"name": "tebet_pir"}
    upgrade()
