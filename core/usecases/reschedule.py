"""A student moves a booked lesson to another free time of the same tutor: while cancelling would still
give everything back (the tutor's policy), to a time of the same length, kind and price. The booking
keeps its payment (or credit), its room and its calendar entry (same UID, a later SEQUENCE); the seat
moves in one transaction, the old one freed (to the waitlist first) and the new one taken, never both or
neither; the reminders follow."""

from dataclasses import replace
from datetime import datetime

from core.bookings import booking_price, check_bookable, reschedule_refusal
from core.clock import Clock
from core.entities import BookingView, Slot
from core.enums import ParticipantStatus
from core.errors import Conflict, NotFound, ValidationError
from core.notifications import BookingFacts, BookingMoved, BookingMovedForTutor
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.rules import BusinessRules
from core.usecases.families import acts_for
from core.usecases.outbox import notify
from core.usecases.reminders import schedule_reminders
from core.usecases.waitlist import pass_on_seats


async def _movable(uow: UnitOfWork, user_id: int, participant_id: int, now: datetime) -> BookingView:
    booking = await uow.participants.get_booking(participant_id)
    if booking is None or not await acts_for(uow, user_id, booking.participant.user_id):
        raise NotFound("booking.not_found")
    refused = reschedule_refusal(booking, now)
    if refused is not None:
        raise ValidationError(refused)
    return booking


async def check_reschedulable(uow: UnitOfWork, clock: Clock, *, user_id: int, participant_id: int) -> BookingView:
    async with uow:
        return await _movable(uow, user_id, participant_id, clock.now())


async def reschedule_booking(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: BusinessRules,
    *,
    user_id: int,
    participant_id: int,
    slot_id: int,
) -> BookingView:
    """Move the booking to `slot_id`; the booking as it is now."""
    now = clock.now()
    async with uow_factory() as uow:
        booking = await _movable(uow, user_id, participant_id, now)
        participant = booking.participant
        # One change of a student's bookings at a time (two moves cannot both pass the overlap check).
        await uow.users.lock(participant.user_id)
        slot = await target_for_move(uow, rules, booking, slot_id, now)
        moved = await move_booking(uow, rules, booking, slot, now, seat_held=False)
        await uow.commit()
    return moved


async def target_for_move(
    uow: UnitOfWork, rules: BusinessRules, booking: BookingView, slot_id: int, now: datetime, *, seat_held: bool = False
) -> Slot:
    """The slot the booking may move to, or why not: the same tutor, length, kind and price, on sale, and
    no clash with the student's other bookings."""
    participant, old_slot, tutor = booking.participant, booking.slot, booking.tutor
    slot = await uow.slots.get(slot_id)
    if slot is None or slot.tutor_id != old_slot.tutor_id:
        raise Conflict("booking.taken")
    if slot.id == old_slot.id:
        raise ValidationError("reschedule.same_time")
    if (slot.duration_minutes, slot.session_type) != (old_slot.duration_minutes, old_slot.session_type) or (
        booking_price(tutor, slot) != booking_price(tutor, old_slot)
    ):
        raise ValidationError("reschedule.other_kind")
    session = await uow.sessions.get_by_slot(slot.id)
    check_bookable(slot, tutor, participant.user_id, now, rules, session, held_for_student=seat_held)
    clashes = [
        p
        for p in await uow.participants.overlapping(participant.user_id, slot.starts_at, slot.ends_at)
        if p.id != participant.id
    ]
    if clashes:
        raise Conflict("booking.overlap")
    return slot


async def move_booking(
    uow: UnitOfWork, rules: BusinessRules, booking: BookingView, slot: Slot, now: datetime, *, seat_held: bool
) -> BookingView:
    """In the caller's transaction: the booking moves to `slot` (whose seat is taken here, unless it is
    held for it already), the old seat is freed to the waitlist, and both sides are told."""
    participant, old_slot, tutor = booking.participant, booking.slot, booking.tutor
    # The new seat first: if it is gone, nothing changed.
    if not seat_held and not await uow.slots.take_seat(slot.id):
        raise Conflict("booking.full" if slot.capacity > 1 else "booking.taken")
    new_session = await uow.sessions.get_or_create(slot, now)
    moved = replace(participant, session_id=new_session.id, moves=participant.moves + 1, updated_at=now)
    if not await uow.participants.update_if(moved, ParticipantStatus.BOOKED):
        raise Conflict("reschedule.not_booked")
    await uow.slots.release_seat(old_slot.id)
    await pass_on_seats(uow, rules, old_slot.id, now)
    await uow.conversations.move(participant.id, new_session.id)
    fresh = await uow.slots.get(slot.id)
    assert fresh is not None
    await schedule_reminders(uow, rules, session=new_session, slot=fresh, tutor=tutor, participant=moved, now=now)
    payment = booking.payment
    assert payment is not None
    facts = BookingFacts.of(tutor, fresh, moved, payment)
    key = f"{moved.id}:{moved.moves}"
    await notify(uow, moved.user_id, BookingMoved(booking=facts, was_starts_at=old_slot.starts_at), f"moved:{key}", now)
    student = await uow.users.get(moved.user_id)
    for_tutor = BookingMovedForTutor(
        booking=facts, was_starts_at=old_slot.starts_at, student_name=student.first_name if student else ""
    )
    await notify(uow, tutor.user_id, for_tutor, f"moved-tutor:{key}", now)
    return replace(booking, participant=moved, slot=fresh, session=new_session)
