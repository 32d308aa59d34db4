from datetime import datetime

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.entities import Attendance
from core.enums import AttendanceSource
from storage.repositories._common import require_new
from storage.tables import attendance as attendance_table


def _to_attendance(row: RowMapping) -> Attendance:
    return Attendance(
        id=row["id"],
        session_id=row["session_id"],
        user_id=row["user_id"],
        joined_at=row["joined_at"],
        left_at=row["left_at"],
        source=AttendanceSource(row["source"]),
    )


class SqlAttendanceRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, attendance: Attendance) -> Attendance:
        """Insert the presence interval; sets the new id on it and returns it."""
        require_new(attendance)
        result = await self._conn.execute(
            insert(attendance_table)
            .values(
                session_id=attendance.session_id,
                user_id=attendance.user_id,
                joined_at=attendance.joined_at,
                left_at=attendance.left_at,
                source=attendance.source.value,
            )
            .returning(attendance_table.c.id)
        )
        attendance.id = result.scalar_one()
        return attendance

    async def list_for_session(self, session_id: int) -> list[Attendance]:
        """Every presence interval of the session, ordered by join time."""
        result = await self._conn.execute(
            select(attendance_table)
            .where(attendance_table.c.session_id == session_id)
            .order_by(attendance_table.c.joined_at, attendance_table.c.id)
        )
        return [_to_attendance(row) for row in result.mappings()]

    async def open_interval(self, session_id: int, user_id: int) -> Attendance | None:
        """The person's interval that has no leave time yet, if any."""
        result = await self._conn.execute(
            select(attendance_table)
            .where(
                attendance_table.c.session_id == session_id,
                attendance_table.c.user_id == user_id,
                attendance_table.c.left_at.is_(None),
            )
            .order_by(attendance_table.c.joined_at.desc(), attendance_table.c.id.desc())
            .limit(1)
        )
        row = result.mappings().first()
        return _to_attendance(row) if row is not None else None

    async def close_open(self, session_id: int, at: datetime, user_id: int | None = None) -> int:
        """Set the leave time of open intervals (of one person, or everyone); how many were closed."""
        conditions = [attendance_table.c.session_id == session_id, attendance_table.c.left_at.is_(None)]
        if user_id is not None:
            conditions.append(attendance_table.c.user_id == user_id)
        result = await self._conn.execute(update(attendance_table).where(*conditions).values(left_at=at))
        return result.rowcount
