"""Reminders and start alerts (spec 002 §9, spec 000 §6): stored when a booking is confirmed so that a
restart loses none, sent by a job that claims each one with a conditional update in the same transaction
as its message, so that several processes send each exactly once. Nothing is sent for a booking or a
session that no longer stands, and an offset already past at booking time is never stored."""

from datetime import datetime, timedelta

from core.clock import Clock
from core.entities import Notification, Participant, Reminder, Slot, TeachingSession, TutorProfile
from core.enums import ParticipantStatus, ReminderKind, ReminderStatus, SessionStatus
from core.notifications import Message, SessionFacts, SessionReminder, SessionStarting, StartAlert
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.rules import BusinessRules
from core.usecases.availability import extend_patterns
from core.usecases.outbox import notification, queue


async def schedule_reminders(
    uow: UnitOfWork,
    rules: BusinessRules,
    *,
    session: TeachingSession,
    slot: Slot,
    tutor: TutorProfile,
    participant: Participant,
    now: datetime,
) -> None:
    """Within the booking's transaction."""

    async def store(recipient: int, kind: ReminderKind, offset: int, participant_id: int | None) -> None:
        due = slot.starts_at - timedelta(minutes=offset)
        # An offset already past when booking: no reminder arriving right after the booking.
        if due > now:
            await uow.reminders.add(
                Reminder(
                    session_id=session.id,
                    recipient_id=recipient,
                    participant_id=participant_id,
                    kind=kind,
                    offset_minutes=offset,
                    due_at=due,
                    created_at=now,
                )
            )

    if participant.reminders_enabled:
        for offset in rules.reminder_offsets_minutes:
            await store(participant.user_id, ReminderKind.REMINDER, offset, participant.id)
    await store(participant.user_id, ReminderKind.START_ALERT, rules.start_window_minutes, participant.id)
    # One alert for the tutor per session, whoever books (the store ignores a second one).
    await store(tutor.user_id, ReminderKind.START_ALERT, rules.start_window_minutes, None)


async def send_due_reminders(
    uow_factory: UnitOfWorkFactory, clock: Clock, rules: BusinessRules, limit: int = 200
) -> int:
    """Everything due, in batches of `limit`: a backlog (thousands due at the same hour, or after a
    restart) goes to the outbox in one run instead of `limit` per run."""
    now = clock.now()
    sent = 0
    while True:
        async with uow_factory() as uow:
            due = await uow.reminders.list_due(now, limit)
        settled = 0
        for reminder in due:
            outcome = await _send_one(uow_factory, reminder, now)
            if outcome is not None:
                settled += 1
                sent += outcome
        # A batch another worker settled first is not progress of ours; stop rather than spin.
        if len(due) < limit or settled == 0:
            return sent


async def _send_one(uow_factory: UnitOfWorkFactory, reminder: Reminder, now: datetime) -> int | None:
    """1 if sent, 0 if dropped (the booking no longer stands), None if another worker had settled it."""
    async with uow_factory() as uow:
        session = await uow.sessions.get(reminder.session_id)
        slot = await uow.slots.get(session.slot_id) if session else None
        tutor = await uow.tutors.get(session.tutor_id) if session else None
        participant = await uow.participants.get(reminder.participant_id) if reminder.participant_id else None
        stands = (
            session is not None
            and slot is not None
            and tutor is not None
            and session.status is SessionStatus.SCHEDULED
            and slot.starts_at > now
            and (
                reminder.participant_id is None
                or (
                    participant is not None
                    and participant.status is ParticipantStatus.BOOKED
                    # A booking moved to another time has that time's reminders instead.
                    and participant.session_id == reminder.session_id
                )
            )
            and not (
                reminder.kind is ReminderKind.REMINDER and participant is not None and not participant.reminders_enabled
            )
        )
        status = ReminderStatus.SENT if stands else ReminderStatus.DROPPED
        # The claim and the message commit together: a second worker's claim fails and sends nothing.
        if not await uow.reminders.settle(reminder.id, status, now):
            return None
        if stands:
            assert session is not None and slot is not None and tutor is not None
            await queue(uow, _message(reminder, session, slot, tutor, now), now)
        await uow.commit()
    return 1 if stands else 0


def _message(
    reminder: Reminder, session: TeachingSession, slot: Slot, tutor: TutorProfile, now: datetime
) -> Notification:
    facts = SessionFacts.of(tutor, slot, session.id)
    message: Message
    if reminder.kind is ReminderKind.REMINDER:
        message = SessionReminder(
            session=facts,
            minutes_before=reminder.offset_minutes,
            participant_id=reminder.participant_id,
            # Cancelling is possible until the start; its confirmation says what comes back.
            cancellable=now < slot.starts_at,
        )
    elif reminder.participant_id is None:
        message = StartAlert(session=facts, minutes_before=reminder.offset_minutes)
    else:
        message = SessionStarting(session=facts, minutes_before=reminder.offset_minutes)
    return notification(reminder.recipient_id, message, f"reminder:{reminder.id}")


async def daily_cleanup(uow_factory: UnitOfWorkFactory, clock: Clock, rules: BusinessRules) -> dict[str, int]:
    """Spec 002 §1.3: past slots nobody booked are deleted (booked slots and their history stay), and the
    weekly patterns fill the day that entered the window."""
    now = clock.now()
    async with uow_factory() as uow:
        deleted = await uow.slots.delete_past_unbooked(now)
        await uow.commit()
    return {"deleted": deleted, "created": await extend_patterns(uow_factory, clock, rules)}
