"""two-factor sign-in: a TOTP credential per person (secret, last used step, lock after wrong codes), their
single-use recovery codes (hashed), and events.require_two_factor for the organisers of an event

Revision ID: 0012_two_factor
Revises: 0011_inclusion
Create Date: 2026-12-04 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_two_factor'
down_revision = '0011_inclusion'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('two_factor_credentials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('last_used_step', sa.BigInteger(), nullable=True),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_two_factor_credentials_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_two_factor_credentials')),
    sa.UniqueConstraint('user_id', name=op.f('uq_two_factor_credentials_user_id'))
    )
    op.create_table('two_factor_recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_two_factor_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_two_factor_recovery_codes'))
    )
    with op.batch_alter_table('two_factor_recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_two_factor_recovery_codes_user_id'), ['user_id'], unique=False)

    # A plain ADD COLUMN, not batch mode: on SQLite batch mode copies the table and drops the old one, and with
    # foreign keys on, dropping events would delete every row that cascades from them.
    op.add_column('events', sa.Column('require_two_factor', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    op.drop_column('events', 'require_two_factor')  # SQLite 3.35+ drops a column in place (see upgrade)

    with op.batch_alter_table('two_factor_recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_two_factor_recovery_codes_user_id'))

    op.drop_table('two_factor_recovery_codes')
    op.drop_table('two_factor_credentials')
