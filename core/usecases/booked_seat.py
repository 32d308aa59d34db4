"""What a booked seat brings: the messages to both sides (with the calendar entries they carry), the 1-to-1
room, and the reminders, all written in the transaction that books it."""

from datetime import datetime

from core.entities import Conversation, Participant, Payment, Slot, TutorProfile
from core.enums import SessionType
from core.notifications import BookingConfirmed, BookingFacts, BookingReceived
from core.ports import UnitOfWork
from core.rules import BusinessRules
from core.usecases.outbox import notify
from core.usecases.reminders import schedule_reminders


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
    booking = BookingFacts.of(tutor, slot, participant, payment)
    await notify(
        uow,
        participant.user_id,
        BookingConfirmed(booking=booking, late=late, live=live),
        f"booking-confirmed:{participant.id}",
        now,
    )
    student = await uow.users.get(participant.user_id)
    # A parent who booked for their child: the tutor sees who booked for whom.
    parent = await uow.users.get(participant.booked_by) if participant.booked_by is not None else None
    await notify(
        uow,
        tutor.user_id,
        BookingReceived(
            booking=booking,
            student_name=student.first_name if student else "",
            note=participant.note,
            booked_by_name=parent.first_name if parent else "",
        ),
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
