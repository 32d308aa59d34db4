from datetime import date

from sqlalchemy import delete, select

from core.entities import DayOff
from storage.repositories._common import Repository, insert_or_ignore
from storage.tables import days_off


class SqlDayOffRepository(Repository):
    async def add(self, day_off: DayOff) -> bool:
        """False (nothing written) if that day was already off; the transaction stays usable."""
        result = await self._conn.execute(
            insert_or_ignore(self._conn, days_off, ["tutor_id", "day"])
            .values(tutor_id=day_off.tutor_id, day=day_off.day)
            .returning(days_off.c.day)
        )
        return result.first() is not None

    async def remove(self, tutor_id: int, day: date) -> bool:
        """False if that day was not off."""
        result = await self._conn.execute(
            delete(days_off).where(days_off.c.tutor_id == tutor_id, days_off.c.day == day)
        )
        return result.rowcount == 1

    async def list_for_tutor(self, tutor_id: int, first: date, last: date) -> set[date]:
        """The tutor's days off between first and last, inclusive."""
        result = await self._conn.execute(
            select(days_off.c.day).where(days_off.c.tutor_id == tutor_id, days_off.c.day.between(first, last))
        )
        return set(result.scalars())
