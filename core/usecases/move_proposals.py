"""A tutor proposes another time for a student's 1-to-1 lesson (see `core.move_proposals`): the tutor's
choices, the proposal (its seat held), the student's answer, and the job that lets unanswered proposals
lapse."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.bookings import booking_price
from core.clock import Clock
from core.entities import BookingView, Slot
from core.enums import MoveProposalStatus, ParticipantStatus, SessionStatus, SessionType
from core.errors import Conflict, NotFound, ValidationError
from core.move_proposals import MoveProposal
from core.notifications import BookingFacts, MoveDeclined, MoveLapsed, MoveProposed
from core.payments import PaymentGateway
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.rules import BusinessRules
from core.usecases.families import acts_for
from core.usecases.outbox import notify
from core.usecases.reschedule import move_booking, target_for_move
from core.usecases.seat_release import free_seats
from core.usecases.waitlist import pass_on_seats

MAX_CHOICES = 8


async def _tutors_booking(uow: UnitOfWork, user_id: int, participant_id: int, now: datetime) -> BookingView:
    booking = await uow.participants.get_booking(participant_id)
    # Another tutor's booking is reported like a missing one.
    if booking is None or booking.tutor.user_id != user_id:
        raise NotFound("booking.not_found")
    if booking.participant.status is not ParticipantStatus.BOOKED:
        raise ValidationError("reschedule.not_booked")
    if booking.slot.starts_at <= now or booking.session.status is not SessionStatus.SCHEDULED:
        raise ValidationError("cancel.started")
    if booking.slot.session_type is not SessionType.ONE_TO_ONE:
        # A group moves as a whole: the tutor cancels the session and opens another time.
        raise ValidationError("reschedule.group")
    return booking


@dataclass(frozen=True, slots=True)
class MoveChoices:
    booking: BookingView
    slots: list[Slot]


async def move_choices(
    uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, user_id: int, participant_id: int
) -> MoveChoices:
    """The tutor's free times the lesson could move to: the same length, kind and price."""
    now = clock.now()
    async with uow:
        booking = await _tutors_booking(uow, user_id, participant_id, now)
        if await uow.move_proposals.open_for(participant_id) is not None:
            raise ValidationError("reschedule.proposal_open")
        horizon = now + timedelta(days=rules.booking_window_days + 1)
        free = await uow.slots.list_open(booking.tutor.id, now, horizon)
    same = [
        s
        for s in free
        if s.id != booking.slot.id
        and (s.duration_minutes, s.session_type) == (booking.slot.duration_minutes, booking.slot.session_type)
        and booking_price(booking.tutor, s) == booking_price(booking.tutor, booking.slot)
    ]
    return MoveChoices(booking, same[:MAX_CHOICES])


async def propose_move(
    uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, user_id: int, participant_id: int, slot_id: int
) -> MoveProposal:
    """The tutor proposes `slot_id`: its seat is held for the student until they answer, until the lesson
    would have started, or until the new time's own booking notice, whichever comes first."""
    now = clock.now()
    async with uow:
        booking = await _tutors_booking(uow, user_id, participant_id, now)
        if await uow.move_proposals.open_for(participant_id) is not None:
            raise ValidationError("reschedule.proposal_open")
        slot = await target_for_move(uow, rules, booking, slot_id, now)
        if not await uow.slots.take_seat(slot.id):
            raise Conflict("booking.taken")
        answer_by = min(booking.slot.starts_at, slot.book_by or slot.starts_at)
        proposal = await uow.move_proposals.add(
            MoveProposal(
                participant_id=participant_id,
                from_slot_id=booking.slot.id,
                to_slot_id=slot.id,
                expires_at=answer_by,
                created_at=now,
            )
        )
        assert booking.payment is not None
        facts = BookingFacts.of(booking.tutor, booking.slot, booking.participant, booking.payment)
        message = MoveProposed(booking=facts, proposal_id=proposal.id, to_starts_at=slot.starts_at, answer_by=answer_by)
        await notify(uow, booking.participant.user_id, message, f"move-proposed:{proposal.id}", now)
        await uow.commit()
    return proposal


async def answer_move(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: BusinessRules,
    gateway: PaymentGateway,
    *,
    user_id: int,
    proposal_id: int,
    accept: bool,
) -> BookingView:
    """The student (or their parent) accepts: the lesson moves to the held seat. Declines: the held seat
    goes back, and the lesson is cancelled with a full refund, the tutor having asked for the change."""
    now = clock.now()
    async with uow_factory() as uow:
        proposal = await uow.move_proposals.get(proposal_id)
        booking = await uow.participants.get_booking(proposal.participant_id) if proposal is not None else None
        if proposal is None or booking is None or not await acts_for(uow, user_id, booking.participant.user_id):
            raise NotFound("reschedule.proposal_not_found")
        if not proposal.open_at(now):
            raise Conflict("reschedule.proposal_over")
        status = MoveProposalStatus.ACCEPTED if accept else MoveProposalStatus.DECLINED
        if not await uow.move_proposals.update_if(proposal.decided(status, now), MoveProposalStatus.PROPOSED):
            raise Conflict("reschedule.proposal_over")
        if accept:
            slot = await target_for_move(uow, rules, booking, proposal.to_slot_id, now, seat_held=True)
            result = await move_booking(uow, rules, booking, slot, now, seat_held=True)
            await uow.commit()
            return result
        await uow.slots.release_seat(proposal.to_slot_id)
        await pass_on_seats(uow, rules, proposal.to_slot_id, now)
        freed = await free_seats(uow, [booking.participant], now, release_seats=True, slot_id=booking.slot.id)
        await pass_on_seats(uow, rules, booking.slot.id, now)
        await uow.conversations.close(booking.session.id, now, participant_id=booking.participant.id)
        [seat] = freed.seats
        student = await uow.users.get(booking.participant.user_id)
        facts = BookingFacts.of(booking.tutor, booking.slot, seat.cancelled, seat.payment or booking.payment)  # type: ignore[arg-type]
        declined = MoveDeclined(
            booking=facts, student_name=student.first_name if student else "", refund_minor=seat.refund_minor
        )
        await notify(uow, booking.tutor.user_id, declined, f"move-declined:{proposal.id}", now)
        await uow.commit()
    await freed.settle(uow_factory, clock, rules, gateway)
    return booking


async def expire_move_proposals(
    uow_factory: UnitOfWorkFactory, clock: Clock, rules: BusinessRules, *, batch: int = 100
) -> int:
    """Proposals nobody answered in time: the held seat goes back, the lesson stays, the tutor is told."""
    now = clock.now()
    lapsed = 0
    async with uow_factory() as uow:
        for proposal in await uow.move_proposals.lapsed(now, batch):
            if not await uow.move_proposals.update_if(
                proposal.decided(MoveProposalStatus.EXPIRED, now), MoveProposalStatus.PROPOSED
            ):
                continue
            lapsed += 1
            await uow.slots.release_seat(proposal.to_slot_id)
            await pass_on_seats(uow, rules, proposal.to_slot_id, now)
            booking = await uow.participants.get_booking(proposal.participant_id)
            target = await uow.slots.get(proposal.to_slot_id)
            if booking is not None and booking.payment is not None and target is not None:
                student = await uow.users.get(booking.participant.user_id)
                facts = BookingFacts.of(booking.tutor, booking.slot, booking.participant, booking.payment)
                message = MoveLapsed(
                    booking=facts, student_name=student.first_name if student else "", to_starts_at=target.starts_at
                )
                await notify(uow, booking.tutor.user_id, message, f"move-lapsed:{proposal.id}", now)
        await uow.commit()
    return lapsed
