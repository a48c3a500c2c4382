"""Devices with adapters and MQTT credentials, live and 5-minute occupancy, processed message ids;
per-hub room release after no presence.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:08:26.093821

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('processed_messages',
    sa.Column('key', sa.String(length=140), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_processed_messages'))
    )
    with op.batch_alter_table('processed_messages', schema=None) as batch_op:
        batch_op.create_index('ix_processed_messages_at', ['processed_at'], unique=False)

    op.create_table('occupancy_samples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('zone_id', sa.Integer(), nullable=False),
    sa.Column('bucket_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('max_people', sa.Integer(), nullable=True),
    sa.Column('any_presence', sa.Boolean(), nullable=False),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_occupancy_samples_zone_id_zones'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occupancy_samples')),
    sa.UniqueConstraint('zone_id', 'bucket_start', name=op.f('uq_occupancy_samples_zone_id'))
    )
    op.create_table('zone_occupancy',
    sa.Column('zone_id', sa.Integer(), nullable=False),
    sa.Column('people', sa.Integer(), nullable=True),
    sa.Column('present', sa.Boolean(), nullable=True),
    sa.Column('last_presence_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_zone_occupancy_zone_id_zones'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('zone_id', name=op.f('pk_zone_occupancy'))
    )
    op.create_table('devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('hub_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('reader', 'sensor', name='device_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('adapter', sa.Enum('native', 'tasmota_gm861', 'zigbee2mqtt', name='device_adapter', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('adapter_config', sa.JSON(), nullable=False),
    sa.Column('door_id', sa.Integer(), nullable=True),
    sa.Column('zone_id', sa.Integer(), nullable=True),
    sa.Column('mqtt_password_hash', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('firmware', sa.String(length=32), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['door_id'], ['doors.id'], name=op.f('fk_devices_door_id_doors'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hub_id'], ['hubs.id'], name=op.f('fk_devices_hub_id_hubs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_devices_zone_id_zones'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices')),
    sa.UniqueConstraint('device_id', name=op.f('uq_devices_device_id'))
    )
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_devices_hub_id'), ['hub_id'], unique=False)

    with op.batch_alter_table('hubs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('room_release_minutes', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('hubs', schema=None) as batch_op:
        batch_op.drop_column('room_release_minutes')

    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_devices_hub_id'))

    op.drop_table('devices')
    op.drop_table('zone_occupancy')
    op.drop_table('occupancy_samples')
    with op.batch_alter_table('processed_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_processed_messages_at')

    op.drop_table('processed_messages')
