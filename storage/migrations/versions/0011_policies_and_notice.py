"""Lessons as businesses run them: a tutor's tiered refund policy and booking notice, each slot's last
instant to book, and a payment's partial refund.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing tutors keep taking bookings until the start: the notice is theirs to set.
    with op.batch_alter_table("tutor_profiles") as batch:
        batch.add_column(sa.Column("refund_policy", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("booking_notice_minutes", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("slots") as batch:
        batch.add_column(sa.Column("book_by", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("refund_minor", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("refund_minor")
    with op.batch_alter_table("slots") as batch:
        batch.drop_column("book_by")
    with op.batch_alter_table("tutor_profiles") as batch:
        batch.drop_column("booking_notice_minutes")
        batch.drop_column("refund_policy")
