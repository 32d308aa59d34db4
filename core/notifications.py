"""Kinds of outbox notifications. The values are stored in the outbox: never rename one."""

from enum import StrEnum


class NotificationKind(StrEnum):
    # To each admin: a tutor profile waits for review (payload: tutor_id, display_name, subjects,
    # hourly_rate_minor, currency, timezone, user_id, username).
    TUTOR_REVIEW_REQUESTED = "tutor.review_requested"
    # To the tutor (payload: tutor_id).
    TUTOR_APPROVED = "tutor.approved"
    TUTOR_REJECTED = "tutor.rejected"
