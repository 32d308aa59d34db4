"""After the lesson: `reviews` (a student's stars and comment per participation), `session_notes` (the
tutor's notes and homework per participation) and their `note_files`.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _instant(name: str, nullable: bool) -> "sa.Column[datetime]":
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _participation(table: str) -> list[sa.schema.SchemaItem]:
    """The columns and keys both tables share: one row per participation, its session, tutor and student."""
    return [
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("participant_id", _id(), nullable=False),
        sa.Column("session_id", _id(), nullable=False),
        sa.Column("tutor_id", _id(), nullable=False),
        sa.Column("student_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], name=op.f(f"fk_{table}_participant_id_participants")
        ),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], name=op.f(f"fk_{table}_session_id_sessions")),
        sa.ForeignKeyConstraint(["tutor_id"], ["tutor_profiles.id"], name=op.f(f"fk_{table}_tutor_id_tutor_profiles")),
        sa.ForeignKeyConstraint(["student_id"], ["users.id"], name=op.f(f"fk_{table}_student_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("participant_id", name=op.f(f"uq_{table}_participant_id")),
    ]


def upgrade() -> None:
    op.create_table(
        "reviews",
        *_participation("reviews"),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        _instant("created_at", False),
        _instant("updated_at", False),
        _instant("reported_at", True),
        _instant("hidden_at", True),
        sa.Column("hidden_by", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name=op.f("ck_reviews_stars_range")),
    )
    op.create_index(
        op.f("ix_reviews_tutor_id_hidden_at_updated_at"), "reviews", ["tutor_id", "hidden_at", "updated_at"]
    )
    op.create_table(
        "session_notes",
        *_participation("session_notes"),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("homework", sa.Text(), nullable=True),
        _instant("homework_due_at", True),
        _instant("reminded_at", True),
        sa.Column("version", sa.Integer(), nullable=False),
        _instant("created_at", False),
        _instant("updated_at", False),
    )
    op.create_index(op.f("ix_session_notes_session_id"), "session_notes", ["session_id"])
    op.create_index(
        op.f("ix_session_notes_reminded_at_homework_due_at"), "session_notes", ["reminded_at", "homework_due_at"]
    )
    op.create_table(
        "note_files",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("note_id", _id(), nullable=False),
        sa.Column("telegram_file_id", sa.String(length=255), nullable=False),
        sa.Column("telegram_file_unique_id", sa.String(length=255), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("mime_type", sa.String(length=255), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        _instant("created_at", False),
        sa.ForeignKeyConstraint(
            ["note_id"], ["session_notes.id"], name=op.f("fk_note_files_note_id_session_notes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_files")),
    )
    op.create_index(op.f("ix_note_files_note_id"), "note_files", ["note_id"])


def downgrade() -> None:
    op.drop_table("note_files")
    op.drop_table("session_notes")
    op.drop_table("reviews")
