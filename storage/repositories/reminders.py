from datetime import datetime

from sqlalchemy import select, update

from core.entities import Reminder
from core.enums import ReminderStatus
from storage.repositories._common import TableRepository, insert_or_ignore
from storage.repositories._stored import REMINDERS
from storage.tables import reminders


class SqlReminderRepository(TableRepository[Reminder]):
    stored = REMINDERS

    async def add(self, reminder: Reminder) -> bool:
        result = await self._conn.execute(
            insert_or_ignore(self._conn, reminders, ["session_id", "recipient_id", "kind", "offset_minutes"])
            .values(**REMINDERS.values(reminder))
            .returning(reminders.c.id)
        )
        row = result.first()
        if row is None:
            return False
        reminder.id = row[0]
        return True

    async def list_due(self, now: datetime, limit: int) -> list[Reminder]:
        return await self._list(
            select(reminders)
            .where(reminders.c.status == ReminderStatus.PENDING.value, reminders.c.due_at <= now)
            .order_by(reminders.c.due_at, reminders.c.id)
            .limit(limit)
        )

    async def settle(self, reminder_id: int, status: ReminderStatus, now: datetime) -> bool:
        # Conditional on PENDING: of two workers that picked the same row, exactly one wins.
        result = await self._conn.execute(
            update(reminders)
            .where(reminders.c.id == reminder_id, reminders.c.status == ReminderStatus.PENDING.value)
            .values(status=status.value, handled_at=now)
        )
        return result.rowcount == 1

    async def list_for_session(self, session_id: int) -> list[Reminder]:
        return await self._list(
            select(reminders).where(reminders.c.session_id == session_id).order_by(reminders.c.due_at, reminders.c.id)
        )
