"""internal records

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-21 11:49:30.333443
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('rows_inserted', sa.Integer(), nullable=False),
    sa.Column('rows_updated', sa.Integer(), nullable=False),
    sa.Column('operator', sa.String(length=100), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches'))
    )
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batches_sha256'), ['sha256'], unique=False)

    op.create_table('regions',
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('province', sa.String(length=30), nullable=False),
    sa.Column('agency_name', sa.String(length=100), nullable=False),
    sa.Column('agency_phone', sa.String(length=30), nullable=False),
    sa.Column('agency_address', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_regions'))
    )
    op.create_table('employers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_employers_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employers')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_employers_credit_code'))
    )
    with op.batch_alter_table('employers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employers_region_code'), ['region_code'], unique=False)

    op.create_table('persons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('id_number', sa.LargeBinary(), nullable=False),
    sa.Column('id_number_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('sex', sa.String(length=1), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('retirement_category', sa.String(length=16), nullable=False),
    sa.Column('phone', sa.LargeBinary(), nullable=True),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('ss_card_number', sa.LargeBinary(), nullable=True),
    sa.Column('bank_name', sa.String(length=50), nullable=True),
    sa.Column('bank_account', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("retirement_category IN ('male_60', 'female_55', 'female_50')", name=op.f('ck_persons_retirement_category')),
    sa.CheckConstraint("sex IN ('M', 'F')", name=op.f('ck_persons_sex')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_persons_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persons')),
    sa.UniqueConstraint('id_number_hash', name=op.f('uq_persons_id_number_hash'))
    )
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_persons_phone_hash'), ['phone_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_persons_region_code'), ['region_code'], unique=False)

    op.create_table('region_parameters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('citation', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_region_parameters_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region_parameters')),
    sa.UniqueConstraint('region_code', 'kind', 'effective_from', name=op.f('uq_region_parameters_region_code_kind_effective_from'))
    )
    with op.batch_alter_table('region_parameters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_region_parameters_region_code'), ['region_code'], unique=False)

    op.create_table('contribution_periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('start_month', sa.Date(), nullable=False),
    sa.Column('end_month', sa.Date(), nullable=True),
    sa.CheckConstraint('end_month IS NULL OR end_month >= start_month', name=op.f('ck_contribution_periods_months_in_order')),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_contribution_periods_employer_id_employers')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_contribution_periods_person_id_persons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_contribution_periods_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution_periods')),
    sa.UniqueConstraint('person_id', 'employer_id', 'start_month', name=op.f('uq_contribution_periods_person_id_employer_id_start_month'))
    )
    with op.batch_alter_table('contribution_periods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_periods_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_periods_person_id'), ['person_id'], unique=False)

    op.create_table('employer_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.LargeBinary(), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_employer_contacts_employer_id_employers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employer_contacts')),
    sa.UniqueConstraint('employer_id', 'phone_hash', name=op.f('uq_employer_contacts_employer_id_phone_hash'))
    )
    with op.batch_alter_table('employer_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employer_contacts_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employer_contacts_phone_hash'), ['phone_hash'], unique=False)

    op.create_table('person_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=50), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('pension_start', 'death', 'conscription', 'emigration', 'imprisonment')", name=op.f('ck_person_events_kind')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_person_events_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_events')),
    sa.UniqueConstraint('person_id', 'kind', 'event_date', name=op.f('uq_person_events_person_id_kind_event_date'))
    )
    with op.batch_alter_table('person_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_events_person_id'), ['person_id'], unique=False)

    op.create_table('person_photos',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('content_type', sa.String(length=30), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_person_photos_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_person_photos'))
    )
    op.create_table('stop_contribution_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('stop_date', sa.Date(), nullable=False),
    sa.Column('reason_code', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('records_feed', 'employer_filing', 'agency')", name=op.f('ck_stop_contribution_events_source')),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_stop_contribution_events_employer_id_employers')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_stop_contribution_events_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stop_contribution_events')),
    sa.UniqueConstraint('person_id', 'employer_id', 'stop_date', name=op.f('uq_stop_contribution_events_person_id_employer_id_stop_date'))
    )
    with op.batch_alter_table('stop_contribution_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stop_contribution_events_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stop_contribution_events_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('stop_contribution_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stop_contribution_events_person_id'))
        batch_op.drop_index(batch_op.f('ix_stop_contribution_events_employer_id'))

    op.drop_table('stop_contribution_events')
    op.drop_table('person_photos')
    with op.batch_alter_table('person_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_events_person_id'))

    op.drop_table('person_events')
    with op.batch_alter_table('employer_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employer_contacts_phone_hash'))
        batch_op.drop_index(batch_op.f('ix_employer_contacts_employer_id'))

    op.drop_table('employer_contacts')
    with op.batch_alter_table('contribution_periods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_periods_person_id'))
        batch_op.drop_index(batch_op.f('ix_contribution_periods_employer_id'))

    op.drop_table('contribution_periods')
    with op.batch_alter_table('region_parameters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_region_parameters_region_code'))

    op.drop_table('region_parameters')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_persons_region_code'))
        batch_op.drop_index(batch_op.f('ix_persons_phone_hash'))

    op.drop_table('persons')
    with op.batch_alter_table('employers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employers_region_code'))

    op.drop_table('employers')
    op.drop_table('regions')
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_batches_sha256'))

    op.drop_table('import_batches')
