from collections.abc import Sequence

from sqlalchemy import bindparam, select

from core.entities import User
from storage.repositories._common import TableRepository, insert_or_ignore
from storage.repositories._stored import USERS
from storage.tables import users

# Built once: every update reads its sender.
_BY_ID = select(users).where(users.c.id == bindparam("id"))
_LOCK = select(users).where(users.c.id == bindparam("id")).with_for_update()


class SqlUserRepository(TableRepository[User]):
    stored = USERS

    async def get(self, user_id: int) -> User | None:
        return self.stored.first(await self._conn.execute(_BY_ID, {"id": user_id}))

    async def get_many(self, user_ids: Sequence[int]) -> list[User]:
        """The users that exist among `user_ids`, ordered by id."""
        if not user_ids:
            return []
        return await self._list(select(users).where(users.c.id.in_(set(user_ids))).order_by(users.c.id))

    async def add(self, user: User) -> bool:
        """Insert the user; False (nothing written) if the id exists, e.g. after a double-tapped /start."""
        self._changes.touch_user(user.id)
        result = await self._conn.execute(
            insert_or_ignore(self._conn, users, ["id"]).values(**USERS.values(user)).returning(users.c.id)
        )
        return result.first() is not None

    async def update(self, user: User) -> None:
        self._changes.touch_user(user.id)
        await self._update(user)

    async def lock(self, user_id: int) -> User | None:
        """Serialize one person's bookings until the transaction ends; the person as locked (None if there
        is no such person), read by the same statement.

        PostgreSQL: a row lock on the user (SELECT ... FOR UPDATE); a second transaction locking the same user
        waits until the first commits or rolls back. SQLite: a plain read, every transaction begins with
        BEGIN IMMEDIATE and so holds the database's write lock already.
        """
        query = _BY_ID if self._conn.dialect.name == "sqlite" else _LOCK
        return self.stored.first(await self._conn.execute(query, {"id": user_id}))
