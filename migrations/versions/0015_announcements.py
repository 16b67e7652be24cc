"""announcements: announcements per event (texts per language, audience, schedule), their deliveries (one per
recipient, unique per announcement and person) and the per-event opt-out of non-essential announcements

Revision ID: 0015_announcements
Revises: 0014_privacy
Create Date: 2026-12-04 19:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_announcements'
down_revision = '0014_privacy'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('essential', sa.Boolean(), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'scheduled', 'sent', name='announcementstatus', native_enum=False,
                                length=16), nullable=False),
    sa.Column('send_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('corrected_at', sa.DateTime(), nullable=True),
    sa.Column('recipient_count', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_announcements_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_announcements_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_announcements_sent_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements'))
    )
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcements_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcements_send_at'), ['send_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcements_status'), ['status'], unique=False)

    op.create_table('announcement_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('mailed', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcements.id'], name=op.f('fk_announcement_deliveries_announcement_id_announcements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_announcement_deliveries_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement_deliveries')),
    sa.UniqueConstraint('announcement_id', 'user_id', name=op.f('uq_announcement_deliveries_announcement_id_user_id'))
    )
    with op.batch_alter_table('announcement_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_deliveries_announcement_id'), ['announcement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcement_deliveries_user_id'), ['user_id'], unique=False)

    op.create_table('announcement_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('opted_out', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_announcement_preferences_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_announcement_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement_preferences')),
    sa.UniqueConstraint('event_id', 'user_id', name=op.f('uq_announcement_preferences_event_id_user_id'))
    )
    with op.batch_alter_table('announcement_preferences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_preferences_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcement_preferences_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('announcement_preferences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcement_preferences_user_id'))
        batch_op.drop_index(batch_op.f('ix_announcement_preferences_event_id'))
    op.drop_table('announcement_preferences')
    with op.batch_alter_table('announcement_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcement_deliveries_user_id'))
        batch_op.drop_index(batch_op.f('ix_announcement_deliveries_announcement_id'))
    op.drop_table('announcement_deliveries')
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcements_status'))
        batch_op.drop_index(batch_op.f('ix_announcements_send_at'))
        batch_op.drop_index(batch_op.f('ix_announcements_event_id'))
    op.drop_table('announcements')
