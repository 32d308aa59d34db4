from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.entities import User
from storage.repositories._common import insert_or_ignore, require_one
from storage.repositories._rows import user_from_row
from storage.tables import users


def _values(user: User) -> dict[str, Any]:
    return {
        "first_name": user.first_name,
        "username": user.username,
        "language": user.language,
        "timezone": user.timezone,
        "role": user.role.value if user.role is not None else None,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


class SqlUserRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def get(self, user_id: int) -> User | None:
        result = await self._conn.execute(select(users).where(users.c.id == user_id))
        row = result.mappings().first()
        return user_from_row(row) if row is not None else None

    async def get_many(self, user_ids: Sequence[int]) -> list[User]:
        """The users that exist among `user_ids`, ordered by id."""
        if not user_ids:
            return []
        result = await self._conn.execute(select(users).where(users.c.id.in_(set(user_ids))).order_by(users.c.id))
        return [user_from_row(row) for row in result.mappings()]

    async def add(self, user: User) -> bool:
        """Insert the user; False (nothing written) if the id exists, e.g. after a double-tapped /start."""
        result = await self._conn.execute(
            insert_or_ignore(self._conn, users, ["id"]).values(id=user.id, **_values(user)).returning(users.c.id)
        )
        return result.first() is not None

    async def update(self, user: User) -> None:
        result = await self._conn.execute(update(users).where(users.c.id == user.id).values(**_values(user)))
        require_one(result.rowcount, "user", user.id)

    async def lock(self, user_id: int) -> None:
        """Serialize one person's bookings until the transaction ends.

        PostgreSQL: a row lock on the user (SELECT ... FOR UPDATE); a second transaction locking the same user
        waits until the first commits or rolls back. SQLite: nothing to do, every transaction begins with
        BEGIN IMMEDIATE and so holds the database's write lock already.
        """
        if self._conn.dialect.name == "sqlite":
            return
        await self._conn.execute(select(users.c.id).where(users.c.id == user_id).with_for_update())
