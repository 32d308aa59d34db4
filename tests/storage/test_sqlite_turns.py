"""SQLite has one writer: the transactions of a process take turns on a queue of their own instead of
SQLite's busy wait (PostgreSQL runs them side by side, so there is nothing to check there)."""

import asyncio

import pytest

from storage.uow import SqlUnitOfWorkFactory


async def test_transactions_of_one_process_take_turns_in_order(sqlite_uow_factory: SqlUnitOfWorkFactory) -> None:
    order: list[str] = []

    async def worker(name: str, hold: float) -> None:
        async with sqlite_uow_factory() as uow:
            order.append(f"{name} in")
            await uow.users.get(1)
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    first = asyncio.create_task(worker("a", 0.05))
    await asyncio.sleep(0)
    await asyncio.gather(first, worker("b", 0), worker("c", 0))
    # Handed over at once and in arrival order, never two at a time (SQLite's busy wait would sleep).
    assert order == ["a in", "a out", "b in", "b out", "c in", "c out"]


async def test_a_transaction_inside_another_fails_at_once(sqlite_uow_factory: SqlUnitOfWorkFactory) -> None:
    async with sqlite_uow_factory():
        with pytest.raises(RuntimeError, match="inside another one"):
            async with sqlite_uow_factory():
                pass
    async with sqlite_uow_factory() as uow:
        assert await uow.users.get(1) is None
