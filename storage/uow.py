"""The unit of work: one connection, one transaction, all repositories on it."""

from contextlib import AsyncExitStack
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.ports import UnitOfWork, UnitOfWorkFactory
from storage.engine import transaction_turn
from storage.repositories import Repositories


class SqlUnitOfWork(Repositories):
    """`core.ports.UnitOfWork` on one `AsyncConnection` and its transaction.

    `async with uow:` checks out a connection and begins; `commit()` commits; leaving the block without a
    commit rolls back (so does an exception, including one raised by `commit()`). Statements run after a
    commit start a new transaction, which is rolled back on exit unless committed too. An instance serves
    one `async with` block; the repositories are available inside it.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._resources = AsyncExitStack()
        self._used = False

    @property
    def connection(self) -> AsyncConnection:
        """The connection of the open unit of work (for statements no repository offers)."""
        if self._connection is None:
            raise RuntimeError("the unit of work is not open: use it in `async with`")
        return self._connection

    async def __aenter__(self) -> Self:
        if self._used:
            raise RuntimeError("a unit of work can be used for one `async with` block only")
        self._used = True
        try:
            await self._resources.enter_async_context(transaction_turn(self._engine))
            connection = await self._resources.enter_async_context(self._engine.connect())
            await connection.begin()
        except BaseException:
            await self._resources.aclose()
            raise
        self._connection = connection
        self.open_repositories(connection)
        return self

    async def __aexit__(self, *_exc_info: object) -> None:
        """Roll back whatever was not committed and return the connection to the pool."""
        connection = self._connection
        if connection is None:
            return
        self._connection = None
        try:
            if connection.in_transaction():
                await connection.rollback()
        finally:
            # Closes the connection, then lets the next transaction of this SQLite database start.
            await self._resources.aclose()

    async def commit(self) -> None:
        await self.connection.commit()

    async def rollback(self) -> None:
        await self.connection.rollback()


class SqlUnitOfWorkFactory:
    """Makes a fresh `SqlUnitOfWork` per call: `async with uow_factory() as uow: ...`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)


def _conforms(factory: SqlUnitOfWorkFactory, uow: SqlUnitOfWork) -> tuple[UnitOfWorkFactory, UnitOfWork]:
    # Never called: makes the type checker prove that both implement the ports.
    return factory, uow
