"""The unit of work: one connection, one transaction, all repositories on it."""

from contextlib import AsyncExitStack
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.ports import UnitOfWork, UnitOfWorkFactory
from storage.engine import transaction_turn
from storage.repositories import Repositories
from storage.repositories._common import Changes
from storage.repositories.listing import recompute
from storage.user_cache import UserCache


class SqlUnitOfWork(Repositories):
    """`core.ports.UnitOfWork` on one `AsyncConnection` and its transaction.

    `async with uow:` checks out a connection and begins; `commit()` commits; leaving the block without a
    commit rolls back (so does an exception, including one raised by `commit()`). Statements run after a
    commit start a new transaction, which is rolled back on exit unless committed too. An instance serves
    one `async with` block; the repositories are available inside it.
    """

    def __init__(self, engine: AsyncEngine, user_cache: UserCache | None = None) -> None:
        self._engine = engine
        self._user_cache = user_cache
        self._connection: AsyncConnection | None = None
        self._resources = AsyncExitStack()
        self._used = False
        self._changes = Changes()

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
        self.open_repositories(connection, self._changes)
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
        # The tutor list's rows of the tutors whose slots changed, last: on PostgreSQL their row locks are
        # then held only until the commit that follows.
        tutor_ids, user_ids = self._changes.take()
        await recompute(self.connection, tutor_ids)
        try:
            await self.connection.commit()
        finally:
            if self._user_cache is not None:
                # Also when the commit failed: whether it landed is unknown, the next read will tell.
                self._user_cache.forget(user_ids)

    async def rollback(self) -> None:
        self._changes.take()
        await self.connection.rollback()


class SqlUnitOfWorkFactory:
    """Makes a fresh `SqlUnitOfWork` per call: `async with uow_factory() as uow: ...`.

    With a `user_cache` (an embedded database only this process writes to), every committed write of a
    person is reported to it."""

    def __init__(self, engine: AsyncEngine, user_cache: UserCache | None = None) -> None:
        self.engine = engine
        self.user_cache = user_cache
        if user_cache is not None:
            user_cache.bind(self)

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.user_cache)


def _conforms(factory: SqlUnitOfWorkFactory, uow: SqlUnitOfWork) -> tuple[UnitOfWorkFactory, UnitOfWork]:
    # Never called: makes the type checker prove that both implement the ports.
    return factory, uow
