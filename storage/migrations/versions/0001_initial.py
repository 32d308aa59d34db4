"""Initial schema: users, tutors, availability, slots, sessions, bookings, payments, attendance, files, chat, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-21

"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE_PARTICIPANT = "status IN ('booked', 'pending_payment')"


def _id() -> sa.types.TypeEngine[int]:
    # BIGINT on PostgreSQL; INTEGER on SQLite so that the primary key is the auto-assigned rowid.
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _instant(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _timestamps() -> list[sa.Column[datetime]]:
    return [_instant("created_at"), _instant("updated_at")]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_name", sa.String(length=255), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )

    op.create_table(
        "tutor_profiles",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("hourly_rate_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("buffer_minutes", sa.Integer(), nullable=False),
        sa.Column("cancellation_notice_hours", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("reviewed_by", sa.BigInteger(), nullable=True),
        _instant("reviewed_at", nullable=True),
        *_timestamps(),
        sa.CheckConstraint("hourly_rate_minor >= 0", name=op.f("ck_tutor_profiles_hourly_rate_not_negative")),
        sa.CheckConstraint("buffer_minutes >= 0", name=op.f("ck_tutor_profiles_buffer_not_negative")),
        sa.CheckConstraint(
            "cancellation_notice_hours >= 0", name=op.f("ck_tutor_profiles_notice_not_negative")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_tutor_profiles_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tutor_profiles")),
        sa.UniqueConstraint("user_id", name=op.f("uq_tutor_profiles_user_id")),
    )
    op.create_index(op.f("ix_tutor_profiles_status"), "tutor_profiles", ["status"])

    op.create_table(
        "tutor_subjects",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("tutor_id", _id(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("name_key", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["tutor_id"],
            ["tutor_profiles.id"],
            name=op.f("fk_tutor_subjects_tutor_id_tutor_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tutor_subjects")),
        sa.UniqueConstraint("tutor_id", "name_key", name=op.f("uq_tutor_subjects_tutor_id_name_key")),
    )
    op.create_index(op.f("ix_tutor_subjects_name_key"), "tutor_subjects", ["name_key"])

    op.create_table(
        "weekly_patterns",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("tutor_id", _id(), nullable=False),
        sa.Column("weekdays", sa.String(length=16), nullable=False),
        sa.Column("window_start", sa.Time(), nullable=False),
        sa.Column("window_end", sa.Time(), nullable=False),
        sa.Column("session_minutes", sa.Integer(), nullable=False),
        sa.Column("session_type", sa.String(length=32), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("expanded_until", sa.Date(), nullable=True),
        _instant("created_at"),
        sa.CheckConstraint("weekdays <> ''", name=op.f("ck_weekly_patterns_weekdays_not_empty")),
        sa.CheckConstraint("window_start < window_end", name=op.f("ck_weekly_patterns_window_start_before_end")),
        sa.CheckConstraint("session_minutes > 0", name=op.f("ck_weekly_patterns_session_minutes_positive")),
        sa.CheckConstraint("capacity >= 1", name=op.f("ck_weekly_patterns_capacity_positive")),
        sa.ForeignKeyConstraint(
            ["tutor_id"],
            ["tutor_profiles.id"],
            name=op.f("fk_weekly_patterns_tutor_id_tutor_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weekly_patterns")),
    )
    op.create_index(op.f("ix_weekly_patterns_tutor_id"), "weekly_patterns", ["tutor_id"])

    op.create_table(
        "days_off",
        sa.Column("tutor_id", _id(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tutor_id"],
            ["tutor_profiles.id"],
            name=op.f("fk_days_off_tutor_id_tutor_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tutor_id", "day", name=op.f("pk_days_off")),
    )

    op.create_table(
        "slots",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("tutor_id", _id(), nullable=False),
        _instant("starts_at"),
        _instant("ends_at"),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("session_type", sa.String(length=32), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("pattern_id", _id(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint("starts_at < ends_at", name=op.f("ck_slots_starts_before_ends")),
        sa.CheckConstraint("capacity >= 1", name=op.f("ck_slots_capacity_positive")),
        sa.CheckConstraint(
            "seats_taken >= 0 AND seats_taken <= capacity", name=op.f("ck_slots_seats_within_capacity")
        ),
        sa.ForeignKeyConstraint(
            ["tutor_id"], ["tutor_profiles.id"], name=op.f("fk_slots_tutor_id_tutor_profiles")
        ),
        sa.ForeignKeyConstraint(
            ["pattern_id"],
            ["weekly_patterns.id"],
            name=op.f("fk_slots_pattern_id_weekly_patterns"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slots")),
    )
    op.create_index(op.f("ix_slots_tutor_id_starts_at"), "slots", ["tutor_id", "starts_at"])
    op.create_index(op.f("ix_slots_starts_at"), "slots", ["starts_at"])
    op.create_index(op.f("ix_slots_pattern_id"), "slots", ["pattern_id"])

    op.create_table(
        "sessions",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("slot_id", _id(), nullable=False),
        sa.Column("tutor_id", _id(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("channel_name", sa.String(length=255), nullable=True),
        _instant("started_at", nullable=True),
        _instant("completed_at", nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(["slot_id"], ["slots.id"], name=op.f("fk_sessions_slot_id_slots")),
        sa.ForeignKeyConstraint(
            ["tutor_id"], ["tutor_profiles.id"], name=op.f("fk_sessions_tutor_id_tutor_profiles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("slot_id", name=op.f("uq_sessions_slot_id")),
    )
    op.create_index(op.f("ix_sessions_status"), "sessions", ["status"])
    op.create_index(op.f("ix_sessions_tutor_id"), "sessions", ["tutor_id"])

    op.create_table(
        "participants",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("session_id", _id(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        _instant("hold_expires_at", nullable=True),
        _instant("booked_at", nullable=True),
        _instant("cancelled_at", nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reminders_enabled", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_participants_session_id_sessions")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_participants_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participants")),
    )
    op.create_index(op.f("ix_participants_session_id"), "participants", ["session_id"])
    op.create_index(op.f("ix_participants_user_id_status"), "participants", ["user_id", "status"])
    op.create_index(
        op.f("ix_participants_status_hold_expires_at"), "participants", ["status", "hold_expires_at"]
    )
    # One active booking per student and session.
    op.create_index(
        "uq_participants_active_session_user",
        "participants",
        ["session_id", "user_id"],
        unique=True,
        sqlite_where=sa.text(ACTIVE_PARTICIPANT),
        postgresql_where=sa.text(ACTIVE_PARTICIPANT),
    )

    op.create_table(
        "payments",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("participant_id", _id(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("checkout_session_id", sa.String(length=255), nullable=True),
        sa.Column("checkout_url", sa.Text(), nullable=True),
        sa.Column("provider_status", sa.String(length=32), nullable=True),
        sa.Column("payment_intent_id", sa.String(length=255), nullable=True),
        sa.Column("refund_id", sa.String(length=255), nullable=True),
        sa.Column("refund_attempts", sa.Integer(), nullable=False),
        _instant("next_refund_attempt_at", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint("amount_minor >= 0", name=op.f("ck_payments_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], name=op.f("fk_payments_participant_id_participants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("participant_id", name=op.f("uq_payments_participant_id")),
        sa.UniqueConstraint("checkout_session_id", name=op.f("uq_payments_checkout_session_id")),
    )
    op.create_index(op.f("ix_payments_status"), "payments", ["status"])
    op.create_index(
        op.f("ix_payments_provider_status_created_at"), "payments", ["provider_status", "created_at"]
    )

    op.create_table(
        "attendance",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("session_id", _id(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        _instant("joined_at"),
        _instant("left_at", nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_attendance_session_id_sessions")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_attendance_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance")),
    )
    op.create_index(op.f("ix_attendance_session_id_user_id"), "attendance", ["session_id", "user_id"])

    op.create_table(
        "session_files",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("session_id", _id(), nullable=False),
        sa.Column("uploader_id", sa.BigInteger(), nullable=False),
        sa.Column("telegram_file_id", sa.String(length=255), nullable=False),
        sa.Column("telegram_file_unique_id", sa.String(length=255), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("mime_type", sa.String(length=255), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        _instant("created_at"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_session_files_session_id_sessions")
        ),
        sa.ForeignKeyConstraint(
            ["uploader_id"], ["users.id"], name=op.f("fk_session_files_uploader_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_files")),
    )
    op.create_index(op.f("ix_session_files_session_id"), "session_files", ["session_id"])

    op.create_table(
        "conversations",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("session_id", _id(), nullable=False),
        _instant("created_at"),
        _instant("closed_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_conversations_session_id_sessions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("session_id", name=op.f("uq_conversations_session_id")),
    )

    op.create_table(
        "chat_messages",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", _id(), nullable=False),
        sa.Column("sender_id", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        _instant("created_at"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_chat_messages_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(["sender_id"], ["users.id"], name=op.f("fk_chat_messages_sender_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
    )
    op.create_index(op.f("ix_chat_messages_conversation_id_id"), "chat_messages", ["conversation_id", "id"])

    op.create_table(
        "outbox",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("recipient_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _instant("next_attempt_at"),
        _instant("claimed_until", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _instant("created_at"),
        _instant("sent_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    op.create_index(op.f("ix_outbox_status_recipient_id_id"), "outbox", ["status", "recipient_id", "id"])
    op.create_index(op.f("ix_outbox_status_next_attempt_at"), "outbox", ["status", "next_attempt_at"])

    op.create_table(
        "webhook_events",
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("event_type", sa.String(length=128), nullable=False),
        _instant("received_at"),
        sa.PrimaryKeyConstraint("provider", "event_id", name=op.f("pk_webhook_events")),
    )

    op.create_table(
        "dialog_state",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=255), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        _instant("updated_at"),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_dialog_state")),
    )


def downgrade() -> None:
    # Dropping a table drops its indexes too.
    for table in (
        "dialog_state",
        "webhook_events",
        "outbox",
        "chat_messages",
        "conversations",
        "session_files",
        "attendance",
        "payments",
        "participants",
        "sessions",
        "slots",
        "days_off",
        "weekly_patterns",
        "tutor_subjects",
        "tutor_profiles",
        "users",
    ):
        op.drop_table(table)
