from sqlalchemy import RowMapping, insert, select
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
