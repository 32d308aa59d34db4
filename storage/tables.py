"""The schema, as SQLAlchemy Core tables (spec 002 §7).

Enumerations are stored as their string values in plain string columns (no native enum types), every
instant is a `UTCDateTime`, and every constraint and index gets a deterministic name from the naming
convention so that migrations are reproducible on SQLite and PostgreSQL.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)

from core.enums import ACTIVE_PARTICIPANT_STATUSES
from storage.types import IdType, JsonType, TelegramId, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# Lengths of the string columns.
ENUM_LEN = 32
ZONE_LEN = 64
NAME_LEN = 255
EXTERNAL_ID_LEN = 255
# "0,1,2,3,4,5,6" at most.
WEEKDAYS_LEN = 16

# Participant statuses that hold a seat (the partial unique index below).
ACTIVE_STATUS_VALUES = sorted(status.value for status in ACTIVE_PARTICIPANT_STATUSES)


def _timestamps() -> list[Column[datetime]]:
    return [
        Column("created_at", UTCDateTime(), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
    ]


users = Table(
    "users",
    metadata,
    # The Telegram user id: assigned by Telegram, never generated here.
    Column("id", TelegramId(), primary_key=True, autoincrement=False),
    Column("first_name", String(NAME_LEN), nullable=False),
    Column("username", String(64), nullable=True),
    Column("language", String(16), nullable=True),
    Column("timezone", String(ZONE_LEN), nullable=True),
    Column("role", String(ENUM_LEN), nullable=True),
    *_timestamps(),
)

tutor_profiles = Table(
    "tutor_profiles",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("user_id", TelegramId(), ForeignKey("users.id"), nullable=False, unique=True),
    Column("display_name", String(NAME_LEN), nullable=False),
    Column("hourly_rate_minor", BigInteger(), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("timezone", String(ZONE_LEN), nullable=False),
    Column("buffer_minutes", Integer(), nullable=False),
    Column("cancellation_notice_hours", Integer(), nullable=False),
    Column("refund_policy", String(64), nullable=True),
    Column("booking_notice_minutes", Integer(), nullable=False),
    Column("status", String(ENUM_LEN), nullable=False),
    # The Telegram id of the admin who decided; admins need not have a `users` row, hence no foreign key.
    Column("reviewed_by", TelegramId(), nullable=True),
    Column("reviewed_at", UTCDateTime(), nullable=True),
    *_timestamps(),
    CheckConstraint("hourly_rate_minor >= 0", name="hourly_rate_not_negative"),
    CheckConstraint("buffer_minutes >= 0", name="buffer_not_negative"),
    CheckConstraint("cancellation_notice_hours >= 0", name="notice_not_negative"),
    Index(None, "status"),
)

# What the tutor list pages by, kept by the repositories as profiles, slots and sessions change (a read model,
# not an entity): whether the tutor is listed (approved), the case-folded name, and the start of the tutor's
# first open slot after `computed_after` (NULL: none). Such a value is exact for any later instant it lies
# beyond; one at or before the reader's instant is stale and recomputed from that instant
# (`storage.repositories.listing`). The two indexes give the list's two parts in order: tutors with free
# time, soonest first, then the others by name.
tutor_listing = Table(
    "tutor_listing",
    metadata,
    Column("tutor_id", IdType, ForeignKey("tutor_profiles.id", ondelete="CASCADE"), primary_key=True),
    Column("listed", Boolean(), nullable=False),
    Column("name_key", String(NAME_LEN), nullable=False),
    Column("next_open_at", UTCDateTime(), nullable=True),
    Column("computed_after", UTCDateTime(), nullable=False),
    Index(None, "listed", "next_open_at", "name_key", "tutor_id"),
    Index(None, "listed", "name_key", "tutor_id"),
)

tutor_subjects = Table(
    "tutor_subjects",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("tutor_id", IdType, ForeignKey("tutor_profiles.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer(), nullable=False),
    Column("name", String(NAME_LEN), nullable=False),
    # str.casefold() of the name: what subject search compares.
    Column("name_key", String(NAME_LEN), nullable=False),
    UniqueConstraint("tutor_id", "name_key"),
    Index(None, "name_key"),
)

# Recurring availability in wall-clock time of `timezone` (core.entities.WeeklyPattern).
weekly_patterns = Table(
    "weekly_patterns",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("tutor_id", IdType, ForeignKey("tutor_profiles.id", ondelete="CASCADE"), nullable=False),
    # The weekdays (0 = Monday ... 6 = Sunday), sorted and comma-separated: "0,2,4".
    Column("weekdays", String(WEEKDAYS_LEN), nullable=False),
    # Local wall-clock times; SQLite stores them as fixed-width "HH:MM:SS.ffffff" text, which sorts in order.
    Column("window_start", Time(), nullable=False),
    Column("window_end", Time(), nullable=False),
    Column("session_minutes", Integer(), nullable=False),
    Column("session_type", String(ENUM_LEN), nullable=False),
    Column("capacity", Integer(), nullable=False),
    Column("timezone", String(ZONE_LEN), nullable=False),
    # The last local day already turned into slots.
    Column("expanded_until", Date(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    CheckConstraint("weekdays <> ''", name="weekdays_not_empty"),
    CheckConstraint("window_start < window_end", name="window_start_before_end"),
    CheckConstraint("session_minutes > 0", name="session_minutes_positive"),
    CheckConstraint("capacity >= 1", name="capacity_positive"),
    Index(None, "tutor_id"),
)

days_off = Table(
    "days_off",
    metadata,
    Column("tutor_id", IdType, ForeignKey("tutor_profiles.id", ondelete="CASCADE"), nullable=False),
    # A local day of the tutor.
    Column("day", Date(), nullable=False),
    PrimaryKeyConstraint("tutor_id", "day"),
)

slots = Table(
    "slots",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("tutor_id", IdType, ForeignKey("tutor_profiles.id"), nullable=False),
    Column("starts_at", UTCDateTime(), nullable=False),
    Column("ends_at", UTCDateTime(), nullable=False),
    Column("timezone", String(ZONE_LEN), nullable=False),
    Column("session_type", String(ENUM_LEN), nullable=False),
    # The upper bound of a group is a configurable business rule, enforced in core.
    Column("capacity", Integer(), nullable=False),
    Column("seats_taken", Integer(), nullable=False),
    # The pattern that generated the slot; the slot stays (as a one-off) when the pattern is deleted.
    Column("pattern_id", IdType, ForeignKey("weekly_patterns.id", ondelete="SET NULL"), nullable=True),
    # Deleted by the tutor while it held history (a cancelled session, a student who cancelled): the row
    # stays for the bookings that point to it, but the slot is gone from every schedule and blocks nothing.
    Column("removed_at", UTCDateTime(), nullable=True),
    # The last instant it can be booked (the tutor's booking notice before the start); NULL: the start.
    Column("book_by", UTCDateTime(), nullable=True),
    *_timestamps(),
    CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
    CheckConstraint("capacity >= 1", name="capacity_positive"),
    CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
    Index(None, "tutor_id", "starts_at"),
    Index(None, "starts_at"),
    Index(None, "pattern_id"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("slot_id", IdType, ForeignKey("slots.id"), nullable=False, unique=True),
    Column("tutor_id", IdType, ForeignKey("tutor_profiles.id"), nullable=False),
    Column("status", String(ENUM_LEN), nullable=False),
    Column("channel_name", String(NAME_LEN), nullable=True),
    Column("started_at", UTCDateTime(), nullable=True),
    Column("completed_at", UTCDateTime(), nullable=True),
    Column("cancel_reason", Text(), nullable=True),
    *_timestamps(),
    Index(None, "status"),
    Index(None, "tutor_id"),
)

participants = Table(
    "participants",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("session_id", IdType, ForeignKey("sessions.id"), nullable=False),
    Column("user_id", TelegramId(), ForeignKey("users.id"), nullable=False),
    Column("status", String(ENUM_LEN), nullable=False),
    Column("hold_expires_at", UTCDateTime(), nullable=True),
    Column("booked_at", UTCDateTime(), nullable=True),
    Column("cancelled_at", UTCDateTime(), nullable=True),
    Column("note", Text(), nullable=True),
    Column("reminders_enabled", Boolean(), nullable=False),
    *_timestamps(),
    # Added with families (a parent who booked for their child); SQLite cannot add a column with a
    # foreign key, so it has none.
    Column("booked_by", TelegramId(), nullable=True),
    # Times the booking was moved to another slot.
    Column("moves", Integer(), nullable=False),
    Index(None, "session_id"),
    Index(None, "user_id", "status"),
    # Lapsed holds: status = 'pending_payment' AND hold_expires_at <= now.
    Index(None, "status", "hold_expires_at"),
)

# One active booking per student and session: at most one row per (session, user) that holds a seat.
ACTIVE_PARTICIPANT_INDEX = Index(
    "uq_participants_active_session_user",
    participants.c.session_id,
    participants.c.user_id,
    unique=True,
    sqlite_where=participants.c.status.in_(ACTIVE_STATUS_VALUES),
    postgresql_where=participants.c.status.in_(ACTIVE_STATUS_VALUES),
)

payments = Table(
    "payments",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("participant_id", IdType, ForeignKey("participants.id"), nullable=False, unique=True),
    Column("amount_minor", BigInteger(), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(ENUM_LEN), nullable=False),
    Column("provider", String(ENUM_LEN), nullable=False),
    Column("checkout_session_id", String(EXTERNAL_ID_LEN), nullable=True, unique=True),
    Column("checkout_url", Text(), nullable=True),
    # The checkout session's status as the provider last reported it ("open", "complete", "expired").
    Column("provider_status", String(ENUM_LEN), nullable=True),
    Column("payment_intent_id", String(EXTERNAL_ID_LEN), nullable=True),
    Column("refund_id", String(EXTERNAL_ID_LEN), nullable=True),
    # Owed back when less than the whole amount (a cancellation policy's share); NULL: all of it.
    Column("refund_minor", BigInteger(), nullable=True),
    Column("refund_attempts", Integer(), nullable=False),
    Column("next_refund_attempt_at", UTCDateTime(), nullable=True),
    Column("last_error", Text(), nullable=True),
    *_timestamps(),
    CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
    Index(None, "status"),
    # Checkouts still open at the provider, oldest first.
    Index(None, "provider_status", "created_at"),
)

attendance = Table(
    "attendance",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("session_id", IdType, ForeignKey("sessions.id"), nullable=False),
    Column("user_id", TelegramId(), ForeignKey("users.id"), nullable=False),
    Column("joined_at", UTCDateTime(), nullable=False),
    Column("left_at", UTCDateTime(), nullable=True),
    Column("source", String(ENUM_LEN), nullable=False),
    Column("confirmed_by", String(ENUM_LEN), nullable=True),
    Column("last_seen_at", UTCDateTime(), nullable=True),
    Column("closed_by", String(ENUM_LEN), nullable=True),
    Index(None, "session_id", "user_id"),
    # Open intervals whose page went quiet: left_at IS NULL AND last_seen_at < now - timeout.
    Index(None, "left_at", "last_seen_at"),
)

video_mutes = Table(
    "video_mutes",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("session_id", IdType, ForeignKey("sessions.id"), nullable=False),
    Column("user_id", TelegramId(), ForeignKey("users.id"), nullable=False),
    Column("muted_by", TelegramId(), ForeignKey("users.id"), nullable=False),
    Column("muted_at", UTCDateTime(), nullable=False),
    Index(None, "session_id", "user_id"),
)


def _offer_columns() -> list[Column[Any]]:
    """What a package offers, and each purchase keeps a copy of."""
    return [
        Column("name", String(NAME_LEN), nullable=False),
        Column("lessons", Integer(), nullable=False),
        Column("lesson_minutes", Integer(), nullable=False),
        Column("any_length", Boolean(), nullable=False),
        Column("session_type", String(ENUM_LEN), nullable=False),
        Column("price_minor", BigInteger(), nullable=False),
        Column("currency", String(3), nullable=False),
        Column("validity_days", Integer(), nullable=False),
    ]


packages = Table(
    "packages",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    # NULL: the school's, accepted by any approved tutor.
    Column("tutor_id", IdType, ForeignKey("tutor_profiles.id"), nullable=True),
    *_offer_columns(),
    Column("active", Boolean(), nullable=False),
    Column("created_by", TelegramId(), ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    CheckConstraint("lessons > 0", name="lessons_positive"),
    CheckConstraint("price_minor > 0", name="price_positive"),
    Index(None, "tutor_id", "active"),
)

package_purchases = Table(
    "package_purchases",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("package_id", IdType, ForeignKey("packages.id"), nullable=False),
    Column("user_id", TelegramId(), ForeignKey("users.id"), nullable=False),
    Column("paid_by", TelegramId(), ForeignKey("users.id"), nullable=False),
    Column("tutor_id", IdType, ForeignKey("tutor_profiles.id"), nullable=True),
    *_offer_columns(),
    Column("status", String(ENUM_LEN), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=True),
    Column("paid_at", UTCDateTime(), nullable=True),
    Column("checkout_session_id", String(EXTERNAL_ID_LEN), nullable=True, unique=True),
    Column("checkout_url", Text(), nullable=True),
    Column("provider_status", String(ENUM_LEN), nullable=True),
    Column("payment_intent_id", String(EXTERNAL_ID_LEN), nullable=True),
    *_timestamps(),
    # Added with courses: SQLite cannot add a column with a foreign key, so it is checked in core.
    Column("course_id", IdType, nullable=True),
    Column("nudged_at", UTCDateTime(), nullable=True),
    Index(None, "user_id", "status"),
    Index(None, "course_id", "status"),
)

# The credits of a purchase are the sum of its rows; (purchase, key) makes every move happen once.
credit_entries = Table(
    "credit_entries",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("purchase_id", IdType, ForeignKey("package_purchases.id"), nullable=False),
    Column("delta", Integer(), nullable=False),
    Column("reason", String(ENUM_LEN), nullable=False),
    Column("participant_id", IdType, ForeignKey("participants.id"), nullable=True),
    Column("key", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("purchase_id", "key"),
    Index(None, "participant_id"),
)

# A parent's link to a child: invited (`invite_token`, until the child accepts), in force, or ended. A
# child without Telegram has a user row with a negative id (core.families).
family_links = Table(
    "family_links",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("parent_id", TelegramId(), ForeignKey("users.id"), nullable=False),
    Column("child_id", TelegramId(), ForeignKey("users.id"), nullable=True),
    Column("child_name", String(NAME_LEN), nullable=False),
    Column("status", String(ENUM_LEN), nullable=False),
    Column("invite_token", String(64), nullable=True, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("accepted_at", UTCDateTime(), nullable=True),
    Index(None, "parent_id", "status"),
    Index(None, "child_id", "status"),
)

# A student's rating of one participation (at most one), changeable for a week; the tutor may report its
# comment, an admin may hide it.
reviews = Table(
    "reviews",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("participant_id", IdType, ForeignKey("participants.id"), nullable=False, unique=True),
    Column("session_id", IdType, ForeignKey("sessions.id"), nullable=False),
    Column("tutor_id", IdType, ForeignKey("tutor_profiles.id"), nullable=False),
    Column("student_id", TelegramId(), ForeignKey("users.id"), nullable=False),
    Column("stars", Integer(), nullable=False),
    Column("comment", Text(), nullable=True),
    *_timestamps(),
    Column("reported_at", UTCDateTime(), nullable=True),
    Column("hidden_at", UTCDateTime(), nullable=True),
    # The admin (admins are named in the settings, and may never have written to the bot).
    Column("hidden_by", TelegramId(), nullable=True),
    CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
    # A tutor's average and count, and their latest reviews.
    Index(None, "tutor_id", "hidden_at", "updated_at"),
)

# The tutor's notes on one participation (at most one), with optional homework; its files in
# `note_files`.
session_notes = Table(
    "session_notes",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("participant_id", IdType, ForeignKey("participants.id"), nullable=False, unique=True),
    Column("session_id", IdType, ForeignKey("sessions.id"), nullable=False),
    Column("tutor_id", IdType, ForeignKey("tutor_profiles.id"), nullable=False),
    Column("student_id", TelegramId(), ForeignKey("users.id"), nullable=False),
    Column("notes", Text(), nullable=False),
    Column("homework", Text(), nullable=True),
    Column("homework_due_at", UTCDateTime(), nullable=True),
    Column("reminded_at", UTCDateTime(), nullable=True),
    Column("version", Integer(), nullable=False),
    *_timestamps(),
    Index(None, "session_id"),
    # Homework due soon whose reminder is not sent yet.
    Index(None, "reminded_at", "homework_due_at"),
)

note_files = Table(
    "note_files",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("note_id", IdType, ForeignKey("session_notes.id", ondelete="CASCADE"), nullable=False),
    Column("telegram_file_id", String(EXTERNAL_ID_LEN), nullable=False),
    Column("telegram_file_unique_id", String(EXTERNAL_ID_LEN), nullable=False),
    Column("file_name", String(NAME_LEN), nullable=False),
    Column("mime_type", String(NAME_LEN), nullable=True),
    Column("size_bytes", BigInteger(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index(None, "note_id"),
)

# A place in the queue of a full slot; an offered one holds a seat (counted in the slot's seats_taken)
# until `offer_expires_at`.
waitlist_entries = Table(
    "waitlist_entries",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("slot_id", IdType, ForeignKey("slots.id"), nullable=False),
    Column("user_id", TelegramId(), ForeignKey("users.id"), nullable=False),
    Column("status", String(ENUM_LEN), nullable=False),
    Column("offered_at", UTCDateTime(), nullable=True),
    Column("offer_expires_at", UTCDateTime(), nullable=True),
    *_timestamps(),
    # The queue of a slot, in order; a person's places.
    Index(None, "slot_id", "status", "created_at"),
    Index(None, "user_id", "status"),
    # Offers whose hold ran out.
    Index(None, "status", "offer_expires_at"),
)

# A tutor's proposal to move a booking to another slot, whose seat it holds while it is open.
move_proposals = Table(
    "move_proposals",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("participant_id", IdType, ForeignKey("participants.id"), nullable=False),
    Column("from_slot_id", IdType, ForeignKey("slots.id"), nullable=False),
    Column("to_slot_id", IdType, ForeignKey("slots.id"), nullable=False),
    Column("status", String(ENUM_LEN), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("decided_at", UTCDateTime(), nullable=True),
    Index(None, "participant_id", "status"),
    Index(None, "status", "expires_at"),
)

# A course is sold as its own package (`package_id`); the tutors who teach it are in `course_tutors`.
courses = Table(
    "courses",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("package_id", IdType, ForeignKey("packages.id"), nullable=False, unique=True),
    Column("subject", String(NAME_LEN), nullable=False),
    Column("reminder_days", Integer(), nullable=False),
    Column("created_by", TelegramId(), ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

course_tutors = Table(
    "course_tutors",
    metadata,
    Column("course_id", IdType, ForeignKey("courses.id"), primary_key=True),
    Column("tutor_id", IdType, ForeignKey("tutor_profiles.id"), primary_key=True),
    # The order the tutors were added in: the creator first.
    Column("position", Integer(), nullable=False),
    Index(None, "tutor_id"),
)

# A student's request for the money of unused credits back, and its refund through the provider.
credit_refunds = Table(
    "credit_refunds",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("purchase_id", IdType, ForeignKey("package_purchases.id"), nullable=False),
    Column("requested_by", TelegramId(), ForeignKey("users.id"), nullable=False),
    Column("credits", Integer(), nullable=False),
    Column("amount_minor", BigInteger(), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(ENUM_LEN), nullable=False),
    Column("decided_by", TelegramId(), ForeignKey("users.id"), nullable=True),
    Column("decided_at", UTCDateTime(), nullable=True),
    Column("refund_id", String(EXTERNAL_ID_LEN), nullable=True),
    Column("attempts", Integer(), nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=True),
    Column("last_error", Text(), nullable=True),
    *_timestamps(),
    CheckConstraint("credits > 0", name="credits_positive"),
    CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
    Index(None, "purchase_id", "status"),
    # Approved refunds due for a (first or next) attempt.
    Index(None, "status", "next_attempt_at"),
)

session_files = Table(
    "session_files",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("session_id", IdType, ForeignKey("sessions.id"), nullable=False),
    # In a 1-to-1 session a file belongs to one participation (the tutor and that student); NULL for the
    # files a group's tutor shares with the whole session.
    Column("participant_id", IdType, ForeignKey("participants.id"), nullable=True),
    Column("uploader_id", TelegramId(), ForeignKey("users.id"), nullable=False),
    Column("telegram_file_id", String(EXTERNAL_ID_LEN), nullable=False),
    Column("telegram_file_unique_id", String(EXTERNAL_ID_LEN), nullable=False),
    Column("file_name", String(NAME_LEN), nullable=False),
    Column("mime_type", String(NAME_LEN), nullable=True),
    Column("size_bytes", BigInteger(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index(None, "session_id"),
)

# The chat of a 1-to-1 session belongs to one participation: a student who books a slot another student
# cancelled starts a conversation of their own and never sees the earlier one.
conversations = Table(
    "conversations",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("session_id", IdType, ForeignKey("sessions.id"), nullable=False),
    Column("participant_id", IdType, ForeignKey("participants.id"), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("closed_at", UTCDateTime(), nullable=True),
    Index(None, "session_id"),
)

chat_messages = Table(
    "chat_messages",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("conversation_id", IdType, ForeignKey("conversations.id"), nullable=False),
    Column("sender_id", TelegramId(), ForeignKey("users.id"), nullable=False),
    Column("content", Text(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index(None, "conversation_id", "id"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    # A Telegram chat id; deliberately not a foreign key (a message may outlive or precede the user row).
    Column("recipient_id", TelegramId(), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("payload", JsonType(), nullable=False),
    Column("dedupe_key", String(NAME_LEN), nullable=True, unique=True),
    Column("status", String(ENUM_LEN), nullable=False),
    Column("attempts", Integer(), nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("claimed_until", UTCDateTime(), nullable=True),
    Column("last_error", Text(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=True),
    Index(None, "status", "recipient_id", "id"),
    Index(None, "status", "next_attempt_at"),
)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("provider", String(ENUM_LEN), nullable=False),
    Column("event_id", String(EXTERNAL_ID_LEN), nullable=False),
    Column("event_type", String(128), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("provider", "event_id"),
)


# Dialog and conversation state of the embedded deployment (Redis replaces it when several processes
# share the work), so that a restart resumes a dialog where the person left it.
dialog_state = Table(
    "dialog_state",
    metadata,
    Column("key", String(NAME_LEN), primary_key=True),
    Column("state", String(NAME_LEN), nullable=True),
    Column("data", JsonType(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)


# One row: what this installation (this database) is. `namespace` is generated once and prefixes every
# idempotency key sent to Stripe, so that two databases on one Stripe account never send the same key.
installation = Table(
    "installation",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=False),
    Column("namespace", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)


# Reminders and start alerts, stored when a booking is confirmed so that a restart loses none; the job
# that sends them claims each row with a conditional update, so several processes send each one once.
reminders = Table(
    "reminders",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("session_id", IdType, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("recipient_id", TelegramId(), nullable=False),
    Column("participant_id", IdType, ForeignKey("participants.id", ondelete="CASCADE"), nullable=True),
    Column("kind", String(ENUM_LEN), nullable=False),
    Column("offset_minutes", Integer(), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("status", String(ENUM_LEN), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("handled_at", UTCDateTime(), nullable=True),
    UniqueConstraint("session_id", "recipient_id", "kind", "offset_minutes"),
    Index(None, "status", "due_at"),
)
