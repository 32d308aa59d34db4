"""Rows to entities, shared by the repositories (a joined select re-keys each table's values with
`_common.unprefixed`, hence plain mappings)."""

from collections.abc import Mapping
from typing import Any

from core.entities import Participant, Payment, Slot, TeachingSession, TutorProfile, User
from core.enums import ParticipantStatus, PaymentStatus, Role, SessionStatus, SessionType, TutorStatus


def user_from_row(row: Mapping[Any, Any]) -> User:
    return User(
        id=row["id"],
        first_name=row["first_name"],
        username=row["username"],
        language=row["language"],
        timezone=row["timezone"],
        role=Role(row["role"]) if row["role"] is not None else None,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def profile_from_row(row: Mapping[Any, Any], subjects: list[str]) -> TutorProfile:
    return TutorProfile(
        id=row["id"],
        user_id=row["user_id"],
        display_name=row["display_name"],
        subjects=subjects,
        hourly_rate_minor=row["hourly_rate_minor"],
        currency=row["currency"],
        timezone=row["timezone"],
        buffer_minutes=row["buffer_minutes"],
        cancellation_notice_hours=row["cancellation_notice_hours"],
        status=TutorStatus(row["status"]),
        reviewed_by=row["reviewed_by"],
        reviewed_at=row["reviewed_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def slot_from_row(row: Mapping[Any, Any]) -> Slot:
    return Slot(
        id=row["id"],
        tutor_id=row["tutor_id"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        timezone=row["timezone"],
        session_type=SessionType(row["session_type"]),
        capacity=row["capacity"],
        seats_taken=row["seats_taken"],
        pattern_id=row["pattern_id"],
        removed_at=row["removed_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def session_from_row(row: Mapping[Any, Any]) -> TeachingSession:
    return TeachingSession(
        id=row["id"],
        slot_id=row["slot_id"],
        tutor_id=row["tutor_id"],
        status=SessionStatus(row["status"]),
        channel_name=row["channel_name"],
        started_at=row["started_at"],
        completed_at=row["completed_at"],
        cancel_reason=row["cancel_reason"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def participant_from_row(row: Mapping[Any, Any]) -> Participant:
    return Participant(
        id=row["id"],
        session_id=row["session_id"],
        user_id=row["user_id"],
        status=ParticipantStatus(row["status"]),
        hold_expires_at=row["hold_expires_at"],
        booked_at=row["booked_at"],
        cancelled_at=row["cancelled_at"],
        note=row["note"],
        reminders_enabled=row["reminders_enabled"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def payment_from_row(row: Mapping[Any, Any]) -> Payment:
    return Payment(
        id=row["id"],
        participant_id=row["participant_id"],
        amount_minor=row["amount_minor"],
        currency=row["currency"],
        status=PaymentStatus(row["status"]),
        provider=row["provider"],
        checkout_session_id=row["checkout_session_id"],
        checkout_url=row["checkout_url"],
        provider_status=row["provider_status"],
        payment_intent_id=row["payment_intent_id"],
        refund_id=row["refund_id"],
        refund_attempts=row["refund_attempts"],
        next_refund_attempt_at=row["next_refund_attempt_at"],
        last_error=row["last_error"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
