"""read versions, bumped by triggers on every table a cached answer is made of

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 01:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from miniapp_api.reads import triggers

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables of this revision: a later one adds its own (the list in triggers.py grows).
TABLES = (
    'persons', 'contribution_periods', 'stop_contribution_events', 'person_events', 'person_photos',
    'wechat_accounts', 'identity_bindings', 'claims', 'claim_drafts', 'claim_events', 'benefit_payments',
    'issued_receipts', 'unemployment_registrations', 'service_ratings', 'payment_instructions', 'recovery_items',
    'check_items', 'objections', 'objection_deadlines', 'objection_events', 'objection_attachments',
    'record_corrections', 'face_checks', 'liveness_challenges', 'employer_duties', 'termination_filings',
    'regions', 'region_parameters', 'employers', 'calendar_years', 'calendar_lines',
)


def upgrade() -> None:
    op.create_table(
        'read_versions',
        sa.Column('scope', sa.String(length=16), nullable=False),
        sa.Column('owner_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('scope', 'owner_id', name=op.f('pk_read_versions')),
    )
    # As this revision knew them: 0029 takes the face tables and the WeChat accounts out again.
    owners = {**triggers.OWNERS, **dict.fromkeys(triggers.NOT_READ, (triggers.PERSON,))}
    triggers.install(op.get_bind(), TABLES, owners)


def downgrade() -> None:
    triggers.uninstall(op.get_bind(), TABLES)
    op.drop_table('read_versions')
