"""Refunds of unused credits: `credit_refunds` holds a student's request, its decision and its refund.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credit_refunds",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("purchase_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("requested_by", sa.BigInteger(), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refund_id", sa.String(length=255), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("credits > 0", name=op.f("ck_credit_refunds_credits_positive")),
        sa.CheckConstraint("amount_minor >= 0", name=op.f("ck_credit_refunds_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["purchase_id"], ["package_purchases.id"], name=op.f("fk_credit_refunds_purchase_id_package_purchases")
        ),
        sa.ForeignKeyConstraint(["requested_by"], ["users.id"], name=op.f("fk_credit_refunds_requested_by_users")),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], name=op.f("fk_credit_refunds_decided_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_refunds")),
    )
    op.create_index(op.f("ix_credit_refunds_purchase_id_status"), "credit_refunds", ["purchase_id", "status"])
    op.create_index(op.f("ix_credit_refunds_status_next_attempt_at"), "credit_refunds", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("credit_refunds")
