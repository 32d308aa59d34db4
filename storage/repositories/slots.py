from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Delete, Update, and_, bindparam, delete, func, or_, select, update

from core.bookings import book_by
from core.entities import Slot
from core.enums import SessionStatus
from storage.repositories._common import TableRepository
from storage.repositories._stored import SLOTS
from storage.tables import sessions, slots
from storage.types import UTCDateTime


def bookable() -> tuple[ColumnElement[bool], ...]:
    """Still offered: not removed, and its session (if any) still scheduled. A cancelled session's slot,
    and one whose session is live or over, is not sold again."""
    closed_session = (
        select(sessions.c.id)
        .where(sessions.c.slot_id == slots.c.id, sessions.c.status != SessionStatus.SCHEDULED.value)
        .exists()
    )
    return (slots.c.removed_at.is_(None), ~closed_session)


def _cancelled_session() -> ColumnElement[bool]:
    return (
        select(sessions.c.id)
        .where(sessions.c.slot_id == slots.c.id, sessions.c.status == SessionStatus.CANCELLED.value)
        .exists()
    )


def _unbooked() -> tuple[ColumnElement[bool], ...]:
    """No seat taken, and no session ever held on it: a slot with a session is history (cancelled
    bookings, attendance) and stays."""
    has_session = select(sessions.c.id).where(sessions.c.slot_id == slots.c.id).exists()
    return (slots.c.seats_taken == 0, ~has_session)


# Built once (on every booking screen): building it per call cost more CPU than running it.
def last_to_book() -> ColumnElement[datetime]:
    """The last instant a slot can be booked: its tutor's notice before the start, or the start."""
    return func.coalesce(slots.c.book_by, slots.c.starts_at)


_ON_SALE = (
    slots.c.tutor_id == bindparam("tutor_id"),
    slots.c.starts_at >= bindparam("start", type_=UTCDateTime()),
    # Not past the tutor's booking notice (a slot without one is bookable until it starts).
    or_(slots.c.book_by.is_(None), slots.c.book_by > bindparam("start", type_=UTCDateTime())),
    slots.c.starts_at < bindparam("end", type_=UTCDateTime()),
    *bookable(),
)
_OPEN_SLOTS = (
    select(slots).where(*_ON_SALE, slots.c.seats_taken < slots.c.capacity).order_by(slots.c.starts_at, slots.c.id)
)
# Full ones too: a full slot is offered with its waitlist.
_ON_SALE_SLOTS = select(slots).where(*_ON_SALE).order_by(slots.c.starts_at, slots.c.id)


_TAKE_SEAT = (
    update(slots)
    .where(slots.c.id == bindparam("slot_id"), slots.c.seats_taken < slots.c.capacity)
    .values(seats_taken=slots.c.seats_taken + 1)
    .returning(slots.c.tutor_id)
)
_RELEASE_SEAT = (
    update(slots)
    .where(slots.c.id == bindparam("slot_id"), slots.c.seats_taken > 0)
    .values(seats_taken=slots.c.seats_taken - 1)
    .returning(slots.c.tutor_id)
)


