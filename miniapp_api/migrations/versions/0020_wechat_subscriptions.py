"""what each WeChat user accepted for each subscribe-message template

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 21:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'wechat_subscriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('openid', sa.String(length=64), nullable=False),
        sa.Column('template_id', sa.String(length=64), nullable=False),
        sa.Column('long_term', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('credits', sa.Integer(), nullable=False),
        sa.Column('granted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('granted_by', sa.String(length=10), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('accepted', 'rejected', 'banned', 'off')", name=op.f('ck_wechat_subscriptions_status')),
        sa.CheckConstraint('credits >= 0', name=op.f('ck_wechat_subscriptions_credits')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_subscriptions')),
        sa.UniqueConstraint('openid', 'template_id', name=op.f('uq_wechat_subscriptions_openid_template_id')),
    )


def downgrade() -> None:
    op.drop_table('wechat_subscriptions')
