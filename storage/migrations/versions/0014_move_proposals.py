"""A tutor's proposals to move a booking: `move_proposals`.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "move_proposals",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("participant_id", _id(), nullable=False),
        sa.Column("from_slot_id", _id(), nullable=False),
        sa.Column("to_slot_id", _id(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], name=op.f("fk_move_proposals_participant_id_participants")
        ),
        sa.ForeignKeyConstraint(["from_slot_id"], ["slots.id"], name=op.f("fk_move_proposals_from_slot_id_slots")),
        sa.ForeignKeyConstraint(["to_slot_id"], ["slots.id"], name=op.f("fk_move_proposals_to_slot_id_slots")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_move_proposals")),
    )
    op.create_index(op.f("ix_move_proposals_participant_id_status"), "move_proposals", ["participant_id", "status"])
    op.create_index(op.f("ix_move_proposals_status_expires_at"), "move_proposals", ["status", "expires_at"])


def downgrade() -> None:
    op.drop_table("move_proposals")
