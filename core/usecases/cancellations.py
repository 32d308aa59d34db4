"""Cancellations (spec 002 §3): a student cancels a booking, a tutor cancels a session. A student gets
back what the tutor's policy gives at that moment (core.refund_policy); a tutor's cancellation refunds
every seat in full. Refunds go through REFUND_PENDING so that none is lost when Stripe fails, and their
idempotency keys make sure none is paid twice."""

from dataclasses import dataclass, replace
from datetime import datetime

from core.bookings import clean_cancel_reason, refund_policy_of, student_may_cancel
from core.clock import Clock
from core.entities import BookingView, Participant, Payment, Slot, TeachingSession, TutorProfile
from core.enums import ParticipantStatus, PaymentStatus, SessionStatus
from core.errors import Forbidden, NotFound, ValidationError
from core.notifications import (
    BookingCancelled,
    BookingFacts,
    CancelledByStudent,
    SessionCancelled,
    SessionCancelledForTutor,
)
from core.payments import CREDIT, PaymentGateway
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.refund_policy import share
from core.rules import BusinessRules
from core.usecases.bookings import get_booking
from core.usecases.families import acts_for
from core.usecases.outbox import notify
from core.usecases.seat_release import free_seats, refundable
from core.usecases.waitlist import pass_on_seats


@dataclass(frozen=True, slots=True)
class CancelQuote:
    """What cancelling would do, shown before the student confirms."""

    booking: BookingView
    refund_minor: int
    currency: str
    # Paid with a package's credit: the lesson goes back to the package instead of money.
    credit_back: bool = False
    # The share of the price that comes back under the tutor's policy, and what paid for the seat.
    percent: int = 100
    paid_minor: int = 0
    paid_with_credit: bool = False
    # When what comes back goes down next, and to what share (None: not before the start).
    next_drop: tuple[datetime, int] | None = None


def _check_student_may_cancel(booking: BookingView, now: datetime) -> None:
    refused = student_may_cancel(booking, now)
    if refused is not None:
        raise ValidationError(refused)


def _quote(booking: BookingView, now: datetime) -> CancelQuote:
    """What the tutor's policy gives back if the student cancels at `now`. An unpaid hold costs nothing."""
    payment = booking.payment
    held = booking.participant.status is ParticipantStatus.BOOKED
    policy = refund_policy_of(booking.tutor)
    percent = policy.percent_at(booking.slot.starts_at, now) if held else 100
    with_credit = _paid_with_credit(payment)
    return CancelQuote(
        booking,
        share(refundable(payment), percent),
        payment.currency if payment else booking.tutor.currency,
        credit_back=with_credit and percent == 100,
        percent=percent,
        paid_minor=refundable(payment),
        paid_with_credit=with_credit,
        next_drop=policy.next_drop(booking.slot.starts_at, now) if held else None,
    )


async def quote_cancellation(uow: UnitOfWork, clock: Clock, *, user_id: int, participant_id: int) -> CancelQuote:
    booking = await get_booking(uow, user_id=user_id, participant_id=participant_id)
    now = clock.now()
    _check_student_may_cancel(booking, now)
    return _quote(booking, now)


def _paid_with_credit(payment: Payment | None) -> bool:
    return payment is not None and payment.provider == CREDIT and payment.status is PaymentStatus.PAID


async def cancel_booking(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: BusinessRules,
    gateway: PaymentGateway,
    *,
    user_id: int,
    participant_id: int,
) -> CancelQuote:
    """The student's own cancellation: the seat reopens, the tutor is told, the payment is refunded."""
    now = clock.now()
    async with uow_factory() as uow:
        booking = await uow.participants.get_booking(participant_id)
        # The student, or a parent of theirs; anyone else sees what a missing booking would give.
        if booking is None or not await acts_for(uow, user_id, booking.participant.user_id):
            raise NotFound("booking.not_found")
        _check_student_may_cancel(booking, now)
        quote = _quote(booking, now)
        participant = booking.participant
        freed = await free_seats(
            uow, [participant], now, release_seats=True, slot_id=booking.slot.id, refund_percent=quote.percent
        )
        if not freed.seats:
            # A confirmation or an expiry that just happened wins, and the student tries again.
            raise ValidationError("cancel.not_active")
        [seat] = freed.seats
        cancelled, payment = seat.cancelled, seat.payment
        # The freed seat goes to the first person on the waitlist, held for them.
        await pass_on_seats(uow, rules, booking.slot.id, now)
        # Whoever cancels leaves the room at once; the tutor keeps it, read-only.
        await uow.conversations.close(booking.session.id, now, participant_id=participant.id)
        if participant.status is ParticipantStatus.BOOKED:
            student = await uow.users.get(participant.user_id)
            facts = BookingFacts.of(booking.tutor, booking.slot, cancelled, payment or _no_payment(participant, now))
            await notify(
                uow,
                booking.tutor.user_id,
                CancelledByStudent(booking=facts, student_name=student.first_name if student else ""),
                f"cancelled-by-student:{participant.id}",
                now,
            )
            # The booking's calendar entry goes too.
            await notify(uow, user_id, BookingCancelled(booking=facts), f"booking-cancelled:{participant.id}", now)
        await uow.commit()
    await freed.settle(uow_factory, clock, rules, gateway)
    return replace(
        quote,
        booking=replace(booking, participant=cancelled, payment=payment),
        refund_minor=seat.refund_minor,
        credit_back=seat.credit_returned,
    )


