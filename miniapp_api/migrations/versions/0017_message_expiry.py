"""a message may expire (a login code): never sent late, marked expired

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 18:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = "'created', 'sending', 'sent', 'delivered', 'temporary_failure', 'permanent_failure', 'technical_failure'"


def upgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_messages_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_messages_status'), f"status IN ({_BEFORE}, 'expired')")


def downgrade() -> None:
    op.execute("UPDATE messages SET status = 'permanent_failure' WHERE status = 'expired'")
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_messages_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_messages_status'), f"status IN ({_BEFORE})")
        batch_op.drop_column('expires_at')
