"""the medical premium the fund pays: its amount per month and per run

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 17:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('benefit_payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('medical_premium', sa.Numeric(precision=12, scale=2), nullable=True))
    with op.batch_alter_table('payment_runs', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('medical_premium_total', sa.Numeric(precision=14, scale=2), nullable=False, server_default='0.00')
        )


def downgrade() -> None:
    with op.batch_alter_table('payment_runs', schema=None) as batch_op:
        batch_op.drop_column('medical_premium_total')
    with op.batch_alter_table('benefit_payments', schema=None) as batch_op:
        batch_op.drop_column('medical_premium')
