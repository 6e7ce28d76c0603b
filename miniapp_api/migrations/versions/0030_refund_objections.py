"""objections filed by an enterprise against its refund (稳岗返还): the filer is a person or an
employer, and the refund it is about

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 03:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from miniapp_api.reads import triggers

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("closed_at IS NULL")
_CATEGORIES = "category IN ('record', 'decision', 'suspension', 'refund')"
_OLD_CATEGORIES = "category IN ('record', 'decision', 'suspension')"
# SQLite rebuilds the objections table for the change, and a trigger naming it (its own and its
# children's) stops the rebuild: they are taken down first and put back after.
_TRIGGERED: dict[str, tuple[triggers.Owner, ...]] = {
    "objections": (triggers.PERSON,),
    "objection_deadlines": (triggers.OBJECTIONS_PERSON,),
    "objection_events": (triggers.OBJECTIONS_PERSON,),
}


def upgrade() -> None:
    triggers.uninstall(op.get_bind(), _TRIGGERED)
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("employer_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("refund_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_objections_employer_id_employers"), "employers", ["employer_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_objections_refund_id_refund_assessments"), "refund_assessments", ["refund_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_objections_refund_id"), ["refund_id"], unique=False)
        batch_op.create_index(
            "uq_objections_one_open_per_employer_subject",
            ["employer_id", "subject_key"],
            unique=True,
            postgresql_where=_OPEN,
            sqlite_where=_OPEN,
        )
        batch_op.drop_constraint(batch_op.f("ck_objections_category"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_objections_category"), sa.text(_CATEGORIES))
        batch_op.create_check_constraint(
            batch_op.f("ck_objections_one_filer"), sa.text("(person_id IS NULL) <> (employer_id IS NULL)")
        )
    triggers.install(op.get_bind(), _TRIGGERED, _TRIGGERED)


def downgrade() -> None:
    triggers.uninstall(op.get_bind(), _TRIGGERED)
    op.execute(
        "DELETE FROM objection_events WHERE objection_id IN (SELECT id FROM objections WHERE employer_id IS NOT NULL)"
    )
    op.execute(
        "DELETE FROM objection_deadlines WHERE objection_id IN (SELECT id FROM objections WHERE employer_id IS NOT NULL)"
    )
    op.execute("DELETE FROM objections WHERE employer_id IS NOT NULL")
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_objections_one_filer"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_objections_category"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_objections_category"), sa.text(_OLD_CATEGORIES))
        batch_op.drop_index("uq_objections_one_open_per_employer_subject", postgresql_where=_OPEN, sqlite_where=_OPEN)
        batch_op.drop_index(batch_op.f("ix_objections_refund_id"))
        batch_op.drop_constraint(batch_op.f("fk_objections_refund_id_refund_assessments"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_objections_employer_id_employers"), type_="foreignkey")
        batch_op.drop_column("refund_id")
        batch_op.drop_column("employer_id")
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=False)
    triggers.install(op.get_bind(), _TRIGGERED, _TRIGGERED)
