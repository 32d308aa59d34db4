"""Many students race for the last seats, on SQLite and on PostgreSQL: exactly the capacity is sold,
everyone else gets a clean answer, and no error escapes."""

import asyncio
from datetime import UTC, datetime

import pytest

from core.enums import ParticipantStatus
from core.errors import Conflict
from core.rules import BusinessRules
from core.usecases.bookings import book_slot
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from testkit.payments import InstantGateway
from testkit.people import tutor_and_students

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
RULES = BusinessRules()
BOOKERS = 50


async def setup(uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, capacity: int) -> int:
    slot = await tutor_and_students(uow_factory, clock, BOOKERS, rate=5000, capacity=capacity)
    return slot.id


@pytest.mark.parametrize(("capacity", "refusal"), [(5, "booking.full"), (1, "booking.taken")])
async def test_fifty_bookers_for_the_last_seats(uow_factory: SqlUnitOfWorkFactory, capacity: int, refusal: str) -> None:
    clock = FixedClock(NOW)
    slot_id = await setup(uow_factory, clock, capacity)
    gateway = InstantGateway()

    async def attempt(student: int) -> str:
        try:
            await book_slot(
                uow_factory,
                clock,
                RULES,
                gateway,
                lambda p: f"https://t.me/b?start=paid_{p}",
                user_id=student,
                slot_id=slot_id,
            )
        except Conflict as conflict:
            return conflict.code
        return "booked"

    outcomes = await asyncio.gather(*(attempt(student) for student in range(2, BOOKERS + 2)))
    assert outcomes.count("booked") == capacity
    assert outcomes.count(refusal) == BOOKERS - capacity
    async with uow_factory() as uow:
        slot = await uow.slots.get(slot_id)
        session = await uow.sessions.get_by_slot(slot_id)
        assert slot is not None and session is not None
        participants = await uow.participants.list_for_session(session.id)
    assert slot.seats_taken == capacity
    assert [p.status for p in participants] == [ParticipantStatus.PENDING_PAYMENT] * capacity
    assert len(gateway.sessions) == capacity
