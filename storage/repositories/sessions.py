from typing import Any

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.entities import TeachingSession
from core.enums import SessionStatus
from storage.repositories._common import require_new, require_one
from storage.tables import sessions


def _to_session(row: RowMapping) -> TeachingSession:
    return TeachingSession(
        id=row["id"],
        slot_id=row["slot_id"],
        tutor_id=row["tutor_id"],
        status=SessionStatus(row["status"]),
        channel_name=row["channel_name"],
        started_at=row["started_at"],
        completed_at=row["completed_at"],
        cancel_reason=row["cancel_reason"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _values(session: TeachingSession) -> dict[str, Any]:
    return {
        "slot_id": session.slot_id,
        "tutor_id": session.tutor_id,
        "status": session.status.value,
        "channel_name": session.channel_name,
        "started_at": session.started_at,
        "completed_at": session.completed_at,
        "cancel_reason": session.cancel_reason,
        "created_at": session.created_at,
        "updated_at": session.updated_at,
    }


class SqlSessionRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def get(self, session_id: int) -> TeachingSession | None:
        result = await self._conn.execute(select(sessions).where(sessions.c.id == session_id))
        row = result.mappings().first()
        return _to_session(row) if row is not None else None

    async def get_by_slot(self, slot_id: int) -> TeachingSession | None:
        result = await self._conn.execute(select(sessions).where(sessions.c.slot_id == slot_id))
        row = result.mappings().first()
        return _to_session(row) if row is not None else None

    async def add(self, session: TeachingSession) -> TeachingSession:
        """Insert the session; sets the new id on `session` and returns it."""
        require_new(session)
        result = await self._conn.execute(insert(sessions).values(**_values(session)).returning(sessions.c.id))
        session.id = result.scalar_one()
        return session

    async def update(self, session: TeachingSession) -> None:
        result = await self._conn.execute(
            update(sessions).where(sessions.c.id == session.id).values(**_values(session))
        )
        require_one(result.rowcount, "session", session.id)
