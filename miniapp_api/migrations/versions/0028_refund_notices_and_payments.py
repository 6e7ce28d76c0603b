"""refund notices and payment batches

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 01:13:14.582882
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "refund_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("policy_year", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("enterprises", sa.Integer(), nullable=False),
        sa.Column("total_amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["published_by"], ["staff_users.id"], name=op.f("fk_refund_notices_published_by_staff_users")
        ),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name=op.f("fk_refund_notices_region_code_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund_notices")),
    )
    with op.batch_alter_table("refund_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refund_notices_region_code"), ["region_code"], unique=False)

    op.create_table(
        "refund_payment_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("policy_year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("instructions", sa.Integer(), nullable=False),
        sa.Column("total_amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("prepared_by", sa.Integer(), nullable=False),
        sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('prepared', 'exported', 'confirmed')", name=op.f("ck_refund_payment_batches_status")
        ),
        sa.ForeignKeyConstraint(
            ["prepared_by"], ["staff_users.id"], name=op.f("fk_refund_payment_batches_prepared_by_staff_users")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_refund_payment_batches_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund_payment_batches")),
    )
    with op.batch_alter_table("refund_payment_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refund_payment_batches_region_code"), ["region_code"], unique=False)

    with op.batch_alter_table("refund_assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("held_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("hold_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("payment_reference", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failure_reason", sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f("ix_refund_assessments_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_refund_assessments_notice_id"), ["notice_id"], unique=False)
        batch_op.create_unique_constraint(batch_op.f("uq_refund_assessments_payment_reference"), ["payment_reference"])
        batch_op.create_foreign_key(
            batch_op.f("fk_refund_assessments_batch_id_refund_payment_batches"),
            "refund_payment_batches",
            ["batch_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_refund_assessments_notice_id_refund_notices"), "refund_notices", ["notice_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("refund_assessments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_refund_assessments_notice_id_refund_notices"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_refund_assessments_batch_id_refund_payment_batches"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_refund_assessments_payment_reference"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_refund_assessments_notice_id"))
        batch_op.drop_index(batch_op.f("ix_refund_assessments_batch_id"))
        batch_op.drop_column("failure_reason")
        batch_op.drop_column("paid_at")
        batch_op.drop_column("payment_reference")
        batch_op.drop_column("batch_id")
        batch_op.drop_column("hold_reason")
        batch_op.drop_column("held_at")
        batch_op.drop_column("notice_id")

    with op.batch_alter_table("refund_payment_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refund_payment_batches_region_code"))

    op.drop_table("refund_payment_batches")
    with op.batch_alter_table("refund_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refund_notices_region_code"))

    op.drop_table("refund_notices")
