"""job-retention refund records and screening

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 00:50:25.234099
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credit_listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("list_kind", sa.String(length=24), nullable=False),
        sa.Column("listed_on", sa.Date(), nullable=False),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "list_kind IN ('serious_dishonesty', 'abnormal_operations', 'deregistered', 'revoked')",
            name=op.f("ck_credit_listings_list_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_listings")),
        sa.UniqueConstraint(
            "credit_code", "list_kind", "listed_on", name=op.f("uq_credit_listings_credit_code_list_kind_listed_on")
        ),
    )
    with op.batch_alter_table("credit_listings", schema=None) as batch_op:
        batch_op.create_index("ix_credit_listings_credit_code", ["credit_code"], unique=False)

    op.create_table(
        "refund_screenings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("policy_year", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("enterprises", sa.Integer(), nullable=False),
        sa.Column("eligible", sa.Integer(), nullable=False),
        sa.Column("total_amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_by", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_refund_screenings_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund_screenings")),
    )
    with op.batch_alter_table("refund_screenings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refund_screenings_region_code"), ["region_code"], unique=False)

    op.create_table(
        "corporate_accounts",
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("bank_name", sa.String(length=50), nullable=False),
        sa.Column("account_name", sa.String(length=200), nullable=False),
        sa.Column("account_number", sa.LargeBinary(), nullable=False),
        sa.Column("account_hash", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name=op.f("fk_corporate_accounts_employer_id_employers")
        ),
        sa.PrimaryKeyConstraint("employer_id", name=op.f("pk_corporate_accounts")),
    )
    with op.batch_alter_table("corporate_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_corporate_accounts_account_hash"), ["account_hash"], unique=False)

    op.create_table(
        "dispatch_relations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("user_employer_id", sa.Integer(), nullable=False),
        sa.Column("from_month", sa.Date(), nullable=False),
        sa.Column("to_month", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["employers.id"], name=op.f("fk_dispatch_relations_agency_id_employers")
        ),
        sa.ForeignKeyConstraint(
            ["user_employer_id"], ["employers.id"], name=op.f("fk_dispatch_relations_user_employer_id_employers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_relations")),
        sa.UniqueConstraint(
            "agency_id",
            "user_employer_id",
            "from_month",
            name=op.f("uq_dispatch_relations_agency_id_user_employer_id_from_month"),
        ),
    )
    with op.batch_alter_table("dispatch_relations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispatch_relations_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatch_relations_user_employer_id"), ["user_employer_id"], unique=False)

    op.create_table(
        "employer_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("amount_due", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("amount_paid", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("arrears", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("insured_headcount", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "amount_due >= 0 AND amount_paid >= 0 AND arrears >= 0", name=op.f("ck_employer_ledger_amounts")
        ),
        sa.CheckConstraint("insured_headcount >= 0", name=op.f("ck_employer_ledger_headcount")),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name=op.f("fk_employer_ledger_employer_id_employers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employer_ledger")),
        sa.UniqueConstraint("employer_id", "month", name=op.f("uq_employer_ledger_employer_id_month")),
    )
    op.create_table(
        "employer_profiles",
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("size_class", sa.String(length=12), nullable=True),
        sa.Column("size_source", sa.String(length=100), nullable=True),
        sa.Column("public_body", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size_class IN ('large', 'small_micro')", name=op.f("ck_employer_profiles_size_class")),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name=op.f("fk_employer_profiles_employer_id_employers")
        ),
        sa.PrimaryKeyConstraint("employer_id", name=op.f("pk_employer_profiles")),
    )
    op.create_table(
        "refund_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("policy_year", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("refusals", sa.String(length=200), nullable=False),
        sa.Column("blockers", sa.String(length=100), nullable=False),
        sa.Column("size_class", sa.String(length=12), nullable=True),
        sa.Column("months_paid_in_full", sa.Integer(), nullable=False),
        sa.Column("arrears_months", sa.Integer(), nullable=False),
        sa.Column("arrears_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("paid_last_year", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("average_headcount", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("layoffs", sa.Integer(), nullable=False),
        sa.Column("layoff_rate", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("layoff_rate_limit", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("credit_listings", sa.String(length=100), nullable=False),
        sa.Column("share_percent", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("screened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name=op.f("fk_refund_assessments_employer_id_employers")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_refund_assessments_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["screening_id"],
            ["refund_screenings.id"],
            name=op.f("fk_refund_assessments_screening_id_refund_screenings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund_assessments")),
        sa.UniqueConstraint("employer_id", "policy_year", name=op.f("uq_refund_assessments_employer_id_policy_year")),
    )
    with op.batch_alter_table("refund_assessments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_refund_assessments_region_year_status", ["region_code", "policy_year", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_refund_assessments_screening_id"), ["screening_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("refund_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refund_assessments_screening_id"))
        batch_op.drop_index("ix_refund_assessments_region_year_status")

    op.drop_table("refund_assessments")
    op.drop_table("employer_profiles")
    op.drop_table("employer_ledger")
    with op.batch_alter_table("dispatch_relations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatch_relations_user_employer_id"))
        batch_op.drop_index(batch_op.f("ix_dispatch_relations_agency_id"))

    op.drop_table("dispatch_relations")
    with op.batch_alter_table("corporate_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corporate_accounts_account_hash"))

    op.drop_table("corporate_accounts")
    with op.batch_alter_table("refund_screenings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refund_screenings_region_code"))

    op.drop_table("refund_screenings")
    with op.batch_alter_table("credit_listings", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_listings_credit_code")

    op.drop_table("credit_listings")
