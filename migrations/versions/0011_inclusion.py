"""inclusion: per-event inclusion settings (age bands, suppression threshold, shared report) and
applications.accepted_at, so that an application withdrawn after its acceptance still counts as accepted

Revision ID: 0011_inclusion
Revises: 0010_form_nonces
Create Date: 2026-12-03 14:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_inclusion'
down_revision = '0010_form_nonces'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inclusion_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('age_bands', sa.JSON(), nullable=True),
    sa.Column('suppression_threshold', sa.Integer(), nullable=False),
    sa.Column('report_shared', sa.Boolean(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_inclusion_settings_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_inclusion_settings_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inclusion_settings')),
    sa.UniqueConstraint('event_id', name=op.f('uq_inclusion_settings_event_id'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accepted_at', sa.DateTime(), nullable=True))

    # Backfill: applications that hold (or held and gave back) a place were accepted when they were decided;
    # a withdrawn application was accepted before if it had been confirmed (the only trace an acceptance left).
    applications = sa.table('applications', sa.column('status', sa.String), sa.column('decided_at', sa.DateTime),
                            sa.column('confirmed_at', sa.DateTime), sa.column('updated_at', sa.DateTime),
                            sa.column('accepted_at', sa.DateTime))
    op.execute(applications.update()
               .where(applications.c.status.in_(['accepted', 'confirmed', 'declined', 'lapsed']))
               .values(accepted_at=sa.func.coalesce(applications.c.decided_at, applications.c.confirmed_at,
                                                    applications.c.updated_at)))
    op.execute(applications.update()
               .where(applications.c.status == 'withdrawn', applications.c.confirmed_at.is_not(None))
               .values(accepted_at=applications.c.confirmed_at))


def downgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_column('accepted_at')

    op.drop_table('inclusion_settings')
