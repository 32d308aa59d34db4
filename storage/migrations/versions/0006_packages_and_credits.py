"""Lesson packages, their purchases and the credits ledger (issue: packages, courses and families).

- `packages`: a tutor's offer (or the school's, `tutor_id` NULL) of N lessons of a length for a price.
- `package_purchases`: one person's purchase, with what the package gave copied in, and its checkout.
- `credit_entries`: every move of a purchase's credits; the balance is their sum, `(purchase_id, key)`
  makes each move happen once.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _offer_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("lessons", sa.Integer(), nullable=False),
        sa.Column("lesson_minutes", sa.Integer(), nullable=False),
        sa.Column("any_length", sa.Boolean(), nullable=False),
        sa.Column("session_type", sa.String(length=32), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "packages",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("tutor_id", _id(), nullable=True),
        *_offer_columns(),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("lessons > 0", name=op.f("ck_packages_lessons_positive")),
        sa.CheckConstraint("price_minor > 0", name=op.f("ck_packages_price_positive")),
        sa.ForeignKeyConstraint(["tutor_id"], ["tutor_profiles.id"], name=op.f("fk_packages_tutor_id_tutor_profiles")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_packages_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packages")),
    )
    op.create_index(op.f("ix_packages_tutor_id_active"), "packages", ["tutor_id", "active"])
    op.create_table(
        "package_purchases",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("package_id", _id(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("paid_by", sa.BigInteger(), nullable=False),
        sa.Column("tutor_id", _id(), nullable=True),
        *_offer_columns(),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checkout_session_id", sa.String(length=255), nullable=True),
        sa.Column("checkout_url", sa.Text(), nullable=True),
        sa.Column("provider_status", sa.String(length=32), nullable=True),
        sa.Column("payment_intent_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["package_id"], ["packages.id"], name=op.f("fk_package_purchases_package_id_packages")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_package_purchases_user_id_users")),
        sa.ForeignKeyConstraint(["paid_by"], ["users.id"], name=op.f("fk_package_purchases_paid_by_users")),
        sa.ForeignKeyConstraint(
            ["tutor_id"], ["tutor_profiles.id"], name=op.f("fk_package_purchases_tutor_id_tutor_profiles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_purchases")),
        sa.UniqueConstraint("checkout_session_id", name=op.f("uq_package_purchases_checkout_session_id")),
    )
    op.create_index(op.f("ix_package_purchases_user_id_status"), "package_purchases", ["user_id", "status"])
    op.create_table(
        "credit_entries",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("purchase_id", _id(), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("participant_id", _id(), nullable=True),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["purchase_id"], ["package_purchases.id"], name=op.f("fk_credit_entries_purchase_id_package_purchases")
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], name=op.f("fk_credit_entries_participant_id_participants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_entries")),
        sa.UniqueConstraint("purchase_id", "key", name=op.f("uq_credit_entries_purchase_id_key")),
    )
    op.create_index(op.f("ix_credit_entries_participant_id"), "credit_entries", ["participant_id"])


def downgrade() -> None:
    op.drop_table("credit_entries")
    op.drop_table("package_purchases")
    op.drop_table("packages")
