"""A tutor's proposal of another time: only the lesson's tutor makes it, its seat is held meanwhile; the
student accepts (the booking moves, keeping its payment) or declines (cancelled and refunded in full,
whatever the policy); unanswered, it lapses and the lesson stays."""

from datetime import date, time, timedelta

import pytest

from core.availability import SlotSpec
from core.enums import MoveProposalStatus, ParticipantStatus, PaymentStatus, SessionType
from core.errors import Conflict, NotFound, ValidationError
from core.notifications import NotificationKind
from core.rules import BusinessRules
from core.usecases.availability import add_slot
from core.usecases.bookings import book_slot
from core.usecases.move_proposals import answer_move, expire_move_proposals, move_choices, propose_move
from core.usecases.payments import reconcile_payments
from integrations.stripe_gateway import StripeGateway
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from testkit.people import add_tutor_profile, tutor_and_students
from testkit.stripe import FakeStripe

RULES = BusinessRules()
TUTOR, ANN, BOB = 1, 2, 3


def _link(participant_id: int) -> str:
    return f"https://t.me/b?start=paid_{participant_id}"


async def _paid_lesson(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> tuple[int, int, int]:
    """Ann's paid lesson on Monday, and two other free times of the tutor (Wednesday, and a longer one)."""
    first = await tutor_and_students(uow_factory, clock, 2, rate=6000)
    times = []
    for day, minutes in ((25, 60), (26, 90)):
        spec = SlotSpec(
            day=date(2026, 3, day), start=time(16), minutes=minutes, session_type=SessionType.ONE_TO_ONE, capacity=1
        )
        times.append((await add_slot(uow_factory(), clock, RULES, user_id=TUTOR, spec=spec)).id)
    booked = await book_slot(uow_factory, clock, RULES, gateway, _link, user_id=ANN, slot_id=first.id)
    await stripe.pay(booked.payment.checkout_session_id or "", deliver=False)
    clock.advance(minutes=2)
    assert await reconcile_payments(uow_factory, clock, RULES, gateway) == 1
    return booked.participant.id, times[0], first.id


async def _seats(uow_factory: SqlUnitOfWorkFactory, slot_id: int) -> int:
    async with uow_factory() as uow:
        slot = await uow.slots.get(slot_id)
    assert slot is not None
    return slot.seats_taken


async def test_a_student_accepts_the_tutors_time(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    ann, wednesday, monday = await _paid_lesson(uow_factory, clock, stripe, gateway)
    # The same length and price only; nobody but the tutor proposes.
    choices = await move_choices(uow_factory(), clock, RULES, user_id=TUTOR, participant_id=ann)
    assert [s.id for s in choices.slots] == [wednesday]
    with pytest.raises(NotFound):
        await propose_move(uow_factory(), clock, RULES, user_id=ANN, participant_id=ann, slot_id=wednesday)
    proposal = await propose_move(uow_factory(), clock, RULES, user_id=TUTOR, participant_id=ann, slot_id=wednesday)
    assert await _seats(uow_factory, wednesday) == 1
    with pytest.raises(ValidationError, match=r"reschedule\.proposal_open"):
        await propose_move(uow_factory(), clock, RULES, user_id=TUTOR, participant_id=ann, slot_id=wednesday)
    with pytest.raises(NotFound):
        await answer_move(uow_factory, clock, RULES, gateway, user_id=BOB, proposal_id=proposal.id, accept=True)
    moved = await answer_move(uow_factory, clock, RULES, gateway, user_id=ANN, proposal_id=proposal.id, accept=True)
    assert moved.slot.id == wednesday and moved.participant.moves == 1
    assert (await _seats(uow_factory, monday), await _seats(uow_factory, wednesday)) == (0, 1)
    async with uow_factory() as uow:
        payment = await uow.payments.get_by_participant(ann)
    assert payment is not None and payment.status is PaymentStatus.PAID and stripe.refunds == {}
    # Answered: a second tap changes nothing.
    with pytest.raises(Conflict):
        await answer_move(uow_factory, clock, RULES, gateway, user_id=ANN, proposal_id=proposal.id, accept=False)


async def test_a_decline_refunds_in_full_whatever_the_policy(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    ann, wednesday, monday = await _paid_lesson(uow_factory, clock, stripe, gateway)
    await add_tutor_profile(uow_factory, clock, RULES, TUTOR, rate=6000, refund_policy="72:100")
    proposal = await propose_move(uow_factory(), clock, RULES, user_id=TUTOR, participant_id=ann, slot_id=wednesday)
    # Inside the tiers that give nothing back, the tutor asked for the change: all of it comes back.
    clock.current = clock.now().replace(day=23, hour=10)
    await answer_move(uow_factory, clock, RULES, gateway, user_id=ANN, proposal_id=proposal.id, accept=False)
    assert [r["amount"] for r in stripe.refunds.values()] == [6000]
    assert (await _seats(uow_factory, monday), await _seats(uow_factory, wednesday)) == (0, 0)
    async with uow_factory() as uow:
        participant = await uow.participants.get(ann)
        messages = [await uow.outbox.get(i) for i in range(1, 40)]
    assert participant is not None and participant.status is ParticipantStatus.CANCELLED
    assert NotificationKind.MOVE_DECLINED in [m.kind for m in messages if m is not None and m.recipient_id == TUTOR]


async def test_an_unanswered_proposal_lapses_and_the_lesson_stays(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    ann, wednesday, monday = await _paid_lesson(uow_factory, clock, stripe, gateway)
    proposal = await propose_move(uow_factory(), clock, RULES, user_id=TUTOR, participant_id=ann, slot_id=wednesday)
    assert await expire_move_proposals(uow_factory, clock, RULES) == 0
    clock.current = proposal.expires_at + timedelta(seconds=1)
    assert await expire_move_proposals(uow_factory, clock, RULES) == 1
    assert await expire_move_proposals(uow_factory, clock, RULES) == 0
    async with uow_factory() as uow:
        stored = await uow.move_proposals.get(proposal.id)
        participant = await uow.participants.get(ann)
    assert stored is not None and stored.status is MoveProposalStatus.EXPIRED
    assert participant is not None and participant.status is ParticipantStatus.BOOKED
    assert (await _seats(uow_factory, monday), await _seats(uow_factory, wednesday)) == (1, 0)
    with pytest.raises(Conflict):
        await answer_move(uow_factory, clock, RULES, gateway, user_id=ANN, proposal_id=proposal.id, accept=True)
