"""regional parameter changes proposed and approved in the console; a hold a reviewer puts on a check item

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 21:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'region_parameter_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_code', sa.String(length=6), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('value', sa.JSON(), nullable=False),
        sa.Column('citation', sa.Text(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('proposed_by', sa.Integer(), nullable=False),
        sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decision_note', sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name=op.f('ck_region_parameter_changes_status')),
        sa.ForeignKeyConstraint(['decided_by'], ['staff_users.id'], name=op.f('fk_region_parameter_changes_decided_by_staff_users')),
        sa.ForeignKeyConstraint(['proposed_by'], ['staff_users.id'], name=op.f('fk_region_parameter_changes_proposed_by_staff_users')),
        sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_region_parameter_changes_region_code_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_region_parameter_changes')),
    )
    with op.batch_alter_table('region_parameter_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_region_parameter_changes_region_code'), ['region_code'], unique=False)
    with op.batch_alter_table('check_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('held_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_check_items_held_by_staff_users'), 'staff_users', ['held_by'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('check_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_check_items_held_by_staff_users'), type_='foreignkey')
        batch_op.drop_column('held_at')
        batch_op.drop_column('held_by')
    with op.batch_alter_table('region_parameter_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_region_parameter_changes_region_code'))
    op.drop_table('region_parameter_changes')
