"""Indexes for the impact report at programme scale, each read alone (covering): a hub's
granted entries, its resources' bookings, and its steps reached, in a period.

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-02 00:58:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('access_events', schema=None) as batch_op:
        batch_op.create_index(
            'ix_access_events_hub_granted_at',
            ['hub_id', 'granted', 'decided_at', 'direction', 'member_id'],
            unique=False,
        )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index(
            'ix_bookings_resource_start_served',
            ['resource_id', 'start_at', 'status', 'member_id'],
            unique=False,
        )
    with op.batch_alter_table('step_records', schema=None) as batch_op:
        batch_op.create_index(
            'ix_step_records_hub_reached', ['hub_id', 'reached_on', 'step'], unique=False
        )


def downgrade():
    with op.batch_alter_table('step_records', schema=None) as batch_op:
        batch_op.drop_index('ix_step_records_hub_reached')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_resource_start_served')
    with op.batch_alter_table('access_events', schema=None) as batch_op:
        batch_op.drop_index('ix_access_events_hub_granted_at')
