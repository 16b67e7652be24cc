"""form nonces: one-time create-form values claimed in the database, so simultaneous sends make one object

Revision ID: 0010_form_nonces
Revises: 0009_user_sessions
Create Date: 2026-12-03 13:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_form_nonces'
down_revision = '0009_user_sessions'
branch_labels = None
depends_on = None


def upgrade():
    # Values remembered in the session cookie before this release are forgotten: a form sent again from a
    # page rendered before the upgrade is handled as a first send.
    op.create_table('form_nonces',
    sa.Column('nonce', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=False),
    sa.Column('location', sa.String(length=2000), nullable=True),
    sa.PrimaryKeyConstraint('nonce', name=op.f('pk_form_nonces'))
    )
    with op.batch_alter_table('form_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_nonces_claimed_at'), ['claimed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('form_nonces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_nonces_claimed_at'))

    op.drop_table('form_nonces')
