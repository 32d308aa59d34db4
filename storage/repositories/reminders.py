from datetime import datetime

from sqlalchemy import RowMapping, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.entities import Reminder
from core.enums import ReminderKind, ReminderStatus
from storage.repositories._common import insert_or_ignore
from storage.tables import reminders


def _to_reminder(row: RowMapping) -> Reminder:
    return Reminder(
        id=row["id"],
        session_id=row["session_id"],
        recipient_id=row["recipient_id"],
        participant_id=row["participant_id"],
        kind=ReminderKind(row["kind"]),
        offset_minutes=row["offset_minutes"],
        due_at=row["due_at"],
        status=ReminderStatus(row["status"]),
        created_at=row["created_at"],
        handled_at=row["handled_at"],
    )


class SqlReminderRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, reminder: Reminder) -> bool:
        result = await self._conn.execute(
            insert_or_ignore(self._conn, reminders, ["session_id", "recipient_id", "kind", "offset_minutes"])
            .values(
                session_id=reminder.session_id,
                recipient_id=reminder.recipient_id,
                participant_id=reminder.participant_id,
                kind=reminder.kind.value,
                offset_minutes=reminder.offset_minutes,
                due_at=reminder.due_at,
                status=reminder.status.value,
                created_at=reminder.created_at,
                handled_at=reminder.handled_at,
            )
            .returning(reminders.c.id)
        )
        row = result.first()
        if row is None:
            return False
        reminder.id = row[0]
        return True

    async def list_due(self, now: datetime, limit: int) -> list[Reminder]:
        result = await self._conn.execute(
            select(reminders)
            .where(reminders.c.status == ReminderStatus.PENDING.value, reminders.c.due_at <= now)
            .order_by(reminders.c.due_at, reminders.c.id)
            .limit(limit)
        )
        return [_to_reminder(row) for row in result.mappings()]

    async def settle(self, reminder_id: int, status: ReminderStatus, now: datetime) -> bool:
        # Conditional on PENDING: of two workers that picked the same row, exactly one wins.
        result = await self._conn.execute(
            update(reminders)
            .where(reminders.c.id == reminder_id, reminders.c.status == ReminderStatus.PENDING.value)
            .values(status=status.value, handled_at=now)
        )
        return result.rowcount == 1

    async def list_for_session(self, session_id: int) -> list[Reminder]:
        result = await self._conn.execute(
            select(reminders).where(reminders.c.session_id == session_id).order_by(reminders.c.due_at, reminders.c.id)
        )
        return [_to_reminder(row) for row in result.mappings()]
