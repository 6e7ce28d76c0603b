"""the employer contact's phone a WeChat user proved

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 21:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('wechat_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_phone_hash', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_wechat_accounts_contact_phone_hash'), ['contact_phone_hash'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('wechat_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wechat_accounts_contact_phone_hash'))
        batch_op.drop_column('contact_phone_hash')