class SqlSlotRepository(TableRepository[Slot]):
    stored = SLOTS

    async def get(self, slot_id: int) -> Slot | None:
        return await self._first_by(slots.c.id, slot_id)

    async def add(self, slot: Slot) -> Slot:
        """Insert the slot; sets the new id on `slot` and returns it."""
        self._changes.touch_tutors([slot.tutor_id])
        return await self._insert(slot)

    async def list_for_tutor(
        self, tutor_id: int, start: datetime, end: datetime, *, blocking_only: bool = False
    ) -> list[Slot]:
        """Slots of the tutor that overlap [start, end), ordered by start; never the removed ones. With
        `blocking_only`, not those whose session was cancelled either: their time is free again."""
        conditions = [
            slots.c.tutor_id == tutor_id,
            slots.c.starts_at < end,
            slots.c.ends_at > start,
            slots.c.removed_at.is_(None),
        ]
        if blocking_only:
            conditions.append(~_cancelled_session())
        return await self._list(select(slots).where(*conditions).order_by(slots.c.starts_at, slots.c.id))

    async def remove(self, slot_id: int, at: datetime) -> bool:
        """Take a slot that holds history off the schedule (no seat may be taken); False otherwise."""
        return await self._changed(
            update(slots)
            .where(slots.c.id == slot_id, slots.c.seats_taken == 0, slots.c.removed_at.is_(None))
            .values(removed_at=at, updated_at=at)
            .returning(slots.c.tutor_id)
        )

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
        return await self._changed(
            update(slots)
            .where(slots.c.id == slot.id, or_(slots.c.seats_taken == 0, keeps_booked_seats))
            .values(
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                session_type=slot.session_type.value,
                capacity=slot.capacity,
                updated_at=slot.updated_at,
            )
            .returning(slots.c.tutor_id)
        )

    async def delete_unbooked(self, slot_id: int) -> bool:
        """Delete the slot if no seat is taken; False (nothing deleted) otherwise or if it does not exist."""
        return await self._changed(delete(slots).where(slots.c.id == slot_id, *_unbooked()).returning(slots.c.tutor_id))

    async def delete_unbooked_of_pattern(self, pattern_id: int, starting_from: datetime) -> int:
        """Delete the pattern's slots starting at or after `starting_from` that have no booking; the count."""
        result = await self._conn.execute(
            delete(slots)
            .where(slots.c.pattern_id == pattern_id, slots.c.starts_at >= starting_from, *_unbooked())
            .returning(slots.c.tutor_id)
        )
        tutor_ids = list(result.scalars())
        self._changes.touch_tutors(tutor_ids)
        return len(tutor_ids)

    async def delete_past_unbooked(self, before: datetime) -> int:
        """Spec 002 §1.3: slots that ended before the instant and were never booked (no session)."""
        result = await self._conn.execute(delete(slots).where(slots.c.ends_at < before, *_unbooked()))
        return result.rowcount

    async def take_seat(self, slot_id: int) -> bool:
        """`seats_taken + 1` in one conditional UPDATE, only while a seat is left; False when the slot is full
        (or does not exist).

        The condition is checked on the row as it is when the UPDATE runs: concurrent bookers queue on the
        row lock (PostgreSQL) or the write lock (SQLite), and once the slot is full the rest get False.
        """
        return await self._changed(_TAKE_SEAT, {"slot_id": slot_id})

    async def release_seat(self, slot_id: int) -> None:
        """`seats_taken - 1`, never below zero (releasing a seat of an empty slot changes nothing)."""
        await self._changed(_RELEASE_SEAT, {"slot_id": slot_id})

    async def set_book_by(self, tutor_id: int, notice_minutes: int, now: datetime) -> None:
        """The tutor's booking notice changed: every slot still ahead gets its last instant to book again
        (computed here: SQLite and PostgreSQL do date arithmetic differently)."""
        ahead = await self._conn.execute(
            select(slots.c.id, slots.c.starts_at).where(slots.c.tutor_id == tutor_id, slots.c.starts_at > now)
        )
        values = [{"slot_id": slot_id, "value": book_by(starts_at, notice_minutes)} for slot_id, starts_at in ahead]
        if values:
            await self._conn.execute(
                update(slots).where(slots.c.id == bindparam("slot_id")).values(book_by=bindparam("value")), values
            )
        self._changes.touch_tutors([tutor_id])

    async def list_on_sale(self, tutor_id: int, start: datetime, end: datetime) -> list[Slot]:
        """Like `list_open`, full slots included (their waitlist is open)."""
        result = await self._conn.execute(_ON_SALE_SLOTS, {"tutor_id": tutor_id, "start": start, "end": end})
        return self.stored.all(result)

    async def list_open(self, tutor_id: int, start: datetime, end: datetime) -> list[Slot]:
        """The tutor's slots starting in [start, end) with a seat left, ordered by start."""
        result = await self._conn.execute(_OPEN_SLOTS, {"tutor_id": tutor_id, "start": start, "end": end})
        return self.stored.all(result)

    async def _changed(self, statement: Update | Delete, parameters: dict[str, Any] | None = None) -> bool:
        """Run an UPDATE or DELETE of one slot, RETURNING its tutor_id; True when it hit the slot, whose
        tutor is then noted as touched (the tutor list's next free time may have moved)."""
        tutor_id = (await self._conn.execute(statement, parameters)).scalar_one_or_none()
        if tutor_id is None:
            return False
        self._changes.touch_tutors([tutor_id])
        return True
