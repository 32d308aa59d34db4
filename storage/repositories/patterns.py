from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import RowMapping, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.entities import WeeklyPattern
from core.enums import SessionType
from storage.repositories._common import require_new, require_one
from storage.tables import weekly_patterns

WEEKDAYS = range(7)


def encode_weekdays(weekdays: Iterable[int]) -> str:
    """The stored form of a set of weekdays: sorted and comma-separated, e.g. "0,2,4"."""
    days = sorted(set(weekdays))
    if not days:
        raise ValueError("a weekly pattern needs at least one weekday")
    invalid = [day for day in days if day not in WEEKDAYS]
    if invalid:
        raise ValueError(f"weekdays are 0 (Monday) to 6 (Sunday), got {invalid!r}")
    return ",".join(str(day) for day in days)


def decode_weekdays(stored: str) -> frozenset[int]:
    return frozenset(int(day) for day in stored.split(","))


def _to_pattern(row: RowMapping) -> WeeklyPattern:
    return WeeklyPattern(
        id=row["id"],
        tutor_id=row["tutor_id"],
        weekdays=decode_weekdays(row["weekdays"]),
        window_start=row["window_start"],
        window_end=row["window_end"],
        session_minutes=row["session_minutes"],
        session_type=SessionType(row["session_type"]),
        capacity=row["capacity"],
        timezone=row["timezone"],
        expanded_until=row["expanded_until"],
        created_at=row["created_at"],
    )


def _values(pattern: WeeklyPattern) -> dict[str, Any]:
    return {
        "tutor_id": pattern.tutor_id,
        "weekdays": encode_weekdays(pattern.weekdays),
        "window_start": pattern.window_start,
        "window_end": pattern.window_end,
        "session_minutes": pattern.session_minutes,
        "session_type": pattern.session_type.value,
        "capacity": pattern.capacity,
        "timezone": pattern.timezone,
        "expanded_until": pattern.expanded_until,
        "created_at": pattern.created_at,
    }


class SqlPatternRepository:
    """Weekly patterns; the weekdays are stored as a sorted, comma-separated string."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def get(self, pattern_id: int) -> WeeklyPattern | None:
        result = await self._conn.execute(select(weekly_patterns).where(weekly_patterns.c.id == pattern_id))
        row = result.mappings().first()
        return _to_pattern(row) if row is not None else None

    async def add(self, pattern: WeeklyPattern) -> WeeklyPattern:
        """Insert the pattern; sets the new id on `pattern` and returns it."""
        require_new(pattern)
        result = await self._conn.execute(
            insert(weekly_patterns).values(**_values(pattern)).returning(weekly_patterns.c.id)
        )
        pattern.id = result.scalar_one()
        return pattern

    async def list_for_tutor(self, tutor_id: int) -> list[WeeklyPattern]:
        """Ordered by id."""
        result = await self._conn.execute(
            select(weekly_patterns).where(weekly_patterns.c.tutor_id == tutor_id).order_by(weekly_patterns.c.id)
        )
        return [_to_pattern(row) for row in result.mappings()]

    async def list_expandable(self, through: date) -> list[WeeklyPattern]:
        """Patterns whose expanded_until is before `through` (or unset), ordered by id."""
        result = await self._conn.execute(
            select(weekly_patterns)
            .where(
                or_(
                    weekly_patterns.c.expanded_until.is_(None),
                    weekly_patterns.c.expanded_until < through,
                )
            )
            .order_by(weekly_patterns.c.id)
        )
        return [_to_pattern(row) for row in result.mappings()]

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
