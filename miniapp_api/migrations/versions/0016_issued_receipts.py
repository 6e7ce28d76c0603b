"""issued receipts: document number and verification code

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 18:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'issued_receipts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('claim_id', sa.Integer(), nullable=False),
        sa.Column('region_code', sa.String(length=6), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('receipt_no', sa.String(length=40), nullable=True),
        sa.Column('verification_code', sa.String(length=24), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_issued_receipts_claim_id_claims')),
        sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_issued_receipts_region_code_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_receipts')),
        sa.UniqueConstraint('claim_id', 'status', name=op.f('uq_issued_receipts_claim_id_status')),
        sa.UniqueConstraint('receipt_no', name=op.f('uq_issued_receipts_receipt_no')),
        sa.UniqueConstraint('verification_code', name=op.f('uq_issued_receipts_verification_code')),
    )
    with op.batch_alter_table('issued_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issued_receipts_claim_id'), ['claim_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('issued_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issued_receipts_claim_id'))
    op.drop_table('issued_receipts')
