"""Families: `family_links` between a parent and a child (invited, or managed without Telegram), and on
each participation the person who booked it when that was not the student (a parent).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "family_links",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=False),
        sa.Column("child_id", sa.BigInteger(), nullable=True),
        sa.Column("child_name", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("invite_token", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["parent_id"], ["users.id"], name=op.f("fk_family_links_parent_id_users")),
        sa.ForeignKeyConstraint(["child_id"], ["users.id"], name=op.f("fk_family_links_child_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_links")),
        sa.UniqueConstraint("invite_token", name=op.f("uq_family_links_invite_token")),
    )
    op.create_index(op.f("ix_family_links_parent_id_status"), "family_links", ["parent_id", "status"])
    op.create_index(op.f("ix_family_links_child_id_status"), "family_links", ["child_id", "status"])
    op.add_column("participants", sa.Column("booked_by", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("booked_by")
    op.drop_table("family_links")
