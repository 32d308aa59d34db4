import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from core.ports import UnitOfWork, UnitOfWorkFactory
from storage.engine import create_engine
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.storage.factories import user


async def test_commit_persists(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.users.add(user(1))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.users.get(1) is not None


async def test_leaving_without_commit_rolls_back(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.users.add(user(1))
        assert await uow.users.get(1) is not None  # visible inside its own transaction
    async with uow_factory() as uow:
        assert await uow.users.get(1) is None


async def test_an_exception_rolls_back(uow_factory: SqlUnitOfWorkFactory) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with uow_factory() as uow:
            await uow.users.add(user(1))
            raise RuntimeError("boom")
    async with uow_factory() as uow:
        assert await uow.users.get(1) is None


async def test_explicit_rollback_discards_and_work_can_go_on(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.users.add(user(1))
        await uow.rollback()
        await uow.users.add(user(2))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.users.get(1) is None
        assert await uow.users.get(2) is not None


async def test_work_after_commit_is_rolled_back_unless_committed(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.users.add(user(1))
        await uow.commit()
        await uow.users.add(user(2))
    async with uow_factory() as uow:
        assert [u.id for u in await uow.users.get_many([1, 2])] == [1]


async def test_a_unit_of_work_serves_one_block(uow_factory: SqlUnitOfWorkFactory) -> None:
    uow = uow_factory()
    with pytest.raises(RuntimeError, match="not open"):
        _ = uow.connection
    async with uow:
        pass
    with pytest.raises(RuntimeError, match="one `async with` block"):
        async with uow:
            pass


async def test_connections_return_to_the_pool(engine: AsyncEngine) -> None:
    factory = SqlUnitOfWorkFactory(engine)
    for _ in range(40):  # more than the pool holds
        async with factory() as uow:
            await uow.users.get(1)
    pool = engine.sync_engine.pool
    assert isinstance(pool, QueuePool) and pool.checkedout() == 0


def test_implements_the_ports(engine: AsyncEngine) -> None:
    factory: UnitOfWorkFactory = SqlUnitOfWorkFactory(engine)
    uow: UnitOfWork = factory()
    assert isinstance(uow, SqlUnitOfWork)


async def test_a_process_holds_at_most_the_pool_it_was_given(database_url: str, backend: str) -> None:
    engine = create_engine(database_url, pool_size=2, max_overflow=1)
    try:
        factory = SqlUnitOfWorkFactory(engine)
        open_at_once = 0
        most = 0

        async def hold() -> None:
            nonlocal open_at_once, most
            async with factory() as uow:
                open_at_once += 1
                most = max(most, open_at_once)
                await uow.users.get(1)
                await asyncio.sleep(0.05)
                open_at_once -= 1

        await asyncio.gather(*(hold() for _ in range(6)))
        # SQLite takes one transaction at a time anyway; PostgreSQL stops at the pool's 2 + 1.
        assert most == (1 if backend == "sqlite" else 3)
    finally:
        await engine.dispose()


async def test_connections_the_postgres_server_closed_are_replaced_without_an_error(
    postgres_module_database: str,
) -> None:
    """The server restarts or an operator ends every session: the next units of work find fresh connections
    (the pool checks each one it hands out, without a round trip)."""
    engine = create_engine(postgres_module_database)
    try:
        factory = SqlUnitOfWorkFactory(engine)

        async def backend_pid() -> int:
            async with factory() as uow:
                return int((await uow.connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())

        # Several connections in the pool, all idle.
        first_pids = set(await asyncio.gather(*(backend_pid() for _ in range(4))))
        admin = create_engine(postgres_module_database)
        try:
            async with admin.connect() as connection:
                for pid in first_pids:
                    await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        finally:
            await admin.dispose()
        # The termination reaches each pooled socket as the server closes it.
        await asyncio.sleep(0.2)

        later_pids = set(await asyncio.gather(*(backend_pid() for _ in range(4))))
        assert first_pids.isdisjoint(later_pids)
    finally:
        await engine.dispose()