def _no_payment(participant: Participant, now: datetime) -> Payment:
    return Payment(participant_id=participant.id, amount_minor=0, currency="EUR", created_at=now, updated_at=now)


@dataclass(frozen=True, slots=True)
class SessionCancellation:
    session: TeachingSession
    slot: Slot
    # (participant, refund in minor units) for every person who held a seat.
    participants: list[tuple[Participant, int]]
    currency: str


async def _tutor_session(
    uow: UnitOfWork, rules: BusinessRules, user_id: int, session_id: int
) -> tuple[TeachingSession, Slot, TutorProfile]:
    session = await uow.sessions.get(session_id)
    if session is None:
        raise NotFound("session.not_found")
    tutor = await uow.tutors.get(session.tutor_id)
    slot = await uow.slots.get(session.slot_id)
    assert tutor is not None and slot is not None
    if tutor.user_id != user_id and not rules.is_admin(user_id):
        # Not the tutor's: reported like a missing session, unless an admin asks.
        raise NotFound("session.not_found")
    return session, slot, tutor


async def session_for_slot(uow: UnitOfWork, *, user_id: int, slot_id: int) -> int | None:
    """The session of one of the tutor's slots, to offer cancelling it when the slot cannot change."""
    async with uow:
        tutor = await uow.tutors.get_by_user(user_id)
        slot = await uow.slots.get(slot_id)
        if tutor is None or slot is None or slot.tutor_id != tutor.id:
            return None
        session = await uow.sessions.get_by_slot(slot_id)
    return session.id if session is not None else None


async def preview_session_cancellation(
    uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, user_id: int, session_id: int
) -> SessionCancellation:
    async with uow:
        session, slot, tutor = await _tutor_session(uow, rules, user_id, session_id)
        _check_session_cancellable(session, slot, clock.now())
        participants = [p for p in await uow.participants.list_for_session(session.id) if p.status.holds_seat]
        refunds = [(p, refundable(await uow.payments.get_by_participant(p.id))) for p in participants]
    return SessionCancellation(session, slot, refunds, tutor.currency)


def _check_session_cancellable(session: TeachingSession, slot: Slot, now: datetime) -> None:
    if session.status is SessionStatus.CANCELLED:
        raise ValidationError("session.already_cancelled")
    if session.status is not SessionStatus.SCHEDULED or slot.starts_at <= now:
        raise ValidationError("cancel.started")


async def cancel_session(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: BusinessRules,
    gateway: PaymentGateway,
    *,
    user_id: int,
    session_id: int,
    reason: str | None,
) -> SessionCancellation:
    """The tutor (or an admin) cancels a session: every participant is refunded in full and told why."""
    reason = clean_cancel_reason(reason)
    now = clock.now()
    booked: tuple[BookingFacts, str] | None = None
    async with uow_factory() as uow:
        session, slot, tutor = await _tutor_session(uow, rules, user_id, session_id)
        if tutor.user_id != user_id and not rules.is_admin(user_id):
            raise Forbidden("session.not_yours")
        _check_session_cancellable(session, slot, now)
        session = session.cancel(now, reason)
        await uow.sessions.update(session)
        await uow.conversations.close(session.id, now)
        participants = await uow.participants.list_for_session(session.id)
        freed = await free_seats(uow, participants, now, release_seats=True, slot_id=slot.id)
        for seat in freed.seats:
            facts = BookingFacts.of(tutor, slot, seat.cancelled, seat.payment or _no_payment(seat.was, now))
            was_booked = seat.was.status is ParticipantStatus.BOOKED
            if was_booked:
                student = await uow.users.get(seat.was.user_id)
                booked = (facts, student.first_name if student else "")
            await notify(
                uow,
                seat.was.user_id,
                SessionCancelled(
                    booking=facts,
                    reason=reason,
                    refund_minor=seat.refund_minor,
                    was_booked=was_booked,
                    credit_back=seat.credit_returned,
                ),
                f"session-cancelled:{session.id}:{seat.was.id}",
                now,
            )
        result = [(seat.cancelled, seat.refund_minor) for seat in freed.seats]
        if booked is not None:
            # The tutor's calendar entry of the session goes too (only booked seats ever sent one).
            facts, student_name = booked
            await notify(
                uow,
                tutor.user_id,
                SessionCancelledForTutor(
                    booking=facts,
                    student_name=student_name,
                    participants=len(result),
                    refund_minor=sum(refund for _p, refund in result),
                ),
                f"session-cancelled-tutor:{session.id}",
                now,
            )
        await uow.commit()
    await freed.settle(uow_factory, clock, rules, gateway)
    return SessionCancellation(session, slot, result, tutor.currency)
