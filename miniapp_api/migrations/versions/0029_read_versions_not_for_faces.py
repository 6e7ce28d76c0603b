"""no read-version triggers on the tables no cached answer reads (face checks, challenges, photos,
WeChat accounts, identity bindings): they held a person's version row through long transactions

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 01:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from miniapp_api.reads import triggers

revision: str = '0029'
down_revision: str | None = '0028'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('person_photos', 'wechat_accounts', 'identity_bindings', 'face_checks', 'liveness_challenges')


def upgrade() -> None:
    triggers.uninstall(op.get_bind(), TABLES)


def downgrade() -> None:
    triggers.install(op.get_bind(), TABLES, dict.fromkeys(TABLES, (triggers.PERSON,)))
