from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.entities import Slot
from core.enums import SessionType
from storage.repositories._common import require_new
from storage.tables import slots


def _to_slot(row: RowMapping) -> Slot:
    return Slot(
        id=row["id"],
        tutor_id=row["tutor_id"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        timezone=row["timezone"],
        session_type=SessionType(row["session_type"]),
        capacity=row["capacity"],
        seats_taken=row["seats_taken"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _values(slot: Slot) -> dict[str, Any]:
    return {
        "tutor_id": slot.tutor_id,
        "starts_at": slot.starts_at,
        "ends_at": slot.ends_at,
        "timezone": slot.timezone,
        "session_type": slot.session_type.value,
        "capacity": slot.capacity,
        "seats_taken": slot.seats_taken,
        "created_at": slot.created_at,
        "updated_at": slot.updated_at,
    }


class SqlSlotRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def get(self, slot_id: int) -> Slot | None:
        result = await self._conn.execute(select(slots).where(slots.c.id == slot_id))
        row = result.mappings().first()
        return _to_slot(row) if row is not None else None

    async def add(self, slot: Slot) -> Slot:
        """Insert the slot; sets the new id on `slot` and returns it."""
        require_new(slot)
        result = await self._conn.execute(insert(slots).values(**_values(slot)).returning(slots.c.id))
        slot.id = result.scalar_one()
        return slot

    async def list_for_tutor(self, tutor_id: int, start: datetime, end: datetime) -> list[Slot]:
        """Slots of the tutor that overlap [start, end), ordered by start."""
        result = await self._conn.execute(
            select(slots)
            .where(slots.c.tutor_id == tutor_id, slots.c.starts_at < end, slots.c.ends_at > start)
            .order_by(slots.c.starts_at, slots.c.id)
        )
        return [_to_slot(row) for row in result.mappings()]
