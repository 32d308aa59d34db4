"""One active booking per student and session, enforced by a partial unique index."""

import dataclasses

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from core.enums import ParticipantStatus
from core.errors import Conflict
from storage.tables import participants
from storage.uow import SqlUnitOfWorkFactory
from tests.storage.factories import NOW, build_world, participant


async def test_a_second_active_booking_is_refused(uow_factory: SqlUnitOfWorkFactory) -> None:
    world = await build_world(uow_factory, capacity=5)
    student = world.students[0]
    async with uow_factory() as uow:
        first = await uow.participants.add(participant(world.session.id, student.id))
        await uow.commit()

    for status in (ParticipantStatus.PENDING_PAYMENT, ParticipantStatus.BOOKED):
        async with uow_factory() as uow:
            with pytest.raises(Conflict) as raised:
                await uow.participants.add(participant(world.session.id, student.id, status=status))
            assert raised.value.code == "booking.already_booked"
            # Nothing was written and the transaction is still usable.
            listed = await uow.participants.list_for_session(world.session.id)
            assert [p.id for p in listed] == [first.id]

    # Another student, or the same student in another session, is fine.
    async with uow_factory() as uow:
        await uow.participants.add(participant(world.session.id, world.students[1].id))
        await uow.commit()


async def test_the_index_itself_rejects_a_raw_duplicate(uow_factory: SqlUnitOfWorkFactory) -> None:
    world = await build_world(uow_factory)
    row = {
        "session_id": world.session.id,
        "user_id": world.students[0].id,
        "status": ParticipantStatus.BOOKED.value,
        "reminders_enabled": True,
        "created_at": NOW,
        "updated_at": NOW,
    }
    async with uow_factory() as uow:
        await uow.connection.execute(insert(participants).values(**row))
        with pytest.raises(IntegrityError):
            await uow.connection.execute(
                insert(participants).values(**{**row, "status": ParticipantStatus.PENDING_PAYMENT.value})
            )


async def test_a_new_booking_is_allowed_once_the_first_is_inactive(uow_factory: SqlUnitOfWorkFactory) -> None:
    world = await build_world(uow_factory)
    student = world.students[0]
    async with uow_factory() as uow:
        first = await uow.participants.add(participant(world.session.id, student.id))
        await uow.commit()

    inactive = (ParticipantStatus.CANCELLED, ParticipantStatus.EXPIRED, ParticipantStatus.NO_SHOW)
    current = first
    for status in inactive:
        async with uow_factory() as uow:
            await uow.participants.update(dataclasses.replace(current, status=status, cancelled_at=NOW))
            current = await uow.participants.add(participant(world.session.id, student.id))
            await uow.commit()

    async with uow_factory() as uow:
        listed = await uow.participants.list_for_session(world.session.id)
    assert [p.status for p in listed] == [*inactive, ParticipantStatus.PENDING_PAYMENT]

    # Reviving an old row while another one is active breaks the rule.
    async with uow_factory() as uow:
        with pytest.raises(IntegrityError):
            await uow.participants.update(dataclasses.replace(listed[0], status=ParticipantStatus.BOOKED))
