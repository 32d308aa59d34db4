from datetime import datetime

from sqlalchemy import select, update

from core.entities import Attendance
from core.enums import AttendanceEnd, AttendanceSource
from storage.repositories._common import TableRepository
from storage.repositories._stored import ATTENDANCE
from storage.tables import attendance as attendance_table


class SqlAttendanceRepository(TableRepository[Attendance]):
    stored = ATTENDANCE

    async def add(self, attendance: Attendance) -> Attendance:
        """Insert the presence interval; sets the new id on it and returns it."""
        return await self._insert(attendance)

    async def list_for_session(self, session_id: int) -> list[Attendance]:
        """Every presence interval of the session, ordered by join time."""
        return await self._list(
            select(attendance_table)
            .where(attendance_table.c.session_id == session_id)
            .order_by(attendance_table.c.joined_at, attendance_table.c.id)
        )

    async def open_interval(self, session_id: int, user_id: int) -> Attendance | None:
        """The person's interval that has no leave time yet, if any."""
        return ATTENDANCE.first(
            await self._conn.execute(
                select(attendance_table)
                .where(
                    attendance_table.c.session_id == session_id,
                    attendance_table.c.user_id == user_id,
                    attendance_table.c.left_at.is_(None),
                )
                .order_by(attendance_table.c.joined_at.desc(), attendance_table.c.id.desc())
                .limit(1)
            )
        )

    async def seen(
        self, attendance_id: int, *, last_seen_at: datetime | None, confirmed_by: AttendanceSource | None
    ) -> None:
        """Record a heartbeat (when given) and the second source (when given) on an open interval."""
        values: dict[str, object] = {}
        if last_seen_at is not None:
            values["last_seen_at"] = last_seen_at
        if confirmed_by is not None:
            values["confirmed_by"] = confirmed_by.value
        if values:
            await self._conn.execute(
                update(attendance_table)
                .where(attendance_table.c.id == attendance_id, attendance_table.c.left_at.is_(None))
                .values(**values)
            )

    async def close_open(
        self, session_id: int, at: datetime, closed_by: AttendanceEnd, user_id: int | None = None
    ) -> int:
        """Set the leave time of open intervals (of one person, or everyone); how many were closed."""
        conditions = [attendance_table.c.session_id == session_id, attendance_table.c.left_at.is_(None)]
        if user_id is not None:
            conditions.append(attendance_table.c.user_id == user_id)
        result = await self._conn.execute(
            update(attendance_table).where(*conditions).values(left_at=at, closed_by=closed_by.value)
        )
        return result.rowcount

    async def close_quiet(self, seen_before: datetime) -> int:
        """Close, at its last heartbeat, every open interval whose page last reported before
        `seen_before`; how many were closed (a heartbeat committed first keeps its interval open)."""
        result = await self._conn.execute(
            update(attendance_table)
            .where(attendance_table.c.left_at.is_(None), attendance_table.c.last_seen_at < seen_before)
            .values(left_at=attendance_table.c.last_seen_at, closed_by=AttendanceEnd.HEARTBEAT_TIMEOUT.value)
        )
        return result.rowcount
