"""refund applications and reviews

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 01:03:10.819794
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("refund_assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("applied_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("applied_for_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("decided_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("rejection_code", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("decision_note", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_refund_assessments_applied_by_employer_contacts"),
            "employer_contacts",
            ["applied_by"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_refund_assessments_decided_by_staff_users"), "staff_users", ["decided_by"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_refund_assessments_applied_for_by_employers"), "employers", ["applied_for_by"], ["id"]
        )
        batch_op.drop_column("note")


def downgrade() -> None:
    with op.batch_alter_table("refund_assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.TEXT(), nullable=True))
        batch_op.drop_constraint(batch_op.f("fk_refund_assessments_applied_for_by_employers"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_refund_assessments_decided_by_staff_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_refund_assessments_applied_by_employer_contacts"), type_="foreignkey")
        batch_op.drop_column("decision_note")
        batch_op.drop_column("rejection_code")
        batch_op.drop_column("decided_by")
        batch_op.drop_column("decided_at")
        batch_op.drop_column("applied_for_by")
        batch_op.drop_column("applied_by")
        batch_op.drop_column("applied_at")
