"""Passes and their signing keys, doors, access events; per-hub revocation version.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:35:48.783670

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pass_keys',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('public_key', sa.LargeBinary(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pass_keys'))
    )
    op.create_table('doors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hub_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('entrance', 'room', name='door_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=True),
    sa.Column('zone_id', sa.Integer(), nullable=True),
    sa.Column('anti_passback', sa.Boolean(), nullable=False),
    sa.Column('open_seconds', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hub_id'], ['hubs.id'], name=op.f('fk_doors_hub_id_hubs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_doors_resource_id_resources'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_doors_zone_id_zones'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_doors'))
    )
    with op.batch_alter_table('doors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_doors_hub_id'), ['hub_id'], unique=False)

    op.create_table('access_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('hub_id', sa.Integer(), nullable=False),
    sa.Column('door_id', sa.Integer(), nullable=True),
    sa.Column('pass_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('direction', sa.Enum('in', 'out', name='direction', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('latency_ms', sa.Double(), nullable=False),
    sa.Column('replay_key', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['door_id'], ['doors.id'], name=op.f('fk_access_events_door_id_doors'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hub_id'], ['hubs.id'], name=op.f('fk_access_events_hub_id_hubs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_access_events_member_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_events')),
    sa.UniqueConstraint('event_id', name=op.f('uq_access_events_event_id')),
    sa.UniqueConstraint('replay_key', name=op.f('uq_access_events_replay_key'))
    )
    with op.batch_alter_table('access_events', schema=None) as batch_op:
        batch_op.create_index('ix_access_events_hub_at', ['hub_id', 'decided_at'], unique=False)
        batch_op.create_index('ix_access_events_pass_at', ['pass_id', 'decided_at'], unique=False)

    op.create_table('passes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('member', 'day', 'guest', 'staff', name='pass_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('hub_id', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('guest_name', sa.String(length=200), nullable=False),
    sa.Column('guest_email', sa.String(length=254), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_passes_booking_id_bookings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hub_id'], ['hubs.id'], name=op.f('fk_passes_hub_id_hubs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_passes_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_passes_member_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_passes'))
    )
    with op.batch_alter_table('passes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_passes_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index('ix_passes_member_kind', ['member_id', 'kind'], unique=False)

    with op.batch_alter_table('hubs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revocation_version', sa.Integer(), nullable=False, server_default='0'))



def downgrade():
    with op.batch_alter_table('hubs', schema=None) as batch_op:
        batch_op.drop_column('revocation_version')

    with op.batch_alter_table('passes', schema=None) as batch_op:
        batch_op.drop_index('ix_passes_member_kind')
        batch_op.drop_index(batch_op.f('ix_passes_booking_id'))

    op.drop_table('passes')
    with op.batch_alter_table('access_events', schema=None) as batch_op:
        batch_op.drop_index('ix_access_events_pass_at')
        batch_op.drop_index('ix_access_events_hub_at')

    op.drop_table('access_events')
    with op.batch_alter_table('doors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_doors_hub_id'))

    op.drop_table('doors')
    op.drop_table('pass_keys')
