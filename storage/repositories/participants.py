from typing import Any

from sqlalchemy import RowMapping, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.entities import Participant
from core.enums import ParticipantStatus
from core.errors import Conflict
from storage.repositories._common import insert_or_ignore, require_new, require_one
from storage.tables import ACTIVE_STATUS_VALUES, participants


def _to_participant(row: RowMapping) -> Participant:
    return Participant(
        id=row["id"],
        session_id=row["session_id"],
        user_id=row["user_id"],
        status=ParticipantStatus(row["status"]),
        hold_expires_at=row["hold_expires_at"],
        booked_at=row["booked_at"],
        cancelled_at=row["cancelled_at"],
        note=row["note"],
        reminders_enabled=row["reminders_enabled"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _values(participant: Participant) -> dict[str, Any]:
    return {
        "session_id": participant.session_id,
        "user_id": participant.user_id,
        "status": participant.status.value,
        "hold_expires_at": participant.hold_expires_at,
        "booked_at": participant.booked_at,
        "cancelled_at": participant.cancelled_at,
        "note": participant.note,
        "reminders_enabled": participant.reminders_enabled,
        "created_at": participant.created_at,
        "updated_at": participant.updated_at,
    }


class SqlParticipantRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def get(self, participant_id: int) -> Participant | None:
        result = await self._conn.execute(select(participants).where(participants.c.id == participant_id))
        row = result.mappings().first()
        return _to_participant(row) if row is not None else None

    async def add(self, participant: Participant) -> Participant:
        """Insert the participant; sets the new id on `participant` and returns it.

        Raises `Conflict("already_booked")` (and writes nothing, the transaction stays usable) when the
        participant holds a seat and the same user already holds one in the same session.
        """
        require_new(participant)
        statement = insert_or_ignore(
            self._conn,
            participants,
            ["session_id", "user_id"],
            index_where=participants.c.status.in_(ACTIVE_STATUS_VALUES),
        )
        result = await self._conn.execute(statement.values(**_values(participant)).returning(participants.c.id))
        new_id = result.scalar_one_or_none()
        if new_id is None:
            raise Conflict("already_booked", session_id=participant.session_id, user_id=participant.user_id)
        participant.id = new_id
        return participant

    async def update(self, participant: Participant) -> None:
        result = await self._conn.execute(
            update(participants).where(participants.c.id == participant.id).values(**_values(participant))
        )
        require_one(result.rowcount, "participant", participant.id)

    async def list_for_session(self, session_id: int) -> list[Participant]:
        """Every participant of the session, whatever the status, in the order they were added."""
        result = await self._conn.execute(
            select(participants).where(participants.c.session_id == session_id).order_by(participants.c.id)
        )
        return [_to_participant(row) for row in result.mappings()]
