"""The video room: presence heartbeats and which source saw what, and the tutor's mutes.

- `attendance.confirmed_by`: the second source (join page or Agora's webhook) that saw the same person
  in; NULL when only one did.
- `attendance.last_seen_at`: the join page's last heartbeat (an interval whose page went quiet is closed
  by the presence job); `attendance.closed_by`: what closed the interval. Existing intervals keep NULL.
- `video_mutes`: each time a tutor muted a student in the video.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("attendance", sa.Column("confirmed_by", sa.String(length=32), nullable=True))
    op.add_column("attendance", sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("attendance", sa.Column("closed_by", sa.String(length=32), nullable=True))
    op.create_index(op.f("ix_attendance_left_at_last_seen_at"), "attendance", ["left_at", "last_seen_at"])
    op.create_table(
        "video_mutes",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("session_id", _id(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("muted_by", sa.BigInteger(), nullable=False),
        sa.Column("muted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], name=op.f("fk_video_mutes_session_id_sessions")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_video_mutes_user_id_users")),
        sa.ForeignKeyConstraint(["muted_by"], ["users.id"], name=op.f("fk_video_mutes_muted_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_mutes")),
    )
    op.create_index(op.f("ix_video_mutes_session_id_user_id"), "video_mutes", ["session_id", "user_id"])


def downgrade() -> None:
    op.drop_table("video_mutes")
    op.drop_index(op.f("ix_attendance_left_at_last_seen_at"), "attendance")
    with op.batch_alter_table("attendance") as batch:
        batch.drop_column("closed_by")
        batch.drop_column("last_seen_at")
        batch.drop_column("confirmed_by")
