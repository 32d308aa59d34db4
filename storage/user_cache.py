"""The people a process knows, for an embedded database that only this process writes to.

Every update starts by loading its sender (`bot.middlewares.AppUserMiddleware`); on the embedded SQLite
deployment that read was a transaction of its own, one in three of a booking step's. People change rarely
(language, zone, role, names) and only through `SqlUserRepository`, whose writes the unit of work reports
here once they are committed: the next read of that person goes to the database again. Loaded whole at
start-up (`load_all`) when there are not too many, a person it does not hold is known not to exist.
"""

import dataclasses
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from core.entities import User
from core.usecases.accounts import get_user
from storage.repositories._stored import USERS
from storage.tables import users

if TYPE_CHECKING:
    from storage.uow import SqlUnitOfWorkFactory

# A cache of this size or more is dropped and refilled (people who stopped writing linger).
_LIMIT = 100_000
# At most this many people are loaded at start-up (about half a kilobyte each).
LOAD_AT_START = 20_000


class UserCache:
    def __init__(self, uow_factory: "SqlUnitOfWorkFactory | None" = None) -> None:
        self._uow_factory = uow_factory
        self._users: dict[int, User | None] = {}
        # Every person is in `_users` (`load_all`), but for those written since, which are read again.
        self._complete = False
        self._written: set[int] = set()
        # Counts forgets: a read that began before one may carry what that write replaced, so it is not kept.
        self._writes = 0

    def bind(self, uow_factory: "SqlUnitOfWorkFactory") -> None:
        self._uow_factory = uow_factory

    async def load_all(self) -> int:
        """Hold every person, if there are at most LOAD_AT_START; the number of people."""
        uow = self._factory()()
        async with uow:
            connection = uow.connection
            count = int((await connection.execute(select(func.count()).select_from(users))).scalar_one())
            if count > LOAD_AT_START:
                return count
            everyone = USERS.all(await connection.execute(select(users)))
        for person in everyone:
            self._users[person.id] = person
        self._complete = True
        return count

    async def get(self, user_id: int) -> User | None:
        """The person (None if they never sent /start), a copy the caller may change."""
        if user_id in self._users:
            return _copy(self._users[user_id])
        if self._complete and user_id not in self._written:
            return None
        writes = self._writes
        user = await self._read(user_id)
        if writes == self._writes:
            if len(self._users) >= _LIMIT:
                self._users.clear()
                self._complete = False
            self._users[user_id] = _copy(user)
            self._written.discard(user_id)
        return user

    async def _read(self, user_id: int) -> User | None:
        return await get_user(self._factory()(), user_id)

    def _factory(self) -> "SqlUnitOfWorkFactory":
        if self._uow_factory is None:
            raise RuntimeError("UserCache.bind() was not called")
        return self._uow_factory

    def forget(self, user_ids: list[int]) -> None:
        if user_ids:
            self._writes += 1
            for user_id in user_ids:
                self._users.pop(user_id, None)
                if self._complete:
                    self._written.add(user_id)


def _copy(user: User | None) -> User | None:
    return dataclasses.replace(user) if user is not None else None
