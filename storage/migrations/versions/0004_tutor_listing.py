"""The tutor list's read model: `tutor_listing`, one row per tutor profile.

Each row starts stale (its next open time is the profile's creation, which has passed), so the first list
read computes it from that reader's instant; the names are case-folded here, as the repository does.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_tutors = sa.table(
    "tutor_profiles", sa.column("id"), sa.column("display_name"), sa.column("status"), sa.column("created_at")
)


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    listing = op.create_table(
        "tutor_listing",
        sa.Column("tutor_id", _id(), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("name_key", sa.String(length=255), nullable=False),
        sa.Column("next_open_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("computed_after", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tutor_id"], ["tutor_profiles.id"], name=op.f("fk_tutor_listing_tutor_id_tutor_profiles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tutor_id", name=op.f("pk_tutor_listing")),
    )
    op.create_index(
        op.f("ix_tutor_listing_listed_next_open_at_name_key_tutor_id"),
        "tutor_listing",
        ["listed", "next_open_at", "name_key", "tutor_id"],
    )
    op.create_index(
        op.f("ix_tutor_listing_listed_name_key_tutor_id"), "tutor_listing", ["listed", "name_key", "tutor_id"]
    )
    bind = op.get_bind()
    # The instants are copied in SQL (each database keeps its own stored form); the keys need Python.
    bind.execute(
        sa.insert(listing).from_select(
            ["tutor_id", "listed", "name_key", "next_open_at", "computed_after"],
            sa.select(
                _tutors.c.id,
                _tutors.c.status == "approved",
                _tutors.c.display_name,
                _tutors.c.created_at,
                _tutors.c.created_at,
            ),
        )
    )
    for tutor_id, name in bind.execute(sa.select(_tutors.c.id, _tutors.c.display_name)).all():
        bind.execute(
            sa.update(listing).where(listing.c.tutor_id == tutor_id).values(name_key=name.casefold())
        )

def downgrade() -> None:
    op.drop_table("tutor_listing")
