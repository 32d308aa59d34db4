"""Courses: `courses` (sold as their own package), `course_tutors`, and on each purchase the course it
enrolls in and when its student was last reminded to schedule.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("package_id", _id(), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("reminder_days", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["package_id"], ["packages.id"], name=op.f("fk_courses_package_id_packages")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_courses_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint("package_id", name=op.f("uq_courses_package_id")),
    )
    op.create_table(
        "course_tutors",
        sa.Column("course_id", _id(), nullable=False),
        sa.Column("tutor_id", _id(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], name=op.f("fk_course_tutors_course_id_courses")),
        sa.ForeignKeyConstraint(
            ["tutor_id"], ["tutor_profiles.id"], name=op.f("fk_course_tutors_tutor_id_tutor_profiles")
        ),
        sa.PrimaryKeyConstraint("course_id", "tutor_id", name=op.f("pk_course_tutors")),
    )
    op.create_index(op.f("ix_course_tutors_tutor_id"), "course_tutors", ["tutor_id"])
    op.add_column("package_purchases", sa.Column("course_id", _id(), nullable=True))
    op.add_column("package_purchases", sa.Column("nudged_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        op.f("ix_package_purchases_course_id_status"), "package_purchases", ["course_id", "status"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_package_purchases_course_id_status"), table_name="package_purchases")
    with op.batch_alter_table("package_purchases") as batch:
        batch.drop_column("nudged_at")
        batch.drop_column("course_id")
    op.drop_table("course_tutors")
    op.drop_table("courses")
