"""which provider checks a face: the local liveness check or WeChat's 人脸核身

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 21:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('liveness_challenges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider', sa.String(length=10), server_default='local', nullable=False))
        batch_op.add_column(sa.Column('verify_id', sa.String(length=256), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('liveness_challenges', schema=None) as batch_op:
        batch_op.drop_column('verify_id')
        batch_op.drop_column('provider')
