"""Moving a booking on SQLite and on PostgreSQL: the seat moves in one transaction, the booking keeps its
payment, and two students moving to the last seat at once leave exactly one there and the other where
they were."""

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import pytest

from core.availability import SlotSpec
from core.enums import ParticipantStatus, PaymentStatus, SessionType
from core.errors import Conflict, NotFound, ValidationError
from core.rules import BusinessRules
from core.usecases.availability import add_slot
from core.usecases.bookings import book_slot
from core.usecases.reschedule import reschedule_booking
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from testkit.payments import InstantGateway
from testkit.people import add_tutor_profile, tutor_and_students

RULES = BusinessRules()
NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
TUTOR, ANN, BOB, CY = 1, 2, 3, 4


def _link(participant_id: int) -> str:
    return f"https://t.me/b?start=paid_{participant_id}"


async def _slot(uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, day: int, minutes: int = 60) -> int:
    spec = SlotSpec(
        day=date(2026, 3, day), start=time(16), minutes=minutes, session_type=SessionType.ONE_TO_ONE, capacity=1
    )
    return (await add_slot(uow_factory(), clock, RULES, user_id=TUTOR, spec=spec)).id


async def _seats(uow_factory: SqlUnitOfWorkFactory, *slot_ids: int) -> list[int]:
    async with uow_factory() as uow:
        return [(await uow.slots.get(slot_id)).seats_taken for slot_id in slot_ids]  # type: ignore[union-attr]


async def test_a_booking_moves_with_its_payment_and_refusals_change_nothing(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock(NOW)
    first = await tutor_and_students(uow_factory, clock, 3, rate=0)
    later, longer = await _slot(uow_factory, clock, 25), await _slot(uow_factory, clock, 26, minutes=90)
    gateway = InstantGateway()
    ann = (await book_slot(uow_factory, clock, RULES, gateway, _link, user_id=ANN, slot_id=first.id)).participant
    # Someone else's booking, the same time, another length: refused, nothing moves.
    with pytest.raises(NotFound):
        await reschedule_booking(uow_factory, clock, RULES, user_id=BOB, participant_id=ann.id, slot_id=later)
    with pytest.raises(ValidationError, match=r"reschedule\.same_time"):
        await reschedule_booking(uow_factory, clock, RULES, user_id=ANN, participant_id=ann.id, slot_id=first.id)
    with pytest.raises(ValidationError, match=r"reschedule\.other_kind"):
        await reschedule_booking(uow_factory, clock, RULES, user_id=ANN, participant_id=ann.id, slot_id=longer)
    assert await _seats(uow_factory, first.id, later, longer) == [1, 0, 0]
    moved = await reschedule_booking(uow_factory, clock, RULES, user_id=ANN, participant_id=ann.id, slot_id=later)
    assert (moved.participant.id, moved.participant.moves, moved.slot.id) == (ann.id, 1, later)
    assert await _seats(uow_factory, first.id, later, longer) == [0, 1, 0]
    async with uow_factory() as uow:
        payment = await uow.payments.get_by_participant(ann.id)
        stored = await uow.participants.get(ann.id)
    assert payment is not None and payment.status is PaymentStatus.PAID
    assert stored is not None and stored.status is ParticipantStatus.BOOKED and stored.moves == 1
    # Under a policy that keeps money back from 24 hours before, a move then is refused.
    await add_tutor_profile(uow_factory, clock, RULES, TUTOR, rate=0, refund_policy="24:100")
    clock.current = moved.slot.starts_at - timedelta(hours=23)
    with pytest.raises(ValidationError, match=r"reschedule\.too_late"):
        await reschedule_booking(uow_factory, clock, RULES, user_id=ANN, participant_id=ann.id, slot_id=longer)


async def test_two_students_moving_to_the_last_seat_at_once(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock(NOW)
    first = await tutor_and_students(uow_factory, clock, 3, rate=0)
    second, target = await _slot(uow_factory, clock, 24), await _slot(uow_factory, clock, 25)
    gateway = InstantGateway()
    ann = (await book_slot(uow_factory, clock, RULES, gateway, _link, user_id=ANN, slot_id=first.id)).participant
    bob = (await book_slot(uow_factory, clock, RULES, gateway, _link, user_id=BOB, slot_id=second)).participant
    results = await asyncio.gather(
        *(
            reschedule_booking(uow_factory, clock, RULES, user_id=who, participant_id=p.id, slot_id=target)
            for who, p in ((ANN, ann), (BOB, bob))
        ),
        return_exceptions=True,
    )
    moved = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(moved) == 1 and len(refused) == 1 and isinstance(refused[0], Conflict)
    seats = await _seats(uow_factory, first.id, second, target)
    # The winner's old seat is free; the loser still holds theirs; the target has one.
    assert sum(seats) == 2 and seats[2] == 1
