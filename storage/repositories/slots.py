from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.entities import Slot
from core.enums import SessionType
from storage.repositories._common import require_new
from storage.tables import sessions, slots


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
        pattern_id=row["pattern_id"],
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
        "pattern_id": slot.pattern_id,
        "created_at": slot.created_at,
        "updated_at": slot.updated_at,
    }


def _unbooked() -> tuple[ColumnElement[bool], ...]:
    """No seat taken, and no session ever held on it: a slot with a session is history (cancelled
    bookings, attendance) and stays."""
    has_session = select(sessions.c.id).where(sessions.c.slot_id == slots.c.id).exists()
    return (slots.c.seats_taken == 0, ~has_session)


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

    async def update(self, slot: Slot) -> bool:
        """Write starts_at, ends_at, session_type and capacity (and updated_at) in one conditional UPDATE.

        It applies only while nobody holds a seat, or when the change keeps every booked seat (same times
        and type, capacity >= seats_taken). False, with nothing written, when a booking arrived in between
        or the slot does not exist. The condition is checked on the row as it is when the UPDATE runs, so a
        concurrent booking either commits first (and the UPDATE is refused) or waits for this transaction.
        """
        keeps_booked_seats = and_(
            slots.c.starts_at == slot.starts_at,
            slots.c.ends_at == slot.ends_at,
            slots.c.session_type == slot.session_type.value,
            slots.c.seats_taken <= slot.capacity,
        )
        result = await self._conn.execute(
            update(slots)
            .where(slots.c.id == slot.id, or_(slots.c.seats_taken == 0, keeps_booked_seats))
            .values(
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                session_type=slot.session_type.value,
                capacity=slot.capacity,
                updated_at=slot.updated_at,
            )
        )
        return result.rowcount == 1

    async def delete_unbooked(self, slot_id: int) -> bool:
        """Delete the slot if no seat is taken; False (nothing deleted) otherwise or if it does not exist."""
        result = await self._conn.execute(delete(slots).where(slots.c.id == slot_id, *_unbooked()))
        return result.rowcount == 1

    async def delete_unbooked_of_pattern(self, pattern_id: int, starting_from: datetime) -> int:
        """Delete the pattern's slots starting at or after `starting_from` that have no booking; the count."""
        result = await self._conn.execute(
            delete(slots).where(
                slots.c.pattern_id == pattern_id,
                slots.c.starts_at >= starting_from,
                *_unbooked(),
            )
        )
        return result.rowcount
