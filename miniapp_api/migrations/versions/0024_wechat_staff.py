"""a member of staff's WeChat user, for their alerts

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 22:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('wechat_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_wechat_accounts_staff_user_id'), ['staff_user_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_wechat_accounts_staff_user_id_staff_users'), 'staff_users', ['staff_user_id'], ['id'],
            ondelete='SET NULL',
        )


def downgrade() -> None:
    with op.batch_alter_table('wechat_accounts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_wechat_accounts_staff_user_id_staff_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_wechat_accounts_staff_user_id'))
        batch_op.drop_column('staff_user_id')
