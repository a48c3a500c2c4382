"""Doors and zones a hub admin sets up: exit doors, the zone a door leads out of, retiring
doors and zones (their rows stay, so access events and occupancy history keep pointing at them).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('entrance', 'room')"
NEW_KINDS = "kind IN ('entrance', 'exit', 'room')"


def upgrade():
    with op.batch_alter_table("doors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("from_zone_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_doors_from_zone_id_zones"),
            "zones",
            ["from_zone_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.drop_constraint("door_kind", type_="check")
        batch_op.create_check_constraint("door_kind", NEW_KINDS)

    with op.batch_alter_table("zones", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            "zone_capacity_positive", "capacity IS NULL OR capacity >= 1"
        )


def downgrade():
    op.execute("UPDATE doors SET kind = 'entrance' WHERE kind = 'exit'")
    with op.batch_alter_table("zones", schema=None) as batch_op:
        batch_op.drop_constraint("zone_capacity_positive", type_="check")
        batch_op.drop_column("retired_at")

    with op.batch_alter_table("doors", schema=None) as batch_op:
        batch_op.drop_constraint("door_kind", type_="check")
        batch_op.create_check_constraint("door_kind", OLD_KINDS)
        batch_op.drop_constraint(batch_op.f("fk_doors_from_zone_id_zones"), type_="foreignkey")
        batch_op.drop_column("retired_at")
        batch_op.drop_column("from_zone_id")
