from datetime import date

from sqlalchemy import delete, or_, select, update

from core.entities import WeeklyPattern
from storage.repositories._common import TableRepository, require_one
from storage.repositories._stored import PATTERNS
from storage.tables import weekly_patterns


class SqlPatternRepository(TableRepository[WeeklyPattern]):
    """Weekly patterns; the weekdays are stored as a sorted, comma-separated string."""

    stored = PATTERNS

    async def get(self, pattern_id: int) -> WeeklyPattern | None:
        return await self._first_by(weekly_patterns.c.id, pattern_id)

    async def add(self, pattern: WeeklyPattern) -> WeeklyPattern:
        """Insert the pattern; sets the new id on `pattern` and returns it."""
        return await self._insert(pattern)

    async def list_for_tutor(self, tutor_id: int) -> list[WeeklyPattern]:
        """Ordered by id."""
        return await self._list(
            select(weekly_patterns).where(weekly_patterns.c.tutor_id == tutor_id).order_by(weekly_patterns.c.id)
        )

    async def list_expandable(self, through: date) -> list[WeeklyPattern]:
        """Patterns whose expanded_until is before `through` (or unset), ordered by id."""
        return await self._list(
            select(weekly_patterns)
            .where(
                or_(
                    weekly_patterns.c.expanded_until.is_(None),
                    weekly_patterns.c.expanded_until < through,
                )
            )
            .order_by(weekly_patterns.c.id)
        )

    async def set_expanded_until(self, pattern_id: int, day: date) -> None:
        """Raises LookupError if the pattern does not exist (any more)."""
        result = await self._conn.execute(
            update(weekly_patterns).where(weekly_patterns.c.id == pattern_id).values(expanded_until=day)
        )
        require_one(result.rowcount, "weekly pattern", pattern_id)

    async def delete(self, pattern_id: int) -> bool:
        """Delete the pattern; its slots stay, with pattern_id set to NULL. False if it did not exist."""
        result = await self._conn.execute(delete(weekly_patterns).where(weekly_patterns.c.id == pattern_id))
        return result.rowcount == 1
