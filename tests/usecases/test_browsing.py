"""What a booking screen reads of a tutor: the tutor and the slots a student can book now, in one
transaction, and nothing for a tutor students cannot book."""

from datetime import date, time

import pytest

from core.enums import SessionType, TutorStatus
from core.errors import NotFound
from core.rules import BusinessRules
from core.usecases.browsing import tutor_offer
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from testkit.people import tutor_and_students

RULES = BusinessRules()


async def test_the_offer_is_the_tutor_and_the_open_slots_of_the_kind_asked(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock
) -> None:
    group = await tutor_and_students(uow_factory, clock, 1, capacity=3)
    offer = await tutor_offer(uow_factory(), clock, RULES, group.tutor_id, session_type=None, days=None)
    assert offer.tutor.id == group.tutor_id and [s.id for s in offer.slots] == [group.id]
    only_one_to_one = await tutor_offer(
        uow_factory(), clock, RULES, group.tutor_id, session_type=SessionType.ONE_TO_ONE, days=None
    )
    assert only_one_to_one.slots == []
    # Monday 23 March is three days ahead: a two-day range leaves it out.
    assert (await tutor_offer(uow_factory(), clock, RULES, group.tutor_id, session_type=None, days=2)).slots == []


async def test_a_tutor_students_cannot_book_has_no_offer(uow_factory: SqlUnitOfWorkFactory, clock: FixedClock) -> None:
    slot = await tutor_and_students(uow_factory, clock, 1, day=date(2026, 3, 24), start=time(9))
    # An admin withdrew the approval.
    async with uow_factory() as uow:
        assert await uow.tutors.set_status_if(
            slot.tutor_id, TutorStatus.APPROVED, TutorStatus.REJECTED, 99, clock.now()
        )
        await uow.commit()
    with pytest.raises(NotFound):
        await tutor_offer(uow_factory(), clock, RULES, slot.tutor_id, session_type=None, days=None)
    with pytest.raises(NotFound):
        await tutor_offer(uow_factory(), clock, RULES, 404, session_type=None, days=None)
