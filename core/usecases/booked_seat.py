"""What a booked seat brings: the messages to both sides (with the calendar entries they carry), the 1-to-1
room, and the reminders, all written in the transaction that books it."""

from datetime import datetime
from typing import Any

from core.entities import Conversation, Participant, Payment, Slot, TutorProfile
from core.enums import SessionType
from core.notifications import NotificationKind
from core.ports import UnitOfWork
from core.rules import BusinessRules
from core.usecases.outbox import notify
from core.usecases.reminders import schedule_reminders


def booking_payload(tutor: TutorProfile, slot: Slot, participant: Participant, payment: Payment) -> dict[str, Any]:
    """What every booking message needs, frozen when it is written (rendered later, in the reader's
    language and zone)."""
    return {
        "participant_id": participant.id,
        "session_id": participant.session_id,
        "tutor_name": tutor.display_name,
        "tutor_user_id": tutor.user_id,
        "tutor_zone": slot.timezone,
        "subjects": list(tutor.subjects),
        "starts_at": slot.starts_at.isoformat(),
        "ends_at": slot.ends_at.isoformat(),
        "minutes": slot.duration_minutes,
        "session_type": slot.session_type.value,
        "capacity": slot.capacity,
        "seats_taken": slot.seats_taken,
        "amount_minor": payment.amount_minor,
        "currency": payment.currency,
        "hold_expires_at": participant.hold_expires_at.isoformat() if participant.hold_expires_at else None,
        "checkout_url": payment.checkout_url,
    }


async def booked_effects(
    uow: UnitOfWork,
    rules: BusinessRules,
    tutor: TutorProfile,
    slot: Slot,
    participant: Participant,
    payment: Payment,
    now: datetime,
    *,
    late: bool,
    live: bool = False,
) -> None:
    """What a confirmed booking brings: the messages to both sides, and the chat of a 1-to-1 session."""
    payload = booking_payload(tutor, slot, participant, payment)
    await notify(
        uow,
        participant.user_id,
        NotificationKind.BOOKING_CONFIRMED,
        {**payload, "late": late, "live": live},
        f"booking-confirmed:{participant.id}",
        now,
    )
    student = await uow.users.get(participant.user_id)
    await notify(
        uow,
        tutor.user_id,
        NotificationKind.BOOKING_RECEIVED,
        {**payload, "student_name": student.first_name if student else "", "note": participant.note},
        f"booking-received:{participant.id}",
        now,
    )
    # The chat belongs to this participation: whoever held the slot before never shares it.
    if (
        slot.session_type is SessionType.ONE_TO_ONE
        and await uow.conversations.get_by_participant(participant.id) is None
    ):
        await uow.conversations.add(
            Conversation(session_id=participant.session_id, participant_id=participant.id, created_at=now)
        )
    # Stored with the booking, so that a restart loses no reminder.
    session = await uow.sessions.get(participant.session_id)
    if session is not None:
        await schedule_reminders(uow, rules, session=session, slot=slot, tutor=tutor, participant=participant, now=now)
