"""face verification (person_photos.content is ciphertext from here on: no photo was stored before this revision)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 13:39:43.472075
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('liveness_challenges',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('actions', sa.JSON(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_liveness_challenges_person_id_persons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['auth_sessions.id'], name=op.f('fk_liveness_challenges_session_id_auth_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liveness_challenges'))
    )
    with op.batch_alter_table('liveness_challenges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_liveness_challenges_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_liveness_challenges_session_id'), ['session_id'], unique=False)

    op.create_table('face_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('match_distance', sa.Double(), nullable=True),
    sa.Column('timings_ms', sa.JSON(), nullable=False),
    sa.Column('media_kind', sa.String(length=10), nullable=False),
    sa.Column('media_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['liveness_challenges.id'], name=op.f('fk_face_checks_challenge_id_liveness_challenges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_face_checks')),
    sa.UniqueConstraint('challenge_id', name=op.f('uq_face_checks_challenge_id'))
    )
    with op.batch_alter_table('face_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_face_checks_media_sha256'), ['media_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_face_checks_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('person_photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('encoding', sa.LargeBinary(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('person_photos', schema=None) as batch_op:
        batch_op.drop_column('encoding')

    with op.batch_alter_table('face_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_face_checks_person_id'))
        batch_op.drop_index(batch_op.f('ix_face_checks_media_sha256'))

    op.drop_table('face_checks')
    with op.batch_alter_table('liveness_challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_liveness_challenges_session_id'))
        batch_op.drop_index(batch_op.f('ix_liveness_challenges_person_id'))

    op.drop_table('liveness_challenges')
