from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import StatementError

from storage.uow import SqlUnitOfWorkFactory
from tests.storage.factories import NOW, World, add_world, build_world, slot, user


async def test_naive_datetime_is_refused(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        with pytest.raises(StatementError) as raised:
            await uow.users.add(user(1, created_at=datetime(2026, 1, 1, 12, 0)))
    assert isinstance(raised.value.orig, ValueError)
    assert "naive" in str(raised.value.orig)


async def test_other_offsets_are_stored_as_the_same_utc_instant(uow_factory: SqlUnitOfWorkFactory) -> None:
    paris = datetime(2026, 7, 1, 18, 0, 0, 5, tzinfo=ZoneInfo("Europe/Paris"))
    async with uow_factory() as uow:
        await uow.users.add(user(1, created_at=paris))
        await uow.commit()
    async with uow_factory() as uow:
        got = await uow.users.get(1)
    assert got is not None
    assert got.created_at == paris
    assert got.created_at.tzinfo is UTC
    assert got.created_at == datetime(2026, 7, 1, 16, 0, 0, 5, tzinfo=UTC)


async def test_instants_compare_by_time_not_by_written_offset(uow_factory: SqlUnitOfWorkFactory) -> None:
    # 10:30+05:30 is 05:00 UTC, before 06:00 UTC although its wall-clock text sorts later.
    kolkata = ZoneInfo("Asia/Kolkata")
    async with uow_factory() as uow:
        world: World = await add_world(uow)
        early = await uow.slots.add(slot(world.tutor.id, start=datetime(2026, 5, 4, 10, 30, tzinfo=kolkata)))
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.slots.list_for_tutor(
            world.tutor.id, datetime(2026, 5, 4, 0, 0, tzinfo=UTC), datetime(2026, 5, 4, 6, 0, tzinfo=UTC)
        )
    assert [s.id for s in found] == [early.id]
    assert found[0].starts_at == datetime(2026, 5, 4, 5, 0, tzinfo=UTC)


async def test_microseconds_survive(uow_factory: SqlUnitOfWorkFactory) -> None:
    world = await build_world(uow_factory)
    async with uow_factory() as uow:
        got = await uow.slots.get(world.slot.id)
    assert got is not None
    assert got.created_at == NOW
    assert got.starts_at == NOW + timedelta(days=1)
