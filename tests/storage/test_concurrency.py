"""Races between concurrent units of work, each on its own connection.

On SQLite every transaction begins with BEGIN IMMEDIATE, so writers queue up behind the write lock; on
PostgreSQL row locks and unique indexes decide. Either way exactly the expected number of winners.
"""

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from core.entities import Notification
from storage.tables import outbox, slots
from storage.uow import SqlUnitOfWorkFactory
from tests.storage.factories import NOW, build_world


async def test_concurrent_read_then_write_transactions_serialize(uow_factory: SqlUnitOfWorkFactory) -> None:
    """50 transactions read a counter and write it back plus one; none fails and none is lost.

    SQLite needs BEGIN IMMEDIATE for this (a deferred reader could not upgrade to a writer); PostgreSQL
    needs the row lock of SELECT ... FOR UPDATE (which SQLite ignores).
    """
    world = await build_world(uow_factory, capacity=50)

    async def increment() -> None:
        async with uow_factory() as uow:
            taken = await uow.connection.execute(
                select(slots.c.seats_taken).where(slots.c.id == world.slot.id).with_for_update()
            )
            value = taken.scalar_one()
            await asyncio.sleep(0)
            await uow.connection.execute(update(slots).where(slots.c.id == world.slot.id).values(seats_taken=value + 1))
            await uow.commit()

    await asyncio.gather(*(increment() for _ in range(50)))

    async with uow_factory() as uow:
        got = await uow.slots.get(world.slot.id)
    assert got is not None and got.seats_taken == 50


async def test_one_of_many_concurrent_claimers_wins(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.outbox.add(Notification(recipient_id=1, kind="session_started"), NOW)
        message_id = (await uow.connection.execute(select(outbox.c.id))).scalar_one()
        await uow.commit()

    async def claim(worker: int) -> bool:
        async with uow_factory() as uow:
            now = NOW + timedelta(milliseconds=worker)
            won = await uow.outbox.claim(message_id, now, now + timedelta(seconds=30))
            await uow.commit()
            return won

    outcomes = await asyncio.gather(*(claim(worker) for worker in range(20)))

    assert outcomes.count(True) == 1


async def test_a_webhook_event_delivered_concurrently_is_recorded_once(uow_factory: SqlUnitOfWorkFactory) -> None:
    async def record() -> bool:
        async with uow_factory() as uow:
            first = await uow.webhook_events.record("stripe", "evt_race", "checkout.session.completed", NOW)
            await uow.commit()
            return first

    outcomes = await asyncio.gather(*(record() for _ in range(20)))

    assert outcomes.count(True) == 1


async def test_concurrent_duplicate_notifications_are_queued_once(uow_factory: SqlUnitOfWorkFactory) -> None:
    async def add() -> bool:
        async with uow_factory() as uow:
            queued = await uow.outbox.add(
                Notification(recipient_id=1, kind="reminder", dedupe_key="reminder:1:24h"), NOW
            )
            await uow.commit()
            return queued

    outcomes = await asyncio.gather(*(add() for _ in range(20)))

    assert outcomes.count(True) == 1
    async with uow_factory() as uow:
        assert await uow.outbox.count_pending() == 1
