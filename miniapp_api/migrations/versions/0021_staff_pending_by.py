"""staff accounts waiting for a second admin to turn them on

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 21:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_staff_users_pending_by_staff_users'), 'staff_users', ['pending_by'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_staff_users_pending_by_staff_users'), type_='foreignkey')
        batch_op.drop_column('pending_by')
