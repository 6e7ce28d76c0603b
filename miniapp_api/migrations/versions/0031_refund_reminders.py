"""refunds waiting for the enterprise: told, confirm-by date, reminders, the sweep's next look,
the waiver

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 04:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNCONFIRMED = sa.text("status = 'eligible'")


def upgrade() -> None:
    with op.batch_alter_table("refund_assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("told_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("confirm_by", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("reminders_sent", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("next_step_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("waived_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_refund_assessments_unconfirmed",
            ["next_step_on"],
            unique=False,
            postgresql_where=_UNCONFIRMED,
            sqlite_where=_UNCONFIRMED,
        )


def downgrade() -> None:
    with op.batch_alter_table("refund_assessments", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_refund_assessments_unconfirmed", postgresql_where=_UNCONFIRMED, sqlite_where=_UNCONFIRMED
        )
        batch_op.drop_column("waived_at")
        batch_op.drop_column("next_step_on")
        batch_op.drop_column("reminders_sent")
        batch_op.drop_column("confirm_by")
        batch_op.drop_column("told_at")
